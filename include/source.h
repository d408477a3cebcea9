/*
 * source.h
 *    The source Postgres through libpq: connections with the session
 *    settings that make text output stable, the catalog description of the
 *    job's tables, and the consistent snapshot read with COPY.
 *
 * Every source session runs with DateStyle=ISO, TimeZone=UTC,
 * IntervalStyle=postgres, extra_float_digits=3 and client_encoding=UTF8, so
 * that a value's text is the same in a snapshot and in the change stream.
 * A connection refused by a server down or starting, and a replication
 * stream lost or ended by the server, are noted as an outage of the source
 * (outage.h); source_failure_outage tells it of any other failure.
 */
#ifndef WHARF_SOURCE_H
#define WHARF_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "buf.h"
#include "job.h"
#include "stage.h"
#include "table.h"

/* replication: open a logical replication connection (replication=database). */
extern bool source_connect(const char *conninfo, bool replication, PGconn **out);
/*
 * Whether a failure on conn (res: the failed result, or NULL) is an outage
 * (outage.h): the connection is gone, or the server is shutting down,
 * crashed or not accepting sessions yet.  Notes it when it is.
 */
extern bool source_failure_outage(PGconn *conn, const PGresult *res);
/* Runs a statement that returns no rows; reports failure with what. */
extern bool source_exec(PGconn *conn, const char *sql, const char *what);
/*
 * Runs a query (with nparams text parameters, or none) that returns rows;
 * on failure reports "source: cannot <what>: <libpq's message>" (what is a
 * printf format; an outage is noted) and returns NULL.  The caller clears
 * the result.
 */
extern PGresult *source_query(PGconn *conn, const char *sql, int nparams,
							  const char *const *params, const char *what,...)
			__attribute__((format(printf, 5, 6)));

/*
 * Adds to j->tables the tables its pattern sections select (job_pattern):
 * ordinary and partitioned tables outside the system schemas, not named by
 * a section of their own, and not partitions of another selected table.  A
 * pattern that matches nothing is a warning; a pattern's exclude_columns
 * naming a column none of its tables has, or a job left without any
 * table, an error.
 */
extern bool source_select_tables(PGconn *conn, job *j);

/*
 * Reads the catalog for one job table and fills out: columns, types, key
 * (the job's key or the primary key, its key columns only, never INCLUDE
 * ones), and the target names.  Generated columns are left out, with a
 * warning naming each: pgoutput does not publish them.  Reports a missing
 * table, a missing or generated key column or a missing key in merge mode.
 */
extern bool source_describe_table(PGconn *conn, const job *j, const job_table *jt,
								  table_def *out);

/*
 * The same for all the job's tables at once: source_catalog_read reads what
 * the catalog says of them in one query, and source_describe describes job
 * table number index from it (a domain or array column asks for its base
 * or element type alone).
 */
typedef struct source_catalog source_catalog;

extern bool source_catalog_read(PGconn *conn, const job *j, source_catalog **out);
extern bool source_describe(PGconn *conn, const source_catalog *cat, const job *j, int index,
							table_def *out);
extern void source_catalog_free(source_catalog *cat);

/*
 * Every partition below partitioned table t, at every level, as the
 * transaction's snapshot sees the catalog (a reader's: the snapshot its rows
 * are read with; outside a transaction: now).  Nothing for other tables.
 */
extern bool source_read_partitions(PGconn *conn, const table_def *t, table_partitions *out);

/* Whether partition p holds no rows now (false, too, when it is gone). */
extern bool source_partition_empty(PGconn *conn, const table_partition *p, bool *empty);

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
 * never published for updates or deletes).  Both publish via the partition
 * root, so a partitioned table's changes name it; an existing publication
 * without that option gets it, and *merge_via_root_set (`publication`) or
 * *append_via_root_set (`publication`_ins) says so: its partitioned tables'
 * changes reached the stream as their partitions' until then.  Creates them
 * if missing; refuses publications that another job or a person made, and a
 * job holding a partition along with its partitioned table.  The tables
 * have passed source_check_keys.  A table with exclude_columns is published
 * with a column list of its other columns (t->cols), which a member whose
 * list differs gets; gained (ntables entries, may be NULL) is set for each
 * table whose new list holds a column the old one did not publish.
 */
extern bool source_publications_sync(PGconn *conn, const job *j, const table_def *tables,
									 int ntables, bool *merge_via_root_set,
									 bool *append_via_root_set, bool *gained);
/*
 * Whether one job table is a partition (at any level) of another job table:
 * its changes would be published as the other's, and its own warehouse
 * table would get none.  *why (owned by the caller) says which, or is NULL.
 */
extern bool source_partition_overlap(PGconn *conn, const job *j, const table_def *tables,
									 int ntables, char **why);
/*
 * Checks, before anything is created, that each merge table t of the n
 * tables can be replicated (all of them, in two catalog queries):
 * a non-deferrable unique index on its key columns (or some of them) makes
 * the key unique, and its replica identity (for a partitioned table, each
 * leaf partition's) is one the server uses (so publishing its updates
 * cannot make the source's own UPDATE and DELETE fail) and carries the key.
 * Reports each problem with one line naming the table and the fixes.  Append
 * tables pass: they need no key and are published for inserts only.
 */
extern bool source_check_keys(PGconn *conn, const table_def *tables, int n);
/* The name of the job's insert-only publication, `publication`_ins (caller frees). */
extern char *source_append_publication(const job *j);

/*
 * Checks the publication a DBA made (use_publication) as sync needs it: it
 * publishes inserts (with merge tables, updates, deletes and truncates
 * too), via the partition root when a job table is partitioned, and holds
 * every job table with all its columns and no row filter.  Each problem,
 * with the ALTER PUBLICATION a DBA would run, goes into problems (one
 * sentence each); wharf never changes that publication.  False, reported,
 * only when the catalog cannot be read.
 */
extern bool source_publication_verify(PGconn *conn, const job *j, const table_def *tables,
									  int n, strlist *problems);
/*
 * The job's publications that exist and that wharf made for it (named
 * `publication` or `publication`_ins, with wharf's comment naming the
 * job), into names: what retire and a failed first sync drop.  A DBA's
 * publication is never among them.
 */
extern bool source_job_publications(PGconn *conn, const job *j, strlist *names);
extern bool source_drop_publications(PGconn *conn, const strlist *names);

/*
 * What sync needs of the source beyond the tables themselves, read for
 * check (readiness.c): the role's rights to create the slot and the
 * publications, each table's replica identity and owner, the job's slot
 * and publications, and the headroom of max_replication_slots and
 * max_wal_senders.
 */
typedef struct source_readiness
{
	char	   *role;
	char	   *database;
	bool		superuser;
	bool		replication;	/* the REPLICATION attribute (or superuser) */
	bool		create_on_database; /* CREATE PUBLICATION needs it */
	char	   *replident;		/* per table: d(efault), f(ull), i(ndex), n(othing) */
	bool	   *owned;			/* per table: the role owns it (ADD TABLE needs it) */
	bool	   *published;		/* per table: the job's publication holds it */
	int			ntables;
	bool		slot_exists;
	int			slots_in_use;
	int			max_slots;
	int			senders_in_use;
	int			max_senders;
	strlist		publications;	/* wharf's own publications of the job that exist */
	bool		publications_owned; /* the role owns those (ALTER PUBLICATION needs it) */
	char	   *foreign_publication;	/* `publication` exists, made by someone else */
} source_readiness;

extern bool source_read_readiness(PGconn *conn, const job *j, const table_def *tables, int n,
								  source_readiness *out);
extern void source_readiness_free(source_readiness *r);

/*
 * The server itself (server.c).  source_lock_job: holds a session advisory
 * lock for the job; false if another process has it.  source_wal_level:
 * its wal_level setting (caller frees); source_wal_level_logical: whether
 * it is logical (an error naming the fix when not).  source_current_wal_lsn:
 * the WAL insert position.  source_heartbeat: a transactional logical
 * message, which moves an idle job's slot (a warning when it fails).
 */
extern bool source_lock_job(PGconn *conn, const job *j);
extern bool source_wal_level(PGconn *conn, char **level);
extern bool source_wal_level_logical(PGconn *conn);
extern bool source_current_wal_lsn(PGconn *conn, uint64_t *lsn);
extern bool source_heartbeat(PGconn *conn);

/*
 * Opens a REPEATABLE READ READ ONLY transaction on conn and exports its
 * snapshot; conn must stay open and idle while readers use the snapshot.
 */
extern bool snapshot_export(PGconn *conn, char **snapshot_name);
/* Starts a reader's transaction on the exported snapshot. */
extern bool snapshot_attach(PGconn *conn, const char *snapshot_name);
/*
 * Streams the table (as of the reader's snapshot) into w with COPY ... TO
 * STDOUT (FORMAT csv), each column rendered as renders[i] asks.  A
 * partitioned table is read whole, every partition at every level, in one
 * COPY (SELECT ... FROM root).
 */
extern bool snapshot_copy_table(PGconn *conn, const table_def *t,
								const col_render *renders, stage_writer *w,
								uint64_t *rows);

/*
 * A range of a plain table's pages for one of several readers: rows whose
 * ctid lies in [first_page, end_page), end_page 0 meaning the table's end
 * (rows on pages added since the size was read included).  Postgres reads
 * such a range with a TID range scan, touching only its pages.
 */
typedef struct snapshot_range
{
	uint32_t	first_page;
	uint32_t	end_page;
} snapshot_range;

/* snapshot_copy_table of one range of t's rows. */
extern bool snapshot_copy_range(PGconn *conn, const table_def *t,
								const col_render *renders, const snapshot_range *range,
								stage_writer *w, uint64_t *rows);
/* The COPY statement snapshot_copy_table runs for t, into sql (what plan prints). */
extern bool snapshot_read_sql(PGconn *conn, const table_def *t, const col_render *renders,
							  buf *sql);

/*
 * Incremental loads (incremental.h).  source_incr_check: t's cursor can
 * bound loads (an error otherwise), with a warning for each limit the
 * user should know of (no index leads with it, no UPDATE trigger moves
 * it, NULLs).  source_incr_high_water: the mark of a load, read under its
 * snapshot (cursor mode: the largest cursor value as text, "" when none;
 * xmin mode: the snapshot).  source_incr_where: the predicate on t's rows
 * of a load after the one that left mark, now running under snapshot
 * (pg_current_snapshot's text), into *where (caller frees); *full, no
 * predicate, when the rows cannot be bounded by it and the load must
 * read them all (said why).
 */
extern bool source_incr_check(PGconn *conn, const table_def *t);
extern bool source_incr_snapshot(PGconn *conn, char **text);
extern bool source_incr_high_water(PGconn *conn, const table_def *t, char **value);
extern bool source_incr_where(PGconn *conn, const table_def *t, const char *mark,
							  const char *snapshot, char **where, bool *full);

/* How many pages plain table t has now (its main fork), into *pages. */
extern bool snapshot_table_pages(PGconn *conn, const table_def *t, uint32_t *pages);

#endif
