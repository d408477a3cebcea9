/*
 * stream.c
 *    The pgoutput stream: reads messages from the slot, skips what the
 *    warehouse holds, routes each change to its table, and decides when a
 *    batch goes to the applier and when a run ends.
 */
#include "sync_int.h"

static bool
sync_message(sync_state *st, const repl_frame *f)
{
	pgoutput_message m;
	sync_table *t;

	if (!pgoutput_decode(st->dec, f->payload, f->len, f->wal_start, &m))
		return false;			/* errors have already been logged */
	switch (m.type)
	{
		case PGOUTPUT_BEGIN:
			st->in_txn = true;
			st->txn_lsn = m.u.begin.final_lsn;
			sync_forget_added(st);
			/* the warehouse already holds everything committed before its position */
			st->skip_txn = m.u.begin.final_lsn < st->position;
			return true;
		case PGOUTPUT_COMMIT:
			st->in_txn = false;
			if (!st->skip_txn && m.u.commit.end_lsn > st->batch_end)
			{
				st->batch_end = m.u.commit.end_lsn;
				st->batch_commit_time = m.u.commit.commit_time;
			}
			if (st->batch_id == NULL && st->batch_end > st->handed)
				sync_batch_begin(st);
			return true;
		case PGOUTPUT_RELATION:
			return sync_relation(st, m.u.relation);
		case PGOUTPUT_TYPE:
		case PGOUTPUT_ORIGIN:
		case PGOUTPUT_MESSAGE:
			return true;
		case PGOUTPUT_INSERT:
		case PGOUTPUT_UPDATE:
		case PGOUTPUT_DELETE:
			break;
		case PGOUTPUT_TRUNCATE:
			if (st->skip_txn)
				return true;
			for (int i = 0; i < m.u.truncate.nrelids; i++)
			{
				t = sync_table_by_relid(st, m.u.truncate.relids[i]);
				if (t && st->txn_lsn >= t->from_lsn && t->def.mode == MODE_MERGE)
				{
					if (!sync_write_row(st, t, 'T', NULL))
						return false;			/* errors have already been logged */
					t->batch_ops[SYNC_OP_TRUNCATE]++;
				}
				if (t)
					hash_map_clear(&t->added); /* no row added before it is left */
			}
			return true;
		default:
			return true;
	}
	if (st->skip_txn)
		return true;
	t = sync_table_by_relid(st, m.type == PGOUTPUT_INSERT ? m.u.insert.relid :
							m.type == PGOUTPUT_UPDATE ? m.u.update.relid : m.u.delete.relid);
	if (t == NULL || st->txn_lsn < t->from_lsn)
		return true;
	if (m.type == PGOUTPUT_INSERT || t->def.mode != MODE_APPEND)
		t->batch_ops[m.type == PGOUTPUT_INSERT ? SYNC_OP_INSERT :
					 m.type == PGOUTPUT_UPDATE ? SYNC_OP_UPDATE : SYNC_OP_DELETE]++;
	switch (m.type)
	{
		case PGOUTPUT_INSERT:
			if (!sync_write_row(st, t, 'I', &m.u.insert.tuple))
				return false;			/* errors have already been logged */
			if (t->full_identity)
				sync_note_added(st, t, &m.u.insert.tuple);
			return true;
		case PGOUTPUT_UPDATE:
			if (t->def.mode == MODE_APPEND)
				return true;
			if (m.u.update.old_kind != 0)
				sync_unchanged_from_old(&m.u.update.tuple, &m.u.update.old_tuple);
			if (t->full_identity && m.u.update.old_kind == PGOUTPUT_TUPLE_OLD)
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
			if (t->full_identity && m.u.delete.old_kind == PGOUTPUT_TUPLE_OLD)
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
	return log_monotonic_now() - st->batch_started >= st->c->j.batch_interval;
}

/* A failed heartbeat is a warning (source_heartbeat): the stream goes on. */
static bool
sync_heartbeat(sync_state *st)
{
	source_heartbeat(st->c->src);
	return true;
}

static bool
sync_finish(sync_state *st)
{
	if (st->batch_end > st->handed && !sync_applier_drain(st))
		return false;
	if (st->batch_end > st->handed && !sync_handoff(st))
		return false;
	return sync_applier_drain(st) && sync_report_applied(st);
}

bool
sync_stream(sync_state *st)
{
	double		last_heartbeat = log_monotonic_now();

	for (;;)
	{
		repl_frame	f;

		if (!repl_receive(st->repl, SYNC_IDLE_MS, &sync_stop_requested, &f))
			return false;			/* errors have already been logged */
		switch (f.kind)
		{
			case REPL_XLOGDATA:
				if (f.wal_end > st->last_wal_end)
					st->last_wal_end = f.wal_end;
				if (!sync_message(st, &f))
					return false;			/* errors have already been logged */
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
						return false;			/* errors have already been logged */
					st->acked = f.wal_end;
					st->progressed = true;	/* caught up: any outage before is over */
				}
				else if (f.reply_requested &&
						 !repl_feedback(st->repl, st->last_wal_end, st->acked, false))
					return false;
				break;
			case REPL_TIMEOUT:
				/* ask for a keepalive: it says how far the server has read */
				if (!repl_feedback(st->repl, st->last_wal_end, st->acked, true))
					return false;			/* errors have already been logged */
				break;
			case REPL_INTERRUPTED:
				break;
		}
		if (!sync_report_applied(st))
			return false;			/* errors have already been logged */
		if (sync_batch_due(st) && !sync_handoff(st))
			return false;
		if (sync_partitions_due(st))
		{
			bool		changed;

			if (!sync_check_partitions(st, &st->record, &changed))
				return false;			/* errors have already been logged */
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
		if (sync_stop_requested && !st->in_txn)
		{
			log_warn("sync: interrupted by %s: applying the transactions read so far, then "
					 "stopping (their staged objects are removed once applied)",
					 sync_stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
			return sync_finish(st);
		}
		if (!st->in_txn && !st->follow &&
			(st->last_wal_end >= st->target || st->batch_end >= st->target))
			return sync_finish(st);
		if (st->follow && st->c->j.heartbeat > 0 && !st->in_txn &&
			log_monotonic_now() - last_heartbeat >= st->c->j.heartbeat)
		{
			sync_heartbeat(st);
			last_heartbeat = log_monotonic_now();
		}
		log_progress("sync", st->seq, 0);
	}
}
