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
 * Decoding is pgoutput.c's, the stream replication.c's, the SQL the
 * dialects'; the rest of src/sync/ is the batch (see sync_int.h).
 */
#include "sync_int.h"

volatile int sync_stop_requested;

static void
sync_on_signal(int signo)
{
	(void) signo;
	sync_stop_requested = 1;
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
			return false;
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
								  &via_root_set[0], &via_root_set[1]))
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
	if (!source_publications_sync(c->src, &c->j, c->tables, c->ntables,
								  &via_root_set[0], &via_root_set[1]))
		return false;
	sync_forget_removed(st, saved, extra);
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
	st->partitions_checked = sync_now();
	while (ok)
	{
		/* from the stream's start on, the warehouse session belongs to the applier */
		ok = repl_start(st->repl, c->j.slot, st->position, (const char *const *) pubs,
						pubs[1] ? 2 : 1) &&
			sync_applier_start(st);
		if (!ok)
			break;
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

/* What a run ends with on stdout: a line, or with --json one object. */
static void
sync_report(const sync_state *st, const cmd_options *o, bool ok, int rc)
{
	char		lsntext[32];
	buf			json = BUF_INIT;

	if (!o->json)
	{
		if (ok)
			printf("synced job %s to %s: %llu changes in %d batch%s\n", st->c->j.name,
				   pg_lsn_format(st->position, lsntext), (unsigned long long) st->total_rows,
				   st->batches, st->batches == 1 ? "" : "es");
		return;
	}
	if (!ok)
	{
		printf("{\"command\": \"sync\", \"ok\": false, \"exit\": %d}\n", rc);
		return;
	}
	buf_puts(&json, "{\"command\": \"sync\", \"ok\": true, \"job\": ");
	buf_put_json_string(&json, st->c->j.name);
	buf_printf(&json, ", \"position\": \"%s\", \"batches\": %d, \"changes\": %llu}",
			   pg_lsn_format(st->position, lsntext), st->batches,
			   (unsigned long long) st->total_rows);
	printf("%s\n", json.data);
	buf_free(&json);
}

/* Everything before the slot: the job, its tables, the state it left. */
static int
sync_open(const cmd_options *o, cmd_ctx *c, sync_state *st, sync_saved *saved, strlist *extra)
{
	int			rc = ctx_job(o, c);

	if (rc == EXIT_OK)
		rc = ctx_source(c);
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

int
cmd_sync(const cmd_options *o)
{
	cmd_ctx		c;
	sync_state	st = {0};
	sync_saved	saved = {0};
	repl_slot_info slot;
	strlist		extra = {0};
	struct sigaction sa = {0};
	int			rc;
	bool		ok;

	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.cond, NULL);
	st.c = &c;
	st.follow = o->follow;
	rc = sync_open(o, &c, &st, &saved, &extra);
	ok = rc == EXIT_OK && sync_find_slot(&st, &slot);
	if (ok)
	{
		sa.sa_handler = sync_on_signal;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		ok = (o->resnapshot || !saved.have_position) ?
			sync_start_over(&st, &saved, &slot, o->resnapshot, &extra) :
			sync_resume(&st, &saved, &slot, &extra);
		ok = ok && sync_run(&st);
	}
	if (ok)
		log_progress_done();
	rc = ok ? EXIT_OK : rc != EXIT_OK ? rc : EXIT_RUNTIME;
	sync_report(&st, o, ok, rc);
	strlist_free(&extra);
	wh_result_free(&saved.rows);
	sync_state_free(&st);
	pthread_mutex_destroy(&st.lock);
	pthread_cond_destroy(&st.cond);
	ctx_close(&c);
	return rc;
}
