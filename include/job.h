/*
 * job.h
 *    The job file: parsing, ${NAME} expansion from the environment, and
 *    validation of every key.
 *
 * A job owns all of its strings.  job_load reports the first problem with
 * one line naming the file, line, section and key, and registers each secret
 * it reads with the log scrubber.
 */
#ifndef WHARF_JOB_H
#define WHARF_JOB_H

#include <stdbool.h>
#include <stdint.h>

#include "table.h"

typedef enum stage_kind
{
	STAGE_S3,
	STAGE_FILE
} stage_kind;

typedef struct job_table
{
	char	   *schema;			/* source schema, unquoted (default "public") */
	char	   *name;			/* source table, unquoted */
	char	  **key;			/* key columns from "key =", NULL-terminated; NULL = primary key */
	int			nkey;
	table_mode	mode;
	table_deletes deletes;
	table_refresh refresh;
	/*
	 * mode = incremental (then mode is MODE_MERGE: rows by key): loads
	 * read only the rows changed since the last one, found by cursor, a
	 * column the application moves on every write, or "xmin" (INCR_XMIN,
	 * incremental.h), by transaction snapshots.  lookback: cursor mode, how
	 * far behind the last high-water mark a load reads again (seconds for
	 * a date or time cursor, units of the cursor otherwise).  deletes (hard
	 * or soft) are found by comparing keys every reconcile_every loads;
	 * deletes_none: not followed; deletes_reconcile: written as
	 * "reconcile" (hard, for incremental tables only).
	 */
	bool		incremental;
	char	   *cursor;
	int			lookback;
	int			reconcile_every;
	bool		deletes_none;
	bool		deletes_reconcile;
	/* "exclude_columns =": columns never read, sent or loaded; NULL-terminated */
	char	  **exclude_columns;
	int			nexclude_columns;
	int			line;			/* where its section starts, for messages */
	/*
	 * A table that a pattern section selected: that section's number in
	 * job.patterns, else -1 (a [table NAME] section of its own).
	 */
	int			pattern;
} job_table;

/*
 * A pattern section, [table public.*]: every ordinary or partitioned table
 * of the source whose schema and name match the globs (job_glob_match) and
 * none of exclude_tables, and that no [table NAME] section names, joins the
 * job with the section's keys (kept in table: its schema and name are the
 * globs).  The first pattern section a table matches selects it.
 */
typedef struct job_pattern
{
	job_table	table;
	char	   *text;			/* "public.*", as written in the header */
	char	  **exclude_schema; /* "exclude_tables =": globs, n of each */
	char	  **exclude_name;
	int			nexclude;
} job_pattern;

typedef struct job
{
	char	   *path;			/* the job file */
	char	   *name;			/* [job] name */

	/* [source] */
	char	   *conninfo;
	char	   *slot;			/* default wharf_<name> */
	char	   *publication;	/* the one wharf makes and owns, default wharf_<name> */
	/*
	 * A publication a DBA made, which sync streams from as it is (never
	 * created, altered or dropped): it must hold every table of the job.
	 * NULL: wharf makes its own (publication, and publication_ins).
	 */
	char	   *use_publication;
	int			parallel;		/* snapshot readers sharing one snapshot, default 2 */
	int			batch_interval; /* sync --follow: seconds between batches, default 5 */
	uint64_t	batch_size;		/* sync: close a batch past this many CSV bytes, default 256 MiB */
	int			heartbeat;		/* sync --follow: seconds between heartbeat messages, 0 = off */

	/* [stage] */
	stage_kind	stage;
	char	   *stage_url;		/* as written */
	char	   *bucket;			/* s3: bucket */
	char	   *prefix;			/* s3: key prefix, no leading or trailing '/'; may be "" */
	char	   *dir;			/* file: absolute directory */
	char	   *endpoint;		/* s3: http(s)://host[:port], default AWS for the region */
	char	   *region;			/* default us-east-1 */
	char	   *access_key_id;
	char	   *secret_access_key;
	uint64_t	part_size;		/* rotate parts past this many compressed bytes, default 64 MiB */
	int			compression;	/* gzip level, default 1 */
	bool		keep;			/* keep staged objects after a load */
	int			retries;		/* upload attempts before giving up, default 6 */

	/* [warehouse] */
	char	   *dialect;		/* a name in the registry, sink_dialects */
	char	   *odbc;			/* connection string; may be NULL for plan/stage */
	char	   *schema;			/* target schema; NULL = the source table's schema */
	char	   *state_table;	/* default wharf_state */
	char	   *iam_role;		/* redshift COPY credentials (ARN); optional */
	char	   *storage_integration;	/* snowflake COPY credentials; optional */
	/*
	 * The metadata columns wharf adds to every warehouse table when named
	 * (NULL: none): when the row was synced, the LSN of the change that
	 * wrote it, and its operation (sink.h, table_def).
	 */
	char	   *synced_at_column;
	char	   *lsn_column;
	char	   *op_column;
	bool		keep_case;		/* names as written, not folded as the warehouse would */

	/* [sync] */
	int			retry_for;		/* --follow: seconds an outage is ridden out, default 600; 0 = none */
	int			retry_max_wait; /* --follow: longest wait between reconnects, seconds, default 30 */

	/*
	 * The job's tables: those named by [table NAME] sections, in file
	 * order, then (once source_select_tables has read the source catalog)
	 * those the pattern sections select.
	 */
	int			ntables;
	job_table  *tables;
	int			npatterns;
	job_pattern *patterns;
} job;

/*
 * Reads and validates the job file at path.  On failure, the problem has been
 * reported and *out is untouched.
 */
extern bool job_load(const char *path, job *out);
/* The same from a string (path is only used in messages). For tests. */
extern bool job_load_string(const char *text, const char *path, job *out);
extern void job_free(job *j);
/* A deep copy of src into dst. */
extern void job_table_copy(const job_table *src, job_table *dst);
/* Frees what one job_table owns (not t itself). */
extern void job_table_free(job_table *t);

/*
 * Parses a table name written as in SQL ("public.customers",
 * 'public."Order Lines"', "customers" meaning public.customers): unquoted
 * parts fold to lower case, quoted parts keep "" as ".
 */
extern bool job_parse_qualified_name(const char *text, char **schema, char **name);

/*
 * Whether name matches glob: '*' matches any run of characters, '?' any one
 * character, and a backslash makes the next character literal (how a
 * quoted part of a pattern, such as public."a*b", keeps its '*').
 */
extern bool job_glob_match(const char *glob, const char *name);

/* The schema a name without one is in, at the source and the warehouse. */
#define JOB_DEFAULT_SCHEMA "public"

/* Where wharf's state table lives: [warehouse] schema, else JOB_DEFAULT_SCHEMA. */
extern const char *job_state_schema(const job *j);

/* The index in j->tables of table schema.name (as the catalog spells them), or -1. */
extern int	job_find_table(const job *j, const char *schema, const char *name);

/*
 * The candidate closest to word, for "did you mean": NULL when none is
 * close enough to be what was meant.
 */
extern const char *job_closest(const char *word, const char *const *candidates, int n);

#endif
