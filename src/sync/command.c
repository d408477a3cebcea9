/*
 * command.c
 *    `wharf sync` and `wharf sync --follow`.
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
 * With --follow a run rides out outages (outage.h): a lost connection to
 * the source or the warehouse, a server restarting, a stage that does not
 * answer.  The run is given up whole, as a killed process would be: the
 * batch in flight is rolled back or never committed, its staged objects
 * removed, every connection closed.  Then, after a wait that doubles from
 * one second up to retry_max_wait, the run starts again from the job file,
 * and so streams from the position the warehouse holds; past retry_for
 * since the outage began it stops with an error.  An error that is no
 * outage stops it at once.
 *
 * Decoding is pgoutput.c's, the stream replication.c's, the SQL the
 * dialects'; the rest of src/sync/ is the batch (see sync_int.h).
 */
#include "sync_int.h"

#include "report.h"

/* An outage being ridden out (sync --follow): since when, and how often it was tried. */
typedef struct sync_outage
{
	outage_service service;		/* what the first failure lost */
	double		since;			/* when it began (log_monotonic_now) */
	int			attempts;		/* reconnections started */
	int			retry_for;		/* the job's [sync] keys, in seconds */
	int			retry_max_wait;
} sync_outage;

volatile sig_atomic_t sync_stop_requested;

static void
sync_on_signal(int signo)
{
	sync_stop_requested = signo;
}

/* From here on SIGINT and SIGTERM ask the run to stop rather than end the process. */
static void
sync_catch_signals(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = sync_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/*
 * The slot the job streams from, once no other process holds it: a
 * walsender of a process killed a moment ago may not have noticed yet.
 * False, reported, when it belongs to another plugin or another process.
 */
static bool
sync_find_slot(sync_state *st, repl_slot_info *slot)
{
	cmd_ctx    *c = st->c;

	for (int attempt = 0;; attempt++)
	{
		if (!repl_slot_lookup(c->src, c->j.slot, slot))
			return false;			/* errors have already been logged */
		if (!slot->exists || !slot->active || attempt == 10)
			break;
		sleep(1);
	}
	if (slot->exists && strcmp(slot->plugin, "pgoutput") != 0)
	{
		log_error("source: replication slot %s exists with plugin %s, not pgoutput: name another "
				  "with \"slot = ...\" in [source]", c->j.slot, slot->plugin);
		return false;
	}
	if (slot->exists && slot->active)
	{
		log_error("source: replication slot %s is in use by process %d: another wharf runs job %s",
				  c->j.slot, slot->active_pid, c->j.name);
		return false;
	}
	return true;
}

/*
 * A start over that failed before the warehouse held its snapshot leaves
 * nothing on the source: not the slot it made (which would hold WAL back
 * for a load that never landed, and whose later position no warehouse
 * position matches), and on a job's first run not its publications either.
 * A process killed outright cannot do this: its next run finds the slot
 * with no position in the warehouse and drops it, and uses the
 * publications again (`wharf retire` drops both).  Failures here are
 * warnings: the run has failed already, and the next one finds the rest.
 */
static void
sync_undo_start(sync_state *st, bool slot_created, bool first)
{
	cmd_ctx    *c = st->c;
	strlist		pubs = {0};

	if (st->repl)
	{
		repl_close(st->repl);
		st->repl = NULL;
	}
	if (slot_created)
	{
		repl_slot_info slot = {0};

		/* its walsender may take a moment to let it go */
		for (int attempt = 0; attempt < 10; attempt++)
		{
			if (!repl_slot_lookup(c->src, c->j.slot, &slot) || !slot.exists || !slot.active)
				break;
			sleep(1);
		}
		if (slot.exists && !slot.active && repl_slot_drop(c->src, c->j.slot))
			log_info("dropped replication slot %s: the first load did not land", c->j.slot);
		else if (slot.exists)
			log_warn("source: replication slot %s is left behind: the next sync drops it", c->j.slot);
	}
	if (first && source_job_publications(c->src, &c->j, &pubs) && pubs.n > 0 &&
		!source_drop_publications(c->src, &pubs))
		log_warn("source: the publications of job %s are left behind: the next sync uses them",
				 c->j.name);
	strlist_free(&pubs);
}

/*
 * A first run, or --resnapshot: a new slot, and every table loaded from the
 * snapshot its creation exports, with the slot's consistent point as the
 * job's position.
 */
static bool
sync_start_over(sync_state *st, const sync_saved *saved, const repl_slot_info *slot,
				bool resnapshot, strlist *extra)
{
	cmd_ctx    *c = st->c;
	pg_lsn		point;
	char	   *snapshot = NULL;
	bool	   *all = xcalloc((size_t) st->ntables, sizeof(bool));
	bool		via_root_set[2];	/* everything loads anew anyway */
	char		lsntext[32];
	bool		slot_created = false;
	bool		ok;

	if (slot->exists)
	{
		log_info("dropping replication slot %s: %s", c->j.slot,
				 resnapshot ? "starting over (--resnapshot)" :
				 "the warehouse never received the snapshot it was made for");
		if (!repl_slot_drop(c->src, c->j.slot))
		{
			free(all);
			return false;
		}
	}
	if (!source_publications_sync(c->src, &c->j, c->tables, c->ntables,
								  &via_root_set[0], &via_root_set[1], NULL))
	{
		free(all);
		return false;
	}
	ok = repl_connect(c->j.conninfo, &st->repl) &&
		repl_create_slot(st->repl, c->j.slot, false, &point, &snapshot);
	slot_created = ok;
	if (ok)
	{
		log_info("created replication slot %s at %s", c->j.slot, pg_lsn_format(point, lsntext));
		ctx_fail_point("after-slot");
		for (int i = 0; i < st->ntables; i++)
		{
			all[i] = true;
			if (resnapshot)
				sync_set_load_reason(&st->tables[i], "--resnapshot");
			else if (saved->have_position)
				sync_set_load_reason(&st->tables[i], "the warehouse never received the slot's snapshot");
			st->tables[i].from_lsn = point;
			st->tables[i].is_new = false;
			/* the snapshot creates the tables anew */
			strlist_free(&st->tables[i].pending_ddl);
			strlist_free(&st->tables[i].pending);
		}
		sync_forget_removed(st, saved, extra);
		ok = sync_load_snapshot(st, snapshot, point, all, lsntext, extra);
		st->position = point;
	}
	if (!ok)
		sync_undo_start(st, slot_created, !saved->have_position);
	free(snapshot);
	free(all);
	return ok;
}

/*
 * A run that goes on from the position the warehouse holds: the slot must
 * still have the WAL since; tables that joined, came back or whose
 * partitions changed get snapshots of their own first.
 */
static bool
sync_resume(sync_state *st, const sync_saved *saved, const repl_slot_info *slot, strlist *extra)
{
	cmd_ctx    *c = st->c;
	bool		via_root_set[2];
	bool	   *gained;
	bool		changed;
	char		lsntext[32];

	if (!slot->exists || strcmp(slot->wal_status, "lost") == 0)
	{
		log_error("source: replication slot %s is %s, so changes since %s cannot be read; "
				  "start over with: wharf -c %s sync --resnapshot", c->j.slot,
				  slot->exists ? "lost (its WAL was removed)" : "missing",
				  pg_lsn_format(saved->position, lsntext), c->j.path);
		return false;
	}
	st->position = saved->position;
	gained = xcalloc((size_t) st->ntables + 1, sizeof(bool));
	if (!source_publications_sync(c->src, &c->j, c->tables, c->ntables,
								  &via_root_set[0], &via_root_set[1], gained))
	{
		free(gained);
		return false;
	}
	sync_forget_removed(st, saved, extra);
	/*
	 * A column the publication's column list held back (added at the source
	 * since, or no longer excluded): the stream never carried its values.
	 */
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];

		if (!gained[i] || t->is_new)
			continue;
		if (t->def.mode == MODE_APPEND || t->def.deletes == DELETES_SOFT)
			log_warn("table %s: its publication did not publish all of its columns that "
					 "exclude_columns keeps until now (a column added at the source since, or one "
					 "no longer excluded): changes from now on carry them, rows written before "
					 "hold NULL there; its history is kept (wharf -c %s sync --reload %s loads "
					 "it anew)", t->display, c->j.path, t->display);
		else
			sync_reload(t, "its publication did not publish all of its columns that "
						"exclude_columns keeps (a column added at the source since, or one no "
						"longer excluded)");
	}
	free(gained);
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].def.partitioned && !st->tables[i].is_new &&
			via_root_set[st->tables[i].def.mode == MODE_APPEND])
			sync_reload(&st->tables[i], "its publication published its changes as its "
						"partitions' until now (no publish_via_partition_root)");
	/* partitions attached, detached or truncated since: those tables load anew */
	return sync_check_partitions(st, extra, &changed) &&
		sync_snapshot_new_tables(st, extra) &&
		repl_connect(c->j.conninfo, &st->repl);
}

/*
 * Streams from the position to the end (or, following, until stopped).  A
 * table whose rows changed with nothing in the stream gets, with
 * everything read so far applied, a snapshot of its own (its changes before
 * the snapshot's point are skipped, those after applied), and the stream
 * starts over from the position.
 */
static bool
sync_run(sync_state *st)
{
	cmd_ctx    *c = st->c;
	/* wharf's two publications, or the one a DBA made */
	char	   *pubs[2] = {c->j.use_publication ? c->j.use_publication : c->j.publication,
	c->j.use_publication ? NULL : source_append_publication(&c->j)};
	char		lsntext[32];
	bool		ok = true;

	st->acked = st->batch_end = st->handed = st->applied = st->position;
	if (!st->follow && !source_current_wal_lsn(c->src, &st->target))
		ok = false;
	st->dec = pgoutput_decoder_create();
	st->partitions_checked = log_monotonic_now();
	while (ok)
	{
		/* from the stream's start on, the warehouse session belongs to the applier */
		ok = repl_start(st->repl, c->j.slot, st->position, (const char *const *) pubs,
						pubs[1] ? 2 : 1) &&
			sync_applier_start(st);
		if (!ok)
			break;
		if (st->reconnect_attempt > 0)
		{
			log_info("sync: reconnected after an outage of the %s (attempt %d, %.0f s after it began)",
					 outage_service_name(st->reconnect_service), st->reconnect_attempt,
					 log_monotonic_now() - st->reconnect_since);
			st->reconnect_attempt = 0;
		}
		log_info("streaming from %s%s%s", pg_lsn_format(st->position, lsntext),
				 st->follow ? "" : " to ", st->follow ? "" : pg_lsn_format(st->target, (char[32]) {0}));
		ok = sync_stream(st);
		sync_applier_stop(st);
		ok = ok && sync_apply_pending(st);
		if (!ok || !st->reload)
			break;
		st->reload = false;
		repl_stop(st->repl);
		repl_close(st->repl);
		st->repl = NULL;
		for (int i = 0; ok && i < st->ntables; i++)
			if (st->tables[i].is_new)
				ok = sync_table_refresh(st, i);
		wh_rollback(c->wh);
		ok = ok && sync_snapshot_new_tables(st, &st->record) &&
			repl_connect(c->j.conninfo, &st->repl);
		strlist_free(&st->record);
	}
	free(pubs[1]);
	return ok;
}

/*
 * What the run did to each table over its attempts (a --follow run starts
 * again after an outage), for its summary.
 */
typedef struct sync_table_total
{
	char	   *table;
	char	   *target;
	uint64_t	ops[SYNC_NOPS];
	bool		snapshotted;
	uint64_t	snapshot_rows;
	char	   *reason;
} sync_table_total;

typedef struct sync_totals
{
	sync_table_total *items;
	int			n;
	uint64_t	rows;
	int			batches;
} sync_totals;

/* Adds what attempt st committed to tt. */
static void
sync_totals_add(sync_totals *tt, sync_state *st)
{
	pthread_mutex_lock(&st->lock);
	tt->rows += st->total_rows;
	tt->batches += st->batches;
	for (int i = 0; i < st->ntables; i++)
	{
		sync_table *t = &st->tables[i];
		sync_table_total *e = NULL;

		for (int k = 0; k < tt->n && e == NULL; k++)
			if (strcmp(tt->items[k].table, t->display) == 0)
				e = &tt->items[k];
		if (e == NULL)
		{
			tt->items = xrealloc(tt->items, sizeof(sync_table_total) * (size_t) (tt->n + 1));
			e = &tt->items[tt->n++];
			memset(e, 0, sizeof(*e));
			e->table = xstrdup(t->display);
			e->target = table_target_display_name(&t->def);
		}
		for (int k = 0; k < SYNC_NOPS; k++)
			e->ops[k] += t->applied_ops[k];
		if (t->snapshotted)
		{
			e->snapshotted = true;
			e->snapshot_rows += t->snapshot_rows;
			free(e->reason);
			e->reason = t->load_reason ? xstrdup(t->load_reason) : NULL;
		}
	}
	pthread_mutex_unlock(&st->lock);
}

static void
sync_totals_free(sync_totals *tt)
{
	for (int i = 0; i < tt->n; i++)
	{
		free(tt->items[i].table);
		free(tt->items[i].target);
		free(tt->items[i].reason);
	}
	free(tt->items);
}

/*
 * What a run ends with: a line on stdout, and the run's summary (report.h):
 * per table its changes applied and whether, and why, it was loaded from a
 * snapshot; the position reached and the batches.
 */
static void
sync_report(const sync_totals *tt, const char *job_name, pg_lsn position,
			const cmd_options *o, bool ok)
{
	char		lsntext[32];
	buf		   *json = report_members();

	if (ok && !o->json)
		printf("synced job %s to %s: %llu change%s in %d batch%s\n", job_name,
			   pg_lsn_format(position, lsntext), (unsigned long long) tt->rows,
			   tt->rows == 1 ? "" : "s", tt->batches, tt->batches == 1 ? "" : "es");
	for (int i = 0; i < tt->n; i++)
	{
		const sync_table_total *t = &tt->items[i];
		buf		   *e = report_table(t->table, t->target);

		buf_printf(e, ", \"changes\": %llu, \"inserts\": %llu, \"updates\": %llu, "
				   "\"deletes\": %llu, \"truncates\": %llu",
				   (unsigned long long) (t->ops[SYNC_OP_INSERT] + t->ops[SYNC_OP_UPDATE] +
										 t->ops[SYNC_OP_DELETE] + t->ops[SYNC_OP_TRUNCATE]),
				   (unsigned long long) t->ops[SYNC_OP_INSERT],
				   (unsigned long long) t->ops[SYNC_OP_UPDATE],
				   (unsigned long long) t->ops[SYNC_OP_DELETE],
				   (unsigned long long) t->ops[SYNC_OP_TRUNCATE]);
		if (t->snapshotted)
		{
			buf_printf(e, ", \"snapshot\": {\"rows\": %llu, \"reason\": ",
					   (unsigned long long) t->snapshot_rows);
			buf_put_json_string(e, t->reason);
			buf_putc(e, '}');
		}
		else
			buf_puts(e, ", \"snapshot\": null");
	}
	buf_puts(json, ", \"position\": ");
	buf_put_json_string(json, position ? pg_lsn_format(position, lsntext) : NULL);
	buf_printf(json, ", \"batches\": %d, \"changes\": %llu, \"follow\": %s", tt->batches,
			   (unsigned long long) tt->rows, o->follow ? "true" : "false");
}

/* Everything before the slot: the job, its tables, the state it left. */
static int
sync_open(const cmd_options *o, cmd_ctx *c, sync_state *st, sync_saved *saved, strlist *extra)
{
	int			rc = ctx_job(o, c);

	if (rc == EXIT_OK)
		rc = ctx_source(c);
	if (rc == EXIT_OK)
		rc = ctx_keep_tables(c, false);
	if (rc == EXIT_OK)
		rc = ctx_check_tables(c);
	if (rc == EXIT_OK)
		rc = ctx_stage(c, true);
	if (rc == EXIT_OK)
		rc = ctx_warehouse(c, "sync");
	if (rc == EXIT_OK)
		rc = ctx_probe_warehouse(c);
	if (rc != EXIT_OK)
		return rc;
	if (!source_wal_level_logical(c->src) || !source_lock_job(c->src, &c->j) ||
		!sync_tables_init(st))
		return EXIT_RUNTIME;
	/* the lock makes the stage's transient folder ours (stage.h) */
	stage_remove_orphans(&c->st);
	c->st.transient = !c->j.keep;
	if (!sync_readd_names_valid(st, o))
		return EXIT_USAGE;
	/* before anything is created: tables added back whose history would go */
	if (!sync_read_state(st, saved) ||
		(saved->have_position && !o->resnapshot &&
		 !sync_check_readded(st, o, saved->position, extra)) ||
		!sync_tables_reconcile(st))
		return EXIT_RUNTIME;
	return EXIT_OK;
}

/*
 * One run, from the job file to the end of the stream (with --follow, until
 * stopped or until something fails), on connections of its own; c and st
 * are left for the caller to report from and release.  *outage says what a
 * failure lost, if it was an outage; *started that the run got past its
 * start (the slot found or made, the snapshots it owed loaded and
 * committed), so that --resnapshot, --continue and --reload are done.
 */
static int
sync_attempt(const cmd_options *o, cmd_ctx *c, sync_state *st, outage_service *outage,
			 bool *started)
{
	sync_saved	saved = {0};
	repl_slot_info slot;
	strlist		extra = {0};
	int			rc;
	bool		ok;

	outage_reset();
	rc = sync_open(o, c, st, &saved, &extra);
	ok = rc == EXIT_OK && sync_find_slot(st, &slot);
	if (ok)
	{
		sync_catch_signals();
		ok = (o->resnapshot || !saved.have_position) ?
			sync_start_over(st, &saved, &slot, o->resnapshot, &extra) :
			sync_resume(st, &saved, &slot, &extra);
		*started |= ok;
		ok = ok && sync_run(st);
	}
	rc = ok ? EXIT_OK : rc != EXIT_OK ? rc : EXIT_RUNTIME;
	if (!ok)
	{
		/* a source connection that broke under a statement says so only here */
		(void) source_failure_outage(c->src, NULL);
		if (st->repl)
			(void) source_failure_outage(repl_pgconn(st->repl), NULL);
	}
	*outage = rc == EXIT_RUNTIME ? outage_first() : OUTAGE_NONE;
	strlist_free(&extra);
	load_state_free(&saved.state);
	return rc;
}

/* Everything a run holds: its state, connections, stage and job. */
static void
sync_release(cmd_ctx *c, sync_state *st)
{
	sync_state_free(st);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cond);
	ctx_close(c);
}

/* Sleeps up to seconds, less when a signal asks the run to stop. */
static void
sync_wait(int seconds)
{
	for (int i = 0; i < seconds * 10 && !sync_stop_requested; i++)
	{
		struct timespec ts = {0, 100 * 1000 * 1000};

		nanosleep(&ts, NULL);
	}
}

/*
 * Whether to try again after an attempt that failed on an outage of
 * service (sync --follow): says what was lost, the attempt and the wait,
 * and waits; false, with an error, once the outage has lasted retry_for.
 * An attempt that made progress ended the outage before: this is a new one.
 */
static bool
sync_ride_out(sync_outage *out, outage_service service, bool progressed)
{
	double		now = log_monotonic_now();
	double		elapsed;
	int			wait = 1;

	if (out->retry_for == 0)
		return false;			/* riding out is off: the error stands */
	if (out->service == OUTAGE_NONE || progressed)
	{
		out->service = service;
		out->since = now;
		out->attempts = 0;
	}
	elapsed = now - out->since;
	if (elapsed >= out->retry_for)
	{
		log_error("sync: the %s has been out for %.0f s, past retry_for = %d s, after %d attempt%s "
				  "to reconnect: giving up (the next run streams from the position the warehouse "
				  "holds)", outage_service_name(out->service), elapsed, out->retry_for,
				  out->attempts, out->attempts == 1 ? "" : "s");
		return false;
	}
	for (int i = 0; i < out->attempts && wait < out->retry_max_wait; i++)
		wait *= 2;
	if (wait > out->retry_max_wait)
		wait = out->retry_max_wait;
	/* the last attempt at the end of the budget */
	if (wait > out->retry_for - elapsed)
		wait = (int) (out->retry_for - elapsed) + 1;
	out->attempts++;
	if (out->attempts == 1)
		log_warn("sync: lost the %s: changes the warehouse has not committed are read again "
				 "from its position; reconnecting in %d s (attempt %d, giving up %d s after the "
				 "loss)", outage_service_name(service), wait, out->attempts, out->retry_for);
	else
		log_warn("sync: the %s is still out (%.0f s into the outage%s%s); reconnecting in %d s "
				 "(attempt %d, %.0f s left of retry_for)", outage_service_name(out->service),
				 elapsed, service != out->service ? ", this time the " : "",
				 service != out->service ? outage_service_name(service) : "", wait,
				 out->attempts, out->retry_for - elapsed);
	sync_wait(wait);
	return !sync_stop_requested;
}

int
cmd_sync(const cmd_options *o)
{
	cmd_ctx		c;
	sync_state	st = {0};
	sync_outage outage = {0};
	cmd_options run = *o;
	bool		started = false;
	sync_totals totals = {0};
	int			rc;

	for (;;)
	{
		outage_service lost;
		bool		progressed;

		memset(&st, 0, sizeof(st));
		pthread_mutex_init(&st.lock, NULL);
		pthread_cond_init(&st.cond, NULL);
		st.c = &c;
		st.follow = o->follow;
		st.reconnect_service = outage.service;
		st.reconnect_since = outage.since;
		st.reconnect_attempt = outage.attempts;
		rc = sync_attempt(&run, &c, &st, &lost, &started);
		sync_totals_add(&totals, &st);
		progressed = st.progressed;
		if (rc == EXIT_OK || lost == OUTAGE_NONE || !o->follow || sync_stop_requested)
			break;
		/* once done, what the options asked for is not done again */
		if (started)
		{
			run.resnapshot = false;
			run.ncontinue = 0;
			run.nreload = 0;
		}
		/* the job's keys outlive the run's context */
		outage.retry_for = c.j.retry_for;
		outage.retry_max_wait = c.j.retry_max_wait;
		sync_release(&c, &st);
		sync_catch_signals();
		if (!sync_ride_out(&outage, lost, progressed))
		{
			if (sync_stop_requested)
				log_error("sync: stopped while the %s was out (the next run streams from the "
						  "position the warehouse holds)", outage_service_name(outage.service));
			sync_report(&totals, NULL, 0, o, false);
			sync_totals_free(&totals);
			return EXIT_RUNTIME;
		}
	}
	if (rc == EXIT_OK)
		log_progress_done();
	sync_report(&totals, c.j.name, st.position, o, rc == EXIT_OK);
	sync_totals_free(&totals);
	sync_release(&c, &st);
	return rc;
}
