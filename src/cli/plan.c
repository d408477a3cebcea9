/*
 * plan.c
 *    wharf plan: prints exactly what a snapshot load, a change batch and an
 *    incremental load would run, secrets masked; creates nothing.
 */
#include "commands.h"
#include "cmd_ctx.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extract.h"
#include "incremental.h"
#include "job.h"
#include "load.h"
#include "log.h"
#include "pipes.h"
#include "sink.h"
#include "source.h"
#include "stage.h"
#include "replication.h"
#include "report.h"
#include "upload.h"
#include "warehouse.h"

/*
 * The statements one change batch of `wharf sync` runs when every table
 * has a few changes, one segment each, bundled (load.h): staging, COPY of
 * the bundles, each table's apply (its MERGE or DELETE + INSERT, resolving
 * unchanged values), the state rows and the position, with placeholders
 * for the files and the position.
 */
static bool
plan_changes(const cmd_ctx *c, strlist *script, int *nddl)
{
	int			n = c->ntables ? c->ntables : 1;
	load_segment *segs = xcalloc((size_t) n, sizeof(load_segment));
	load_table_state *touched = xcalloc((size_t) n, sizeof(load_table_state));
	table_def  *defs = xcalloc((size_t) n, sizeof(table_def));
	load_bundle *bundles = xcalloc((size_t) n, sizeof(load_bundle));
	int			nbundles = 0;
	bool		ok;

	for (int i = 0; i < c->ntables; i++)
	{
		segs[i].t = &c->tables[i];
		segs[i].has_unchanged = c->tables[i].mode == MODE_MERGE;
		touched[i].t = &c->tables[i];
		if (nbundles == 0 ||
			!load_bundle_add(&defs[nbundles - 1], &c->tables[i], &segs[i].bundle_first))
		{
			load_bundle_init(&defs[nbundles], &c->tables[i], nbundles + 1);
			bundles[nbundles].t = &defs[nbundles];
			nbundles++;
			load_bundle_add(&defs[nbundles - 1], &c->tables[i], &segs[i].bundle_first);
		}
		segs[i].bundle = nbundles;
	}
	ok = load_changes_script(c->d, &c->j, &c->st, "<batch_id>", "<lsn>", bundles, nbundles,
							 segs, c->ntables, touched, c->ntables, script, nddl);
	for (int i = 0; i < nbundles; i++)
		table_def_free(&defs[i]);
	free(defs);
	free(bundles);
	free(segs);
	free(touched);
	return ok;
}

/*
 * What `wharf incremental` would run now for the job's mode = incremental
 * tables: each table's source query, bounded by the mark the warehouse
 * holds (read when [warehouse] odbc is set; a table without one gets a full
 * load, as it would), into queries; the load's statements into script,
 * reconciling the deletes of the tables whose turn it is (incr_reconciles,
 * the load's own rule).  Nothing when the job has no such table.
 */
static int
plan_incremental(cmd_ctx *c, strlist *queries, strlist *script, int *nddl)
{
	int			n = c->ntables;
	load_mark  *marks = xcalloc((size_t) (n ? n : 1), sizeof(load_mark));
	load_table *lts = xcalloc((size_t) (n ? n : 1), sizeof(load_table));
	table_def  *keys = xcalloc((size_t) (n ? n : 1), sizeof(table_def));
	char	  **wheres = xcalloc((size_t) (n ? n : 1), sizeof(char *));
	char	   *snapshot = NULL;
	int			nincr = 0;
	int			rc = EXIT_OK;

	for (int i = 0; i < n; i++)
		nincr += c->tables[i].cursor != NULL;
	if (nincr == 0)
		goto done;
	if (c->j.odbc != NULL)
	{
		rc = ctx_warehouse(c, "plan");
		if (rc == EXIT_OK && !load_read_marks(c->wh, c->d, &c->j, c->tables, n, marks))
			rc = EXIT_RUNTIME;
		if (c->wh)
			wh_rollback(c->wh);
	}
	if (rc == EXIT_OK && !source_incr_snapshot(c->src, &snapshot))
		rc = EXIT_RUNTIME;
	nincr = 0;
	for (int i = 0; rc == EXIT_OK && i < n; i++)
	{
		table_def  *t = &c->tables[i];
		bool		full = true;
		buf			sql = BUF_INIT;

		if (t->cursor == NULL)
			continue;
		if (marks[i].mark != NULL &&
			!source_incr_where(c->src, t, marks[i].mark, snapshot, &wheres[i], &full))
			rc = EXIT_RUNTIME;
		t->read_where = wheres[i];
		if (rc == EXIT_OK && !snapshot_read_sql(c->src, t, c->renders[i], &sql))
			rc = EXIT_RUNTIME;
		strlist_push(queries, buf_detach(&sql));
		lts[nincr].t = t;
		lts[nincr].changed = !full;
		lts[nincr].mark = "<mark>";
		/* the load's own rule: the next run reconciles exactly when this says */
		if (incr_reconciles(t, !full, marks[i].loads))
		{
			col_render *renders = NULL;

			/* the key columns alone, as the load stages them */
			table_def_keys(t, c->renders[i], &keys[nincr], &renders);
			lts[nincr].keys_def = &keys[nincr];
			if (!snapshot_read_sql(c->src, &keys[nincr], renders, &sql))
				rc = EXIT_RUNTIME;
			strlist_push(queries, buf_detach(&sql));
			free(renders);
		}
		nincr++;
	}
	if (rc == EXIT_OK && !load_script(c->d, &c->j, &c->st, LOAD_SNAPSHOT, "<load_id>", NULL, lts,
									  nincr, script, nddl))
		rc = EXIT_RUNTIME;
done:
	for (int i = 0; i < n; i++)
	{
		c->tables[i].read_where = NULL;
		free(wheres[i]);
		if (keys[i].name)
			table_def_free(&keys[i]);
	}
	load_marks_free(marks, n);
	free(marks);
	free(lts);
	free(keys);
	free(wheres);
	free(snapshot);
	return rc;
}

static void
plan_json_statements(buf *json, const char *name, const strlist *script, int nddl)
{
	buf_printf(json, ", \"%s_schema_work\": %d, \"%s\": [", name, nddl, name);
	for (int i = 0; i < script->n; i++)
	{
		if (i)
			buf_puts(json, ", ");
		buf_put_json_string(json, script->items[i]);
	}
	buf_putc(json, ']');
}

int
cmd_plan(const cmd_options *o)
{
	cmd_ctx		c;
	int			rc = ctx_job(o, &c);
	strlist		script = {0};
	strlist		changes = {0};
	strlist		incr_queries = {0};
	strlist		incr = {0};
	int			nddl = 0;
	int			changes_nddl = 0;
	int			incr_nddl = 0;
	load_table *lts;
	table_partitions *parts;

	if (rc == EXIT_OK)
		rc = ctx_source(&c);
	if (rc == EXIT_OK)
		rc = ctx_stage(&c, false);
	if (rc != EXIT_OK)
	{
		ctx_close(&c);
		return rc;
	}
	/* the folders a load stages in: below _transient/ unless keep = true (stage.h) */
	c.st.transient = !c.j.keep;
	lts = xcalloc((size_t) c.ntables, sizeof(load_table));
	parts = xcalloc((size_t) c.ntables, sizeof(table_partitions));
	for (int i = 0; i < c.ntables; i++)
	{
		lts[i].t = &c.tables[i];
		lts[i].partitions = &parts[i];
		/* the partitions as they are now: a load records those it reads */
		if (rc == EXIT_OK && !source_read_partitions(c.src, &c.tables[i], &parts[i]))
			rc = EXIT_RUNTIME;
	}
	if (rc == EXIT_OK &&
		(!load_script(c.d, &c.j, &c.st, LOAD_SNAPSHOT, "<load_id>", NULL, lts, c.ntables, &script,
					  &nddl) ||
		 !plan_changes(&c, &changes, &changes_nddl)))
		rc = EXIT_RUNTIME;
	if (rc == EXIT_OK)
		rc = plan_incremental(&c, &incr_queries, &incr, &incr_nddl);
	if (rc == EXIT_OK && o->json)
	{
		buf		   *json = report_members();

		ctx_report_tables(&c, NULL, false);
		buf_puts(json, ", \"dialect\": ");
		buf_put_json_string(json, c.d->name);
		buf_puts(json, ", \"session_setup\": ");
		if (c.d->session_setup != NULL)
			buf_put_json_string(json, c.d->session_setup);
		else
			buf_puts(json, "null");
		/* the first *_schema_work statements commit each on its own, the rest as one */
		plan_json_statements(json, "statements", &script, nddl);
		plan_json_statements(json, "change_batch", &changes, changes_nddl);
		if (incr_queries.n > 0)
		{
			plan_json_statements(json, "incremental_source", &incr_queries, 0);
			plan_json_statements(json, "incremental", &incr, incr_nddl);
		}
	}
	else if (rc == EXIT_OK)
	{
		buf			text = BUF_INIT;
		char	   *clean;

		buf_printf(&text, "-- wharf plan: job %s, dialect %s, %d table%s\n\n",
				   c.j.name, c.d->name, c.ntables, c.ntables == 1 ? "" : "s");
		if (c.d->session_setup != NULL)
			buf_printf(&text, "-- once per session, first\n\n%s;\n\n", c.d->session_setup);
		buf_puts(&text, "-- a snapshot of tables the warehouse holds rows of already (into a new or\n"
				 "-- empty table, rows are COPYed or inserted straight in)\n\n");
		load_format(&text, &script, nddl);
		buf_puts(&text, "\n-- a change batch of wharf sync, a few changes in every table (one segment\n"
				 "-- each, staged together in one bundle: one object, one COPY; a table with\n"
				 "-- many changes has a staging table and a COPY of its own);\n"
				 "-- <batch_id>, <lsn> and the file names stand for a batch's own\n\n");
		load_format(&text, &changes, changes_nddl);
		if (incr_queries.n > 0)
		{
			buf_puts(&text, "\n-- an incremental load (wharf incremental) of the mode = incremental tables,\n"
					 "-- bounded by the marks the warehouse holds now (a table without one is\n"
					 "-- loaded in full); first, on the source, under one snapshot, the rows\n"
					 "-- (and, of each table whose deletes this load reconciles, every key):\n\n");
			for (int i = 0; i < incr_queries.n; i++)
				buf_printf(&text, "%s;\n", incr_queries.items[i]);
			buf_puts(&text, "\n-- then in the warehouse; <mark> stands for each table's new mark\n\n");
			load_format(&text, &incr, incr_nddl);
		}
		clean = log_scrub(text.data);
		fputs(clean, stdout);
		free(clean);
		buf_free(&text);
	}
	strlist_free(&script);
	strlist_free(&changes);
	strlist_free(&incr_queries);
	strlist_free(&incr);
	for (int i = 0; i < c.ntables; i++)
		table_partitions_free(&parts[i]);
	free(parts);
	free(lts);
	ctx_close(&c);
	return rc;
}
