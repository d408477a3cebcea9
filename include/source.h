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
