/*
 * context.c
 *    What every command sets up before it changes anything (cmd_ctx.h): the
 *    job, the source and its tables, the stage, the warehouse; the signals
 *    that interrupt a load, and the test-only fault points.
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

void
ctx_close(cmd_ctx *c)
{
	for (int i = 0; i < c->ntables; i++)
	{
		table_def_free(&c->tables[i]);
		if (c->renders)
			free(c->renders[i]);
	}
	free(c->tables);
	free(c->renders);
	if (c->stage_opened)
		stage_close(&c->st);
	if (c->wh)
		wh_disconnect(c->wh);
	PQfinish(c->src);
	if (c->job_loaded)
		job_free(&c->j);
	memset(c, 0, sizeof(*c));
}

/* Loads the job and finds its dialect.  Returns an exit code. */
int
ctx_job(const cmd_options *o, cmd_ctx *c)
{
	memset(c, 0, sizeof(*c));
	if (!job_load(o->job_path, &c->j))
		return EXIT_USAGE;
	c->job_loaded = true;
	{
		char	  **names = xcalloc((size_t) c->j.ntables + 1, sizeof(char *));

		for (int i = 0; i < c->j.ntables; i++)
			names[i] = xasprintf("%s.%s", c->j.tables[i].schema, c->j.tables[i].name);
		report_job(c->j.name, names, c->j.ntables);
		for (int i = 0; i < c->j.ntables; i++)
			free(names[i]);
		free(names);
	}
	/* a conninfo libpq cannot parse is a job-file error, found before anything runs */
	{
		char	   *err = NULL;
		PQconninfoOption *opts = PQconninfoParse(c->j.conninfo, &err);

		if (opts == NULL)
		{
			log_error("%s: [source] conninfo: %s", o->job_path, err ? err : "out of memory");
			PQfreemem(err);
			return EXIT_USAGE;
		}
		PQconninfoFree(opts);
	}
	/* job_load took only a dialect of the registry */
	c->d = sink_dialect_by_name(c->j.dialect);
	if (c->j.keep_case && c->d->fold != SINK_FOLD_NONE)
	{
		if (c->d->fold == SINK_FOLD_LOWER)
		{
			log_error("%s: [warehouse] keep_case: %s folds every quoted name to lower case "
					  "(unless each session sets enable_case_sensitive_identifier, which every "
					  "reader of the tables would have to): remove the key",
					  o->job_path, c->d->name);
			return EXIT_USAGE;
		}
		/* the dialect as data, its fold left out: every name as written */
		c->dialect_kept = *c->d;
		c->dialect_kept.fold = SINK_FOLD_NONE;
		c->d = &c->dialect_kept;
	}
	return EXIT_OK;
}

/*
 * Test-only switches: WHARF_FAIL_AT=<point> kills the process at that point
 * as SIGKILL would, to prove that every point converges on the next run;
 * WHARF_PAUSE_AT=<point> sleeps there (WHARF_PAUSE_SECONDS, default 5) so a
 * test can break a connection at that moment.  Points: sync's before-upload,
 * after-upload, mid-copy, after-merge, after-commit, and snapshot-staged
 * (its snapshot's tables staged, not yet loaded); a pipelined snapshot's
 * mid-load (after its first part's COPY); incremental's incremental-bounded
 * (marks and bounds read, nothing staged), incremental-staged and
 * incremental-loaded (its statements run, not committed).
 */
void
ctx_fail_point(const char *point)
{
#ifdef WHARF_TEST_SWITCHES
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
#else
	(void) point;
#endif
}

/*
 * SIGINT and SIGTERM during a stage or snapshot (cmd_catch_interrupts):
 * the signal is noted in cmd_interrupted, which the stage's writers watch
 * (stage.stop), so the readers stop at their next row and the run drops its
 * load: the warehouse transaction rolls back and what was staged is
 * removed, as after any failure.  Once the load's last transaction runs,
 * it is left to commit.  The handler says at once what happens (write(2)
 * only); the handler is reset, so a second signal kills at once, and the
 * next run removes what is left (stage_remove_orphans).
 */
volatile sig_atomic_t cmd_interrupted;
volatile sig_atomic_t cmd_committing;

static void
cmd_on_signal(int signo)
{
	static const char staging[] =
		"wharf: interrupted: stopping; the load is rolled back and its staged objects removed "
		"(again to stop at once)\n";
	static const char committing[] =
		"wharf: interrupted: the load's transaction is committing; it finishes, then its staged "
		"objects are removed (again to stop at once)\n";
	ssize_t		rc;

	cmd_interrupted = signo;
	if (cmd_committing)
		rc = write(STDERR_FILENO, committing, sizeof(committing) - 1);
	else
		rc = write(STDERR_FILENO, staging, sizeof(staging) - 1);
	(void) rc;
}

void
cmd_catch_interrupts(void)
{
	struct sigaction sa = {0};

	sa.sa_handler = cmd_on_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int	ctx_describe(cmd_ctx *c, const source_catalog *cat);

/*
 * Connects to the source and describes every table; checks that the dialect
 * can hold every column.  Returns an exit code.
 */
int
ctx_source(cmd_ctx *c)
{
	source_catalog *cat;
	int			rc = EXIT_OK;

	if (!source_connect(c->j.conninfo, false, &c->src))
		return EXIT_RUNTIME;
	if (!source_select_tables(c->src, &c->j))
		return EXIT_RUNTIME;
	if (!source_catalog_read(c->src, &c->j, &cat))
		return EXIT_RUNTIME;
	rc = ctx_describe(c, cat);
	source_catalog_free(cat);
	return rc;
}

int
ctx_keep_tables(cmd_ctx *c, bool incremental)
{
	int			n = 0;

	for (int i = 0; i < c->ntables; i++)
	{
		if ((c->tables[i].cursor != NULL) != incremental)
		{
			if (!incremental)
			{
				char	   *name = table_display_name(&c->tables[i]);

				log_info("table %s is mode = incremental: wharf incremental loads it, "
						 "not this command", name);
				free(name);
			}
			table_def_free(&c->tables[i]);
			free(c->renders[i]);
			job_table_free(&c->j.tables[i]);
			continue;
		}
		c->tables[n] = c->tables[i];
		c->renders[n] = c->renders[i];
		c->j.tables[n] = c->j.tables[i];
		n++;
	}
	c->ntables = c->j.ntables = n;
	if (n == 0 && incremental)
	{
		log_error("job %s has no table of mode = incremental: load its tables with wharf "
				  "snapshot, or stream them with wharf sync", c->j.name);
		return EXIT_USAGE;
	}
	if (n == 0)
	{
		log_error("job %s: every table is mode = incremental: load them with wharf incremental",
				  c->j.name);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Describes every table from the catalog read at start; see ctx_source. */
static int
ctx_describe(cmd_ctx *c, const source_catalog *cat)
{
	c->tables = xcalloc((size_t) c->j.ntables, sizeof(table_def));
	c->renders = xcalloc((size_t) c->j.ntables, sizeof(col_render *));
	for (int i = 0; i < c->j.ntables; i++)
	{
		table_def  *t = &c->tables[i];
		buf			type = BUF_INIT;

		if (!source_describe(c->src, cat, &c->j, i, t))
			return EXIT_RUNTIME;
		c->ntables++;
		c->renders[i] = xcalloc((size_t) t->ncols, sizeof(col_render));
		for (int k = 0; k < t->ncols; k++)
		{
			buf_reset(&type);
			if (!sink_column_type(c->d, t, &t->cols[k], &type))
			{
				buf_free(&type);
				return EXIT_RUNTIME;
			}
			c->renders[i][k] = sink_column_render(c->d, &t->cols[k]);
		}
		buf_free(&type);
		if (!sink_check_names(c->d, t))
			return EXIT_RUNTIME;
		for (int k = 0; k < i; k++)
			if (sink_same_name(c->d, c->tables[k].target_schema, t->target_schema) &&
				sink_same_name(c->d, c->tables[k].target_name, t->target_name))
			{
				char	   *a = table_display_name(&c->tables[k]);
				char	   *b = table_display_name(t);
				char	   *target = table_target_display_name(t);

				log_error("tables %s and %s both land in %s in %s, which folds identifiers: "
						  "give one another target", a, b, target, c->d->name);
				free(a);
				free(b);
				free(target);
				return EXIT_RUNTIME;
			}
	}
	return EXIT_OK;
}

int
ctx_check_tables(cmd_ctx *c)
{
	/* every table, so that check reports all of them at once */
	return source_check_keys(c->src, c->tables, c->ntables) ? EXIT_OK : EXIT_RUNTIME;
}

int
ctx_stage(cmd_ctx *c, bool check)
{
	if (!stage_open(&c->j, &c->st))
		return EXIT_RUNTIME;
	c->stage_opened = true;
	/* the longest row the warehouse loads: the stage writer refuses longer ones */
	c->st.max_row_bytes = sink_guards_dialect(c->d)->max_row_bytes;
	c->st.row_limit_of = sink_guards_dialect(c->d)->name;
	if (check && !stage_check(&c->st))
		return EXIT_RUNTIME;
	return EXIT_OK;
}

int
ctx_warehouse(cmd_ctx *c, const char *command)
{
	if (c->j.odbc == NULL)
	{
		log_error("%s: [warehouse] odbc is required for %s", c->j.path, command);
		return EXIT_USAGE;
	}
	if (c->d->needs_storage_integration && c->j.stage == STAGE_S3 &&
		c->j.storage_integration == NULL &&
		(strcmp(command, "snapshot") == 0 || strcmp(command, "sync") == 0 ||
		 strcmp(command, "incremental") == 0))
	{
		log_error("%s: [warehouse] storage_integration is required for %s with dialect %s: "
				  "its COPY from an s3:// stage reads public buckets only without one (see "
				  "\"Setting up Snowflake and Redshift\" in the README)", c->j.path, command,
				  c->d->name);
		return EXIT_USAGE;
	}
	if (!wh_connect(c->j.odbc, &c->wh))
		return EXIT_RUNTIME;
	if (c->d->session_setup != NULL && !wh_exec_alone(c->wh, c->d->session_setup))
		return EXIT_RUNTIME;
	return EXIT_OK;
}

int
ctx_probe_warehouse(cmd_ctx *c)
{
	load_table *lts;
	strlist		script = {0};
	bool		ok;

	/* where DDL cannot be rolled back, the load itself is the first to find out */
	if (!c->d->transactional_ddl)
		return EXIT_OK;
	lts = xcalloc((size_t) (c->ntables ? c->ntables : 1), sizeof(load_table));
	for (int i = 0; i < c->ntables; i++)
		lts[i].t = &c->tables[i];
	ok = load_ddl_script(c->d, &c->j, lts, c->ntables, &script);
	for (int i = 0; ok && i < script.n; i++)
		ok = wh_exec(c->wh, script.items[i], NULL);
	ok = wh_rollback(c->wh) && ok;
	strlist_free(&script);
	free(lts);
	return ok ? EXIT_OK : EXIT_RUNTIME;
}

/*
 * The run's object of each table (report.h), with what was staged of it when
 * r is not NULL.
 */
void
ctx_report_tables(const cmd_ctx *c, const stage_result *r, bool kept)
{
	for (int i = 0; i < c->ntables; i++)
	{
		char	   *name = table_display_name(&c->tables[i]);
		char	   *target = table_target_display_name(&c->tables[i]);
		buf		   *t = report_table(name, target);

		if (r)
		{
			buf_printf(t, ", \"rows\": %llu, \"parts\": %d, \"bytes\": %llu, \"manifest\": ",
					   (unsigned long long) r[i].rows, r[i].nparts,
					   (unsigned long long) r[i].bytes);
			if (kept)
				buf_put_json_string(t, r[i].manifest_url);
			else
				buf_puts(t, "null");
		}
		free(name);
		free(target);
	}
}
