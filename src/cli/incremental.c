/*
 * incremental.c
 *    wharf incremental: loads the job's mode = incremental tables, each
 *    with the rows changed since its last load (incremental.h), and a full
 *    load the first time.
 *
 * The order of one load:
 *   1. the marks the last load left, from the warehouse's state table;
 *   2. one exported snapshot on the source; under it, each table's new
 *      mark (its largest cursor value, or the snapshot itself in xmin mode),
 *      then the readers stage the rows past the old marks and, for the
 *      tables due for reconciliation, every key the source holds;
 *   3. ONE warehouse transaction: each table's deletes (keys the source
 *      lacks), its rows merged by key, its state row and its new mark.
 * A kill anywhere before the commit leaves the old marks and rows, so the
 * next run reads the same rows again, and more: nothing is lost, and the
 * merge by key doubles nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ctx.h"
#include "extract.h"
#include "incremental.h"
#include "load.h"
#include "log.h"
#include "pipes.h"
#include "report.h"
#include "source.h"

/* One incremental table's load, parallel to the context's tables. */
typedef struct incr_table
{
	load_mark	old;			/* as the last load left it */
	char	   *mark;			/* the mark this load records */
	char	   *where;			/* its rows: those this holds for (NULL: all) */
	bool		changed;		/* rows since the old mark, merged */
	bool		reconcile;		/* the source's keys staged, deletes found */
	bool		target_empty;
	table_def	keys;			/* reconcile: the key columns alone */
	col_render *key_renders;
	stage_result staged;
	stage_result keys_staged;
} incr_table;

/*
 * Under the exported snapshot on c->src: each table's new mark, and what
 * its load reads (the rows past its old mark, or all of them).
 */
static bool
incr_bound(cmd_ctx *c, incr_table *it)
{
	char	   *snapshot = NULL;
	bool		ok = source_incr_snapshot(c->src, &snapshot);

	for (int i = 0; ok && i < c->ntables; i++)
	{
		table_def  *t = &c->tables[i];
		bool		full = true;

		ok = source_incr_high_water(c->src, t, &it[i].mark);
		if (ok && it[i].old.mark != NULL && !it[i].target_empty)
			ok = source_incr_where(c->src, t, it[i].old.mark, snapshot, &it[i].where, &full);
		if (!ok)
			break;
		it[i].changed = !full;
		t->read_where = it[i].where;
		/* a full load mirrors the source: deletes included */
		it[i].reconcile = incr_reconciles(t, it[i].changed, it[i].old.loads);
		if (it[i].reconcile)
			table_def_keys(t, c->renders[i], &it[i].keys, &it[i].key_renders);
	}
	free(snapshot);
	return ok;
}

/* Stages every table's rows, and the keys of those reconciled, from one snapshot. */
static bool
incr_stage(cmd_ctx *c, incr_table *it, const char *load_id)
{
	char	   *snapshot_name = NULL;
	stage_result *results = xcalloc((size_t) c->ntables, sizeof(stage_result));
	table_def  *keys = xcalloc((size_t) c->ntables, sizeof(table_def));
	col_render **key_renders = xcalloc((size_t) c->ntables, sizeof(col_render *));
	int		   *key_of = xcalloc((size_t) c->ntables, sizeof(int));
	int			nkeys = 0;
	bool		ok;

	ok = snapshot_export(c->src, &snapshot_name) && incr_bound(c, it);
	if (ok)
		ctx_fail_point("incremental-bounded");
	if (ok)
		ok = extract_tables(&c->j, &c->st, snapshot_name, load_id, c->tables, c->renders,
							c->ntables, c->j.parallel, results, NULL);
	for (int i = 0; ok && i < c->ntables; i++)
	{
		it[i].staged = results[i];
		if (it[i].reconcile)
		{
			keys[nkeys] = it[i].keys;
			key_renders[nkeys] = it[i].key_renders;
			key_of[nkeys++] = i;
		}
	}
	if (ok && nkeys > 0)
	{
		/* the keys in a load of their own: their folders must not meet the rows' */
		char	   *keys_id = xasprintf("%s-keys", load_id);
		stage_result *kr = xcalloc((size_t) nkeys, sizeof(stage_result));

		ok = extract_tables(&c->j, &c->st, snapshot_name, keys_id, keys, key_renders, nkeys,
							c->j.parallel, kr, NULL);
		for (int k = 0; ok && k < nkeys; k++)
			it[key_of[k]].keys_staged = kr[k];
		if (!ok)
			for (int i = 0; i < c->ntables; i++)
			{
				stage_remove(&c->st, &it[i].staged);
				stage_result_free(&it[i].staged);
			}
		free(kr);
		free(keys_id);
	}
	free(snapshot_name);
	/* the exporting transaction only had to live while readers attached */
	source_exec(c->src, "COMMIT", "ending the snapshot transaction");
	free(results);
	free(keys);
	free(key_renders);
	free(key_of);
	return ok;
}

/* Removes what the load staged (unless keep = true). */
static void
incr_unstage(cmd_ctx *c, incr_table *it)
{
	for (int i = 0; i < c->ntables; i++)
	{
		if (!c->j.keep)
		{
			if (it[i].staged.folder)
				stage_remove(&c->st, &it[i].staged);
			if (it[i].keys_staged.folder)
				stage_remove(&c->st, &it[i].keys_staged);
		}
	}
}

/* The load's one transaction: deletes, rows, state rows and marks. */
static bool
incr_load(cmd_ctx *c, incr_table *it, const char *load_id)
{
	load_table *lts = xcalloc((size_t) c->ntables, sizeof(load_table));
	load_span  *spans = xcalloc((size_t) c->ntables, sizeof(load_span));
	strlist		script = {0};
	int			nddl = 0;
	bool		ok;

	for (int i = 0; i < c->ntables; i++)
	{
		lts[i].t = &c->tables[i];
		lts[i].staged = &it[i].staged;
		lts[i].target_empty = it[i].target_empty;
		lts[i].changed = it[i].changed;
		lts[i].keys_def = it[i].reconcile ? &it[i].keys : NULL;
		lts[i].keys_staged = it[i].reconcile ? &it[i].keys_staged : NULL;
		lts[i].mark = it[i].mark;
		lts[i].mark_loads = it[i].changed && !it[i].reconcile ? it[i].old.loads + 1 : 0;
		lts[i].span = &spans[i];
	}
	ok = load_script(c->d, &c->j, &c->st, LOAD_SNAPSHOT, load_id, NULL, lts, c->ntables,
					 &script, &nddl) &&
		load_run_tables(c->wh, &script, nddl, lts, c->ntables);
	if (ok)
		ctx_fail_point("incremental-loaded");
	if (ok && cmd_interrupted)
	{
		wh_rollback(c->wh);
		ok = false;
	}
	ok = ok && wh_commit(c->wh);
	strlist_free(&script);
	free(lts);
	free(spans);
	return ok;
}

/* The summary: a line (or a JSON object) per table. */
static void
incr_report(const cmd_ctx *c, const incr_table *it, bool json)
{
	for (int i = 0; i < c->ntables; i++)
	{
		const table_def *t = &c->tables[i];
		char	   *name = table_display_name(t);
		char	   *target = table_target_display_name(t);
		buf		   *o = report_table(name, target);
		bool		xmin = strcmp(t->cursor, INCR_XMIN) == 0;

		buf_printf(o, ", \"load\": \"%s\", \"cursor\": ", it[i].changed ? "incremental" : "full");
		buf_put_json_string(o, t->cursor);
		buf_printf(o, ", \"rows\": %llu, \"previous_mark\": ",
				   (unsigned long long) it[i].staged.rows);
		buf_put_json_string(o, it[i].old.mark);
		buf_puts(o, ", \"mark\": ");
		buf_put_json_string(o, it[i].mark);
		if (it[i].reconcile)
			buf_printf(o, ", \"reconciled_keys\": %llu",
					   (unsigned long long) it[i].keys_staged.rows);
		else
			buf_puts(o, ", \"reconciled_keys\": null");
		if (!json)
		{
			if (it[i].changed && it[i].reconcile)
				printf("loaded %s into %s: %llu rows changed since %s, deletes reconciled "
					   "against %llu keys\n", name, target,
					   (unsigned long long) it[i].staged.rows,
					   xmin ? "the last load's snapshot" : it[i].old.mark,
					   (unsigned long long) it[i].keys_staged.rows);
			else if (it[i].changed)
				printf("loaded %s into %s: %llu rows changed since %s\n", name, target,
					   (unsigned long long) it[i].staged.rows,
					   xmin ? "the last load's snapshot" : it[i].old.mark);
			else
				printf("loaded %s into %s: %llu rows (a full load)\n", name, target,
					   (unsigned long long) it[i].staged.rows);
		}
		free(name);
		free(target);
	}
}

int
cmd_incremental(const cmd_options *o)
{
	cmd_ctx		c;
	int			rc = ctx_job(o, &c);
	incr_table *it = NULL;
	char	   *load_id = NULL;
	bool		staged = false;

	if (rc == EXIT_OK)
		rc = ctx_source(&c);
	if (rc == EXIT_OK)
		rc = ctx_keep_tables(&c, true);
	for (int i = 0; rc == EXIT_OK && i < c.ntables; i++)
		if (!source_incr_check(c.src, &c.tables[i]))
			rc = EXIT_RUNTIME;	/* as for a key the catalog lacks */
	if (rc == EXIT_OK)
		rc = ctx_stage(&c, true);
	if (rc == EXIT_OK)
		rc = ctx_warehouse(&c, "incremental");
	if (rc == EXIT_OK)
		rc = ctx_probe_warehouse(&c);
	/* the lock makes the stage's transient folder ours (stage.h) */
	if (rc == EXIT_OK && !source_lock_job(c.src, &c.j))
		rc = EXIT_RUNTIME;
	if (rc != EXIT_OK)
		goto done;
	stage_remove_orphans(&c.st);
	c.st.transient = !c.j.keep;
	c.st.stop = &cmd_interrupted;
	cmd_catch_interrupts();

	it = xcalloc((size_t) c.ntables, sizeof(incr_table));
	{
		load_mark  *marks = xcalloc((size_t) c.ntables, sizeof(load_mark));

		if (!load_read_marks(c.wh, c.d, &c.j, c.tables, c.ntables, marks))
			rc = EXIT_RUNTIME;
		for (int i = 0; i < c.ntables; i++)
			it[i].old = marks[i];
		free(marks);
	}
	for (int i = 0; rc == EXIT_OK && i < c.ntables; i++)
		if (!load_target_empty(c.wh, c.d, &c.tables[i], &it[i].target_empty))
			rc = EXIT_RUNTIME;
	wh_rollback(c.wh);
	if (rc != EXIT_OK)
		goto done;

	load_id = stage_new_load_id();
	if (!incr_stage(&c, it, load_id))
	{
		rc = EXIT_RUNTIME;
		goto done;
	}
	staged = true;
	ctx_fail_point("incremental-staged");
	if (cmd_interrupted || !incr_load(&c, it, load_id))
		rc = EXIT_RUNTIME;
	if (rc == EXIT_OK)
	{
		for (int i = 0; i < c.ntables; i++)
		{
			pipes_load	pl = {.snapshot = !it[i].changed, .count = it[i].staged.rows,
			.load_id = load_id};

			pipes_materialization(&c.tables[i], &pl);
		}
		incr_report(&c, it, o->json);
	}

done:
	if (cmd_interrupted)
		log_warn("incremental: interrupted by %s: %s", cmd_interrupted == SIGINT ? "SIGINT" :
				 "SIGTERM", rc == EXIT_OK ? "the load had committed" :
				 "the load was rolled back, and what it staged is removed");
	if (load_id)
	{
		buf_puts(report_members(), ", \"load_id\": ");
		buf_put_json_string(report_members(), load_id);
	}
	if (it)
	{
		if (staged)
			incr_unstage(&c, it);
		for (int i = 0; i < c.ntables; i++)
		{
			load_marks_free(&it[i].old, 1);
			free(it[i].mark);
			free(it[i].where);
			c.tables[i].read_where = NULL;
			if (it[i].keys.name)
				table_def_free(&it[i].keys);
			free(it[i].key_renders);
			stage_result_free(&it[i].staged);
			stage_result_free(&it[i].keys_staged);
		}
		free(it);
	}
	free(load_id);
	ctx_close(&c);
	return rc;
}
