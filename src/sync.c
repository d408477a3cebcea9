/*
 * sync.c
 *    Change data capture: `wharf sync` and `wharf sync --follow`.
 *
 * The first run of a job creates its publications and a pgoutput slot, loads
 * every table from the snapshot the slot's creation exports, and records the
 * slot's consistent point as the job's position.  Every run then streams
 * from the position the warehouse holds, gathers whole transactions into a
 * batch (each table's changes staged as gzip CSV with their commit LSN and
 * position), applies the batch at the warehouse in ONE transaction together
 * with the new position, and only then reports that position to the slot.
 * Transactions at or before the warehouse's position are skipped, so a kill
 * at any instant converges on the next run.
 *
 * This file owns the batch: the per-table segments, their writers and the
 * schema changes seen in the stream.  Decoding is pgoutput.c's, the stream
 * replication.c's, the SQL the dialects'.
 */
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
#include "pgoutput.h"
#include "replication.h"
#include "sink.h"
#include "source.h"
#include "stage.h"
#include "warehouse.h"

/* How long to wait for the stream before asking the server for a keepalive. */
#define SYNC_IDLE_MS 1000

static volatile int sync_stop_requested;

static void
sync_on_signal(int signo)
{
	(void) signo;
	sync_stop_requested = 1;
}

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
	strlist		pending;		/* schema changes for the next segment */
	hash_map	moved;			/* new keys of the open segment's key changes ('K') */
	bool		full_identity;	/* REPLICA IDENTITY FULL: old rows come whole */
	hash_map	added;			/* full identity: image hash -> seq of the rows the open
								 * transaction added */
	bool		added_full;		/* too many to track in this transaction: said once */
	int64_t		batch_rows;
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
	stage_writer *w;
	stage_result staged;
	strlist		pre;
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
	int64_t		batch_rows;
	pg_lsn		batch_end;		/* end of the last commit in the batch */
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

/* A batch on its way to the warehouse: everything the applier needs, owned. */
typedef struct sync_batch
{
	char	   *id;
	sync_segment *segs;
	int			nsegs;
	table_def  *touched;		/* copies of the tables it changes */
	int64_t    *touched_rows;
	int			ntouched;
	int64_t		rows;
	pg_lsn		end;
	double		read_s;
	double		staged_s;
} sync_batch;

static double
sync_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Test-only switches: WHARF_FAIL_AT=<point> kills the process at that point
 * as SIGKILL would, to prove that every point converges on the next run;
 * WHARF_PAUSE_AT=<point> sleeps there (WHARF_PAUSE_SECONDS, default 5) so a
 * test can break a connection at that moment.  Points: before-upload,
 * after-upload, mid-copy, after-merge, after-commit.
 */
static void
sync_fail_point(const char *point)
{
	const char *at = getenv("WHARF_FAIL_AT");
	const char *pause = getenv("WHARF_PAUSE_AT");

	if (at && strcmp(at, point) == 0)
	{
		fprintf(stderr, "wharf: WHARF_FAIL_AT=%s: killing the process\n", point);
		fflush(stderr);
		raise(SIGKILL);
	}
	/* the same for faults injected from outside: hold still while a test acts */
	if (pause && strcmp(pause, point) == 0)
	{
		const char *secs = getenv("WHARF_PAUSE_SECONDS");

		fprintf(stderr, "wharf: WHARF_PAUSE_AT=%s: pausing\n", point);
		fflush(stderr);
		sleep(secs ? (unsigned) atoi(secs) : 5);
	}
}

static void sync_reload(sync_table *t, const char *why);

/* The slot of h in m: where it is, or the free slot where it would go. */
static size_t
hash_map_slot(const hash_map *m, uint64_t h)
{
	size_t		i;

	for (i = h & (m->cap - 1); m->hashes[i] != 0 && m->hashes[i] != h; i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static bool
hash_map_get(const hash_map *m, uint64_t h, uint64_t *value)
{
	size_t		i;

	if (m->cap == 0)
		return false;
	h = h ? h : 1;
	i = hash_map_slot(m, h);
	if (m->hashes[i] == 0)
		return false;
	if (value)
		*value = m->values[i];
	return true;
}

static void
hash_map_put(hash_map *m, uint64_t h, uint64_t value)
{
	size_t		i;

	h = h ? h : 1;
	if ((m->n + 1) * 2 > m->cap)
	{
		hash_map	grown = {0};

		grown.cap = m->cap ? m->cap * 2 : 64;
		grown.hashes = xcalloc(grown.cap, sizeof(uint64_t));
		grown.values = xcalloc(grown.cap, sizeof(uint64_t));
		for (size_t k = 0; k < m->cap; k++)
			if (m->hashes[k] != 0)
				hash_map_put(&grown, m->hashes[k], m->values[k]);
		free(m->hashes);
		free(m->values);
		*m = grown;
	}
	i = hash_map_slot(m, h);
	if (m->hashes[i] == 0)
		m->n++;
	m->hashes[i] = h;
	m->values[i] = value;
}

static void
hash_map_clear(hash_map *m)
{
	free(m->hashes);
	free(m->values);
	memset(m, 0, sizeof(*m));
}

static sync_table *
sync_table_by_name(sync_state *st, const char *schema, const char *name)
{
	for (int i = 0; i < st->ntables; i++)
		if (strcmp(st->tables[i].def.schema, schema) == 0 &&
			strcmp(st->tables[i].def.name, name) == 0)
			return &st->tables[i];
	return NULL;
}

static sync_table *
sync_table_by_relid(sync_state *st, uint32_t relid)
{
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].relid == relid)
			return &st->tables[i];
	return NULL;
}

/* Appends a column to t's definition (names and renders grow together). */
static void
sync_table_add_column(sync_table *t, const table_column *c, col_render render)
{
	int			n = t->def.ncols;

	t->def.cols = xrealloc(t->def.cols, sizeof(table_column) * (size_t) (n + 1));
	t->renders = xrealloc(t->renders, sizeof(col_render) * (size_t) (n + 1));
	t->colsrc = xrealloc(t->colsrc, sizeof(int) * (size_t) (n + 1));
	t->reltype = xrealloc(t->reltype, sizeof(uint32_t) * (size_t) (n + 1));
	t->reltypmod = xrealloc(t->reltypmod, sizeof(int32_t) * (size_t) (n + 1));
	t->missing = xrealloc(t->missing, sizeof(char *) * (size_t) (n + 1));
	t->def.cols[n] = *c;
	t->renders[n] = render;
	t->colsrc[n] = SYNC_COL_ABSENT;
	t->missing[n] = NULL;
	t->reltype[n] = c->type_oid;
	t->reltypmod[n] = -1;
	t->def.ncols = n + 1;
}

/* ---------------------------------------------------------------------
 * Segments and batches
 * --------------------------------------------------------------------- */

static void
sync_batch_begin(sync_state *st)
{
	free(st->batch_id);
	st->batch_id = stage_new_load_id();
	st->batch_started = sync_now();
}

/* Closes t's open segment, if any: its rows are complete. */
static bool
sync_segment_close(sync_state *st, sync_table *t)
{
	sync_segment *seg;

	hash_map_clear(&t->moved);
	/* a later removal of an earlier segment's row is a delete in the next one */
	hash_map_clear(&t->added);
	if (t->open_segment < 0)
		return true;
	seg = &st->segs[t->open_segment];
	t->open_segment = -1;
	seg->finished = stage_writer_finish(seg->w, &seg->staged);
	seg->w = NULL;
	return seg->finished;
}

/* The writer for t's rows in this batch, opening a segment if needed. */
static bool
sync_segment_writer(sync_state *st, sync_table *t, stage_writer **w)
{
	sync_segment *seg;
	char	   *id;
	bool		ok;

	if (t->open_segment >= 0)
	{
		*w = st->segs[t->open_segment].w;
		return true;
	}
	if (st->batch_id == NULL)
		sync_batch_begin(st);
	st->segs = xrealloc(st->segs, sizeof(sync_segment) * (size_t) (st->nsegs + 1));
	seg = &st->segs[st->nsegs];
	memset(seg, 0, sizeof(*seg));
	seg->table = (int) (t - st->tables);
	table_def_copy(&t->def, &seg->def);
	/* dropped columns are not staged: the warehouse clears them instead */
	seg->def.ncols = 0;
	for (int k = 0; k < t->def.ncols; k++)
	{
		if (t->def.cols[k].dropped)
		{
			strlist_add(&seg->cleared, t->def.cols[k].name);
			free(seg->def.cols[k].name);
			free(seg->def.cols[k].pg_type);
		}
		else
			seg->def.cols[seg->def.ncols++] = seg->def.cols[k];
	}
	/* the schema changes go with this segment, and the column rows they change */
	if (t->record_columns)
		load_columns_script(st->c->d, &st->c->j, &t->def, NULL, &t->pending);
	t->record_columns = false;
	seg->pre = t->pending;
	memset(&t->pending, 0, sizeof(t->pending));
	id = xasprintf("%s.%d", st->batch_id, st->nsegs + 1);
	ok = stage_writer_open(&st->c->st, id, &seg->def, &seg->w);
	free(id);
	if (!ok)
	{
		table_def_free(&seg->def);
		strlist_free(&seg->pre);
		strlist_free(&seg->cleared);
		return false;
	}
	t->open_segment = st->nsegs++;
	*w = seg->w;
	return true;
}

static void
sync_segments_free(const stage *stg, sync_segment *segs, int nsegs, bool remove_staged)
{
	for (int i = 0; i < nsegs; i++)
	{
		sync_segment *seg = &segs[i];

		if (seg->w)
			stage_writer_abort(seg->w);
		if (seg->finished)
		{
			if (remove_staged)
				stage_remove(stg, &seg->staged);
			stage_result_free(&seg->staged);
		}
		table_def_free(&seg->def);
		strlist_free(&seg->pre);
		strlist_free(&seg->cleared);
	}
	free(segs);
}

/* Drops the batch being gathered: writers aborted, staged segments removed. */
static void
sync_batch_discard(sync_state *st, bool remove_staged)
{
	sync_segments_free(&st->c->st, st->segs, st->nsegs, remove_staged);
	st->segs = NULL;
	st->nsegs = 0;
	for (int i = 0; i < st->ntables; i++)
	{
		st->tables[i].open_segment = -1;
		st->tables[i].batch_rows = 0;
		hash_map_clear(&st->tables[i].moved);
	}
	st->batch_rows = 0;
	st->batch_bytes = 0;
	free(st->batch_id);
	st->batch_id = NULL;
}

static void
sync_batch_free(const stage *stg, sync_batch *b, bool remove_staged)
{
	sync_segments_free(stg, b->segs, b->nsegs, remove_staged);
	for (int i = 0; i < b->ntouched; i++)
		table_def_free(&b->touched[i]);
	free(b->touched);
	free(b->touched_rows);
	free(b->id);
	free(b);
}

/*
 * Closes the batch being gathered (its parts finish uploading) and moves it
 * into a sync_batch for the applier.  The receiver starts a new one.
 */
static bool
sync_batch_take(sync_state *st, sync_batch **out)
{
	sync_batch *b = xcalloc(1, sizeof(sync_batch));
	double		t_start = sync_now();
	bool		ok = true;

	if (st->nsegs > 0)
		sync_fail_point("before-upload");
	for (int i = 0; i < st->ntables && ok; i++)
		ok = sync_segment_close(st, &st->tables[i]);
	if (!ok)
	{
		char		lsn[32];

		log_warn("sync: the batch ending at %s was not staged; the next run reads it again",
				  pg_lsn_format(st->batch_end, lsn));
		sync_batch_discard(st, true);
		free(b);
		return false;
	}
	if (st->nsegs > 0)
		sync_fail_point("after-upload");
	b->id = st->batch_id ? st->batch_id : stage_new_load_id();
	b->segs = st->segs;
	b->nsegs = st->nsegs;
	b->rows = st->batch_rows;
	b->end = st->batch_end;
	b->read_s = t_start - st->batch_started;
	b->staged_s = sync_now() - t_start;
	b->touched = xcalloc((size_t) st->ntables, sizeof(table_def));
	b->touched_rows = xcalloc((size_t) st->ntables, sizeof(int64_t));
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].batch_rows > 0)
		{
			table_def_copy(&st->tables[i].def, &b->touched[b->ntouched]);
			b->touched_rows[b->ntouched++] = st->tables[i].batch_rows;
		}
	st->batch_id = NULL;
	st->segs = NULL;
	st->nsegs = 0;
	for (int i = 0; i < st->ntables; i++)
	{
		st->tables[i].open_segment = -1;
		st->tables[i].batch_rows = 0;
	}
	st->batch_rows = 0;
	st->batch_bytes = 0;
	*out = b;
	return true;
}

/*
 * Applies one batch in ONE warehouse transaction with its position.  Runs
 * in the applier thread, the only user of the warehouse session by then.
 */
static bool
sync_batch_run(cmd_ctx *c, sync_batch *b)
{
	load_segment *segs;
	load_table_state *touched;
	strlist		script = {0};
	char		lsn[32];
	double		t_start = sync_now();
	bool		ok;
	bool		copied = false;

	if (b->nsegs == 0)
		return true;			/* only transactions without changes for us */
	pg_lsn_format(b->end, lsn);
	segs = xcalloc((size_t) b->nsegs, sizeof(load_segment));
	touched = xcalloc((size_t) (b->ntouched ? b->ntouched : 1), sizeof(load_table_state));
	for (int i = 0; i < b->nsegs; i++)
	{
		segs[i].t = &b->segs[i].def;
		segs[i].staged = &b->segs[i].staged;
		segs[i].pre = &b->segs[i].pre;
		segs[i].cleared = &b->segs[i].cleared;
		segs[i].has_unchanged = b->segs[i].has_unchanged;
		segs[i].has_moves = b->segs[i].has_moves;
		segs[i].has_cancels = b->segs[i].has_cancels;
	}
	for (int i = 0; i < b->ntouched; i++)
	{
		touched[i].t = &b->touched[i];
		touched[i].rows = b->touched_rows[i];
	}
	ok = load_changes_script(c->d, &c->j, &c->st, b->id, lsn, segs, b->nsegs,
							 touched, b->ntouched, &script);
	for (int i = 0; ok && i < script.n; i++)
	{
		log_debug("warehouse: %s", script.items[i]);
		ok = wh_exec(c->wh, script.items[i], NULL);
		if (ok && !copied && strncmp(script.items[i], "COPY", 4) == 0)
		{
			copied = true;
			sync_fail_point("mid-copy");
		}
	}
	if (ok)
		sync_fail_point("after-merge");
	if (ok)
		ok = wh_commit(c->wh);
	else
		wh_rollback(c->wh);
	strlist_free(&script);
	free(segs);
	free(touched);
	if (!ok)
	{
		log_warn("sync: the batch ending at %s was not applied; the next run applies it again", lsn);
		return false;
	}
	sync_fail_point("after-commit");
	log_info("applied batch %s: %lld changes up to %s (read %.1f s, staged %.1f s, applied %.1f s)",
			 b->id, (long long) b->rows, lsn, b->read_s, b->staged_s, sync_now() - t_start);
	return true;
}

static void *
sync_applier_main(void *arg)
{
	sync_state *st = arg;

	pthread_mutex_lock(&st->lock);
	for (;;)
	{
		sync_batch *b;
		bool		ok;

		while (st->pending == NULL && !st->quit)
			pthread_cond_wait(&st->cond, &st->lock);
		if (st->pending == NULL)
			break;
		b = st->pending;
		st->pending = NULL;
		st->busy = true;
		pthread_mutex_unlock(&st->lock);

		{
			pg_lsn		end = b->end;
			int64_t		rows = b->rows;
			bool		had_changes = b->nsegs > 0;

			ok = sync_batch_run(st->c, b);
			sync_batch_free(&st->c->st, b, !ok || !st->c->j.keep);
			pthread_mutex_lock(&st->lock);
			st->busy = false;
			if (ok)
			{
				st->applied = end;
				st->batches += had_changes ? 1 : 0;
				st->total_rows += (uint64_t) rows;
			}
			else
				st->failed = true;
		}
		pthread_cond_broadcast(&st->cond);
		if (!ok)
			break;
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* Hands the gathered batch to the applier; false only on failure. */
static bool
sync_handoff(sync_state *st)
{
	sync_batch *b;

	if (!sync_batch_take(st, &b))
		return false;
	pthread_mutex_lock(&st->lock);
	st->pending = b;
	st->handed = b->end;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return true;
}

/* Whether the applier has nothing in hand. */
static bool
sync_applier_idle(sync_state *st)
{
	bool		idle;

	pthread_mutex_lock(&st->lock);
	idle = st->pending == NULL && !st->busy;
	pthread_mutex_unlock(&st->lock);
	return idle;
}

/* Waits until the applier is done with all it was given; false if it failed. */
static bool
sync_applier_drain(sync_state *st)
{
	bool		ok;

	pthread_mutex_lock(&st->lock);
	while ((st->pending != NULL || st->busy) && !st->failed)
		pthread_cond_wait(&st->cond, &st->lock);
	ok = !st->failed;
	pthread_mutex_unlock(&st->lock);
	return ok;
}

/* Starts the applier: the warehouse session is its own until it stops. */
static bool
sync_applier_start(sync_state *st)
{
	st->quit = false;
	if (pthread_create(&st->applier, NULL, sync_applier_main, st) != 0)
	{
		log_error("sync: cannot start the applier thread");
		return false;
	}
	st->applier_started = true;
	return true;
}

static void
sync_applier_stop(sync_state *st)
{
	if (!st->applier_started)
		return;
	pthread_mutex_lock(&st->lock);
	st->quit = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	pthread_join(st->applier, NULL);
	st->applier_started = false;
	if (st->pending)
	{
		sync_batch_free(&st->c->st, st->pending, true);
		st->pending = NULL;
	}
}

/*
 * What the warehouse has committed: reported to the slot as soon as it is
 * known, and never before.
 */
static bool
sync_report_applied(sync_state *st)
{
	pg_lsn		applied;
	bool		failed;

	pthread_mutex_lock(&st->lock);
	applied = st->applied;
	failed = st->failed;
	pthread_mutex_unlock(&st->lock);
	if (failed)
		return false;
	if (applied > st->acked)
	{
		if (!repl_feedback(st->repl, st->last_wal_end, applied, false))
			return false;
		st->acked = applied;
	}
	if (applied > st->position)
		st->position = applied;
	return true;
}

/* ---------------------------------------------------------------------
 * Rows
 * --------------------------------------------------------------------- */

/* Whether a numeric text fits the render's limits (no rounding, ever). */
static bool
sync_numeric_fits(const char *v, uint32_t len, const col_render *r)
{
	uint32_t	i = 0;
	int			int_digits = 0;
	int			frac_digits = 0;
	bool		leading = true;
	uint32_t	frac_end;

	if (len == 3 && memcmp(v, "NaN", 3) == 0)
		return !r->no_special;
	if ((len == 8 && memcmp(v, "Infinity", 8) == 0) || (len == 9 && memcmp(v, "-Infinity", 9) == 0))
		return !r->no_special;
	if (i < len && (v[i] == '-' || v[i] == '+'))
		i++;
	for (; i < len && v[i] != '.'; i++)
	{
		if (leading && v[i] == '0')
			continue;
		leading = false;
		int_digits++;
	}
	if (i < len && v[i] == '.')
	{
		frac_end = len;
		while (frac_end > i + 1 && v[frac_end - 1] == '0')
			frac_end--;
		frac_digits = (int) (frac_end - i - 1);
	}
	if (r->max_int_digits >= 0 && int_digits > r->max_int_digits)
		return false;
	if (r->max_scale >= 0 && frac_digits > r->max_scale)
		return false;
	return true;
}

/*
 * Writes one change row for t: op at commit position lsn, and the values
 * of tup (NULL for a truncate or a cancel), mapped from the relation's
 * columns onto t's; a cancel ('C') names the seq of the addition it takes
 * back (see sink.h).
 */
static bool
sync_write_row_at(sync_state *st, sync_table *t, char op, const pgoutput_tuple *tup,
				  pg_lsn lsn, uint64_t cancels)
{
	stage_writer *w;
	char		num[32];
	bool		any_unchanged = false;

	if (!sync_segment_writer(st, t, &w))
		return false;
	buf_reset(&st->vals);
	buf_reset(&st->unchanged);
	int			staged = 0;

	for (int k = 0; k < t->def.ncols; k++)
	{
		int			r = t->colsrc[k];
		const pgoutput_value *v;

		if (t->def.cols[k].dropped)
			continue;			/* not staged: the warehouse sets it NULL */
		staged++;
		if (r == SYNC_COL_FUTURE && tup != NULL && t->missing[k] != NULL)
		{
			csv_field(&st->vals, false, t->missing[k], strlen(t->missing[k]));
			continue;
		}
		if (tup == NULL || r < 0 || r >= tup->ncols)
		{
			csv_null(&st->vals, false);
			continue;
		}
		v = &tup->values[r];
		switch (v->kind)
		{
			case 'n':
				csv_null(&st->vals, false);
				break;
			case 'u':
				csv_null(&st->vals, false);
				buf_printf(&st->unchanged, "%s%d,", any_unchanged ? "" : ",", staged);
				any_unchanged = true;
				break;
			case 't':
				if (t->def.cols[k].kind == COL_NUMERIC && !t->def.cols[k].is_array &&
					!sync_numeric_fits(v->data, v->len, &t->renders[k]))
				{
					char		at[32];

					log_error("sync: table %s: column \"%s\" holds %.*s at %s, which the "
							  "warehouse cannot hold exactly", t->display,
							  t->def.cols[k].name, (int) (v->len > 60 ? 60 : v->len), v->data,
							  pg_lsn_format(st->txn_lsn, at));
					return false;
				}
				csv_field(&st->vals, false, v->data, v->len);
				break;
			default:
				log_error("sync: table %s: column \"%s\" arrived in binary form",
						  t->display, t->def.cols[k].name);
				return false;
		}
	}
	buf_reset(&st->row);
	snprintf(num, sizeof(num), "%llu", (unsigned long long) lsn);
	csv_field(&st->row, true, num, strlen(num));
	snprintf(num, sizeof(num), "%llu", (unsigned long long) ++st->seq);
	csv_field(&st->row, false, num, strlen(num));
	csv_field(&st->row, false, &op, 1);
	if (op == 'C')
	{
		snprintf(num, sizeof(num), "%llu", (unsigned long long) cancels);
		csv_field(&st->row, false, num, strlen(num));
		st->segs[t->open_segment].has_cancels = true;
	}
	else if (any_unchanged)
	{
		csv_field(&st->row, false, st->unchanged.data, st->unchanged.len);
		st->segs[t->open_segment].has_unchanged = true;
	}
	else
		csv_null(&st->row, false);
	/* even when its unchanged values were in dropped columns only */
	if (op == 'K')
		st->segs[t->open_segment].has_moves = true;
	buf_append(&st->row, st->vals.data ? st->vals.data : "", st->vals.len);
	csv_end_row(&st->row);
	if (!stage_write_rows(w, st->row.data, st->row.len, 1))
		return false;
	t->batch_rows++;
	st->batch_rows++;
	st->batch_bytes += st->row.len;
	return true;
}

static bool
sync_write_row(sync_state *st, sync_table *t, char op, const pgoutput_tuple *tup)
{
	return sync_write_row_at(st, t, op, tup, st->txn_lsn, 0);
}

/*
 * FNV-1a over the values of tup in t's columns: the key's (in key order),
 * or with image every staged column's (a whole row, as full replica
 * identity sends old rows).
 */
static uint64_t
sync_tuple_hash(const sync_table *t, const pgoutput_tuple *tup, bool image)
{
	uint64_t	h = 14695981039346656037ULL;

	for (int pos = 1; pos <= (image ? 1 : t->def.nkeys); pos++)
		for (int k = 0; k < t->def.ncols; k++)
		{
			int			r = t->colsrc[k];
			const pgoutput_value *v;
			uint32_t	len;

			if (image ? t->def.cols[k].dropped : t->def.cols[k].key_pos != pos)
				continue;
			v = (r >= 0 && r < tup->ncols) ? &tup->values[r] : NULL;
			len = v ? v->len : 0;
			h = (h ^ (uint8_t) (v ? v->kind : 0)) * 1099511628211ULL;
			for (int b = 0; b < 4; b++)
				h = (h ^ ((len >> (8 * b)) & 0xff)) * 1099511628211ULL;
			for (uint32_t i = 0; v && i < len; i++)
				h = (h ^ (uint8_t) v->data[i]) * 1099511628211ULL;
		}
	return h;
}

/*
 * Rows of one transaction a full-identity table remembers, at most: past
 * this, removals of its rows are staged as plain deletes ordered before its
 * additions, which is exact unless rows pass through each other's keys.
 */
#define SYNC_ADDED_MAX (1 << 20)

/* Full identity: remembers a row the open transaction added (its last seq). */
static void
sync_note_added(sync_state *st, sync_table *t, const pgoutput_tuple *tup)
{
	if (t->added.n >= SYNC_ADDED_MAX)
	{
		if (!t->added_full)
		{
			char		at[32];

			log_warn("table %s: the transaction at %s changes more than %d rows; rows that "
					 "pass through each other's keys in it may be applied by key", t->display,
					 pg_lsn_format(st->txn_lsn, at), SYNC_ADDED_MAX);
			t->added_full = true;
		}
		return;
	}
	hash_map_put(&t->added, sync_tuple_hash(t, tup, true), st->seq);
}

/*
 * Full identity: the removal of old (a delete, or an update's old row).
 * Of a row this transaction added, it cancels that addition; of any other
 * row, it is a delete ordered before the transaction's additions (sink.h).
 */
static bool
sync_remove_row(sync_state *st, sync_table *t, const pgoutput_tuple *old)
{
	uint64_t	h = sync_tuple_hash(t, old, true);
	uint64_t	added = 0;

	if (hash_map_get(&t->added, h, &added) && added != 0)
	{
		hash_map_put(&t->added, h, 0);	/* taken back: 0 is no seq */
		return sync_write_row_at(st, t, 'C', NULL, st->txn_lsn, added);
	}
	return sync_write_row_at(st, t, 'D', old, st->txn_lsn - 1, 0);
}

/* A new transaction: no table remembers rows of another. */
static void
sync_forget_added(sync_state *st)
{
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].added.n > 0 || st->tables[i].added_full)
		{
			hash_map_clear(&st->tables[i].added);
			st->tables[i].added_full = false;
		}
}


/* Whether a row holds an unchanged TOAST value. */
static bool
sync_has_unchanged(const pgoutput_tuple *tup)
{
	for (int r = 0; r < tup->ncols; r++)
		if (tup->values[r].kind == 'u')
			return true;
	return false;
}

/*
 * An update that moved a row to another key: a delete of the old key, then
 * the new row.  Unchanged TOAST values left in the new row are the old
 * key's: it goes as a 'K' right after the delete, and the apply takes them
 * from the batch or the warehouse row of the old key.  A row moved again
 * after such a move (its old key the new key of an earlier 'K') needs the
 * first move applied before: it starts a new segment.
 */
static bool
sync_key_change(sync_state *st, sync_table *t, const pgoutput_tuple *old,
				const pgoutput_tuple *new)
{
	if (!sync_has_unchanged(new))
		return sync_write_row(st, t, 'D', old) && sync_write_row(st, t, 'U', new);
	if (hash_map_get(&t->moved, sync_tuple_hash(t, old, false), NULL) && !sync_segment_close(st, t))
		return false;
	if (!sync_write_row(st, t, 'D', old) || !sync_write_row(st, t, 'K', new))
		return false;
	hash_map_put(&t->moved, sync_tuple_hash(t, new, false), 0);
	return true;
}

/* Whether an update moved the row to another key. */
static bool
sync_key_changed(const sync_table *t, const pgoutput_tuple *old, const pgoutput_tuple *new)
{
	for (int k = 0; k < t->def.ncols; k++)
	{
		int			r = t->colsrc[k];
		const pgoutput_value *a;
		const pgoutput_value *b;

		if (t->def.cols[k].key_pos == 0 || r < 0 || r >= old->ncols || r >= new->ncols)
			continue;
		a = &old->values[r];
		b = &new->values[r];
		if (a->kind != b->kind || a->len != b->len ||
			(a->len > 0 && memcmp(a->data, b->data, a->len) != 0))
			return true;
	}
	return false;
}

/*
 * An update's unchanged TOAST values ('u') taken from its old row where the
 * stream has them there: REPLICA IDENTITY FULL sends the whole old row with
 * its TOAST values inline, an index identity its key columns.  The new row
 * is then complete for those columns, also when the update moved it to
 * another key.
 */
static void
sync_unchanged_from_old(pgoutput_tuple *new, const pgoutput_tuple *old)
{
	for (int r = 0; r < new->ncols && r < old->ncols; r++)
		if (new->values[r].kind == 'u' && old->values[r].kind == 't')
			new->values[r] = old->values[r];
}

/* ---------------------------------------------------------------------
 * Schema changes
 * --------------------------------------------------------------------- */

/* The catalog's attribute attnum of t (live or dropped), or NULL. */
static const source_attr *
sync_attr(const source_attr *attrs, int nattrs, int attnum)
{
	for (int i = 0; attnum > 0 && i < nattrs; i++)
		if (attrs[i].attnum == attnum)
			return &attrs[i];
	return NULL;
}

/* Whether a column of t holds attnum already. */
static bool
sync_attnum_taken(const sync_table *t, int attnum)
{
	for (int k = 0; k < t->def.ncols; k++)
		if (t->def.cols[k].attnum == attnum)
			return true;
	return false;
}

/* The value rows older than attribute a hold for it, owned; NULL for none. */
static char *
sync_attr_missing(const source_attr *a)
{
	return a && !a->dropped && a->has_missing && a->missing ? xstrdup(a->missing) : NULL;
}

/*
 * The type facts of relation column rc for table t's warehouse: false,
 * reported, when the warehouse cannot hold it.
 */
static bool
sync_relation_type(sync_state *st, const sync_table *t, const pgoutput_column *rc,
				   table_column *out)
{
	buf			type = BUF_INIT;
	bool		ok;

	memset(out, 0, sizeof(*out));
	out->name = xstrdup(rc->name);
	ok = source_column_type(st->c->src, rc->type_oid, rc->typmod, out) &&
		st->c->d->column_type(&t->def, out, &type);
	buf_free(&type);
	if (!ok)
	{
		free(out->name);
		free(out->pg_type);
	}
	return ok;
}

/*
 * A column the stream names for the first time: added at the source, its
 * attnum the catalog's between its neighbours' (lo, hi).  The warehouse
 * adds it with what older rows hold for it; a column whose values the
 * source computed row by row (a volatile default, an identity) rewrote the
 * table with nothing in the stream, so the table gets a snapshot of its own.
 */
static bool
sync_relation_add(sync_state *st, sync_table *t, const pgoutput_column *rc, int lo, int hi,
				  const source_attr *attrs, int nattrs, int *attnum)
{
	const source_attr *a = NULL;
	table_column nc;
	int			k = t->def.ncols;

	for (int i = 0; i < nattrs && a == NULL; i++)
		if (!attrs[i].dropped && strcmp(attrs[i].name, rc->name) == 0 &&
			attrs[i].attnum > lo && attrs[i].attnum < hi && !sync_attnum_taken(t, attrs[i].attnum))
			a = &attrs[i];
	for (int i = 0; i < nattrs && a == NULL; i++)
		if (!attrs[i].generated && attrs[i].attnum > lo && attrs[i].attnum < hi &&
			!sync_attnum_taken(t, attrs[i].attnum))
			a = &attrs[i];
	if (!sync_relation_type(st, t, rc, &nc))
		return false;
	nc.attnum = a ? a->attnum : 0;
	*attnum = nc.attnum;
	sync_table_add_column(t, &nc, st->c->d->column_render(&nc));
	t->missing[k] = sync_attr_missing(a);
	t->reltypmod[k] = rc->typmod;
	st->c->d->add_column(&t->pending, &t->def, &t->def.cols[k], t->missing[k]);
	log_info("table %s: column \"%s\" added at the source%s%s", t->display, rc->name,
			 t->missing[k] ? ", existing rows get " : "", t->missing[k] ? t->missing[k] : "");
	t->record_columns = true;
	if (a && !a->dropped && a->has_default && !a->has_missing && !t->is_new)
	{
		char	   *why = xasprintf("column \"%s\" was added with a value computed row by row "
									"(a volatile default or an identity), which rewrote the table "
									"without changes in the stream", rc->name);

		sync_reload(t, why);
		free(why);
		st->reload = true;
	}
	return true;
}

/*
 * A column of the stream whose type differs from the last one seen: a
 * widening widens the warehouse column; an older, narrower type of a
 * column widened since needs nothing; anything else stops the job.
 */
static bool
sync_relation_retype(sync_state *st, sync_table *t, int k, const pgoutput_column *rc,
					 bool *changed)
{
	table_column nc;

	if (t->reltype[k] == rc->type_oid &&
		(t->reltypmod[k] == rc->typmod || t->reltypmod[k] == -1))
	{
		t->reltypmod[k] = rc->typmod;
		return true;
	}
	if (!sync_relation_type(st, t, rc, &nc))
		return false;
	if (table_column_widens(&t->def.cols[k], &nc))
	{
		nc.key_pos = t->def.cols[k].key_pos;
		nc.not_null = t->def.cols[k].not_null;
		nc.attnum = t->def.cols[k].attnum;
		free(nc.name);
		nc.name = t->def.cols[k].name;
		free(t->def.cols[k].pg_type);
		t->def.cols[k] = nc;
		t->renders[k] = st->c->d->column_render(&nc);
		if (!st->c->d->widen_column(&t->pending, &t->def, &t->def.cols[k]))
			return false;
		log_info("table %s: column \"%s\" widened at the source", t->display, rc->name);
		*changed = true;
	}
	else if (table_column_widens(&nc, &t->def.cols[k]) ||
			 (nc.kind == t->def.cols[k].kind && nc.is_array == t->def.cols[k].is_array))
	{
		/*
		 * Older changes of a column widened since: the wider type holds
		 * them.  Of the same kind (a column known only by its warehouse
		 * type, a user type replaced by another): the same column.
		 */
		free(nc.name);
		free(nc.pg_type);
	}
	else
	{
		log_error("sync: table %s: column \"%s\" changed type at the source (%s to %s), "
				  "which is not a safe widening; change the warehouse column by hand, or "
				  "start the table over (remove it from the job, run sync, drop the warehouse "
				  "table, add it back)", t->display, rc->name,
				  t->def.cols[k].pg_type ? t->def.cols[k].pg_type : "a user type",
				  nc.pg_type ? nc.pg_type : "a user type");
		free(nc.name);
		free(nc.pg_type);
		return false;
	}
	t->reltype[k] = rc->type_oid;
	t->reltypmod[k] = rc->typmod;
	return true;
}

/*
 * Updates and deletes carry their old row's replica identity columns (flag
 * 1 of a Relation message's columns).  Where those do not carry the job's
 * key, because the identity moved to another unique index (REPLICA
 * IDENTITY USING INDEX), the rows after the message apply by the
 * identity's columns instead: a unique, non-partial index on NOT NULL
 * columns backs them, so they tell rows apart at the source as the key
 * does.  The key comes back with a message whose identity carries it.  A
 * soft-delete table keeps the rows it marked deleted, which such columns
 * need not tell apart: it stops instead.
 */
static bool
sync_relation_identity(sync_table *t, const pgoutput_relation *rel, const int *matched,
					   bool *changed)
{
	int			nident = 0;
	bool		carries = true;
	bool		same = true;
	int			pos = 0;

	for (int r = 0; r < rel->ncols; r++)
		if (rel->cols[r].key && matched[r] >= 0)
			nident++;
	if (nident == 0)
		return true;			/* FULL or NOTHING: nothing to apply by */
	for (int k = 0; k < t->def.ncols; k++)
	{
		int			job_pos = t->job_key ? (k < t->njob_key ? t->job_key[k] : 0) : t->def.cols[k].key_pos;
		bool		ident = t->colsrc[k] >= 0 && rel->cols[t->colsrc[k]].key;

		if (job_pos > 0 && !ident)
			carries = false;
	}
	if (carries)
	{
		if (t->job_key == NULL)
			return true;
		for (int k = 0; k < t->def.ncols; k++)
			t->def.cols[k].key_pos = k < t->njob_key ? t->job_key[k] : 0;
		t->def.nkeys = t->job_nkeys;
		free(t->job_key);
		t->job_key = NULL;
		log_info("table %s: its replica identity carries its key again: its changes apply by "
				 "the key", t->display);
		*changed = true;
		return true;
	}
	if (t->def.deletes == DELETES_SOFT)
	{
		log_error("sync: table %s: its replica identity does not carry its key, and a "
				  "soft-delete table cannot apply its changes by other columns: ALTER TABLE %s "
				  "REPLICA IDENTITY FULL (or back to an index of the key), then reload it: "
				  "remove it from the job, run sync, add it back and run sync --reload %s",
				  t->display, t->display, t->display);
		return false;
	}
	for (int r = 0; r < rel->ncols; r++)
		if (rel->cols[r].key && matched[r] >= 0)
			same &= t->def.cols[matched[r]].key_pos == ++pos;
	if (same && t->def.nkeys == nident)
		return true;
	if (t->job_key == NULL)
	{
		t->njob_key = t->def.ncols;
		t->job_nkeys = t->def.nkeys;
		t->job_key = xcalloc((size_t) t->njob_key, sizeof(int));
		for (int k = 0; k < t->def.ncols; k++)
			t->job_key[k] = t->def.cols[k].key_pos;
	}
	for (int k = 0; k < t->def.ncols; k++)
		t->def.cols[k].key_pos = 0;
	pos = 0;
	for (int r = 0; r < rel->ncols; r++)
		if (rel->cols[r].key && matched[r] >= 0)
			t->def.cols[matched[r]].key_pos = ++pos;
	t->def.nkeys = nident;
	log_info("table %s: its replica identity does not carry its key: its changes apply by "
			 "the identity's columns, unique at the source, while it does not", t->display);
	*changed = true;
	return true;
}

/* A relation column that is a column dropped since, of a name taken again. */
#define SYNC_REL_DROPPED (-2)

/*
 * Whether relation column rc, coming after attnum lo, is not the table's
 * column of its name (attnum now) but the one the warehouse recorded under
 * that name before the source dropped it and added a new one of another
 * type: its values have no column any more.
 */
static bool
sync_relation_dropped_namesake(const sync_table *t, const pgoutput_column *rc, int lo, int now,
							   const source_attr *attrs, int nattrs)
{
	const source_attr *live = sync_attr(attrs, nattrs, now);
	const char *name = rc->name;

	/* of the same type, the two cannot be told apart: the live one */
	if (live == NULL || live->dropped || live->type_oid == rc->type_oid)
		return false;
	for (int i = 0; i < t->nrec; i++)
	{
		const source_attr *a = sync_attr(attrs, nattrs, t->rec_attnum[i]);

		if (strcmp(t->rec_name[i], name) == 0 && t->rec_attnum[i] != now &&
			t->rec_attnum[i] > lo && (now <= 0 || t->rec_attnum[i] < now) && a && a->dropped)
			return true;
	}
	return false;
}

/*
 * A Relation message: columns follow the stream.  It lists the relation's
 * columns as they were when the rows after it were written, in attnum
 * order, by name and type but without attnums; the catalog has every
 * attnum, live or dropped, as it is now.  Each of its columns is the
 * table's column of that name; else, in the gap between its neighbours'
 * attnums, a column of the table it does not name (renamed: forward when
 * the catalog's name moved on from the table's, else an older name); else
 * a column added.  A table column it lacks was added later in the stream
 * when the catalog has it past the message's last attnum (these rows get
 * its missing value), or was dropped (not staged: NULL from now on).
 * What changed becomes schema changes for the table's next segment.
 */
static bool
sync_relation(sync_state *st, const pgoutput_relation *rel)
{
	sync_table *t = sync_table_by_name(st, rel->schema[0] ? rel->schema : "pg_catalog", rel->name);
	source_attr *attrs = NULL;
	int			nattrs = 0;
	int		   *matched;		/* relation column -> table column, -1 */
	int		   *attnum;			/* relation column -> attnum, 0 unknown */
	int			last = 0;
	bool		changed = false;
	bool		ok = true;

	if (t == NULL)
		return true;			/* not a job table (any more) */
	t->relid = rel->oid;
	t->full_identity = rel->replident == 'f' && t->def.mode == MODE_MERGE;
	/* sent again after its partitions changed, among other reasons */
	t->check_partitions = t->def.partitioned;
	if (!source_table_attributes(st->c->src, &t->def, &attrs, &nattrs))
		return false;
	matched = xcalloc((size_t) rel->ncols + 1, sizeof(int));
	attnum = xcalloc((size_t) rel->ncols + 1, sizeof(int));
	for (int k = 0; k < t->def.ncols; k++)
		t->colsrc[k] = SYNC_COL_ABSENT;
	for (int r = 0; r < rel->ncols; r++)
	{
		matched[r] = -1;
		for (int k = 0; k < t->def.ncols && matched[r] < 0; k++)
			if (t->colsrc[k] == SYNC_COL_ABSENT && strcmp(t->def.cols[k].name, rel->cols[r].name) == 0)
			{
				if (sync_relation_dropped_namesake(t, &rel->cols[r], last, t->def.cols[k].attnum,
												   attrs, nattrs))
				{
					matched[r] = SYNC_REL_DROPPED;
					break;
				}
				t->colsrc[k] = r;
				matched[r] = k;
				attnum[r] = t->def.cols[k].attnum;
				if (attnum[r] > last)
					last = attnum[r];
			}
	}
	last = 0;
	for (int r = 0; ok && r < rel->ncols; r++)
	{
		const pgoutput_column *rc = &rel->cols[r];
		int			lo = 0;
		int			hi = 32768;
		int			k = -1;

		if (matched[r] != -1)
			continue;
		for (int q = r - 1; q >= 0 && lo == 0; q--)
			lo = matched[q] >= 0 ? attnum[q] : 0;
		for (int q = r + 1; q < rel->ncols && hi == 32768; q++)
			if (matched[q] >= 0 && attnum[q] > 0)
				hi = attnum[q];
		/* a column of the table it does not name, in the gap: renamed */
		for (int j = 0; j < t->def.ncols; j++)
			if (t->colsrc[j] == SYNC_COL_ABSENT && t->def.cols[j].attnum > lo &&
				t->def.cols[j].attnum < hi &&
				(k < 0 || t->def.cols[j].attnum < t->def.cols[k].attnum))
				k = j;
		if (k >= 0)
		{
			const source_attr *a = sync_attr(attrs, nattrs, t->def.cols[k].attnum);

			t->colsrc[k] = r;
			matched[r] = k;
			attnum[r] = t->def.cols[k].attnum;
			if (a && !a->dropped && strcmp(a->name, t->def.cols[k].name) != 0)
			{
				char	   *from = t->def.cols[k].name;

				t->def.cols[k].name = xstrdup(rc->name);
				st->c->d->rename_column(&t->pending, &t->def, from, &t->def.cols[k]);
				log_info("table %s: column \"%s\" renamed at the source to \"%s\"", t->display,
						 from, rc->name);
				free(from);
				t->record_columns = true;
				changed = true;
			}
			continue;
		}
		ok = sync_relation_add(st, t, rc, lo, hi, attrs, nattrs, &attnum[r]);
		if (ok)
		{
			matched[r] = t->def.ncols - 1;
			t->colsrc[matched[r]] = r;
			changed = true;
		}
	}
	for (int r = 0; ok && r < rel->ncols; r++)
	{
		if (matched[r] == SYNC_REL_DROPPED)
			continue;
		ok = sync_relation_retype(st, t, matched[r], &rel->cols[r], &changed);
		if (attnum[r] > last)
			last = attnum[r];
	}
	for (int k = 0; ok && k < t->def.ncols; k++)
	{
		const source_attr *a = sync_attr(attrs, nattrs, t->def.cols[k].attnum);
		bool		dropped;

		if (t->colsrc[k] == SYNC_COL_ABSENT && a && !a->dropped && a->attnum > last)
		{
			/* added later in the stream: these rows hold what older rows do */
			t->colsrc[k] = SYNC_COL_FUTURE;
			free(t->missing[k]);
			t->missing[k] = sync_attr_missing(a);
		}
		dropped = t->colsrc[k] == SYNC_COL_ABSENT;
		if (dropped != t->def.cols[k].dropped)
		{
			if (dropped)
				log_info("table %s: column \"%s\" dropped at the source: NULL from now on",
						 t->display, t->def.cols[k].name);
			t->def.cols[k].dropped = dropped;
			changed = true;
		}
	}
	if (ok && t->def.mode == MODE_MERGE && !t->full_identity)
		ok = sync_relation_identity(t, rel, matched, &changed);
	free(matched);
	free(attnum);
	source_attrs_free(attrs, nattrs);
	/* rows from now on carry the new columns (or key): they go in a new segment */
	if (ok && changed)
		return sync_segment_close(st, t);
	return ok;
}

/* ---------------------------------------------------------------------
 * Partitions
 * --------------------------------------------------------------------- */

/* At most this many partitions are named in a message, per kind of change. */
#define SYNC_PARTITIONS_NAMED 10

static const table_partition *
sync_partition_find(const table_partitions *set, uint32_t relid)
{
	for (int i = 0; i < set->n; i++)
		if (set->items[i].relid == relid)
			return &set->items[i];
	return NULL;
}

/* Appends "label: a, b, and N more" naming the partitions in which[]. */
static void
sync_partitions_name(buf *out, const char *label, const table_partition *const *which, int n)
{
	if (n == 0)
		return;
	buf_printf(out, "%s%s: ", out->len ? "; " : "", label);
	for (int i = 0; i < n && i < SYNC_PARTITIONS_NAMED; i++)
		buf_printf(out, "%s%s", i ? ", " : "", which[i]->name);
	if (n > SYNC_PARTITIONS_NAMED)
		buf_printf(out, " and %d more", n - SYNC_PARTITIONS_NAMED);
}

/* How t's partitions differ now from those its last load read. */
typedef struct sync_partition_diff
{
	const table_partition **attached;	/* new (CREATE ... PARTITION OF too) */
	const table_partition **again;	/* detached and attached again: a new pg_inherits row */
	const table_partition **detached;
	const table_partition **truncated;	/* a new relfilenode (VACUUM FULL, CLUSTER too) */
	int			nattached;
	int			nagain;
	int			ndetached;
	int			ntruncated;
} sync_partition_diff;

static void
sync_partitions_compare(const table_partitions *was, const table_partitions *now,
						sync_partition_diff *d)
{
	int			cap = (was->n + now->n) ? was->n + now->n : 1;

	memset(d, 0, sizeof(*d));
	d->attached = xcalloc((size_t) cap, sizeof(table_partition *));
	d->again = xcalloc((size_t) cap, sizeof(table_partition *));
	d->detached = xcalloc((size_t) cap, sizeof(table_partition *));
	d->truncated = xcalloc((size_t) cap, sizeof(table_partition *));
	for (int i = 0; i < now->n; i++)
	{
		const table_partition *p = &now->items[i];
		const table_partition *old = sync_partition_find(was, p->relid);

		if (old == NULL)
			d->attached[d->nattached++] = p;
		else if (old->attach_xid != p->attach_xid)
			d->again[d->nagain++] = p;
		else if (old->filenode != p->filenode)
			d->truncated[d->ntruncated++] = p;
	}
	for (int i = 0; i < was->n; i++)
		if (sync_partition_find(now, was->items[i].relid) == NULL)
			d->detached[d->ndetached++] = &was->items[i];
}

static void
sync_partition_diff_free(sync_partition_diff *d)
{
	free(d->attached);
	free(d->again);
	free(d->detached);
	free(d->truncated);
}

/* "partitions attached or detached since the last sync (attached: a; ...)" */
static char *
sync_partitions_why(const sync_partition_diff *d)
{
	buf			detail = BUF_INIT;
	bool		moved = d->nattached + d->ndetached + d->nagain > 0;
	char	   *why;

	sync_partitions_name(&detail, "attached", d->attached, d->nattached);
	sync_partitions_name(&detail, "detached", d->detached, d->ndetached);
	sync_partitions_name(&detail, "detached and attached again", d->again, d->nagain);
	sync_partitions_name(&detail, "truncated or rewritten", d->truncated, d->ntruncated);
	if (moved && d->ntruncated > 0)
		why = xasprintf("partitions attached, detached or truncated since the last sync (%s)",
						detail.data);
	else if (moved)
		why = xasprintf("partitions attached or detached since the last sync (%s)", detail.data);
	else
		why = xasprintf("partitions truncated since the last sync, which the change stream "
						"does not carry (%s)", detail.data);
	buf_free(&detail);
	return why;
}

/*
 * Whether a partition that joined t since its last load (d's attached and
 * again) brought rows that the stream never carried: any it holds now.  One
 * created empty (CREATE TABLE ... PARTITION OF, say ahead of time) only
 * ever got rows through the stream.
 */
static bool
sync_partitions_brought_rows(sync_state *st, const sync_partition_diff *d, bool *rows)
{
	*rows = false;
	for (int i = 0; i < d->nattached + d->nagain && !*rows; i++)
	{
		const table_partition *p = i < d->nattached ? d->attached[i] : d->again[i - d->nattached];
		bool		empty;

		if (!source_partition_empty(st->c->src, p, &empty))
			return false;
		*rows = !empty;
	}
	return true;
}

/* Marks t for a snapshot of its own, saying why. */
static void
sync_reload(sync_table *t, const char *why)
{
	log_info("table %s: %s: loading it again from a snapshot", t->display, why);
	if (t->def.mode == MODE_APPEND)
		log_warn("table %s is an append table: loading it again starts its history over "
				 "from the rows the source holds now", t->display);
	t->is_new = true;
}

/*
 * Compares each partitioned table's partitions with what its last load
 * recorded (ATTACH, DETACH and a TRUNCATE of one partition change its rows
 * with nothing in the stream).  A table that needs it is marked for a
 * snapshot of its own (is_new): in merge mode when a partition left, was
 * truncated or joined with rows; in append mode (a history that keeps
 * deleted and truncated rows) only when one joined with rows.  Otherwise
 * the new partitions are only recorded, with statements into record.
 * *changed says whether any table's were.
 */
static bool
sync_check_partitions(sync_state *st, strlist *record, bool *changed)
{
	cmd_ctx    *c = st->c;

	*changed = false;
	st->partitions_checked = sync_now();
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];
		table_partitions now;
		sync_partition_diff d;
		bool		rows = false;
		bool		reload;
		char	   *why;
		bool		ok;

		t->check_partitions = false;
		if (!t->def.partitioned || t->is_new)
			continue;
		if (!source_read_partitions(c->src, &t->def, &now))
			return false;
		sync_partitions_compare(&t->recorded, &now, &d);
		ok = sync_partitions_brought_rows(st, &d, &rows);
		if (!ok || d.nattached + d.nagain + d.ndetached + d.ntruncated == 0)
		{
			sync_partition_diff_free(&d);
			table_partitions_free(&now);
			if (!ok)
				return false;
			continue;
		}
		reload = rows || (t->def.mode == MODE_MERGE && d.ndetached + d.ntruncated > 0);
		why = sync_partitions_why(&d);
		*changed = true;
		if (reload)
			sync_reload(t, why);
		else
		{
			char		lsn[32];

			log_info("table %s: %s: %s, nothing to load", t->display, why,
					 t->def.mode == MODE_APPEND ? "an append table keeps the rows it has"
					 : "the new partitions were empty");
			load_partitions_script(c->d, &c->j, &t->def, &now, pg_lsn_format(st->position, lsn),
								   NULL, record);
			table_partitions_free(&t->recorded);
			t->recorded = now;
			memset(&now, 0, sizeof(now));
		}
		free(why);
		sync_partition_diff_free(&d);
		table_partitions_free(&now);
	}
	return true;
}

/* Whether the partitions are due for a comparison (between transactions). */
static bool
sync_partitions_due(sync_state *st)
{
	if (!st->any_partitioned || st->in_txn)
		return false;
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].check_partitions)
			return true;
	return sync_now() - st->partitions_checked >= st->c->j.batch_interval;
}

/* ---------------------------------------------------------------------
 * The stream
 * --------------------------------------------------------------------- */

static bool
sync_message(sync_state *st, const repl_frame *f)
{
	pgoutput_message m;
	sync_table *t;

	if (!pgoutput_decode(st->dec, f->payload, f->len, f->wal_start, &m))
		return false;
	switch (m.type)
	{
		case 'B':
			st->in_txn = true;
			st->txn_lsn = m.u.begin.final_lsn;
			sync_forget_added(st);
			/* the warehouse already holds everything committed before its position */
			st->skip_txn = m.u.begin.final_lsn < st->position;
			return true;
		case 'C':
			st->in_txn = false;
			if (!st->skip_txn && m.u.commit.end_lsn > st->batch_end)
				st->batch_end = m.u.commit.end_lsn;
			if (st->batch_id == NULL && st->batch_end > st->handed)
				sync_batch_begin(st);
			return true;
		case 'R':
			return sync_relation(st, m.u.relation);
		case 'Y':
		case 'O':
		case 'M':
			return true;
		case 'I':
		case 'U':
		case 'D':
			break;
		case 'T':
			if (st->skip_txn)
				return true;
			for (int i = 0; i < m.u.truncate.nrelids; i++)
			{
				t = sync_table_by_relid(st, m.u.truncate.relids[i]);
				if (t && st->txn_lsn >= t->from_lsn && t->def.mode == MODE_MERGE &&
					!sync_write_row(st, t, 'T', NULL))
					return false;
				if (t)
					hash_map_clear(&t->added); /* no row added before it is left */
			}
			return true;
		default:
			return true;
	}
	if (st->skip_txn)
		return true;
	t = sync_table_by_relid(st, m.type == 'I' ? m.u.insert.relid :
							m.type == 'U' ? m.u.update.relid : m.u.delete.relid);
	if (t == NULL || st->txn_lsn < t->from_lsn)
		return true;
	switch (m.type)
	{
		case 'I':
			if (!sync_write_row(st, t, 'I', &m.u.insert.tuple))
				return false;
			if (t->full_identity)
				sync_note_added(st, t, &m.u.insert.tuple);
			return true;
		case 'U':
			if (t->def.mode == MODE_APPEND)
				return true;
			if (m.u.update.old_kind != 0)
				sync_unchanged_from_old(&m.u.update.tuple, &m.u.update.old_tuple);
			if (t->full_identity && m.u.update.old_kind == 'O')
			{
				/* the old row goes, the new one comes (sink.h) */
				if (!sync_remove_row(st, t, &m.u.update.old_tuple) ||
					!sync_write_row(st, t, 'U', &m.u.update.tuple))
					return false;
				sync_note_added(st, t, &m.u.update.tuple);
				return true;
			}
			if (m.u.update.old_kind != 0 &&
				sync_key_changed(t, &m.u.update.old_tuple, &m.u.update.tuple))
				return sync_key_change(st, t, &m.u.update.old_tuple, &m.u.update.tuple);
			return sync_write_row(st, t, 'U', &m.u.update.tuple);
		default:
			if (t->def.mode == MODE_APPEND)
				return true;
			if (t->full_identity && m.u.delete.old_kind == 'O')
				return sync_remove_row(st, t, &m.u.delete.old_tuple);
			return sync_write_row(st, t, 'D', &m.u.delete.old_tuple);
	}
}

/*
 * Whether the gathered batch should go to the applier now: only between
 * transactions, and only when the applier is free (a batch is applied while
 * the next is read).  Catching up, a batch goes as soon as the applier is
 * free; following, at most every batch_interval; always past batch_size.
 */
static bool
sync_batch_due(sync_state *st)
{
	if (st->in_txn || st->batch_end <= st->handed || !sync_applier_idle(st))
		return false;
	if (st->batch_bytes >= st->c->j.batch_size || !st->follow || sync_stop_requested)
		return true;
	return sync_now() - st->batch_started >= st->c->j.batch_interval;
}

static bool
sync_heartbeat(sync_state *st)
{
	PGresult   *res = PQexec(st->c->src,
							 "SELECT pg_catalog.pg_logical_emit_message(true, 'wharf_heartbeat', now()::text)");
	bool		ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_warn("source: heartbeat failed: %s", PQerrorMessage(st->c->src));
	PQclear(res);
	return true;
}

/* Hands over what is left, waits for it to be applied, and reports it. */
static bool
sync_finish(sync_state *st)
{
	if (st->batch_end > st->handed && !sync_applier_drain(st))
		return false;
	if (st->batch_end > st->handed && !sync_handoff(st))
		return false;
	return sync_applier_drain(st) && sync_report_applied(st);
}

static bool
sync_stream(sync_state *st)
{
	double		last_heartbeat = sync_now();

	for (;;)
	{
		repl_frame	f;

		if (!repl_receive(st->repl, SYNC_IDLE_MS, &sync_stop_requested, &f))
			return false;
		switch (f.kind)
		{
			case REPL_XLOGDATA:
				if (f.wal_end > st->last_wal_end)
					st->last_wal_end = f.wal_end;
				if (!sync_message(st, &f))
					return false;
				break;
			case REPL_KEEPALIVE:
				if (f.wal_end > st->last_wal_end)
					st->last_wal_end = f.wal_end;

				/*
				 * Nothing of ours in flight: let the slot move on, so WAL does
				 * not pile up behind idle tables.
				 */
				if (!st->in_txn && st->nsegs == 0 && st->batch_end <= st->handed &&
					sync_applier_idle(st) && st->applied >= st->handed &&
					f.wal_end > st->acked)
				{
					if (!repl_feedback(st->repl, f.wal_end, f.wal_end, false))
						return false;
					st->acked = f.wal_end;
				}
				else if (f.reply_requested &&
						 !repl_feedback(st->repl, st->last_wal_end, st->acked, false))
					return false;
				break;
			case REPL_TIMEOUT:
				/* ask for a keepalive: it says how far the server has read */
				if (!repl_feedback(st->repl, st->last_wal_end, st->acked, true))
					return false;
				break;
			case REPL_INTERRUPTED:
				break;
		}
		if (!sync_report_applied(st))
			return false;
		if (sync_batch_due(st) && !sync_handoff(st))
			return false;
		if (sync_partitions_due(st))
		{
			bool		changed;

			if (!sync_check_partitions(st, &st->record, &changed))
				return false;
			if (changed)
			{
				/* everything read so far goes in first; cmd_sync reloads, then streams on */
				st->reload = true;
				return sync_finish(st);
			}
		}
		/* a table rewritten with nothing in the stream: loaded again (cmd_sync) */
		if (st->reload && !st->in_txn)
			return sync_finish(st);
		if (!st->in_txn && !st->follow &&
			(st->last_wal_end >= st->target || st->batch_end >= st->target))
			return sync_finish(st);
		if (st->follow && sync_stop_requested && !st->in_txn)
			return sync_finish(st);
		if (st->follow && st->c->j.heartbeat > 0 && !st->in_txn &&
			sync_now() - last_heartbeat >= st->c->j.heartbeat)
		{
			sync_heartbeat(st);
			last_heartbeat = sync_now();
		}
		log_progress("sync", st->seq, 0);
	}
}

/* ---------------------------------------------------------------------
 * Start: state, slot, snapshots
 * --------------------------------------------------------------------- */

typedef struct sync_saved
{
	bool		have_position;
	pg_lsn		position;
	wh_result	rows;
} sync_saved;

/* Reads the job's rows of the state table (creating it if needed). */
static bool
sync_read_state(sync_state *st, sync_saved *saved)
{
	cmd_ctx    *c = st->c;
	const char *schema = c->j.schema ? c->j.schema : "public";
	buf			sql = BUF_INIT;
	bool		ok = true;

	memset(saved, 0, sizeof(*saved));
	/* read only: a missing state table means no position yet (a load creates it) */
	sink_target_columns_query(c->d, &sql, schema, c->j.state_table);
	ok = wh_query(c->wh, sql.data, &saved->rows);
	buf_free(&sql);
	if (!ok)
		return false;
	if (saved->rows.nrows == 0)
		return true;
	wh_result_free(&saved->rows);
	c->d->state_query(&sql, schema, c->j.state_table, c->j.name);
	ok = wh_query(c->wh, sql.data, &saved->rows);
	buf_free(&sql);
	if (!ok)
		return false;
	for (int r = 0; r < saved->rows.nrows; r++)
	{
		const char *source = wh_value(&saved->rows, r, 0);
		const char *kind = wh_value(&saved->rows, r, 2);
		const char *lsn = wh_value(&saved->rows, r, 3);

		if (strcmp(source, LOAD_POSITION_ROW) == 0)
		{
			if (lsn == NULL || !pg_lsn_parse(lsn, &saved->position))
				return false;
			saved->have_position = true;
			continue;
		}
		if (strcmp(kind, LOAD_COLUMN_KIND) == 0)
		{
			for (int i = 0; i < st->ntables; i++)
			{
				sync_table *t = &st->tables[i];
				int			attnum;

				if (!load_column_row_parse(&t->def, source, &attnum) || wh_value(&saved->rows, r, 1) == NULL)
					continue;
				t->rec_attnum = xrealloc(t->rec_attnum, sizeof(int) * (size_t) (t->nrec + 1));
				t->rec_name = xrealloc(t->rec_name, sizeof(char *) * (size_t) (t->nrec + 1));
				t->rec_attnum[t->nrec] = attnum;
				t->rec_name[t->nrec++] = xstrdup(wh_value(&saved->rows, r, 1));
			}
			continue;
		}
		if (strcmp(kind, LOAD_PARTITION_KIND) == 0)
		{
			for (int i = 0; i < st->ntables; i++)
			{
				table_partitions *rec = &st->tables[i].recorded;
				table_partition p;

				if (!st->tables[i].def.partitioned ||
					!load_partition_row_parse(&st->tables[i].def, source, &p))
					continue;
				rec->items = xrealloc(rec->items, sizeof(table_partition) * (size_t) (rec->n + 1));
				rec->items[rec->n++] = p;
			}
			continue;
		}
		for (int i = 0; i < st->ntables; i++)
		{
			char	   *name = table_display_name(&st->tables[i].def);

			if (strcmp(name, source) == 0 && strcmp(kind, "removed") != 0 && lsn != NULL)
			{
				st->tables[i].is_new = false;
				if (!pg_lsn_parse(lsn, &st->tables[i].from_lsn))
				{
					free(name);
					return false;
				}
			}
			free(name);
		}
	}
	return true;
}

/* Rows of the state table for tables no longer in the job: marked removed. */
static void
sync_forget_removed(sync_state *st, const sync_saved *saved, strlist *script)
{
	cmd_ctx    *c = st->c;

	for (int r = 0; r < saved->rows.nrows; r++)
	{
		const char *source = wh_value(&saved->rows, r, 0);
		const char *kind = wh_value(&saved->rows, r, 2);
		bool		in_job = false;
		sink_state_row row;

		if (strcmp(source, LOAD_POSITION_ROW) == 0 || strcmp(kind, "removed") == 0 ||
			strcmp(kind, LOAD_PARTITION_KIND) == 0 || strcmp(kind, LOAD_COLUMN_KIND) == 0)
			continue;
		for (int i = 0; i < st->ntables && !in_job; i++)
		{
			char	   *name = table_display_name(&st->tables[i].def);

			in_job = strcmp(name, source) == 0;
			free(name);
		}
		if (in_job)
			continue;
		log_info("table %s left the job: no longer applied, its warehouse table stays", source);
		row.job = c->j.name;
		row.source_table = source;
		row.target_table = wh_value(&saved->rows, r, 1);
		row.kind = "removed";
		row.lsn = NULL;
		row.rows = 0;
		row.load_id = NULL;
		c->d->state_record(script, c->j.schema ? c->j.schema : "public", c->j.state_table, &row);
		/* a partitioned table's partition rows: loaded anew if it comes back */
		load_forget_partitions_script(c->d, &c->j, source, script);
		load_forget_columns_script(c->d, &c->j, source, script);
	}
}

/*
 * Loads the given tables from snapshot_name in one warehouse transaction,
 * their state rows at lsn; position (if not NULL) is recorded with them.
 */
static bool
sync_load_snapshot(sync_state *st, const char *snapshot_name, pg_lsn lsn,
				   bool *which, const char *position, strlist *extra)
{
	cmd_ctx    *c = st->c;
	table_def  *defs = xcalloc((size_t) st->ntables, sizeof(table_def));
	col_render **renders = xcalloc((size_t) st->ntables, sizeof(col_render *));
	int		   *index = xcalloc((size_t) st->ntables, sizeof(int));
	stage_result *results;
	table_partitions *partitions;
	load_table *lts;
	strlist		script = {0};
	char		lsntext[32];
	char	   *load_id = stage_new_load_id();
	int			n = 0;
	bool		ok;

	for (int i = 0; i < st->ntables; i++)
		if (which[i])
		{
			const sync_table *t = &st->tables[i];

			/* what the source has now: columns it dropped are not read */
			index[n] = i;
			defs[n] = t->def;
			defs[n].cols = xcalloc((size_t) t->def.ncols, sizeof(table_column));
			renders[n] = xcalloc((size_t) t->def.ncols, sizeof(col_render));
			defs[n].ncols = 0;
			for (int k = 0; k < t->def.ncols; k++)
				if (!t->def.cols[k].dropped)
				{
					renders[n][defs[n].ncols] = t->renders[k];
					defs[n].cols[defs[n].ncols++] = t->def.cols[k];
				}
			n++;
		}
	results = xcalloc((size_t) (n ? n : 1), sizeof(stage_result));
	partitions = xcalloc((size_t) (n ? n : 1), sizeof(table_partitions));
	lts = xcalloc((size_t) (n ? n : 1), sizeof(load_table));
	ok = extract_tables(&c->j, &c->st, snapshot_name, load_id, defs, renders, n,
						c->j.parallel, results, partitions);
	if (ok)
	{
		for (int i = 0; i < n; i++)
		{
			lts[i].t = &defs[i];
			lts[i].staged = &results[i];
			lts[i].partitions = &partitions[i];
			/* schema changes seen since its warehouse table was made come first */
			lts[i].pre = &st->tables[index[i]].pending;
		}
		pg_lsn_format(lsn, lsntext);
		ok = load_script(c->d, &c->j, &c->st, LOAD_SNAPSHOT, load_id, lsntext, lts, n, &script);
		for (int i = 0; ok && i < n; i++)
			load_columns_script(c->d, &c->j, &st->tables[index[i]].def, lsntext, &script);
		if (ok && position)
			load_position_script(c->d, &c->j, load_id, position, &script);
		if (ok && extra)
			for (int i = 0; i < extra->n; i++)
				strlist_add(&script, extra->items[i]);
		if (ok)
			ok = load_run(c->wh, &script);
		for (int i = 0; i < n; i++)
		{
			sync_table *t = &st->tables[index[i]];

			if (ok)
			{
				log_info("loaded %s from the snapshot at %s: %llu rows", t->display,
						 lsntext, (unsigned long long) results[i].rows);
				/* what the warehouse now records of its partitions */
				table_partitions_free(&t->recorded);
				t->recorded = partitions[i];
				memset(&partitions[i], 0, sizeof(partitions[i]));
				strlist_free(&t->pending);
				t->record_columns = false;
			}
			if (!c->j.keep)
				stage_remove(&c->st, &results[i]);
			stage_result_free(&results[i]);
			table_partitions_free(&partitions[i]);
		}
	}
	strlist_free(&script);
	free(results);
	free(partitions);
	free(index);
	free(lts);
	for (int i = 0; i < n; i++)
	{
		free(defs[i].cols);
		free(renders[i]);
	}
	free(defs);
	free(renders);
	free(load_id);
	return ok;
}

/* Whether each table named by --continue and --reload is one of the job's. */
static bool
sync_readd_names_valid(sync_state *st, const cmd_options *o)
{
	bool		ok = true;

	for (int n = 0; n < o->ncontinue + o->nreload; n++)
	{
		const char *name = n < o->ncontinue ? o->continue_tables[n] : o->reload_tables[n - o->ncontinue];
		char	   *schema = NULL;
		char	   *rel = NULL;

		if (!job_parse_qualified_name(name, &schema, &rel) ||
			sync_table_by_name(st, schema, rel) == NULL)
		{
			log_error("sync: %s %s: not a table of job %s", n < o->ncontinue ? "--continue" : "--reload",
					  name, st->c->j.name);
			ok = false;
		}
		free(schema);
		free(rel);
	}
	return ok;
}

/*
 * Tables added (back) to a job that streams, whose warehouse table already
 * holds rows: history a new snapshot would replace (an append table's
 * inserts, a soft-delete table's deleted rows) is never replaced unasked.
 * Such a table needs --continue (keep the rows; its changes apply from the
 * job's position, before which the publication did not carry it) or
 * --reload (a new snapshot replaces them); without either, nothing is
 * changed and the choices are named.  A merge table with hard deletes only
 * mirrors the source, so its snapshot goes ahead, with a line saying so.
 * State rows for the tables continued go into script.
 */
static bool
sync_check_readded(sync_state *st, const cmd_options *o, pg_lsn position, strlist *script)
{
	cmd_ctx    *c = st->c;
	bool		ok = true;
	bool		refused = false;
	char		lsntext[32];

	pg_lsn_format(position, lsntext);
	for (int i = 0; ok && i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];
		bool		keep = false;
		bool		reload = false;
		wh_result	rows = {0};
		buf			sql = BUF_INIT;
		bool		history = t->def.mode == MODE_APPEND || t->def.deletes == DELETES_SOFT;

		if (!t->is_new)
			continue;
		for (int n = 0; n < o->ncontinue + o->nreload; n++)
		{
			const char *name = n < o->ncontinue ? o->continue_tables[n] : o->reload_tables[n - o->ncontinue];
			char	   *schema = NULL;
			char	   *rel = NULL;

			if (job_parse_qualified_name(name, &schema, &rel) &&
				strcmp(schema, t->def.schema) == 0 && strcmp(rel, t->def.name) == 0)
			{
				keep |= n < o->ncontinue;
				reload |= n >= o->ncontinue;
			}
			free(schema);
			free(rel);
		}
		if (keep && reload)
		{
			log_error("sync: table %s: --continue and --reload both name it: choose one", t->display);
			ok = false;
			break;
		}
		/* does the warehouse table exist, and hold a row? */
		sink_target_columns_query(c->d, &sql, t->def.target_schema, t->def.target_name);
		ok = wh_query(c->wh, sql.data, &rows);
		buf_reset(&sql);
		if (ok && rows.nrows > 0)
		{
			wh_result_free(&rows);
			buf_puts(&sql, "SELECT 1 FROM ");
			sink_qualified(c->d, &sql, t->def.target_schema, t->def.target_name);
			buf_puts(&sql, " LIMIT 1");
			ok = wh_query(c->wh, sql.data, &rows);
		}
		else if (ok)
			rows.nrows = 0;
		buf_free(&sql);
		if (ok && rows.nrows > 0)
		{
			char	   *target = table_target_display_name(&t->def);

			if (keep)
			{
				log_info("table %s: keeping the rows of %s; its changes apply from %s on (--continue)",
						 t->display, target, lsntext);
				t->is_new = false;
				t->from_lsn = position;
				load_table_state_script(c->d, &c->j, &t->def, "sync", lsntext, 0, NULL, script);
			}
			else if (reload)
				log_info("table %s: replacing the rows of %s with a new snapshot (--reload)",
						 t->display, target);
			else if (history)
			{
				log_error("sync: table %s joined the job again, and %s holds rows that a new snapshot "
						  "would replace (%s); nothing was changed: keep them and apply its changes "
						  "from now on with: wharf -c %s sync --continue %s; or replace them with a "
						  "new snapshot: wharf -c %s sync --reload %s", t->display, target,
						  t->def.mode == MODE_APPEND ? "an append table's history" :
						  "a soft-delete table's deleted rows", c->j.path, t->display,
						  c->j.path, t->display);
				refused = true;
			}
			else
				log_info("table %s joined the job: %s already holds rows, which its snapshot brings "
						 "in line with the source", t->display, target);
			free(target);
		}
		wh_result_free(&rows);
	}
	wh_rollback(c->wh);
	return ok && !refused;
}

/*
 * Tables the warehouse does not have yet, added to a job that already
 * streams: a temporary slot gives a snapshot and the point from which the
 * stream carries their changes.
 */
static bool
sync_snapshot_new_tables(sync_state *st, strlist *extra)
{
	bool	   *which = xcalloc((size_t) st->ntables, sizeof(bool));
	int			n = 0;
	repl_conn  *tmp = NULL;
	pg_lsn		point;
	char	   *snapshot = NULL;
	char	   *slot;
	bool		ok;

	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].is_new)
		{
			which[i] = true;
			n++;
		}
	if (n == 0 && extra->n == 0)
	{
		free(which);
		return true;
	}
	if (n == 0)
	{
		/* only state rows to update */
		bool		okx = true;

		for (int i = 0; okx && i < extra->n; i++)
			okx = wh_exec(st->c->wh, extra->items[i], NULL);
		okx = okx ? wh_commit(st->c->wh) : (wh_rollback(st->c->wh), false);
		free(which);
		return okx;
	}
	slot = xasprintf("%s_add_%d", st->c->j.slot, (int) getpid());
	ok = repl_connect(st->c->j.conninfo, &tmp) &&
		repl_create_slot(tmp, slot, true, &point, &snapshot);
	if (ok)
	{
		for (int i = 0; i < st->ntables; i++)
			if (which[i])
				st->tables[i].from_lsn = point;
		ok = sync_load_snapshot(st, snapshot, point, which, NULL, extra);
		for (int i = 0; ok && i < st->ntables; i++)
			if (which[i])
				st->tables[i].is_new = false;
	}
	repl_close(tmp);			/* the temporary slot goes with it */
	free(snapshot);
	free(slot);
	free(which);
	return ok;
}

/* ---------------------------------------------------------------------
 * The command
 * --------------------------------------------------------------------- */

static void
sync_state_free(sync_state *st)
{
	sync_applier_stop(st);
	sync_batch_discard(st, true);
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];

		for (int k = 0; k < t->def.ncols; k++)
			free(t->missing[k]);
		free(t->missing);
		table_def_free(&t->def);
		free(t->display);
		free(t->renders);
		free(t->colsrc);
		free(t->reltype);
		free(t->reltypmod);
		for (int k = 0; k < t->nrec; k++)
			free(t->rec_name[k]);
		free(t->rec_name);
		free(t->rec_attnum);
		free(t->job_key);
		strlist_free(&t->pending);
		table_partitions_free(&t->recorded);
		hash_map_clear(&t->moved);
		hash_map_clear(&t->added);
	}
	free(st->tables);
	pgoutput_decoder_free(st->dec);
	if (st->repl)
	{
		repl_stop(st->repl);
		repl_close(st->repl);
	}
	buf_free(&st->row);
	buf_free(&st->vals);
	buf_free(&st->unchanged);
	strlist_free(&st->record);
}

/*
 * Whether the warehouse's data_type names the type the dialect makes for c
 * (an enum is text there, a varchar(20) is "character varying").
 */
static bool
sync_same_type_name(const sink_dialect *d, const table_def *t, const table_column *c,
					const char *data_type)
{
	buf			type = BUF_INIT;
	buf			bare = BUF_INIT;
	int			depth = 0;
	bool		same;

	if (!d->column_type(t, c, &type))
	{
		buf_free(&type);
		return false;
	}
	/* "timestamp(3) without time zone" names "timestamp without time zone" */
	for (const char *p = type.data; *p; p++)
	{
		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (depth == 0)
			buf_putc(&bare, *p);
	}
	same = bare.data && strcasecmp(bare.data, data_type) == 0;
	buf_free(&type);
	buf_free(&bare);
	return same;
}

/* Takes the tables ctx_source described; adds the warehouse's own columns. */
static bool
sync_tables_init(sync_state *st)
{
	cmd_ctx    *c = st->c;

	st->ntables = c->ntables;
	st->tables = xcalloc((size_t) st->ntables, sizeof(sync_table));
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];
		table_def  *src = &c->tables[i];
		table_column *orig;

		table_def_copy(src, &t->def);
		t->display = table_display_name(src);
		st->any_partitioned |= src->partitioned;
		orig = t->def.cols;
		t->def.cols = NULL;
		t->def.ncols = 0;
		t->open_segment = -1;
		t->is_new = true;
		for (int k = 0; k < src->ncols; k++)
		{
			table_column col = orig[k];

			sync_table_add_column(t, &col, c->renders[i][k]);
			if (c->renders[i][k].as_json)
			{
				log_error("sync: table %s: column \"%s\" is staged as JSON for %s, which "
						  "change data capture does not do yet", t->display,
						  col.name, c->d->name);
				free(orig);
				return false;
			}
		}
		free(orig);				/* the names moved into t->def */
	}
	return true;
}

/* The warehouse column the column rows read at start give attnum, or NULL. */
static const char *
sync_recorded_name(const sync_table *t, int attnum)
{
	for (int i = 0; i < t->nrec; i++)
		if (t->rec_attnum[i] == attnum)
			return t->rec_name[i];
	return NULL;
}

/* The row of cols naming column name, or -1. */
static int
sync_target_column(const wh_result *cols, const char *name)
{
	for (int r = 0; name && r < cols->nrows; r++)
		if (strcmp(wh_value(cols, r, 0), name) == 0)
			return r;
	return -1;
}

/*
 * Whether the warehouse column (row w of cols) can hold column k as
 * the source has it now: the same type, or one it widens to (a widening
 * for the next segment).  False, reported, when it cannot.
 */
static bool
sync_target_type(sync_state *st, sync_table *t, int k, const wh_result *cols, int w)
{
	const char *data_type = wh_value(cols, w, 1);
	cmd_ctx    *c = st->c;
	table_column was;

	if (!data_type || t->def.cols[k].is_array ||
		!c->d->column_from_type_name(data_type, &was))
		return true;
	if (was.kind == t->def.cols[k].kind)
	{
		/* of the same kind: a length, precision or scale may have grown */
		const char *length = wh_value(cols, w, 2);
		const char *precision = wh_value(cols, w, 3);
		const char *scale = wh_value(cols, w, 4);
		const char *time = wh_value(cols, w, 5);

		was.length = length ? atoi(length) : -1;
		was.precision = precision && was.kind == COL_NUMERIC ? atoi(precision) : -1;
		was.scale = scale && was.kind == COL_NUMERIC ? atoi(scale) : -1;
		was.time_precision = time ? atoi(time) : -1;
		if ((was.kind != COL_VARCHAR && was.kind != COL_CHAR && was.kind != COL_NUMERIC &&
			 was.kind != COL_VARBIT) || !table_column_widens(&was, &t->def.cols[k]) ||
			(was.length == t->def.cols[k].length && was.precision == t->def.cols[k].precision &&
			 was.scale == t->def.cols[k].scale))
			return true;
		return c->d->widen_column(&t->pending, &t->def, &t->def.cols[k]);
	}
	if (sync_same_type_name(c->d, &t->def, &t->def.cols[k], data_type))
		return true;
	if (!table_column_widens(&was, &t->def.cols[k]))
	{
		log_error("sync: table %s: column \"%s\" changed type at the source (the warehouse holds "
				  "%s, the source now %s), which is not a safe widening; change the warehouse "
				  "column by hand, or start the table over", t->display, t->def.cols[k].name,
				  data_type, t->def.cols[k].pg_type ? t->def.cols[k].pg_type : "a user type");
		return false;
	}
	return c->d->widen_column(&t->pending, &t->def, &t->def.cols[k]);
}

/*
 * Brings t's warehouse table to the columns the source has now, with
 * statements for its next segment: t's columns are the catalog's, each
 * found in the warehouse by its attnum's column row (renamed there when
 * the source renamed it), or by name when the table has no column rows
 * yet.  A column the warehouse lacks was added since the position: added,
 * its older rows given its missing value, and the rows the stream still
 * carries without it staged with that value (SYNC_COL_FUTURE); one the
 * source computed row by row gives the table a snapshot of its own.
 * Warehouse columns no source column holds are kept, NULL from now on.
 */
static bool
sync_table_reconcile(sync_state *st, sync_table *t)
{
	cmd_ctx    *c = st->c;
	wh_result	cols = {0};
	buf			sql = BUF_INIT;
	source_attr *attrs = NULL;
	int			nattrs = 0;
	bool	   *held;
	int			ncatalog = t->def.ncols;
	bool		ok = true;

	sink_target_columns_query(c->d, &sql, t->def.target_schema, t->def.target_name);
	ok = wh_query(c->wh, sql.data, &cols);
	buf_free(&sql);
	if (!ok)
		return false;
	if (cols.nrows == 0)
	{
		wh_result_free(&cols);
		return true;			/* not in the warehouse: its snapshot makes it */
	}
	if (!source_table_attributes(c->src, &t->def, &attrs, &nattrs))
	{
		wh_result_free(&cols);
		return false;
	}
	held = xcalloc((size_t) cols.nrows, sizeof(bool));
	for (int k = 0; ok && k < ncatalog; k++)
	{
		table_column *col = &t->def.cols[k];
		const source_attr *a = sync_attr(attrs, nattrs, col->attnum);
		const char *was = t->nrec > 0 ? sync_recorded_name(t, col->attnum) : col->name;
		int			w = sync_target_column(&cols, was);

		t->missing[k] = sync_attr_missing(a);
		if (w >= 0 && !held[w])
		{
			held[w] = true;
			if (strcmp(was, col->name) != 0)
			{
				if (sync_target_column(&cols, col->name) >= 0)
				{
					log_error("sync: table %s: column \"%s\" was renamed at the source to \"%s\", "
							  "a name the warehouse table already has: rename or drop that "
							  "warehouse column by hand", t->display, was, col->name);
					ok = false;
					break;
				}
				c->d->rename_column(&t->pending, &t->def, was, col);
				log_info("table %s: column \"%s\" renamed at the source to \"%s\"", t->display,
						 was, col->name);
				t->record_columns = true;
			}
			ok = sync_target_type(st, t, k, &cols, w);
			continue;
		}
		/* added since the position */
		w = sync_target_column(&cols, col->name);
		if (w >= 0 && !held[w])
		{
			/* under the name of a column the warehouse kept after the source dropped it */
			held[w] = true;
			ok = c->d->reset_column(&t->pending, &t->def, col, t->missing[k]);
			log_info("table %s: column \"%s\" added again at the source: its older rows get %s",
					 t->display, col->name, t->missing[k] ? t->missing[k] : "NULL");
		}
		else
		{
			c->d->add_column(&t->pending, &t->def, col, t->missing[k]);
			log_info("table %s: column \"%s\" added at the source%s%s", t->display, col->name,
					 t->missing[k] ? ", existing rows get " : "",
					 t->missing[k] ? t->missing[k] : "");
		}
		t->record_columns = true;
		if (ok && a && a->has_default && !a->has_missing && !t->is_new)
		{
			char	   *why = xasprintf("column \"%s\" was added with a value computed row by row "
										"(a volatile default or an identity), which rewrote the "
										"table without changes in the stream", col->name);

			sync_reload(t, why);
			free(why);
		}
	}
	/* columns the warehouse kept after the source dropped them: NULL from now on */
	for (int r = 0; ok && r < cols.nrows; r++)
	{
		const char *name = wh_value(&cols, r, 0);
		table_column gone;

		if (held[r] || strncmp(name, "_wharf_", 7) == 0)
			continue;
		memset(&gone, 0, sizeof(gone));
		if (!c->d->column_from_type_name(wh_value(&cols, r, 1) ? wh_value(&cols, r, 1) : "", &gone))
		{
			memset(&gone, 0, sizeof(gone));
			gone.kind = COL_TEXT;
		}
		gone.name = xstrdup(name);
		gone.pg_type = NULL;
		gone.precision = gone.scale = gone.length = gone.time_precision = -1;
		gone.dropped = true;
		for (int i = 0; i < t->nrec; i++)
			if (strcmp(t->rec_name[i], name) == 0)
				gone.attnum = t->rec_attnum[i];
		sync_table_add_column(t, &gone, c->d->column_render(&gone));
	}
	if (t->nrec == 0)
		t->record_columns = true;
	free(held);
	source_attrs_free(attrs, nattrs);
	wh_result_free(&cols);
	return ok;
}

/* Every table's warehouse columns brought in line with the source (above). */
static bool
sync_tables_reconcile(sync_state *st)
{
	for (int i = 0; i < st->ntables; i++)
		if (!sync_table_reconcile(st, &st->tables[i]))
		{
			wh_rollback(st->c->wh);
			return false;
		}
	wh_rollback(st->c->wh);
	return true;
}

/*
 * Schema changes the start or the stream saw for tables no row followed
 * in this run: applied on their own, with the column rows, at the end of
 * the stream (every row the warehouse has is older than them).  Runs on
 * the warehouse session once the applier has stopped.
 */
static bool
sync_apply_pending(sync_state *st)
{
	cmd_ctx    *c = st->c;
	strlist		script = {0};
	bool		ok;

	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];

		if (t->is_new || (t->pending.n == 0 && !t->record_columns))
			continue;
		if (t->record_columns)
			load_columns_script(c->d, &c->j, &t->def, NULL, &t->pending);
		for (int k = 0; k < t->pending.n; k++)
			strlist_add(&script, t->pending.items[k]);
		strlist_free(&t->pending);
		t->record_columns = false;
	}
	ok = script.n == 0 || load_run(c->wh, &script);
	strlist_free(&script);
	return ok;
}

/*
 * A table loaded again while streaming: its columns read anew from the
 * catalog and its warehouse table brought in line with them, as at start,
 * what the stream made of its warehouse columns standing in for its column
 * rows.
 */
static bool
sync_table_refresh(sync_state *st, int i)
{
	cmd_ctx    *c = st->c;
	sync_table *t = &st->tables[i];
	table_def	now;

	for (int k = 0; k < t->nrec; k++)
		free(t->rec_name[k]);
	t->nrec = 0;
	for (int k = 0; k < t->def.ncols; k++)
		if (t->def.cols[k].attnum > 0)
		{
			t->rec_attnum = xrealloc(t->rec_attnum, sizeof(int) * (size_t) (t->nrec + 1));
			t->rec_name = xrealloc(t->rec_name, sizeof(char *) * (size_t) (t->nrec + 1));
			t->rec_attnum[t->nrec] = t->def.cols[k].attnum;
			t->rec_name[t->nrec++] = xstrdup(t->def.cols[k].name);
		}
	if (!source_describe_table(c->src, &c->j, &c->j.tables[i], &now))
		return false;
	for (int k = 0; k < t->def.ncols; k++)
		free(t->missing[k]);
	table_def_free_columns(&t->def);
	free(t->renders);
	free(t->colsrc);
	free(t->reltype);
	free(t->reltypmod);
	free(t->missing);
	t->renders = NULL;
	t->colsrc = NULL;
	t->reltype = NULL;
	t->reltypmod = NULL;
	t->missing = NULL;
	for (int k = 0; k < now.ncols; k++)
		sync_table_add_column(t, &now.cols[k], c->d->column_render(&now.cols[k]));
	t->def.nkeys = now.nkeys;
	free(now.cols);
	now.cols = NULL;
	now.ncols = 0;
	table_def_free(&now);
	t->relid = 0;
	return sync_table_reconcile(st, t);
}

int
cmd_sync(const cmd_options *o)
{
	bool		follow = o->follow;
	bool		resnapshot = o->resnapshot;
	cmd_ctx		c;
	sync_state	st;
	sync_saved	saved;
	repl_slot_info slot;
	strlist		extra = {0};
	char	   *pubs[2] = {NULL, NULL};
	char		lsntext[32];
	int			rc = ctx_job(o, &c);
	struct sigaction sa;

	memset(&st, 0, sizeof(st));
	memset(&saved, 0, sizeof(saved));
	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.cond, NULL);
	st.c = &c;
	st.follow = follow;
	if (rc == EXIT_OK)
		rc = ctx_source(&c);
	if (rc == EXIT_OK)
		rc = ctx_check_tables(&c);
	if (rc == EXIT_OK)
		rc = ctx_stage(&c, true);
	if (rc == EXIT_OK)
		rc = ctx_warehouse(&c, "sync");
	if (rc == EXIT_OK)
		rc = ctx_probe_warehouse(&c);
	if (rc != EXIT_OK)
		goto done;
	rc = EXIT_RUNTIME;
	if (!source_wal_level_logical(c.src) || !source_lock_job(c.src, &c.j))
		goto done;
	if (!sync_tables_init(&st))
		goto done;
	if (!sync_readd_names_valid(&st, o))
	{
		rc = EXIT_USAGE;
		goto done;
	}
	if (!sync_read_state(&st, &saved))
		goto done;
	/* before anything is created: tables added back whose history would go */
	if (saved.have_position && !resnapshot &&
		!sync_check_readded(&st, o, saved.position, &extra))
		goto done;
	if (!sync_tables_reconcile(&st))
		goto done;
	/* a walsender of a process killed a moment ago may not have noticed yet */
	for (int attempt = 0;; attempt++)
	{
		if (!repl_slot_lookup(c.src, c.j.slot, &slot))
			goto done;
		if (!slot.exists || !slot.active || attempt == 10)
			break;
		sleep(1);
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sync_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (slot.exists && strcmp(slot.plugin, "pgoutput") != 0)
	{
		log_error("source: replication slot %s exists with plugin %s, not pgoutput: name another "
				  "with \"slot = ...\" in [source]", c.j.slot, slot.plugin);
		goto done;
	}
	if (slot.exists && slot.active)
	{
		log_error("source: replication slot %s is in use by process %d: another wharf runs job %s",
				  c.j.slot, slot.active_pid, c.j.name);
		goto done;
	}
	if (resnapshot || !saved.have_position)
	{
		pg_lsn		point;
		char	   *snapshot = NULL;
		bool	   *all = xcalloc((size_t) st.ntables, sizeof(bool));
		bool		via_root_set[2];	/* everything loads anew anyway */
		bool		ok;

		if (slot.exists)
		{
			log_info("dropping replication slot %s: %s", c.j.slot,
					 resnapshot ? "starting over (--resnapshot)" :
					 "the warehouse never received the snapshot it was made for");
			if (!repl_slot_drop(c.src, c.j.slot))
			{
				free(all);
				goto done;
			}
		}
		if (!source_publications_sync(c.src, &c.j, c.tables, c.ntables,
									  &via_root_set[0], &via_root_set[1]) ||
			!repl_connect(c.j.conninfo, &st.repl) ||
			!repl_create_slot(st.repl, c.j.slot, false, &point, &snapshot))
		{
			free(all);
			free(snapshot);
			goto done;
		}
		log_info("created replication slot %s at %s", c.j.slot, pg_lsn_format(point, lsntext));
		for (int i = 0; i < st.ntables; i++)
		{
			all[i] = true;
			st.tables[i].from_lsn = point;
			st.tables[i].is_new = false;
			strlist_free(&st.tables[i].pending);	/* the snapshot creates the tables anew */
		}
		sync_forget_removed(&st, &saved, &extra);
		ok = sync_load_snapshot(&st, snapshot, point, all, lsntext, &extra);
		free(snapshot);
		free(all);
		if (!ok)
			goto done;
		st.position = point;
	}
	else
	{
		bool		via_root_set[2];
		bool		changed;

		if (!slot.exists || strcmp(slot.wal_status, "lost") == 0)
		{
			log_error("source: replication slot %s is %s, so changes since %s cannot be read; "
					  "start over with: wharf -c %s sync --resnapshot", c.j.slot,
					  slot.exists ? "lost (its WAL was removed)" : "missing",
					  pg_lsn_format(saved.position, lsntext), c.j.path);
			goto done;
		}
		st.position = saved.position;
		if (!source_publications_sync(c.src, &c.j, c.tables, c.ntables,
									  &via_root_set[0], &via_root_set[1]))
			goto done;
		sync_forget_removed(&st, &saved, &extra);
		for (int i = 0; i < st.ntables; i++)
			if (st.tables[i].def.partitioned && !st.tables[i].is_new &&
				via_root_set[st.tables[i].def.mode == MODE_APPEND])
				sync_reload(&st.tables[i], "its publication published its changes as its "
							"partitions' until now (no publish_via_partition_root)");
		/* partitions attached, detached or truncated since: those tables load anew */
		if (!sync_check_partitions(&st, &extra, &changed))
			goto done;
		if (!sync_snapshot_new_tables(&st, &extra) ||
			!repl_connect(c.j.conninfo, &st.repl))
			goto done;
	}
	st.acked = st.position;
	st.batch_end = st.position;
	st.handed = st.position;
	st.applied = st.position;

	if (!follow && !source_current_wal_lsn(c.src, &st.target))
		goto done;
	pubs[0] = c.j.publication;
	pubs[1] = source_append_publication(&c.j);
	st.dec = pgoutput_decoder_create();
	st.partitions_checked = sync_now();
	for (;;)
	{
		if (!repl_start(st.repl, c.j.slot, st.position, (const char *const *) pubs, 2))
			goto done;
		/* from here on the warehouse session belongs to the applier */
		if (!sync_applier_start(&st))
			goto done;
		log_info("streaming from %s%s%s", pg_lsn_format(st.position, lsntext),
				 follow ? "" : " to ", follow ? "" : pg_lsn_format(st.target, (char[32]) {0}));
		if (!sync_stream(&st))
			goto done;
		sync_applier_stop(&st);
		if (!sync_apply_pending(&st))
			goto done;
		if (!st.reload)
			break;

		/*
		 * A partitioned table's partitions changed while streaming: with
		 * everything read so far applied, it gets a snapshot of its own (its
		 * changes before the snapshot's point are skipped, those after
		 * applied), and the stream starts over from the position.
		 */
		st.reload = false;
		repl_stop(st.repl);
		repl_close(st.repl);
		st.repl = NULL;
		for (int i = 0; i < st.ntables; i++)
			if (st.tables[i].is_new && !sync_table_refresh(&st, i))
				goto done;
		wh_rollback(c.wh);
		if (!sync_snapshot_new_tables(&st, &st.record) ||
			!repl_connect(c.j.conninfo, &st.repl))
			goto done;
		strlist_free(&st.record);
	}
	log_progress_done();
	rc = EXIT_OK;
	if (o->json)
	{
		buf			json = BUF_INIT;

		buf_puts(&json, "{\"command\": \"sync\", \"ok\": true, \"job\": ");
		buf_put_json_string(&json, c.j.name);
		buf_printf(&json, ", \"position\": \"%s\", \"batches\": %d, \"changes\": %llu}",
				   pg_lsn_format(st.position, lsntext), st.batches,
				   (unsigned long long) st.total_rows);
		printf("%s\n", json.data);
		buf_free(&json);
	}
	else
		printf("synced job %s to %s: %llu changes in %d batch%s\n", c.j.name,
			   pg_lsn_format(st.position, lsntext), (unsigned long long) st.total_rows,
			   st.batches, st.batches == 1 ? "" : "es");

done:
	if (rc != EXIT_OK && o->json)
		printf("{\"command\": \"sync\", \"ok\": false, \"exit\": %d}\n", rc);
	free(pubs[1]);
	strlist_free(&extra);
	wh_result_free(&saved.rows);
	sync_state_free(&st);
	pthread_mutex_destroy(&st.lock);
	pthread_cond_destroy(&st.cond);
	ctx_close(&c);
	return rc;
}
