/*
 * load.h
 *    Turning staged tables into warehouse statements and running them: the
 *    one place that decides the order of DDL, COPY, apply and state, so that
 *    `plan` prints exactly what a load runs.
 *
 * A load runs in two steps, in the one order every dialect can run:
 * first its schema work (schemas, tables, added or widened columns, the
 * staging tables), each statement idempotent and committed on its own;
 * then ONE transaction with every table's COPY into its staging table,
 * set-based apply and state rows, which commit together or not at all.  No
 * DDL follows the first row written: Snowflake commits the open
 * transaction on any DDL, Redshift runs ALTER COLUMN ... TYPE outside
 * transaction blocks only.  A kill between the two steps converges on the
 * next run, whose schema work finds it done.
 */
#ifndef WHARF_LOAD_H
#define WHARF_LOAD_H

#include <stdbool.h>
#include <stdio.h>

#include "buf.h"
#include "job.h"
#include "sink.h"
#include "stage.h"
#include "table.h"
#include "warehouse.h"

/* Presigned URLs handed to the warehouse live this long. */
#define LOAD_URL_EXPIRES_S 3600

/*
 * Where one table's statements lie in a script that load_script (or
 * load_script_end) built: [copy, apply) its COPYs, [apply, end) its apply
 * and state rows; for the per-table lines of load_run_tables.
 */
typedef struct load_span
{
	int			copy;
	int			apply;
	int			end;
	double		copy_seconds;	/* of COPYs run before, part by part (pipelined) */
} load_span;

typedef struct load_table
{
	const table_def *t;
	const stage_result *staged; /* NULL when planning: placeholders stand in */
	/*
	 * A partitioned table's partitions as its rows were read: recorded in
	 * its partition rows (below).  NULL for other tables.
	 */
	const table_partitions *partitions;
	const strlist *pre_ddl;		/* schema work for it, after its CREATE; may be NULL */
	const strlist *pre;			/* statements to run before its data; may be NULL */
	/*
	 * Snapshots: the target is new or holds no rows (load_target_empty), so
	 * its rows are loaded, not merged: straight into it where the dialect's
	 * COPY can (no staging table), else inserted from staging.
	 */
	bool		target_empty;
	/*
	 * Incremental loads (incremental.h).  changed: the staged rows are
	 * those changed since the last load, merged by key, none removed.
	 * keys_def and keys_staged (NULL: none this load): the source's every
	 * key, staged to reconcile deletes.  mark (NULL: not incremental): the
	 * high-water mark recorded with the rows, and mark_loads, the loads
	 * since the last reconciliation.
	 */
	bool		changed;
	const table_def *keys_def;
	const stage_result *keys_staged;
	const char *mark;
	int64_t		mark_loads;
	load_span  *span;			/* filled in when not NULL */
} load_table;

/*
 * The state row that holds an incremental table's high-water mark: kind
 * LOAD_MARK_KIND, source_table "<table> mark", target_table the mark,
 * rows the loads since deletes were last reconciled.
 */
#define LOAD_MARK_KIND "mark"
/* The kind of an incremental table's own state row after a load of its changed rows. */
#define LOAD_INCREMENTAL_KIND "incremental"

/*
 * The job's rows of the state table, typed: the one reader of them.  A
 * row's strings live as long as the load_state; lsn, rows (has_rows),
 * load_id may be absent.  loaded_at is UTC text, "YYYY-MM-DD HH:MM:SS+00".
 */
typedef struct load_state_row
{
	const char *source_table;	/* a table, LOAD_POSITION_ROW, or a detail row's name */
	const char *target_table;
	const char *kind;			/* "snapshot", "sync", "removed", LOAD_*_KIND, ... */
	const char *lsn;
	int64_t		rows;
	bool		has_rows;
	const char *loaded_at;
	const char *load_id;
} load_state_row;

typedef struct load_state
{
	bool		exists;			/* the state table exists (else no rows) */
	int			n;
	load_state_row *rows;
	wh_result	res;			/* holds the strings */
} load_state;

/*
 * Reads the job's state rows, read only: a missing state table is no rows
 * (a load creates it).  False, reported, when the warehouse cannot say.
 */
extern bool load_state_read(wh_session *wh, const sink_dialect *d, const job *j,
							load_state *out);
extern void load_state_free(load_state *s);
/* Whether a row is a detail of a table (a partition or a column row), not a table's own. */
extern bool load_state_row_is_detail(const load_state_row *row);

/* An incremental table's mark as the last load left it. */
typedef struct load_mark
{
	char	   *mark;			/* NULL: none (never loaded, or its rows gone) */
	int64_t		loads;
	char	   *loaded_at;
} load_mark;

/*
 * The marks of tables[0..n) from the state table into marks[] (NULL
 * entries for tables that are not incremental or have none); the state
 * table may be missing.  The caller frees them (load_marks_free).
 */
extern bool load_read_marks(wh_session *wh, const sink_dialect *d, const job *j,
							const table_def *tables, int n, load_mark *marks);
extern void load_marks_free(load_mark *marks, int n);
/* Whether source_table names the mark row of t. */
extern bool load_mark_row_is(const table_def *t, const char *source_table);
/*
 * Whether source_table is the name of a mark row; if so and table is not
 * NULL, *table is the display name of its table (caller frees).
 */
extern bool load_mark_row_parse(const char *source_table, char **table);

/*
 * Whether t's warehouse table is missing or holds no rows, into *empty.
 * False, reported, when the warehouse cannot say.
 */
extern bool load_target_empty(wh_session *wh, const sink_dialect *d, const table_def *t,
							  bool *empty);

/*
 * The state rows that record a partitioned table's partitions at its last
 * load: one per partition, of kind LOAD_PARTITION_KIND, with source_table
 *     <table> partition <relid>:<attach xid>:<relfilenode> <partition>
 * (never a table's name: those hold no space outside quotes), target_table
 * the table's target, lsn and load_id the load's.
 */
#define LOAD_PARTITION_KIND "partition"

/* The source_table of partition p's row; owned by the caller. */
extern char *load_partition_row_name(const table_def *t, const table_partition *p);
/*
 * Whether source_table names a partition row of t; if so fills *out (its
 * name owned by the caller).
 */
extern bool load_partition_row_parse(const table_def *t, const char *source_table,
									 table_partition *out);
/* The statement that forgets the partition rows of the table displayed as name. */
extern void load_forget_partitions_script(const sink_dialect *d, const job *j,
										  const char *name, strlist *script);
/*
 * The statements that replace partitioned table t's partition rows with
 * parts, as of lsn and load_id (either may be NULL).
 */
extern void load_partitions_script(const sink_dialect *d, const job *j, const table_def *t,
								   const table_partitions *parts, const char *lsn,
								   const char *load_id, strlist *script);

/*
 * The state rows that record which source column each warehouse column of
 * a table holds: one per column, of kind LOAD_COLUMN_KIND, with source_table
 *     <table> column <attnum>
 * target_table the warehouse column's name and rows the attnum.  Renames
 * are told from drops and adds by them: an attnum stays with its column.
 */
#define LOAD_COLUMN_KIND "column"

/*
 * Whether source_table names a column row of t; if so, *attnum is the
 * column's attnum.
 */
extern bool load_column_row_parse(const table_def *t, const char *source_table, int *attnum);
/*
 * The statements that replace t's column rows with one per column of t
 * that has an attnum (columns[k].attnum > 0), as of lsn (may be NULL).
 */
extern void load_columns_script(const sink_dialect *d, const job *j, const table_def *t,
								const char *lsn, strlist *script);
/* The statement that forgets the column rows of the table displayed as name. */
extern void load_forget_columns_script(const sink_dialect *d, const job *j,
									   const char *name, strlist *script);

/* The DDL a load starts with: target schemas, the state table, the tables. */
extern bool load_ddl_script(const sink_dialect *d, const job *j, const load_table *tables,
							int ntables, strlist *script);

/*
 * Builds the statements of one load, in order, into script.  lsn is the
 * position the load brings the tables to (NULL for a plain snapshot).
 */
extern bool load_script(const sink_dialect *d, const job *j, const stage *s,
						load_kind kind, const char *load_id, const char *lsn,
						const load_table *tables, int ntables, strlist *script, int *nddl);

/*
 * The same load in three steps, for a loader that COPYs each part as soon
 * as it is staged while the rest is read (where load_pipelines: the
 * dialect's COPY is a statement a part).  load_script_begin: the schema
 * work (its first *nddl statements) and what the transaction runs before
 * any rows (a replaced table emptied); load_part_script: the COPY of one
 * part (in folder, named name) of table number index; load_script_end,
 * once everything is staged (tables[].staged set): each table's insert or
 * apply from staging and its state rows.  The caller commits.
 */
extern bool load_pipelines(const sink_dialect *d, load_kind kind);
extern bool load_script_begin(const sink_dialect *d, const job *j, load_kind kind,
							  const load_table *tables, int ntables, strlist *script, int *nddl);
extern void load_part_script(const sink_dialect *d, const job *j, const stage *s,
							 const load_table *lt, int index, load_kind kind,
							 const char *folder, const char *name, strlist *script);
extern void load_script_end(const sink_dialect *d, const job *j, load_kind kind,
							const char *load_id, const char *lsn, const load_table *tables,
							int ntables, strlist *script);
/*
 * One table's part of a change batch.  A table whose columns changed within
 * the batch has several segments, applied in order, each after its schema
 * change statements (pre).
 */
/*
 * A change batch's small segments share one staging table and one staged
 * object, their bundle: one upload and one COPY where each would take its
 * own.  The bundle's columns are _wharf_segment (SINK_BUNDLE_SEGMENT), then
 * each segment's columns in turn, named _wharf_c1, _wharf_c2, ...; a staged
 * row is one segment's row with that segment's number and NULL in every
 * other segment's columns, and each segment's apply reads its own rows back
 * under its own column names (sink_changes).  A bundle holds at most
 * LOAD_BUNDLE_COLUMNS columns: Redshift defines at most 1,600 in a table
 * ("The maximum number of columns you can define in a single table is
 * 1,600", CREATE TABLE AS usage notes), and Postgres as many.
 */
#define LOAD_BUNDLE_COLUMNS 1000

typedef struct load_bundle
{
	const table_def *t;			/* its columns (load_bundle_init, load_bundle_add) */
	const stage_result *staged;
	bool		has_cancels;	/* some row is a cancel ('C', see sink.h) */
} load_bundle;

/*
 * An empty bundle: its schema is where its staging table goes for a
 * dialect that keeps temporary tables in a target's schema (the first
 * segment's target schema), its name numbers it in the stage.
 */
extern void load_bundle_init(table_def *bundle, const table_def *first, int number);
/*
 * Appends segment t's columns to bundle; *first is the index of the first
 * of them in bundle->cols.  False, leaving bundle as it was, when they
 * would take it past LOAD_BUNDLE_COLUMNS (unless it is empty).
 */
extern bool load_bundle_add(table_def *bundle, const table_def *t, int *first);

typedef struct load_segment
{
	const table_def *t;			/* the columns as staged */
	const stage_result *staged; /* its own, when not bundled */
	int			bundle;			/* > 0: its rows are in bundles[bundle - 1] */
	int			bundle_first;	/* there, the index of its first column */
	bool		has_truncates;	/* some row is a truncate ('T') */
	const strlist *pre_ddl;		/* its schema work (before the transaction); may be NULL */
	const strlist *pre;			/* statements to run first, in the transaction; may be NULL */
	const strlist *cleared;		/* columns the source dropped: NULL in changed rows */
	bool		has_unchanged;	/* some row holds an unchanged TOAST value */
	bool		has_moves;		/* some row is a key change ('K', see sink.h) */
	bool		has_cancels;	/* some row cancels an addition ('C', see sink.h) */
} load_segment;

/* The state row a change batch leaves for one table. */
typedef struct load_table_state
{
	const table_def *t;
	int64_t		rows;
} load_table_state;

/* The state row that holds a job's stream position. */
#define LOAD_POSITION_ROW "*"

/*
 * Builds the statements of one change batch: DDL, then the bundles' COPY,
 * then each segment's schema changes, COPY (unless bundled) and apply in
 * order, then the state rows of the tables it touched and the job's stream
 * position lsn, all for one transaction.
 */
extern bool load_changes_script(const sink_dialect *d, const job *j, const stage *s,
								const char *batch_id, const char *lsn,
								const load_bundle *bundles, int nbundles,
								const load_segment *segments, int nsegments,
								const load_table_state *tables, int ntables,
								strlist *script, int *nddl);
/* The state row of table t (kind "snapshot", "sync", ...) at lsn. */
extern void load_table_state_script(const sink_dialect *d, const job *j, const table_def *t,
									const char *kind, const char *lsn, int64_t rows,
									const char *load_id, strlist *script);
/* The statement that records only the job's stream position. */
extern void load_position_script(const sink_dialect *d, const job *j, const char *batch_id,
								 const char *lsn, strlist *script);

/*
 * Runs script: its first nddl statements (schema work) each in a
 * transaction of its own, then the rest in one transaction; rolls back on
 * any failure.
 */
/* load_run without the commit: the transaction stays open (rolled back on failure). */
extern bool load_run_open(wh_session *wh, const strlist *script, int nddl);
extern bool load_run(wh_session *wh, const strlist *script, int nddl);
/*
 * load_run_open for a script of load_script or load_script_end whose tables
 * have spans: logs each table's COPY and apply times as it finishes.
 */
extern bool load_run_tables(wh_session *wh, const strlist *script, int nddl,
							const load_table *tables, int ntables);
/* Appends script as SQL text, its two steps marked as load_run runs them. */
extern void load_format(buf *out, const strlist *script, int nddl);

#endif
