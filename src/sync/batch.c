/*
 * batch.c
 *    The batch: per-table segments and their stage writers, the hand-over
 *    to the applier thread, and the apply of one batch at the warehouse in
 *    one transaction with the job's new position.
 *
 * A table's rows go in one segment until its columns change; the batch
 * owns its segments until the applier takes it whole (sync_batch), and the
 * applier owns the warehouse session while streaming.
 */
#include "sync_int.h"

void
sync_batch_begin(sync_state *st)
{
	free(st->batch_id);
	st->batch_id = stage_new_load_id();
	st->batch_started = log_monotonic_now();
}

bool
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
	if (seg->bundled)
		return true;			/* its rows go into a bundle when the batch is taken */
	seg->finished = stage_writer_finish(seg->w, &seg->staged);
	seg->w = NULL;
	return seg->finished;
}

/* A stage writer of the segment's own: its rows so far, then the rest. */
static bool
sync_segment_spill(sync_state *st, sync_segment *seg, int index)
{
	char	   *id = xasprintf("%s.%d", st->batch_id, index + 1);
	const uint32_t *len = (const uint32_t *) seg->held_len.data;
	size_t		pos = 0;
	bool		ok;

	ok = stage_writer_open(&st->c->st, id, &seg->def, &seg->w);
	free(id);
	if (!ok)
		return false;
	stage_writer_set_lead(seg->w, 4);	/* lsn, seq, op, and unchanged or cancels */
	for (uint64_t r = 0; ok && r < seg->held_rows; r++)
	{
		ok = stage_write_rows(seg->w, seg->held.data + pos, len[2 * r], 1);
		pos += len[2 * r];
	}
	st->held_bytes -= seg->held.len;
	buf_free(&seg->held);
	buf_free(&seg->held_len);
	seg->held_rows = 0;
	seg->bundled = false;
	return ok;
}

/*
 * The table's open segment, or a new one: bundled when its columns fit a
 * bundle (load.h), else with its own stage writer.
 */
bool
sync_segment_open(sync_state *st, sync_table *t)
{
	sync_segment *seg;

	if (t->open_segment >= 0)
		return true;
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
	seg->pre_ddl = t->pending_ddl;
	seg->pre = t->pending;
	memset(&t->pending_ddl, 0, sizeof(t->pending_ddl));
	memset(&t->pending, 0, sizeof(t->pending));
	seg->bundled = seg->def.ncols + 1 < LOAD_BUNDLE_COLUMNS;
	if (!seg->bundled && !sync_segment_spill(st, seg, st->nsegs))
	{
		if (seg->w)
			stage_writer_abort(seg->w);
		table_def_free(&seg->def);
		strlist_free(&seg->pre_ddl);
		strlist_free(&seg->pre);
		strlist_free(&seg->cleared);
		return false;
	}
	t->open_segment = st->nsegs++;
	return true;
}

/*
 * One staged row of t's open segment; its first lead_len bytes are the
 * change columns.
 */
bool
sync_segment_write(sync_state *st, sync_table *t, const char *row, size_t len, size_t lead_len)
{
	sync_segment *seg = &st->segs[t->open_segment];
	uint32_t	lens[2] = {(uint32_t) len, (uint32_t) lead_len};

	if (seg->bundled &&
		(seg->held_rows >= SYNC_BUNDLE_ROWS || len > SYNC_BUNDLE_ROW_BYTES ||
		 seg->held.len + len > SYNC_BUNDLE_SEGMENT_BYTES ||
		 st->held_bytes + len > SYNC_BUNDLE_BYTES) &&
		!sync_segment_spill(st, seg, t->open_segment))
		return false;
	if (!seg->bundled)
		return stage_write_rows(seg->w, row, len, 1);
	buf_append(&seg->held, row, len);
	buf_append(&seg->held_len, lens, sizeof(lens));
	seg->held_rows++;
	st->held_bytes += len;
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
		buf_free(&seg->held);
		buf_free(&seg->held_len);
		table_def_free(&seg->def);
		strlist_free(&seg->pre_ddl);
		strlist_free(&seg->pre);
		strlist_free(&seg->cleared);
	}
	free(segs);
}

void
sync_batch_discard(sync_state *st, bool remove_staged)
{
	sync_segments_free(&st->c->st, st->segs, st->nsegs, remove_staged);
	st->segs = NULL;
	st->nsegs = 0;
	for (int i = 0; i < st->ntables; i++)
	{
		st->tables[i].open_segment = -1;
		st->tables[i].batch_rows = 0;
		memset(st->tables[i].batch_ops, 0, sizeof(st->tables[i].batch_ops));
		hash_map_clear(&st->tables[i].moved);
	}
	st->batch_rows = 0;
	st->batch_bytes = 0;
	st->held_bytes = 0;
	free(st->batch_id);
	st->batch_id = NULL;
}

static void
sync_bundles_free(const stage *stg, sync_bundle *bundles, int n, bool remove_staged)
{
	for (int i = 0; i < n; i++)
	{
		if (bundles[i].finished)
		{
			if (remove_staged)
				stage_remove(stg, &bundles[i].staged);
			stage_result_free(&bundles[i].staged);
		}
		table_def_free(&bundles[i].def);
	}
	free(bundles);
}

static void
sync_batch_free(const stage *stg, sync_batch *b, bool remove_staged)
{
	sync_segments_free(stg, b->segs, b->nsegs, remove_staged);
	sync_bundles_free(stg, b->bundles, b->nbundles, remove_staged);
	for (int i = 0; i < b->ntouched; i++)
		table_def_free(&b->touched[i]);
	free(b->touched);
	free(b->touched_rows);
	free(b->touched_index);
	free(b->touched_ops);
	free(b->id);
	free(b);
}

/* How a staged NULL is written: the same for every column of every table. */
static const char *
sync_null_marker(const sync_state *st)
{
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].def.ncols > 0)
			return st->tables[i].renders[0].null_as;
	return NULL;
}

/* n NULL fields, each after a comma */
static void
sync_put_nulls(buf *out, int n, const char *marker)
{
	for (int i = 0; i < n; i++)
		csv_null_as(out, false, marker);
}

/*
 * The batch's bundled segments, in order, into as few bundles as their
 * columns allow, each staged as one object: a row is its change columns,
 * its segment's number, NULL up to the segment's columns, its values, and
 * NULL in the columns after them.
 */
static bool
sync_bundles_stage(sync_state *st, sync_batch *b)
{
	const char *marker = sync_null_marker(st);
	buf			row = BUF_INIT;
	bool		ok = true;

	for (int i = 0; i < b->nsegs; i++)
	{
		sync_segment *seg = &b->segs[i];

		if (!seg->bundled)
			continue;
		if (b->nbundles == 0 ||
			!load_bundle_add(&b->bundles[b->nbundles - 1].def, &seg->def, &seg->bundle_first))
		{
			b->bundles = xrealloc(b->bundles, sizeof(sync_bundle) * (size_t) (b->nbundles + 1));
			memset(&b->bundles[b->nbundles], 0, sizeof(sync_bundle));
			load_bundle_init(&b->bundles[b->nbundles].def, &seg->def, b->nbundles + 1);
			b->nbundles++;
			load_bundle_add(&b->bundles[b->nbundles - 1].def, &seg->def, &seg->bundle_first);
		}
		seg->bundle = b->nbundles;
		b->bundles[b->nbundles - 1].has_cancels |= seg->has_cancels;
	}
	for (int k = 0; ok && k < b->nbundles; k++)
	{
		sync_bundle *bundle = &b->bundles[k];
		char	   *id = xasprintf("%s.b%d", b->id, k + 1);
		stage_writer *w;

		ok = stage_writer_open(&st->c->st, id, &bundle->def, &w);
		free(id);
		if (!ok)
			break;
		stage_writer_set_lead(w, 4);
		for (int i = 0; ok && i < b->nsegs; i++)
		{
			const sync_segment *seg = &b->segs[i];
			const uint32_t *len = (const uint32_t *) seg->held_len.data;
			size_t		pos = 0;

			if (seg->bundle != k + 1)
				continue;
			for (uint64_t r = 0; ok && r < seg->held_rows; r++)
			{
				const char *data = seg->held.data + pos;
				uint32_t	lead = len[2 * r + 1];

				buf_reset(&row);
				buf_append(&row, data, lead);
				buf_printf(&row, ",%d", i + 1);
				sync_put_nulls(&row, seg->bundle_first - 1, marker);
				/* the values, less the row's '\n' */
				buf_append(&row, data + lead, len[2 * r] - lead - 1);
				sync_put_nulls(&row, bundle->def.ncols - seg->bundle_first - seg->def.ncols, marker);
				csv_end_row(&row);
				ok = stage_write_rows(w, row.data, row.len, 1);
				pos += len[2 * r];
			}
		}
		if (ok)
			ok = bundle->finished = stage_writer_finish(w, &bundle->staged);
		else
			stage_writer_abort(w);
	}
	buf_free(&row);
	return ok;
}

/*
 * Closes the batch being gathered (its parts finish uploading) and moves it
 * into a sync_batch for the applier.  The receiver starts a new one.
 */
static bool
sync_batch_take(sync_state *st, sync_batch **out)
{
	sync_batch *b = xcalloc(1, sizeof(sync_batch));
	double		t_start = log_monotonic_now();
	bool		ok = true;

	if (st->nsegs > 0)
		ctx_fail_point("before-upload");
	for (int i = 0; i < st->ntables && ok; i++)
		ok = sync_segment_close(st, &st->tables[i]);
	if (ok)
	{
		b->id = st->batch_id ? st->batch_id : stage_new_load_id();
		st->batch_id = NULL;
		b->segs = st->segs;
		b->nsegs = st->nsegs;
		st->segs = NULL;
		st->nsegs = 0;
		ok = sync_bundles_stage(st, b);
	}
	if (!ok)
	{
		char		lsn[32];

		log_warn("sync: the batch ending at %s was not staged; the next run reads it again",
				  pg_lsn_format(st->batch_end, lsn));
		if (b->id != NULL)
			sync_batch_free(&st->c->st, b, true);
		else
			free(b);
		sync_batch_discard(st, true);
		return false;
	}
	if (b->nsegs > 0)
		ctx_fail_point("after-upload");
	b->rows = st->batch_rows;
	b->end = st->batch_end;
	b->commit_time = st->batch_commit_time;
	b->read_s = t_start - st->batch_started;
	b->staged_s = log_monotonic_now() - t_start;
	b->touched = xcalloc((size_t) st->ntables, sizeof(table_def));
	b->touched_rows = xcalloc((size_t) st->ntables, sizeof(int64_t));
	b->touched_index = xcalloc((size_t) st->ntables, sizeof(int));
	b->touched_ops = xcalloc((size_t) st->ntables, sizeof(*b->touched_ops));
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].batch_rows > 0)
		{
			table_def_copy(&st->tables[i].def, &b->touched[b->ntouched]);
			b->touched_index[b->ntouched] = i;
			memcpy(b->touched_ops[b->ntouched], st->tables[i].batch_ops,
				   sizeof(st->tables[i].batch_ops));
			b->touched_rows[b->ntouched++] = st->tables[i].batch_rows;
		}
	for (int i = 0; i < st->ntables; i++)
	{
		st->tables[i].open_segment = -1;
		st->tables[i].batch_rows = 0;
		memset(st->tables[i].batch_ops, 0, sizeof(st->tables[i].batch_ops));
	}
	st->batch_rows = 0;
	st->batch_bytes = 0;
	st->held_bytes = 0;
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
	load_bundle *bundles;
	load_table_state *touched;
	strlist		script = {0};
	int			nddl = 0;
	char		lsn[32];
	double		t_start = log_monotonic_now();
	bool		ok;
	bool		copied = false;

	if (b->nsegs == 0)
		return true;			/* only transactions without changes for us */
	pg_lsn_format(b->end, lsn);
	segs = xcalloc((size_t) b->nsegs, sizeof(load_segment));
	bundles = xcalloc((size_t) (b->nbundles ? b->nbundles : 1), sizeof(load_bundle));
	for (int i = 0; i < b->nbundles; i++)
	{
		bundles[i].t = &b->bundles[i].def;
		bundles[i].staged = &b->bundles[i].staged;
		bundles[i].has_cancels = b->bundles[i].has_cancels;
	}
	touched = xcalloc((size_t) (b->ntouched ? b->ntouched : 1), sizeof(load_table_state));
	for (int i = 0; i < b->nsegs; i++)
	{
		segs[i].t = &b->segs[i].def;
		segs[i].staged = &b->segs[i].staged;
		segs[i].pre_ddl = &b->segs[i].pre_ddl;
		segs[i].pre = &b->segs[i].pre;
		segs[i].cleared = &b->segs[i].cleared;
		segs[i].has_unchanged = b->segs[i].has_unchanged;
		segs[i].has_moves = b->segs[i].has_moves;
		segs[i].has_cancels = b->segs[i].has_cancels;
		segs[i].has_truncates = b->segs[i].has_truncates;
		segs[i].bundle = b->segs[i].bundle;
		segs[i].bundle_first = b->segs[i].bundle_first;
	}
	for (int i = 0; i < b->ntouched; i++)
	{
		touched[i].t = &b->touched[i];
		touched[i].rows = b->touched_rows[i];
	}
	ok = load_changes_script(c->d, &c->j, &c->st, b->id, lsn, bundles, b->nbundles, segs, b->nsegs,
							 touched, b->ntouched, &script, &nddl);
	for (int i = 0; ok && i < script.n; i++)
	{
		log_trace("warehouse: %s", script.items[i]);
		/* schema work commits statement by statement, the data as one (load.h) */
		ok = i < nddl ? wh_exec_alone(c->wh, script.items[i]) : wh_exec(c->wh, script.items[i], NULL);
		if (ok && !copied && strncmp(script.items[i], "COPY", 4) == 0)
		{
			copied = true;
			ctx_fail_point("mid-copy");
		}
	}
	if (ok)
		ctx_fail_point("after-merge");
	if (ok)
		ok = wh_commit(c->wh);
	else
		wh_rollback(c->wh);
	strlist_free(&script);
	free(segs);
	free(bundles);
	free(touched);
	if (!ok)
	{
		log_warn("sync: the batch ending at %s was not applied; the next run applies it again", lsn);
		return false;
	}
	ctx_fail_point("after-commit");
	log_info("applied batch %s: %lld changes up to %s (read %.1f s, staged %.1f s, applied %.1f s)",
			 b->id, (long long) b->rows, lsn, b->read_s, b->staged_s, log_monotonic_now() - t_start);
	/* the batch committed: what it did to each table, for Dagster */
	for (int i = 0; i < b->ntouched; i++)
	{
		pipes_load	pl = {
			.count = (uint64_t) b->touched_rows[i],
			.load_id = b->id,
			.lsn = lsn,
			.lag_s = (repl_now_us() - b->commit_time) / 1e6,
			.duration_s = b->read_s + b->staged_s + log_monotonic_now() - t_start,
		};

		pipes_materialization(&b->touched[i], &pl);
	}
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
			pthread_mutex_lock(&st->lock);
			st->busy = false;
			if (ok)
			{
				st->progressed = true;
				st->applied = end;
				st->batches += had_changes ? 1 : 0;
				st->total_rows += (uint64_t) rows;
				for (int i = 0; i < b->ntouched; i++)
					for (int k = 0; k < SYNC_NOPS; k++)
						st->tables[b->touched_index[i]].applied_ops[k] += b->touched_ops[i][k];
			}
			else
				st->failed = true;
			pthread_mutex_unlock(&st->lock);
			sync_batch_free(&st->c->st, b, !ok || !st->c->j.keep);
			pthread_mutex_lock(&st->lock);
		}
		pthread_cond_broadcast(&st->cond);
		if (!ok)
			break;
	}
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

bool
sync_handoff(sync_state *st)
{
	sync_batch *b;

	if (!sync_batch_take(st, &b))
		return false;			/* errors have already been logged */
	pthread_mutex_lock(&st->lock);
	st->pending = b;
	st->handed = b->end;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return true;
}

bool
sync_applier_idle(sync_state *st)
{
	bool		idle;

	pthread_mutex_lock(&st->lock);
	idle = st->pending == NULL && !st->busy;
	pthread_mutex_unlock(&st->lock);
	return idle;
}

bool
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

bool
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

void
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
bool
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
			return false;			/* errors have already been logged */
		st->acked = applied;
	}
	if (applied > st->position)
		st->position = applied;
	return true;
}
