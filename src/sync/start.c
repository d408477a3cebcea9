/*
 * start.c
 *    What a run starts from: the job's tables, its state rows (position,
 *    tables, partitions and columns), tables that left the job or came
 *    back, and the snapshots that load tables the stream cannot give.
 */
#include "sync_int.h"

sync_table *
sync_table_by_name(sync_state *st, const char *schema, const char *name)
{
	for (int i = 0; i < st->ntables; i++)
		if (strcmp(st->tables[i].def.schema, schema) == 0 &&
			strcmp(st->tables[i].def.name, name) == 0)
			return &st->tables[i];
	return NULL;
}

sync_table *
sync_table_by_relid(sync_state *st, uint32_t relid)
{
	for (int i = 0; i < st->ntables; i++)
		if (st->tables[i].relid == relid)
			return &st->tables[i];
	return NULL;
}

bool
sync_read_state(sync_state *st, sync_saved *saved)
{
	cmd_ctx    *c = st->c;

	memset(saved, 0, sizeof(*saved));
	/* a missing state table means no position yet (a load creates it) */
	if (!load_state_read(c->wh, c->d, &c->j, &saved->state))
		return false;			/* errors have already been logged */
	for (int r = 0; r < saved->state.n; r++)
	{
		const load_state_row *row = &saved->state.rows[r];
		const char *source = row->source_table;

		if (strcmp(source, LOAD_POSITION_ROW) == 0)
		{
			if (row->lsn == NULL || !pg_lsn_parse(row->lsn, &saved->position))
				return false;
			saved->have_position = true;
			continue;
		}
		if (strcmp(row->kind, LOAD_COLUMN_KIND) == 0)
		{
			for (int i = 0; i < st->ntables; i++)
			{
				sync_table *t = &st->tables[i];
				int			attnum;

				if (!load_column_row_parse(&t->def, source, &attnum) || row->target_table[0] == '\0')
					continue;
				sync_table_recorded(t, attnum, row->target_table);
			}
			continue;
		}
		if (strcmp(row->kind, LOAD_PARTITION_KIND) == 0)
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

			if (strcmp(name, source) == 0 && strcmp(row->kind, "removed") != 0 && row->lsn != NULL)
			{
				st->tables[i].is_new = false;
				if (!pg_lsn_parse(row->lsn, &st->tables[i].from_lsn))
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

/*
 * Whether the saved table named source is a table of mode = incremental
 * (it has a mark row): `wharf incremental` keeps it, not sync.
 */
static bool
sync_saved_incremental(const sync_saved *saved, const char *source)
{
	for (int r = 0; r < saved->state.n; r++)
	{
		const load_state_row *row = &saved->state.rows[r];
		char	   *table = NULL;
		bool		same;

		if (strcmp(row->kind, LOAD_MARK_KIND) != 0 ||
			!load_mark_row_parse(row->source_table, &table))
			continue;
		same = strcmp(table, source) == 0;
		free(table);
		if (same)
			return true;
	}
	return false;
}

void
sync_forget_removed(sync_state *st, const sync_saved *saved, strlist *script)
{
	cmd_ctx    *c = st->c;

	for (int r = 0; r < saved->state.n; r++)
	{
		const load_state_row *saved_row = &saved->state.rows[r];
		const char *source = saved_row->source_table;
		bool		in_job = false;
		sink_state_row row;

		if (strcmp(source, LOAD_POSITION_ROW) == 0 || strcmp(saved_row->kind, "removed") == 0 ||
			load_state_row_is_detail(saved_row) || strcmp(saved_row->kind, LOAD_MARK_KIND) == 0)
			continue;
		for (int i = 0; i < st->ntables && !in_job; i++)
		{
			char	   *name = table_display_name(&st->tables[i].def);

			in_job = strcmp(name, source) == 0;
			free(name);
		}
		/* only for a table that left the job: a scan of the saved rows */
		if (in_job || sync_saved_incremental(saved, source))
			continue;
		log_info("table %s left the job: no longer applied, its warehouse table stays", source);
		row.job = c->j.name;
		row.source_table = source;
		row.target_table = saved_row->target_table;
		row.kind = "removed";
		row.lsn = NULL;
		row.rows = 0;
		row.load_id = NULL;
		sink_state_record(c->d, script, job_state_schema(&c->j), c->j.state_table, &row);
		/* a partitioned table's partition rows: loaded anew if it comes back */
		load_forget_partitions_script(c->d, &c->j, source, script);
		load_forget_columns_script(c->d, &c->j, source, script);
	}
}

/*
 * Loads the given tables from snapshot_name in one warehouse transaction,
 * their state rows at lsn; position (if not NULL) is recorded with them.
 */
bool
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
	load_span  *spans;
	strlist		script = {0};
	int			nddl = 0;
	char		lsntext[32];
	char	   *load_id = stage_new_load_id();
	double		started = log_monotonic_now();
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
	spans = xcalloc((size_t) (n ? n : 1), sizeof(load_span));
	/* SIGINT or SIGTERM drops the snapshot's load (the stream finishes its batch instead) */
	c->st.stop = &sync_stop_requested;
	ok = extract_tables(&c->j, &c->st, snapshot_name, load_id, defs, renders, n,
						c->j.parallel, results, partitions);
	c->st.stop = NULL;
	if (ok)
		ctx_fail_point("snapshot-staged");
	if (!ok && sync_stop_requested)
		log_warn("sync: interrupted by %s while reading a snapshot: nothing of it is loaded, and "
				 "what it had staged is removed; the next sync takes it again",
				 sync_stop_requested == SIGINT ? "SIGINT" : "SIGTERM");
	if (ok)
	{
		for (int i = 0; i < n; i++)
		{
			lts[i].t = &defs[i];
			lts[i].span = &spans[i];
			lts[i].staged = &results[i];
			lts[i].partitions = &partitions[i];
			/* schema changes seen since its warehouse table was made come first */
			lts[i].pre_ddl = &st->tables[index[i]].pending_ddl;
			lts[i].pre = &st->tables[index[i]].pending;
			ok = ok && load_target_empty(c->wh, c->d, &defs[i], &lts[i].target_empty);
		}
		pg_lsn_format(lsn, lsntext);
		ok = ok && load_script(c->d, &c->j, &c->st, LOAD_SNAPSHOT, load_id, lsntext, lts, n, &script,
						 &nddl);
		for (int i = 0; ok && i < n; i++)
			load_columns_script(c->d, &c->j, &st->tables[index[i]].def, lsntext, &script);
		if (ok && position)
			load_position_script(c->d, &c->j, load_id, position, &script);
		if (ok && extra)
			for (int i = 0; i < extra->n; i++)
				strlist_add(&script, extra->items[i]);
		if (ok)
			ok = load_run_tables(c->wh, &script, nddl, lts, n) && wh_commit(c->wh);
		for (int i = 0; i < n; i++)
		{
			sync_table *t = &st->tables[index[i]];

			if (ok)
			{
				pipes_load	pl = {
					.snapshot = true,
					.count = results[i].rows,
					.load_id = load_id,
					.lsn = lsntext,
					.lag_s = -1,
					.duration_s = log_monotonic_now() - started,
				};

				log_info("loaded %s from the snapshot at %s: %llu rows", t->display,
						 lsntext, (unsigned long long) results[i].rows);
				t->snapshotted = true;
				t->snapshot_rows += results[i].rows;
				pipes_materialization(&defs[i], &pl);
				/* what the warehouse now records of its partitions */
				table_partitions_free(&t->recorded);
				t->recorded = partitions[i];
				memset(&partitions[i], 0, sizeof(partitions[i]));
				strlist_free(&t->pending_ddl);
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
	free(spans);
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

bool
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
bool
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
		bool		empty = true;
		bool		history = t->def.mode == MODE_APPEND || t->def.deletes == DELETES_SOFT;

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
		if (!t->is_new)
		{
			/*
			 * A table that streams, named by --reload: replaced from a
			 * snapshot of its own, its changes before it skipped (the way out
			 * of a change whose value the warehouse cannot hold, once the
			 * source holds another).
			 */
			if (reload)
				sync_reload(t, "--reload names it");
			continue;
		}
		sync_set_load_reason(t, reload ? "--reload names it" : "it joined the job");
		if (c->j.tables[i].pattern >= 0)
			log_info("%s: new table matching %s, joining the job", t->display,
					 c->j.patterns[c->j.tables[i].pattern].text);
		if (keep && reload)
		{
			log_error("sync: table %s: --continue and --reload both name it: choose one", t->display);
			ok = false;
			break;
		}
		/* does the warehouse table exist, and hold a row? */
		ok = load_target_empty(c->wh, c->d, &t->def, &empty);
		if (ok && !empty)
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
	}
	wh_rollback(c->wh);
	return ok && !refused;
}

/*
 * Tables the warehouse does not have yet, added to a job that already
 * streams: a temporary slot gives a snapshot and the point from which the
 * stream carries their changes.
 */
bool
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

void
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
		free(t->load_reason);
		free(t->renders);
		free(t->colsrc);
		free(t->reltype);
		free(t->reltypmod);
		for (int k = 0; k < t->nrec; k++)
			free(t->rec_name[k]);
		free(t->rec_name);
		free(t->rec_attnum);
		free(t->job_key);
		strlist_free(&t->pending_ddl);
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

bool
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
		sync_set_load_reason(t, "the job's first sync");
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
