/*
 * sink.h
 *    The warehouse dialects: what a dialect is, and the statements wharf
 *    builds in one.
 *
 * sinks/ is the only place that knows warehouse SQL: identifier quoting,
 * literal escaping, the type map, the COPY statement, the apply statements
 * and the state table.  A dialect (sinks/<name>.c) is data, the words and
 * traits in which its SQL differs, plus a hook for each thing words cannot
 * say (its COPY, its type map, how staged values convert).  The statements
 * are built once, in sinks/sink.c (DDL, COPY, a snapshot's apply),
 * changes.c (a change batch's), alter.c (schema changes) and state.c (the
 * state table), by the sink_* functions below, which
 * take the dialect.  They build statements into a strlist (one statement
 * per item, no trailing semicolon); nothing here talks to a database.
 * Adding a dialect means adding its file in sinks/ and a line in the
 * registry's list, sinks/dialect_list.h.
 */
#ifndef WHARF_SINK_H
#define WHARF_SINK_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "table.h"

typedef enum load_kind
{
	LOAD_SNAPSHOT,				/* staged rows are the whole table as of one snapshot */
	LOAD_CHANGES,				/* staged rows are changes from the WAL, see below */
	LOAD_CHANGES_COMPLETE,		/* the same, with no unchanged TOAST value among them */
	LOAD_CHANGES_MOVED			/* the same as LOAD_CHANGES, with key changes ('K') */
} load_kind;

/*
 * A change batch's staged rows (LOAD_CHANGES) carry four columns before the
 * table's own, in this order:
 *   _wharf_lsn        bigint  commit LSN of the change's transaction
 *   _wharf_seq        bigint  position in the batch, increasing
 *   _wharf_op         text    'I' insert, 'U' update, 'D' delete, 'T' truncate,
 *                             'K' key change (below)
 *   _wharf_unchanged  text    NULL, or the 1-based ordinals (in table_def
 *                             order) of columns whose value is an unchanged
 *                             TOASTed value, as ",3,7," (value staged as NULL)
 * A delete carries the key columns only (others NULL); a truncate carries
 * no column values.  An update that moves a row to a new key is staged as a
 * delete of the old key followed by an update of the new one; when that
 * update has unchanged TOAST values, it is a 'K' instead, staged right
 * after the delete (same lsn, seq + 1): its unchanged values are the old
 * key's just before the delete, from the batch or the target's row
 * (LOAD_CHANGES_MOVED).  The old key of a 'K' is never itself the new key
 * of an earlier 'K' of the same staged rows.
 *
 * A table whose replica identity is FULL gets whole old rows, which name
 * the very row an update or delete removes; inside a transaction (under a
 * deferrable unique constraint, or none) rows may pass through each
 * other's keys, so the key alone cannot say which row goes.  Its changes
 * are staged so that the transaction's net effect comes out by key: every
 * update is the removal of its old row and the addition of its new one; a
 * removal of a row the same transaction added is a 'C' (cancel) whose
 * _wharf_unchanged holds that addition's _wharf_seq, and drop_cancelled
 * takes both out before the apply; any other removal is a 'D' staged at
 * _wharf_lsn - 1, so it sorts before the transaction's additions (no other
 * transaction's commit LSN is that close).
 */
#define SINK_CHANGE_LSN			"_wharf_lsn"
#define SINK_CHANGE_SEQ			"_wharf_seq"
#define SINK_CHANGE_OP			"_wharf_op"
#define SINK_CHANGE_UNCHANGED	"_wharf_unchanged"

/* Where the warehouse reads one table's staged files from. */
typedef struct sink_files
{
	const char *manifest_url;	/* s3://bucket/key or file:///path of the manifest */
	const char *folder_url;		/* s3://bucket/prefix/ or file:///dir/ holding the parts */
	int			nparts;
	const char *const *part_names;	/* part file names, relative to folder_url */
	/*
	 * What a Postgres stand-in fetches each part from: a short-lived
	 * presigned https URL, or a local absolute path for file:// stages.
	 */
	const char *const *part_fetch;
	bool		fetch_is_url;
} sink_files;

/* Job settings a dialect may need in its COPY. */
typedef struct sink_options
{
	const char *region;
	const char *iam_role;		/* redshift */
	const char *storage_integration;	/* snowflake */
} sink_options;

/* One row of the state table, to write or as read back. */
typedef struct sink_state_row
{
	const char *job;
	const char *source_table;	/* schema.name as displayed */
	const char *target_table;	/* schema.name as displayed */
	const char *kind;			/* "snapshot", "sync", "position", "removed", "partition" */
	const char *lsn;			/* pg_lsn text, or NULL */
	int64_t		rows;
	const char *load_id;
} sink_state_row;

/* How a column takes a wider new type (sink_dialect.widen_check). */
typedef enum sink_widen
{
	SINK_WIDEN_ALTER,			/* by ALTER COLUMN ... <widen_verb> <type> */
	/*
	 * By a column of the new type beside it, filled from it, then put in
	 * its place (sink_widen_column): for a change ALTER cannot make
	 */
	SINK_WIDEN_REBUILD,
	SINK_WIDEN_HELD,			/* its type holds the wider values already */
	SINK_WIDEN_REFUSED			/* the warehouse cannot change it (reported) */
} sink_widen;

/* The name of the column a SINK_WIDEN_REBUILD builds beside column c. */
#define SINK_REBUILD_SUFFIX "__wharf_rebuild"

/*
 * How a warehouse stores an identifier wharf writes in double quotes, the
 * name its catalog then shows (sink_stored_name).
 */
typedef enum sink_fold
{
	SINK_FOLD_NONE,				/* as written */
	SINK_FOLD_LOWER,			/* ASCII letters folded to lower case */
	/*
	 * A name made of lower-case ASCII letters, digits, _ and $, starting
	 * with a letter or _ (what a Postgres user writes unquoted), stored
	 * upper case, as the warehouse stores such a name written unquoted;
	 * any other name as written.
	 */
	SINK_FOLD_UPPER
} sink_fold;

/*
 * One entry of a dialect's type map: the type of a column of one col_kind.
 * name alone; or, for a type with parameters (a length, a precision), name
 * and sized, which appends the type of column c, from name and c's
 * parameters, and returns NULL, or why c cannot be held (reported by the
 * caller, with table and column, and then nothing is created).
 */
typedef struct sink_type
{
	const char *name;
	const char *(*sized) (const table_column *c, const char *name, buf *out);
} sink_type;

/*
 * A dialect: the words and traits in which its SQL differs, then the few
 * hooks for what words cannot say; a hook whose comment says what NULL
 * means may be NULL.  Callers read name and transactional_ddl, and build
 * statements with the sink_* functions below, which read the rest.
 */
typedef struct sink_dialect sink_dialect;

struct sink_dialect
{
	const char *name;

	/* Traits. */
	bool		transactional_ddl;	/* DDL can be rolled back (probed before a load) */
	/* MERGE with WHEN MATCHED / WHEN NOT MATCHED is available */
	bool		merge;
	/* ALTER TABLE ... ADD COLUMN IF NOT EXISTS is available */
	bool		add_if_not_exists;
	/* its COPY takes a column list (the target's own columns may be left out) */
	bool		copy_column_list;
	/* TRUNCATE is transactional (else a table is emptied by DELETE) */
	bool		truncate_in_transaction;
	/*
	 * Its COPY is a statement a part, so a snapshot can load each part as
	 * soon as it is staged while the rest is read (load.h).  Snowflake and
	 * Redshift load a table's files in one COPY, over their own workers.
	 */
	bool		copies_each_part;
	/* string literals take backslash as an escape (doubled, as ' is) */
	bool		literal_backslash;
	/*
	 * Its COPY from an s3:// stage needs [warehouse] storage_integration:
	 * without one it reads public buckets only.
	 */
	bool		needs_storage_integration;
	/* how quoted identifiers are stored, and their longest, in bytes */
	sink_fold	fold;
	int			ident_max;
	/*
	 * > 0: a staged row (one CSV line) longer than this many bytes cannot
	 * be loaded; the stage writer refuses it, naming its table and key.
	 */
	uint64_t	max_row_bytes;

	/*
	 * Staging tables: CREATE <temp_create> TABLE staging (...).  They live
	 * for the session on every warehouse (no ON COMMIT clause), so a session
	 * running many loads replaces each before use: with temp_replace by
	 * CREATE OR REPLACE, else by DROP TABLE IF EXISTS first, the name
	 * qualified by temp_schema where the dialect has one for temporary
	 * tables (never a user's table of the same name).  With
	 * temp_in_target_schema, a temporary table lives in a schema, and a
	 * staging table is created in its target's schema, where wharf has the
	 * right to create tables.
	 */
	const char *temp_create;
	bool		temp_replace;
	const char *temp_schema;
	bool		temp_in_target_schema;

	/* Words. */
	/* types of the state table's text and timestamp columns */
	const char *text_type;
	const char *tstz_type;
	/* a text type without a small length limit (a change's unchanged list) */
	const char *long_text_type;
	/* the current time as a value of tstz_type, UTC where it matters */
	const char *now;
	/*
	 * Run once on each session before anything else (outside any
	 * transaction), so that now and the session's conversions mean what
	 * wharf assumes; NULL: nothing to set.
	 */
	const char *session_setup;
	/* ALTER COLUMN c <widen_verb> <type>, with widen_using USING c::<type> */
	const char *widen_verb;
	bool		widen_using;

	/*
	 * The type map: types[kind], COL_NKINDS entries, is the type of a column
	 * of that kind; an array column is array_type where set, else its
	 * element's type followed by [].
	 */
	const sink_type *types;
	const char *array_type;

	/* Hooks. */

	/*
	 * Appends the warehouse type of column c instead of the type map.
	 * Returns false, after reporting it with table and column, when the
	 * column cannot be held.  NULL: the type map (sink_type_map).
	 */
	bool		(*column_type) (const sink_dialect *d, const table_def *t,
								const table_column *c, buf *out);
	/* How the column's values must be staged for this dialect.  NULL: as text. */
	col_render	(*column_render) (const table_column *c);
	/*
	 * How column c, whose new type is type, takes it (see sink_widen); was
	 * is the column as the warehouse holds it (the source's older type, or
	 * the shape of the warehouse's catalog, see held_shape), NULL when
	 * unknown.  NULL: always by ALTER.
	 */
	sink_widen	(*widen_check) (const table_def *t, const table_column *was,
								const table_column *c, const char *type);
	/*
	 * The shape (kind, length, precision, scale) in which the warehouse's
	 * catalog, read by column_from_type_name, shows the column this dialect
	 * makes for c, so that the two compare.  NULL: c's own.
	 */
	void		(*held_shape) (const table_column *c, table_column *out);
	/*
	 * What a target column's information_schema data_type says it holds, as
	 * far as telling a widening from an incompatible change needs (kind and
	 * is_array); false when the dialect cannot tell.  NULL: never can.
	 */
	bool		(*column_from_type_name) (const char *data_type, table_column *out);
	/*
	 * The COPY statements loading files into relation into (quoted and
	 * qualified already): a staging table (see sink_copy_staging), or t's
	 * target itself (sink_copy_target).
	 */
	void		(*copy_staging) (const sink_dialect *d, strlist *script, const table_def *t,
								 const char *into, load_kind kind,
								 const sink_files *files, const sink_options *opt);

	/*
	 * The type of a column in the staging table when COPY cannot load the
	 * staged text into the target type directly; NULL when it always can.
	 * Returns false (and leaves out alone) when the target type will do.
	 */
	bool		(*staged_type) (const table_column *c, buf *out);
	/*
	 * Appends the expression turning staged value ref (already a column
	 * reference) into the target type; NULL when values load as they are.
	 */
	void		(*staged_value) (buf *out, const table_column *c, const char *ref);
	/*
	 * Appends column c's value from literal (already quoted) holding its
	 * staged text, when a cast of the staged type will not do; returns false
	 * to leave it to that cast.  NULL: always the cast.
	 */
	bool		(*literal_value) (buf *out, const table_column *c, const char *literal);
	/* Appends the text 'YYYY-MM-DD HH24:MI:SS+00' of timestamp column ref. */
	void		(*utc_text) (buf *out, const char *ref);
};

/*
 * The registry: every dialect, NULL-terminated, in the order
 * sinks/dialect_list.h gives.  sink_dialect_by_name returns the one named
 * exactly name (the names are lower case), NULL if none is.
 */
extern const sink_dialect *const sink_dialects[];
extern const sink_dialect *sink_dialect_by_name(const char *name);

/*
 * Names and values.  Identifiers are double-quoted, any " doubled, as the
 * dialect stores them (its fold, sink_stored_name); literals
 * single-quoted, any ' doubled (and \ too with literal_backslash).
 * sink_same_name tells whether two names are one in the warehouse.
 * sink_check_names reports, naming the table and the columns, names of t
 * that the warehouse cannot keep apart or hold (longer than ident_max),
 * and returns false then.
 */
extern void sink_stored_name(const sink_dialect *d, buf *out, const char *ident);
extern bool sink_same_name(const sink_dialect *d, const char *a, const char *b);
extern bool sink_check_names(const sink_dialect *d, const table_def *t);
extern void sink_quote_ident(const sink_dialect *d, buf *out, const char *ident);
extern void sink_quote_literal(const sink_dialect *d, buf *out, const char *value);
extern void sink_qualified(const sink_dialect *d, buf *out, const char *schema, const char *name);
extern void sink_column_list(const sink_dialect *d, buf *out, const table_def *t, const char *prefix);
/* The staging table of t named staging, qualified where the dialect says. */
extern void sink_staging_ref(const sink_dialect *d, buf *out, const table_def *t,
							 const char *staging);

/*
 * Columns.  sink_column_type appends the warehouse type of column c, false
 * (reported, naming table and column) when the column cannot be held;
 * sink_type_map does so by the type map alone.
 */
extern bool sink_column_type(const sink_dialect *d, const table_def *t, const table_column *c,
							 buf *out);
extern bool sink_type_map(const sink_dialect *d, const table_def *t, const table_column *c,
						  buf *out);
extern col_render sink_column_render(const sink_dialect *d, const table_column *c);
/* The dialect whose limits guard d's values: d, unless a test says otherwise. */
extern const sink_dialect *sink_guards_dialect(const sink_dialect *d);
extern bool sink_column_from_type_name(const sink_dialect *d, const char *data_type,
									   table_column *out);

/*
 * Statements.  Each builds its statements into a strlist, one an item; the
 * bool ones return false, after reporting it, when a column cannot be held
 * (and then add nothing).
 */
extern void sink_create_schema(const sink_dialect *d, strlist *script, const char *schema);
extern bool sink_create_table(const sink_dialect *d, strlist *script, const table_def *t);
extern bool sink_create_staging(const sink_dialect *d, strlist *script, const table_def *t,
								const char *staging, load_kind kind);
/* COPY into staging; with LOAD_CHANGES the four change columns first. */
extern void sink_copy_staging(const sink_dialect *d, strlist *script, const table_def *t,
							  const char *staging, load_kind kind,
							  const sink_files *files, const sink_options *opt);
extern void sink_apply(const sink_dialect *d, strlist *script, const table_def *t,
					   const char *staging, load_kind kind);
/*
 * sink_apply of a snapshot taken at lsn (pg_lsn text, or NULL when it
 * belongs to no stream): what its rows get in the lsn metadata column.
 */
extern void sink_apply_snapshot(const sink_dialect *d, strlist *script, const table_def *t,
								const char *staging, const char *lsn);
/*
 * An incremental load's rows (incremental.h): merged into t by key, new
 * rows inserted, none removed (a soft-deleted row that is back is live
 * again).
 */
extern void sink_apply_upsert(const sink_dialect *d, strlist *script, const table_def *t,
							  const char *staging);
/*
 * Reconciliation of deletes: the rows of t whose key is not in staging,
 * which holds every key the source has (keys: t's key columns alone), are
 * deleted, or with soft deletes marked.
 */
extern void sink_reconcile(const sink_dialect *d, strlist *script, const table_def *t,
						   const table_def *keys, const char *staging);

/*
 * Where a change segment's staged rows are for its apply: its own staging
 * table, or its rows of a bundle, the staging table a batch's small
 * segments share (one staged object and one COPY for all of them, see
 * load.h): the rows whose _wharf_segment is segment, the segment's columns
 * being the bundle's columns first, first + 1, ... in t's order.
 */
#define SINK_BUNDLE_SEGMENT		"_wharf_segment"

typedef struct sink_changes
{
	const char *staging;		/* the staging table's name */
	const table_def *bundle;	/* the bundle's columns, or NULL */
	int			segment;
	int			first;
	load_kind	kind;			/* LOAD_CHANGES, _COMPLETE or _MOVED */
	bool		truncates;		/* a row may be a truncate ('T') */
} sink_changes;

/* sink_apply of changes and sink_clear_columns, for any sink_changes */
extern void sink_apply_changes(const sink_dialect *d, strlist *script, const table_def *t,
							   const sink_changes *ch);
extern void sink_clear_changed(const sink_dialect *d, strlist *script, const table_def *t,
							   const sink_changes *ch, const char *const *columns,
							   int ncolumns);

/*
 * A snapshot into a target that is new or empty: nothing to merge or
 * delete.  sink_copies_direct tells whether COPY can load the staged files
 * into t's target itself (every value loads as staged, and the files'
 * columns can be named); then sink_copy_target does, and no staging table
 * is needed.  Otherwise sink_insert_staged inserts the staging table's rows
 * as they are, instead of sink_apply.
 */
extern bool sink_copies_direct(const sink_dialect *d, const table_def *t);
extern void sink_copy_target(const sink_dialect *d, strlist *script, const table_def *t,
							 const sink_files *files, const sink_options *opt);
extern void sink_insert_staged(const sink_dialect *d, strlist *script, const table_def *t,
							   const char *staging, const char *lsn);
/*
 * Empties t's target inside the load's transaction (a refresh by replace,
 * before its rows load as into an empty one).
 */
extern void sink_empty_target(const sink_dialect *d, strlist *script, const table_def *t);
/*
 * Before a change batch's apply: the cancelled pairs out of staging (a 'C'
 * row and the addition it names, see above).
 */
extern void sink_drop_cancelled(const sink_dialect *d, strlist *script, const table_def *t,
								const char *staging);
/*
 * After a change batch's apply: columns the source dropped become NULL in
 * every row the batch inserted or updated.
 */
extern void sink_clear_columns(const sink_dialect *d, strlist *script, const table_def *t,
							   const char *staging, const char *const *columns, int ncolumns);

/*
 * Schema changes seen in the change stream.  Statements go into ddl (schema
 * work: run before the batch's transaction, each committed on its own,
 * idempotent where the warehouse allows) and dml (run inside the batch's
 * transaction at the point of the change).  add_column adds c to the target
 * table; default_value (a value's Postgres text, or NULL) is what the
 * target's existing rows get, as the source's old rows have it.
 * widen_column changes c's target type to its (wider) new type (was, as
 * the target holds it now, or NULL; see widen_check).
 * rename_column renames target column from to c's name (the source renamed
 * it; nothing when the two are one name in the warehouse).  reset_column
 * replaces the target's column of c's name (one the target kept after the
 * source dropped it) with c, added anew, its rows
 * given value (a value's Postgres text, or NULL): the source added a column
 * again under that name.  False, reported, when c or value cannot be held.
 */
/*
 * The metadata columns (table_def's synced_at_col, lsn_col, op_col) of a
 * target made before the job named them: ALTER TABLE ... ADD COLUMN of
 * those missing[i] flags (in that order), or with missing NULL, not knowing
 * the target's columns, of each with IF NOT EXISTS, where the dialect has
 * it (Redshift has not: nothing then).
 *
 * The columns: synced_at (tstz_type) the warehouse's time of the
 * transaction that wrote the row; lsn (BIGINT) the commit LSN of the
 * change that wrote it, or a snapshot's LSN (NULL for `wharf snapshot`,
 * which belongs to no stream); op (VARCHAR(1)) 'I' insert, 'U' update (a
 * key change too), 'S' a snapshot's row.  A delete removes the row; a
 * soft delete marks it and leaves them as the last write left them.
 */
extern void sink_add_meta_columns(const sink_dialect *d, strlist *script, const table_def *t,
								  const bool *missing);
extern void sink_add_column(const sink_dialect *d, strlist *ddl, strlist *dml,
							const table_def *t, const table_column *c,
							const char *default_value);
extern bool sink_widen_column(const sink_dialect *d, strlist *ddl, const table_def *t,
							  const table_column *was, const table_column *c);
/*
 * The rest of a rebuild (SINK_WIDEN_REBUILD) of column name that an earlier
 * session began: the target has its rebuild column, and still the column
 * itself when has_column.
 */
extern void sink_widen_resume(const sink_dialect *d, strlist *ddl, const table_def *t,
							  const char *name, bool has_column);
extern void sink_held_shape(const sink_dialect *d, const table_column *c, table_column *out);
extern void sink_rename_column(const sink_dialect *d, strlist *ddl, const table_def *t,
							   const char *from, const table_column *c);
extern bool sink_reset_column(const sink_dialect *d, strlist *ddl, strlist *dml,
							  const table_def *t, const table_column *c, const char *value);

/* The state table, in schema (NULL: the dialect's default). */
extern void sink_state_create(const sink_dialect *d, strlist *script, const char *schema,
							  const char *table);
extern void sink_state_record(const sink_dialect *d, strlist *script, const char *schema,
							  const char *table, const sink_state_row *row);
extern void sink_state_record_rows(const sink_dialect *d, strlist *script, const char *schema,
								   const char *table, const sink_state_row *rows, int nrows);
/*
 * Removes the job's rows of the given kind whose source_table starts with
 * prefix (a partitioned table's partition rows, before its new ones are
 * recorded).
 */
extern void sink_state_forget(const sink_dialect *d, strlist *script, const char *schema,
							  const char *table, const char *job, const char *kind,
							  const char *prefix);
/* Removes every row of the job (wharf retire). */
extern void sink_state_forget_job(const sink_dialect *d, strlist *script, const char *schema,
								  const char *table, const char *job);
/* Drops a warehouse table the job loaded, if it is there (wharf retire). */
extern void sink_drop_table(const sink_dialect *d, strlist *script, const char *schema,
							const char *name);
/*
 * A query returning, for one job: source_table, target_table, kind, lsn,
 * rows, loaded_at (text, UTC), load_id, in source_table order.
 */
extern void sink_state_query(const sink_dialect *d, buf *out, const char *schema,
							 const char *table, const char *job);

/*
 * A query returning the column names and data_type of a target table in
 * order (from information_schema, which every dialect has); no rows if it
 * is missing.
 */
extern void sink_target_columns_query(const sink_dialect *d, buf *out,
									  const char *schema, const char *table);
/*
 * The same for n tables in one query: the rows start with table_schema and
 * table_name, ordered by them, then as sink_target_columns_query's.
 */
extern void sink_target_columns_query_many(const sink_dialect *d, buf *out,
										   const table_def *const *tables, int n);

#endif
