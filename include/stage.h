/*
 * stage.h
 *    The stage: where a load's gzip CSV parts and its manifest go, either a
 *    local directory (file://) or an S3 bucket (through upload.h).
 *
 * A stage_writer owns one table's parts for one load.  Rows are written
 * whole; a part is closed and a new one opened once it passes part_size
 * compressed bytes, so parts always end on a row boundary.  For file://
 * stages a part is written under a temporary name and renamed into place
 * when complete; for S3 it is spooled to a local file, uploaded, checked and
 * removed.  The manifest, written last, lists exactly the parts of the load,
 * in the layout Redshift's COPY ... MANIFEST reads:
 *     {"entries": [{"url": "s3://b/k", "mandatory": true,
 *                   "meta": {"content_length": N}}, ...],
 *      "wharf": {"job": ..., "table": ..., "columns": [...], "rows": N, ...}}
 *
 * Object layout:  PREFIX/JOB/LOAD_ID/SCHEMA.TABLE/part-00001.csv.gz
 *                 PREFIX/JOB/LOAD_ID/SCHEMA.TABLE/manifest.json
 * (a table read in ranges by several readers: part-r<range>-00001.csv.gz)
 *
 * What a run removes itself once its load is done (a snapshot's or a sync
 * batch's objects with keep = false: stage.transient) goes under
 * PREFIX/JOB/_transient/LOAD_ID/...; what is kept (`wharf stage`, keep =
 * true) never does.  Only runs that hold the job's lock on the source stage
 * there, so whatever the holder of that lock finds there at its start was
 * left by a run that died: stage_remove_orphans removes it.
 */
#ifndef WHARF_STAGE_H
#define WHARF_STAGE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "job.h"
#include "table.h"
#include "upload.h"

/* The folder of JOB/ that transient loads go in (load ids begin with a digit). */
#define STAGE_TRANSIENT "_transient"

typedef struct stage
{
	stage_kind	kind;
	char	   *root;			/* dir (file) or prefix (s3), no trailing '/' */
	upload_target s3;			/* s3 only */
	uint64_t	part_size;
	int			compression;
	char	   *spool_dir;		/* s3 only: where parts are written before upload */
	const char *job_name;
	/*
	 * > 0: a row longer than this many bytes is refused by the writer,
	 * naming its table and key: the warehouse (row_limit_of) could not load
	 * it.  Set by the command from the dialect.
	 */
	uint64_t	max_row_bytes;
	const char *row_limit_of;
	/* loads go under JOB/_transient/ (see above); false unless set */
	bool		transient;
	/*
	 * When set and nonzero, writers refuse further rows (quietly: whoever
	 * set it has said why): the run was interrupted and drops its load.
	 */
	volatile sig_atomic_t *stop;
} stage;

/* What one table's staged load consists of, once finished. */
typedef struct stage_result
{
	char	   *folder;			/* key prefix or directory of the table's load, no trailing '/' */
	char	   *folder_url;		/* s3://bucket/folder/ or file:///folder/ */
	char	   *manifest_url;
	int			nparts;
	char	  **part_names;		/* "part-00001.csv.gz", ... */
	uint64_t   *part_bytes;
	uint64_t	rows;
	uint64_t	raw_bytes;		/* CSV bytes before compression */
	uint64_t	bytes;			/* compressed bytes */
} stage_result;

typedef struct stage_writer stage_writer;

extern bool stage_open(const job *j, stage *out);
extern void stage_close(stage *s);
/* Checks that the stage can be written (and, for S3, listed). */
extern bool stage_check(const stage *s);

/* Creates a local directory and its parents. */
extern bool stage_mkdirs(const char *dir);

/* A name for a new load: UTC time plus a distinguishing suffix. */
extern char *stage_new_load_id(void);
/*
 * The URL of the folder table t of load load_id is staged in, ending in
 * '/' ("s3://bucket/...", "file:///..."): the one place its layout is
 * spelled, for writers and for plan's placeholders alike.
 */
extern char *stage_table_folder_url(const stage *s, const char *load_id, const table_def *t);

extern bool stage_writer_open(const stage *s, const char *load_id,
							  const table_def *t, stage_writer **out);
/*
 * The writer of range number range (>= 0) of a table that several readers
 * stage at once: its parts are named part-r<range>-00001.csv.gz, ..., in
 * the table's folder, and its finish writes no manifest; once every range
 * is finished, stage_results_join makes them one load, with the manifest
 * listing all their parts.
 */
extern bool stage_writer_open_range(const stage *s, const char *load_id,
									const table_def *t, int range, stage_writer **out);
extern bool stage_results_join(const stage *s, const char *load_id, const table_def *t,
							   stage_result *ranges, int n, stage_result *out);
/*
 * The rows w gets start with n fields of their own before t's columns (a
 * change batch's four change columns); 0 unless set.
 */
extern void stage_writer_set_lead(stage_writer *w, int n);
/*
 * Writes complete CSV rows (one or more, each ending in '\n'); a single row
 * (nrows 1) longer than the stage's max_row_bytes is refused, reported.
 */
extern bool stage_write_rows(stage_writer *w, const char *data, size_t len, uint64_t nrows);
/*
 * fn(arg, folder, name) is called as each of w's parts is in its place in
 * the stage (uploaded and checked, or renamed into its folder): a loader
 * can fetch it from then on.  Called in the thread that writes w.
 */
typedef void (*stage_part_fn) (void *arg, const char *folder, const char *name);
extern void stage_writer_on_part(stage_writer *w, stage_part_fn fn, void *arg);
/* What the warehouse fetches a part from, as stage_part_fetch; owned by the caller. */
extern char *stage_fetch(const stage *s, const char *folder, const char *name, int expires_s);

/* Closes the last part, writes the manifest, and frees w. */
extern bool stage_writer_finish(stage_writer *w, stage_result *out);
/* Drops whatever w wrote (parts already stored included) and frees w. */
extern void stage_writer_abort(stage_writer *w);

/*
 * Removes every object under JOB/_transient/: the caller holds the job's
 * lock, so no live run staged them (see above).  Says what it removed in
 * the log; a failure is a warning (the objects stay for the next run).
 */
extern void stage_remove_orphans(const stage *s);

/* Removes a finished load's parts and manifest from the stage. */
extern bool stage_remove(const stage *s, const stage_result *r);
extern void stage_result_free(stage_result *r);

/*
 * For a Postgres stand-in warehouse: what the server fetches part i from
 * (a presigned URL valid for expires_s seconds, or a local path).  Owned by
 * the caller.
 */
extern char *stage_part_fetch(const stage *s, const stage_result *r, int i, int expires_s);

#endif
