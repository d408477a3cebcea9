/*
 * snapshot.c
 *    wharf stage and wharf snapshot: every table read from one exported
 *    snapshot into the stage, then (snapshot) loaded in one warehouse
 *    transaction, pipelined where the dialect COPYs part by part.
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
 * Stages every table from one exported snapshot.  results and partitions
 * get ntables entries; on_part (may be NULL) is told of each part staged.
 */
static int
stage_all(cmd_ctx *c, const char *load_id, stage_result *results, table_partitions *partitions,
		  extract_part_fn on_part, void *arg)
{
	char	   *snapshot_name = NULL;
	bool		ok;

	if (!snapshot_export(c->src, &snapshot_name))
		return EXIT_RUNTIME;
	ok = extract_tables_notify(&c->j, &c->st, snapshot_name, load_id, c->tables,
							   c->renders, c->ntables, c->j.parallel, results, partitions,
							   on_part, arg);
	free(snapshot_name);
	/* the exporting transaction only had to live while readers attached */
	source_exec(c->src, "COMMIT", "ending the snapshot transaction");
	return ok ? EXIT_OK : EXIT_RUNTIME;
}

/* A staged part waiting for the loader. */
typedef struct pipe_part
{
	int			table;
	char	   *folder;
	char	   *name;
} pipe_part;

/*
 * A pipelined snapshot (load_pipelines): while the readers stage the
 * tables, a loader thread that owns the warehouse session COPYs each part
 * as soon as it is in the stage, inside the load's one transaction; once
 * everything is staged the rest of the load runs and commits as before.
 * The queue holds the parts staged and not yet loaded (guarded by lock).
 */
typedef struct load_pipe
{
	cmd_ctx    *c;
	const load_table *lts;
	pthread_t	thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pipe_part  *queue;
	int			nqueued;
	int			cap;
	int			next;
	bool		staged;			/* no part will come any more */
	bool		failed;
	int			loaded;
	double	   *copy_seconds;	/* per table: its parts' COPYs so far */
	/*
	 * The loader's error lines, printed once the read is known to have
	 * succeeded: a COPY that fails because a failed read removed its part
	 * is a consequence, not a second error.
	 */
	buf			held;
} load_pipe;

static void
pipe_on_part(void *arg, int table, const char *folder, const char *name)
{
	load_pipe  *p = arg;

	pthread_mutex_lock(&p->lock);
	if (p->nqueued == p->cap)
	{
		p->cap = p->cap ? 2 * p->cap : 16;
		p->queue = xrealloc(p->queue, sizeof(pipe_part) * (size_t) p->cap);
	}
	p->queue[p->nqueued].table = table;
	p->queue[p->nqueued].folder = xstrdup(folder);
	p->queue[p->nqueued].name = xstrdup(name);
	p->nqueued++;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *
pipe_loader(void *arg)
{
	load_pipe  *p = arg;
	cmd_ctx    *c = p->c;

	log_hold_errors(&p->held);
	pthread_mutex_lock(&p->lock);
	for (;;)
	{
		pipe_part	part;
		strlist		copy = {0};
		bool		ok = true;

		while (p->next == p->nqueued && !p->staged)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->next == p->nqueued)
			break;
		if (cmd_interrupted)
		{
			p->failed = true;
			break;
		}
		part = p->queue[p->next++];
		pthread_mutex_unlock(&p->lock);

		load_part_script(c->d, &c->j, &c->st, &p->lts[part.table], part.table, LOAD_SNAPSHOT,
						 part.folder, part.name, &copy);
		{
			double		start = log_monotonic_now();
			double		seconds;

			for (int i = 0; ok && i < copy.n; i++)
			{
				log_trace("warehouse: %s", copy.items[i]);
				ok = wh_exec(c->wh, copy.items[i], NULL);
			}
			seconds = log_monotonic_now() - start;
			if (ok)
				log_debug("warehouse: COPY of %s took %.3f s", part.name, seconds);
			p->copy_seconds[part.table] += seconds;
		}
		strlist_free(&copy);
		if (ok && p->loaded++ == 0)
			ctx_fail_point("mid-load");

		pthread_mutex_lock(&p->lock);
		if (!ok)
		{
			p->failed = true;
			break;
		}
	}
	pthread_mutex_unlock(&p->lock);
	log_hold_errors(NULL);
	return NULL;
}

/*
 * Stages and loads lts' tables with the loader running alongside: the
 * schema work and the transaction's first statements, then every part as
 * it is staged, then the rest and the commit.
 */
static int
pipe_run(cmd_ctx *c, const char *load_id, load_table *lts, stage_result *results,
		 table_partitions *partitions, bool *staged)
{
	load_pipe	p;
	strlist		script = {0};
	int			nddl = 0;
	int			rc = EXIT_OK;

	memset(&p, 0, sizeof(p));
	p.c = c;
	p.lts = lts;
	p.copy_seconds = xcalloc((size_t) c->ntables, sizeof(double));
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);
	if (!load_script_begin(c->d, &c->j, LOAD_SNAPSHOT, lts, c->ntables, &script, &nddl) ||
		!load_run_open(c->wh, &script, nddl))
		rc = EXIT_RUNTIME;
	strlist_free(&script);
	if (rc == EXIT_OK && pthread_create(&p.thread, NULL, pipe_loader, &p) != 0)
	{
		log_error("snapshot: cannot start the loader thread");
		wh_rollback(c->wh);
		rc = EXIT_RUNTIME;
	}
	if (rc == EXIT_OK)
	{
		rc = stage_all(c, load_id, results, partitions, pipe_on_part, &p);
		*staged = rc == EXIT_OK;
		pthread_mutex_lock(&p.lock);
		p.staged = true;
		pthread_cond_broadcast(&p.cond);
		pthread_mutex_unlock(&p.lock);
		pthread_join(p.thread, NULL);
		if (rc == EXIT_OK)
			log_release_errors(&p.held);
		else
			buf_free(&p.held);
		if (rc == EXIT_OK && p.failed)
			rc = EXIT_RUNTIME;
		if (rc == EXIT_OK)
		{
			load_span  *spans = xcalloc((size_t) c->ntables, sizeof(load_span));

			for (int i = 0; i < c->ntables; i++)
			{
				lts[i].staged = &results[i];
				lts[i].span = &spans[i];
				spans[i].copy_seconds = p.copy_seconds[i];
			}
			load_script_end(c->d, &c->j, LOAD_SNAPSHOT, load_id, NULL, lts, c->ntables, &script);
			cmd_committing = 1;
			if (cmd_interrupted)
			{
				wh_rollback(c->wh);
				rc = EXIT_RUNTIME;
			}
			else if (!load_run_tables(c->wh, &script, 0, lts, c->ntables) || !wh_commit(c->wh))
				rc = EXIT_RUNTIME;
			strlist_free(&script);
			free(spans);
		}
		else
			wh_rollback(c->wh);
	}
	for (int i = 0; i < p.nqueued; i++)
	{
		free(p.queue[i].folder);
		free(p.queue[i].name);
	}
	free(p.queue);
	free(p.copy_seconds);
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	return rc;
}

/*
 * A snapshot of a job that streams is refused (exit 2): its snapshot is
 * taken at no point of the slot's stream, so the warehouse would hold the
 * changes up to some instant past the recorded position, and the next sync,
 * which cannot tell which, would apply them again (an append table's
 * history twice, merge tables back in time until the batch ends) or, with
 * the tables' positions gone, load every table anew.  `sync --reload` and
 * `sync --resnapshot` refresh through a slot's own snapshot, exactly once.
 * A job whose slot is gone streams no more: its next sync starts over
 * anyway, so the snapshot may run.
 */
static int
snapshot_check_not_streaming(cmd_ctx *c)
{
	load_state	st;
	const char *position = NULL;
	repl_slot_info slot;
	bool		ok = load_state_read(c->wh, c->d, &c->j, &st);

	for (int r = 0; ok && r < st.n; r++)
		if (strcmp(st.rows[r].source_table, LOAD_POSITION_ROW) == 0)
			position = st.rows[r].lsn;
	wh_rollback(c->wh);
	if (ok && position != NULL)
	{
		ok = repl_slot_lookup(c->src, c->j.slot, &slot);
		if (ok && slot.exists)
		{
			log_error("snapshot: job %s streams (sync has applied its changes up to %s from slot %s): "
					  "a snapshot taken now belongs to no point of that stream, and the next sync "
					  "would apply again the changes it holds; refresh through the stream instead: "
					  "wharf -c %s sync --reload TABLE (one table, repeatable), or wharf -c %s sync "
					  "--resnapshot (every table, from a new slot)", c->j.name,
					  position ? position : "?", c->j.slot, c->j.path, c->j.path);
			load_state_free(&st);
			return EXIT_USAGE;
		}
	}
	load_state_free(&st);
	return ok ? EXIT_OK : EXIT_RUNTIME;
}

static int
cmd_stage_or_snapshot(const cmd_options *o, bool load)
{
	cmd_ctx		c;
	int			rc = ctx_job(o, &c);
	char	   *load_id = NULL;
	stage_result *results = NULL;
	table_partitions *partitions = NULL;
	double		start = log_monotonic_now();
	double		read_at;
	bool		staged = false;

	if (rc == EXIT_OK)
		rc = ctx_source(&c);
	if (rc == EXIT_OK && load)
		rc = ctx_check_tables(&c);
	if (rc == EXIT_OK)
		rc = ctx_stage(&c, true);
	if (rc == EXIT_OK && load)
		rc = ctx_warehouse(&c, "snapshot");
	if (rc == EXIT_OK && load)
		rc = ctx_probe_warehouse(&c);
	if (rc == EXIT_OK && load)
		rc = snapshot_check_not_streaming(&c);
	/* the lock makes the stage's transient folder ours (stage.h) */
	if (rc == EXIT_OK && load && !source_lock_job(c.src, &c.j))
		rc = EXIT_RUNTIME;
	if (rc != EXIT_OK)
		goto done;
	if (load)
	{
		stage_remove_orphans(&c.st);
		c.st.transient = !c.j.keep;
	}
	c.st.stop = &cmd_interrupted;
	cmd_catch_interrupts();

	load_id = stage_new_load_id();
	read_at = log_monotonic_now();
	results = xcalloc((size_t) c.ntables, sizeof(stage_result));
	partitions = xcalloc((size_t) c.ntables, sizeof(table_partitions));
	if (load && load_pipelines(c.d, LOAD_SNAPSHOT))
	{
		load_table *lts = xcalloc((size_t) c.ntables, sizeof(load_table));

		for (int i = 0; i < c.ntables && rc == EXIT_OK; i++)
		{
			lts[i].t = &c.tables[i];
			lts[i].partitions = &partitions[i];
			if (!load_target_empty(c.wh, c.d, &c.tables[i], &lts[i].target_empty))
				rc = EXIT_RUNTIME;
		}
		if (rc == EXIT_OK)
			rc = pipe_run(&c, load_id, lts, results, partitions, &staged);
		free(lts);
		/* staged objects go once the load committed, or failed: a rerun stages anew */
		if (staged && !c.j.keep)
			for (int i = 0; i < c.ntables; i++)
				stage_remove(&c.st, &results[i]);
		if (rc != EXIT_OK)
			goto done;
	}
	else
	{
		rc = stage_all(&c, load_id, results, partitions, NULL, NULL);
		if (rc != EXIT_OK)
			goto done;
		staged = true;
	}
	cmd_committing = 1;

	if (load && !load_pipelines(c.d, LOAD_SNAPSHOT))
	{
		strlist		script = {0};
		int			nddl = 0;
		load_table *lts = xcalloc((size_t) c.ntables, sizeof(load_table));
		load_span  *spans = xcalloc((size_t) c.ntables, sizeof(load_span));

		for (int i = 0; i < c.ntables; i++)
		{
			lts[i].t = &c.tables[i];
			lts[i].staged = &results[i];
			lts[i].partitions = &partitions[i];
			lts[i].span = &spans[i];
			if (rc == EXIT_OK &&
				!load_target_empty(c.wh, c.d, &c.tables[i], &lts[i].target_empty))
				rc = EXIT_RUNTIME;
		}
		if (rc != EXIT_OK || cmd_interrupted ||
			!load_script(c.d, &c.j, &c.st, LOAD_SNAPSHOT, load_id, NULL, lts, c.ntables, &script,
						 &nddl) ||
			!load_run_tables(c.wh, &script, nddl, lts, c.ntables) || !wh_commit(c.wh))
			rc = EXIT_RUNTIME;
		strlist_free(&script);
		free(lts);
		free(spans);
		/* staged objects go once the load committed, or failed: a rerun stages anew */
		if (!c.j.keep)
			for (int i = 0; i < c.ntables; i++)
				stage_remove(&c.st, &results[i]);
	}

	/* the load committed: one materialization per table under Dagster */
	for (int i = 0; rc == EXIT_OK && load && i < c.ntables; i++)
	{
		pipes_load	pl = {
			.snapshot = true,
			.count = results[i].rows,
			.load_id = load_id,
			.lag_s = log_monotonic_now() - read_at,
			.duration_s = log_monotonic_now() - start,
		};

		pipes_materialization(&c.tables[i], &pl);
	}
	if (rc == EXIT_OK)
	{
		for (int i = 0; i < c.ntables && !o->json; i++)
		{
			char	   *name = table_display_name(&c.tables[i]);

			if (load)
			{
				char	   *target = table_target_display_name(&c.tables[i]);

				printf("loaded %s into %s: %llu rows\n", name, target,
					   (unsigned long long) results[i].rows);
				free(target);
			}
			else
				printf("staged %s: %llu rows, %d part%s, %s\n", name,
					   (unsigned long long) results[i].rows, results[i].nparts,
					   results[i].nparts == 1 ? "" : "s", results[i].manifest_url);
			free(name);
		}
		ctx_report_tables(&c, results, !load || c.j.keep);
	}

done:
	if (cmd_interrupted)
	{
		const char *sig = cmd_interrupted == SIGINT ? "SIGINT" : "SIGTERM";

		if (rc == EXIT_OK)
			log_warn("%s: interrupted by %s once the %s: it stands", load ? "snapshot" : "stage",
					 sig, load ? "load was committing" : "tables were staged");
		else
			log_warn("%s: interrupted by %s: %s, and %s", load ? "snapshot" : "stage", sig,
					 load ? "the load was rolled back" : "nothing was exported",
					 staged && c.j.keep ? "its staged objects stay (keep = true)" :
					 "what it had staged is removed");
	}
	if (load_id)
	{
		buf_puts(report_members(), ", \"load_id\": ");
		buf_put_json_string(report_members(), load_id);
	}
	if (results)
	{
		for (int i = 0; i < c.ntables; i++)
			if (staged)
			{
				stage_result_free(&results[i]);
				table_partitions_free(&partitions[i]);
			}
		free(results);
	}
	free(partitions);
	free(load_id);
	ctx_close(&c);
	return rc;
}

int
cmd_stage(const cmd_options *o)
{
	return cmd_stage_or_snapshot(o, false);
}

int
cmd_snapshot(const cmd_options *o)
{
	return cmd_stage_or_snapshot(o, true);
}
