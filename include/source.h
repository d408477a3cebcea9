/*
 * source.h
 *    The source Postgres through libpq: connections with the session
 *    settings that make text output stable, the catalog description of the
 *    job's tables, and the consistent snapshot read with COPY.
 *
 * Every source session runs with DateStyle=ISO, TimeZone=UTC,
 * IntervalStyle=postgres, extra_float_digits=3 and client_encoding=UTF8, so
 * that a value's text is the same in a snapshot and in the change stream.
 */
#ifndef WHARF_SOURCE_H
#define WHARF_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "job.h"
#include "stage.h"
#include "table.h"

/* replication: open a logical replication connection (replication=database). */
extern bool source_connect(const char *conninfo, bool replication, PGconn **out);
/* Runs a statement that returns no rows; reports failure with what. */
extern bool source_exec(PGconn *conn, const char *sql, const char *what);

/*
 * Reads the catalog for one job table and fills out: columns, types, key
 * (the job's key or the primary key), and the target names.  Reports a
 * missing table, a missing key column or a missing key in merge mode.
 */
extern bool source_describe_table(PGconn *conn, const job *j, const job_table *jt,
								  table_def *out);

/* Fills the type facts of column c from a type oid and typmod. */
extern bool source_column_type(PGconn *conn, uint32_t typoid, int typmod, table_column *c);

/* One pg_attribute row of a table, live or dropped. */
typedef struct source_attr
{
	int			attnum;
	char	   *name;			/* "........pg.dropped.N........" once dropped */
	uint32_t	type_oid;
	int32_t		typmod;
	bool		dropped;
	bool		generated;		/* not replicated */
	bool		has_default;	/* a default or an identity */
	bool		has_missing;	/* rows older than the column have a value for it */
	char	   *missing;		/* that value's text (NULL: has_missing with a NULL) */
} source_attr;

/*
 * Every attribute of table t (attnum > 0, dropped ones included), in attnum
 * order, as the catalog has them now.  Reports a failure naming the table.
 */
extern bool source_table_attributes(PGconn *conn, const table_def *t, source_attr **out, int *n);
extern void source_attrs_free(source_attr *attrs, int n);

/*
 * The value rows older than an added column have for it (a constant
 * default, as the column's Postgres text), or NULL when they have none.
 */
extern bool source_column_missing_value(PGconn *conn, const table_def *t,
										const char *column, char **value);

/*
 * Makes the job's publications hold exactly its tables: merge tables in
 * `publication` (inserts, updates, deletes, truncates), append tables in
 * `publication`_ins (inserts only, so a table without replica identity is
 * never published for updates or deletes).  Creates them if missing; refuses
 * publications that another job or a person made.  Checks that each merge
 * table's replica identity covers its key.
 */
extern bool source_publications_sync(PGconn *conn, const job *j, const table_def *tables,
									 int ntables);
/* The publication names to stream, for repl_start: two, owned by the job. */
extern char *source_append_publication(const job *j);

/* Holds a session advisory lock for the job; false if another process has it. */
extern bool source_lock_job(PGconn *conn, const job *j);
extern bool source_wal_level_logical(PGconn *conn);
extern bool source_current_wal_lsn(PGconn *conn, uint64_t *lsn);

/*
 * Opens a REPEATABLE READ READ ONLY transaction on conn and exports its
 * snapshot; conn must stay open and idle while readers use the snapshot.
 */
extern bool snapshot_export(PGconn *conn, char **snapshot_name);
/* Starts a reader's transaction on the exported snapshot. */
extern bool snapshot_attach(PGconn *conn, const char *snapshot_name);
/*
 * Streams the table (as of the reader's snapshot) into w with COPY ... TO
 * STDOUT (FORMAT csv), each column rendered as renders[i] asks.
 */
extern bool snapshot_copy_table(PGconn *conn, const table_def *t,
								const col_render *renders, stage_writer *w,
								uint64_t *rows);

#endif
