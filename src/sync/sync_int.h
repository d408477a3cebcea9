/*
 * sync_int.h
 *    Change data capture's private types and functions, shared by the files
 *    of src/sync/ and by nothing else.
 *
 * The data flow: start.c reads the job's state rows, creates or finds the
 * slot and loads the tables a snapshot must give; stream.c reads pgoutput
 * messages and turns them into a batch, through schema.c (Relation
 * messages: the columns follow the stream) and rows.c (one staged row per
 * change); batch.c stages each table's rows as segments, hands the batch to
 * the applier thread and applies it at the warehouse with the position;
 * partitions.c notices partitions attached, detached or truncated with
 * nothing in the stream; command.c is `wharf sync` itself.  hashmap.c is
 * the small map rows.c and batch.c remember keys and rows with.
 */
#ifndef SYNC_INT_H
#define SYNC_INT_H

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cmd_ctx.h"
#include "commands.h"
#include "csv.h"
#include "extract.h"
#include "load.h"
#include "log.h"
#include "outage.h"
#include "pgoutput.h"
#include "pipes.h"
#include "replication.h"
#include "sink.h"
#include "source.h"
#include "stage.h"
#include "warehouse.h"

/* The bounds of a batch's bundled segments (sync_segment). */
#define SYNC_BUNDLE_ROWS			1000
#define SYNC_BUNDLE_SEGMENT_BYTES	(256 * 1024)
#define SYNC_BUNDLE_ROW_BYTES		(16 * 1024)
#define SYNC_BUNDLE_BYTES			(4 * 1024 * 1024)

/* How long to wait for the stream before asking the server for a keepalive. */
#define SYNC_IDLE_MS 1000

/* Set by SIGINT and SIGTERM: stop at the next transaction boundary. */
extern volatile sig_atomic_t sync_stop_requested;

/*
 * A map from 64-bit hashes to 64-bit values (open addressing; hash 0 is
 * stored as 1, and a free slot has hash 0).  A set of key hashes uses it
 * with values left 0; a collision only makes the stream start a segment it
 * did not need, or (images) take two rows for one, which a 64-bit hash of
 * whole rows makes vanishingly rare.
 */
typedef struct hash_map
{
	uint64_t   *hashes;
	uint64_t   *values;
	size_t		cap;			/* a power of two, or 0 */
	size_t		n;
} hash_map;

/*
 * Where a table column's values come from in the rows after the last
 * Relation message: a relation column (>= 0), nowhere (the source dropped
 * it: not staged), or its missing value (the source added it later in the
 * stream than these rows).
 */
#define SYNC_COL_ABSENT (-1)
#define SYNC_COL_FUTURE (-2)

/* The kinds of change the run's summary counts (per table) */
typedef enum sync_op_kind
{
	SYNC_OP_INSERT = 0,
	SYNC_OP_UPDATE,
	SYNC_OP_DELETE,
	SYNC_OP_TRUNCATE,
	SYNC_NOPS
} sync_op_kind;

/* One job table as the stream sees it. */
typedef struct sync_table
{
	table_def	def;			/* warehouse columns: every column ever seen */
	col_render *renders;		/* per def column */
	pg_lsn		from_lsn;		/* changes committed before this are in its snapshot */
	bool		is_new;			/* not loaded yet: needs its own snapshot */
	uint32_t	relid;			/* 0 until a Relation message names it */
	int		   *colsrc;			/* def column -> relation column, or SYNC_COL_* */
	uint32_t   *reltype;		/* def column -> type oid of the last Relation seen */
	int32_t    *reltypmod;
	char	  **missing;		/* def column -> what rows older than its ADD hold (NULL) */
	/* its column rows (load.h) as read at start: attnum -> warehouse column */
	int		   *rec_attnum;
	char	  **rec_name;
	int			nrec;
	bool		record_columns; /* its column rows are due (names or attnums changed) */
	/*
	 * The job's key positions (per def column, njob_key of them) while the
	 * rows apply by the replica identity's columns instead (NULL: they
	 * apply by the key).
	 */
	int		   *job_key;
	int			njob_key;
	int			job_nkeys;
	int			open_segment;	/* index in the batch, -1 when no writer is open */
	/*
	 * Schema changes for the next segment: its schema work (run before the
	 * batch's transaction) and the statements that go in the transaction
	 * at the segment's start (values of added columns, column rows).
	 */
	strlist		pending_ddl;
	strlist		pending;
	hash_map	moved;			/* new keys of the open segment's key changes ('K') */
	bool		full_identity;	/* REPLICA IDENTITY FULL: old rows come whole */
	hash_map	added;			/* full identity: image hash -> seq of the rows the open
								 * transaction added */
	bool		added_full;		/* too many to track in this transaction: said once */
	int64_t		batch_rows;
	/* the open batch's changes by kind, and those the warehouse committed */
	uint64_t	batch_ops[SYNC_NOPS];
	uint64_t	applied_ops[SYNC_NOPS];	/* under the state's lock */
	/* loaded from a snapshot in this run: why, and its rows */
	char	   *load_reason;
	bool		snapshotted;
	uint64_t	snapshot_rows;
	char	   *display;		/* schema.name quoted as in SQL, for messages */
	/* a partitioned table: its partitions as its last load read them */
	table_partitions recorded;
	bool		check_partitions;	/* a Relation message named it: compare soon */
} sync_table;

typedef struct sync_segment
{
	int			table;
	table_def	def;			/* columns as staged (the table's, less dropped ones) */
	strlist		cleared;		/* dropped columns: NULL in the rows it changes */
	bool		has_unchanged;	/* a row holds an unchanged TOAST value */
	bool		has_moves;		/* a key change ('K') takes values from the old key */
	bool		has_cancels;	/* a removal cancels an addition ('C', see sink.h) */
	bool		has_truncates;	/* a row is a truncate ('T') */
	/*
	 * A small segment is bundled (load.h): its rows wait in held, with
	 * each row's length and the length of its change columns in held_len
	 * (two uint32_t a row), until the batch is taken and they go into one
	 * of the batch's bundles (bundle, first: where).  One that outgrows
	 * SYNC_BUNDLE_ROWS or SYNC_BUNDLE_SEGMENT_BYTES, a row over
	 * SYNC_BUNDLE_ROW_BYTES, or a batch whose held rows would pass
	 * SYNC_BUNDLE_BYTES, gives the segment a stage writer of its own (w).
	 */
	bool		bundled;
	buf			held;
	buf			held_len;
	uint64_t	held_rows;
	int			bundle;
	int			bundle_first;
	stage_writer *w;
	stage_result staged;
	strlist		pre_ddl;		/* its schema work, before the batch's transaction */
	strlist		pre;			/* the statements at its start, in the transaction */
	bool		finished;
} sync_segment;

typedef struct sync_state
{
	cmd_ctx    *c;
	bool		follow;
	sync_table *tables;
	int			ntables;
	pgoutput_decoder *dec;
	repl_conn  *repl;

	pg_lsn		position;		/* what the warehouse holds */
	pg_lsn		acked;			/* what the slot was told */
	pg_lsn		target;			/* sync (no --follow) stops here */
	pg_lsn		last_wal_end;

	bool		in_txn;
	bool		skip_txn;
	pg_lsn		txn_lsn;		/* commit LSN of the transaction being read */

	/* the batch being gathered */
	char	   *batch_id;
	sync_segment *segs;
	int			nsegs;
	uint64_t	seq;
	uint64_t	batch_bytes;
	uint64_t	held_bytes;		/* of its bundled segments' rows */
	int64_t		batch_rows;
	pg_lsn		batch_end;		/* end of the last commit in the batch */
	int64_t		batch_commit_time;	/* its commit time (pgoutput's clock) */
	double		batch_started;

	buf			row;
	buf			vals;
	buf			unchanged;

	/*
	 * The applier: a thread that owns the warehouse session once streaming
	 * starts and applies one batch while the next is read.  Guarded by lock.
	 */
	pthread_t	applier;
	bool		applier_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct sync_batch *pending; /* handed over, not yet taken */
	bool		busy;			/* applying a batch */
	bool		failed;			/* a batch failed: stop */
	bool		quit;
	pg_lsn		applied;		/* end of the last batch the warehouse committed */
	pg_lsn		handed;			/* end of the last batch handed over */

	uint64_t	total_rows;
	int			batches;

	/*
	 * Riding out outages (command.c): progressed says the run has gone past
	 * any outage before it (a batch committed, or the stream caught up
	 * with nothing in flight); reconnect_* describe the outage this run
	 * reconnects after (attempt 0: none), said once streaming starts.
	 */
	bool		progressed;
	outage_service reconnect_service;
	double		reconnect_since;
	int			reconnect_attempt;

	/*
	 * Partitions attached, detached or truncated change a partitioned
	 * table's rows with nothing in the stream: compared with what its last
	 * load recorded at start and every batch_interval while streaming; a
	 * table whose partitions changed is loaded again (reload: the stream
	 * stops for that and starts over from the position).
	 */
	bool		any_partitioned;
	double		partitions_checked;
	bool		reload;
	strlist		record;			/* state statements for partitions that need no load */
} sync_state;

/* One of a batch's bundles (load.h), staged. */
typedef struct sync_bundle
{
	table_def	def;
	stage_result staged;
	bool		finished;
	bool		has_cancels;
} sync_bundle;

/* A batch on its way to the warehouse: everything the applier needs, owned. */
typedef struct sync_batch
{
	char	   *id;
	sync_segment *segs;
	int			nsegs;
	sync_bundle *bundles;
	int			nbundles;
	table_def  *touched;		/* copies of the tables it changes */
	int64_t    *touched_rows;
	int		   *touched_index;	/* their indexes in the state's tables */
	uint64_t   (*touched_ops)[SYNC_NOPS];
	int			ntouched;
	int64_t		rows;
	pg_lsn		end;
	int64_t		commit_time;	/* of its last transaction, pgoutput's clock */
	double		read_s;
	double		staged_s;
} sync_batch;

typedef struct sync_saved
{
	bool		have_position;
	pg_lsn		position;
	load_state	state;			/* the job's state rows */
} sync_saved;

/* hashmap.c: a map of 64-bit hashes */
extern bool hash_map_get(const hash_map *m, uint64_t h, uint64_t *value);
extern void hash_map_put(hash_map *m, uint64_t h, uint64_t value);
extern void hash_map_clear(hash_map *m);

/* batch.c: segments, batches and the applier */
extern void sync_batch_begin(sync_state *st);
extern bool sync_segment_close(sync_state *st, sync_table *t);
extern bool sync_segment_open(sync_state *st, sync_table *t);
extern bool sync_segment_write(sync_state *st, sync_table *t, const char *row, size_t len,
							   size_t lead_len);
extern void sync_batch_discard(sync_state *st, bool remove_staged);
extern bool sync_handoff(sync_state *st);
extern bool sync_applier_idle(sync_state *st);
extern bool sync_applier_drain(sync_state *st);
extern bool sync_applier_start(sync_state *st);
extern void sync_applier_stop(sync_state *st);
extern bool sync_report_applied(sync_state *st);

/* rows.c: one staged row per change */
extern bool sync_write_row(sync_state *st, sync_table *t, char op, const pgoutput_tuple *tup);
extern void sync_note_added(sync_state *st, sync_table *t, const pgoutput_tuple *tup);
extern bool sync_remove_row(sync_state *st, sync_table *t, const pgoutput_tuple *old);
extern void sync_forget_added(sync_state *st);
extern bool sync_key_change(sync_state *st, sync_table *t, const pgoutput_tuple *old,
				const pgoutput_tuple *new);
extern bool sync_key_changed(const sync_table *t, const pgoutput_tuple *old, const pgoutput_tuple *new);
extern void sync_unchanged_from_old(pgoutput_tuple *new, const pgoutput_tuple *old);

/* schema.c: columns follow the stream */
extern void sync_table_add_column(sync_table *t, const table_column *c, col_render render);
extern void sync_table_recorded(sync_table *t, int attnum, const char *name);
extern bool sync_relation(sync_state *st, const pgoutput_relation *rel);
extern bool sync_tables_reconcile(sync_state *st);
extern bool sync_apply_pending(sync_state *st);
extern bool sync_table_refresh(sync_state *st, int i);
/* Why table t is loaded from a snapshot in this run, for the summary. */
extern void sync_set_load_reason(sync_table *t, const char *why);

/* partitions.c: partitions changed with nothing in the stream */
extern void sync_reload(sync_table *t, const char *why);
extern bool sync_check_partitions(sync_state *st, strlist *record, bool *changed);
extern bool sync_partitions_due(sync_state *st);

/* stream.c: the pgoutput stream */
extern bool sync_stream(sync_state *st);

/* start.c: state, slot, snapshots */
extern sync_table *sync_table_by_name(sync_state *st, const char *schema, const char *name);
extern sync_table *sync_table_by_relid(sync_state *st, uint32_t relid);
extern bool sync_read_state(sync_state *st, sync_saved *saved);
extern void sync_forget_removed(sync_state *st, const sync_saved *saved, strlist *script);
extern bool sync_load_snapshot(sync_state *st, const char *snapshot_name, pg_lsn lsn,
				bool *which, const char *position, strlist *extra);
extern bool sync_readd_names_valid(sync_state *st, const cmd_options *o);
extern bool sync_check_readded(sync_state *st, const cmd_options *o, pg_lsn position, strlist *script);
extern bool sync_snapshot_new_tables(sync_state *st, strlist *extra);
extern void sync_state_free(sync_state *st);
extern bool sync_tables_init(sync_state *st);

#endif							/* SYNC_INT_H */
