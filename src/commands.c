/*
 * commands.c
 *    check, plan, stage, snapshot and status: each validates the job and
 *    reaches every part it needs before it changes anything, then drives
 *    source → stage → warehouse.
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
static volatile sig_atomic_t cmd_committing;

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
static void
report_tables(const cmd_ctx *c, const stage_result *r, bool kept)
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

/*
 * check's part for partitioned tables: how many partitions each has (a line
 * each into lines, and "partitioned" into json), and a warning when a job
 * table is a partition of another (sync refuses that).  False only if the
 * source could not say.
 */
static bool
check_partitions(cmd_ctx *c, buf *lines, buf *json)
{
	char	   *why = NULL;
	bool		any = false;

	if (!source_partition_overlap(c->src, &c->j, c->tables, c->ntables, &why))
		return false;
	if (why)
		log_warn("source: %s (sync refuses such a job)", why);
	free(why);
	for (int i = 0; i < c->ntables; i++)
	{
		table_partitions parts;
		char	   *name;
		int			leaves = 0;

		if (!c->tables[i].partitioned)
			continue;
		if (!source_read_partitions(c->src, &c->tables[i], &parts))
			return false;
		for (int k = 0; k < parts.n; k++)
			leaves += parts.items[k].leaf ? 1 : 0;
		name = table_display_name(&c->tables[i]);
		buf_printf(lines, "           %s: partitioned, %d partition%s (%d holding rows), read and "
				   "replicated as one table\n", name, parts.n, parts.n == 1 ? "" : "s", leaves);
		buf_puts(json, any ? ", " : ", \"partitioned\": {");
		buf_put_json_string(json, name);
		buf_printf(json, ": %d", parts.n);
		any = true;
		free(name);
		table_partitions_free(&parts);
	}
	if (any)
		buf_putc(json, '}');
	return true;
}

/* what, then the columns t's section excludes, quoted; nothing when none */
static void
check_excluded(buf *lines, const job_table *t, const char *what)
{
	if (t->nexclude_columns > 0)
		buf_puts(lines, what);
	for (int e = 0; e < t->nexclude_columns; e++)
		buf_printf(lines, "%s \"%s\"", e ? "," : "", t->exclude_columns[e]);
}

/*
 * What check says of the selection: the tables each pattern section
 * selects (the first few named) and the columns each table leaves out.
 */
static void
check_selection(const cmd_ctx *c, buf *lines, buf *json)
{
	for (int p = 0; p < c->j.npatterns; p++)
	{
		int			n = 0;

		buf_printf(lines, "           [table %s]:", c->j.patterns[p].text);
		for (int i = 0; i < c->ntables; i++)
		{
			char	   *name;

			if (c->j.tables[i].pattern != p)
				continue;
			if (n++ >= 5)
				continue;
			name = table_display_name(&c->tables[i]);
			buf_printf(lines, "%s %s", n > 1 ? "," : "", name);
			free(name);
		}
		if (n > 5)
			buf_printf(lines, " and %d more", n - 5);
		buf_printf(lines, "%s (%d table%s)", n == 0 ? " no table" : "", n, n == 1 ? "" : "s");
		check_excluded(lines, &c->j.patterns[p].table, "; columns left out:");
		buf_putc(lines, '\n');
		buf_puts(json, p ? ", " : ", \"patterns\": {");
		buf_put_json_string(json, c->j.patterns[p].text);
		buf_printf(json, ": %d%s", n, p == c->j.npatterns - 1 ? "}" : "");
	}
	for (int i = 0; i < c->ntables; i++)
	{
		char	   *name;

		if (c->j.tables[i].pattern >= 0 || c->j.tables[i].nexclude_columns == 0)
			continue;
		name = table_display_name(&c->tables[i]);
		buf_printf(lines, "           %s:", name);
		check_excluded(lines, &c->j.tables[i], " columns left out:");
		buf_putc(lines, '\n');
		free(name);
	}
}

/* One problem of check_sync: a warning now, the reason sync would fail. */
static void
check_sync_problem(strlist *problems, char *text)
{
	log_warn("sync: %s", text);
	strlist_push(problems, text);
}

static const char *
check_replident_name(char replident)
{
	switch (replident)
	{
		case 'd':
			return "default";
		case 'f':
			return "full";
		case 'i':
			return "index";
		case 'n':
			return "nothing";
		default:
			return "unknown";
	}
}

/* check_sync's facts and problems as check's "sync" object. */
static void
check_sync_json(const cmd_ctx *c, const source_readiness *r, const strlist *problems, bool ready,
				const char *wal_level, buf *json)
{
	const job  *j = &c->j;
	char	   *ins = source_append_publication(j);

	buf_printf(json, ", \"sync\": {\"ready\": %s, \"wal_level\": ", ready ? "true" : "false");
	buf_put_json_string(json, wal_level);
	buf_puts(json, ", \"role\": ");
	buf_put_json_string(json, r->role);
	buf_printf(json, ", \"superuser\": %s, \"replication\": %s, \"create_on_database\": %s",
			   r->superuser ? "true" : "false", r->replication ? "true" : "false",
			   r->create_on_database ? "true" : "false");
	buf_puts(json, ", \"publications\": {\"made_by\": ");
	buf_puts(json, j->use_publication ? "\"dba\"" : "\"wharf\"");
	buf_puts(json, ", \"names\": [");
	buf_put_json_string(json, j->use_publication ? j->use_publication : j->publication);
	if (!j->use_publication)
	{
		buf_puts(json, ", ");
		buf_put_json_string(json, ins);
	}
	buf_puts(json, "], \"existing\": [");
	for (int i = 0; i < r->publications.n; i++)
	{
		if (i)
			buf_puts(json, ", ");
		buf_put_json_string(json, r->publications.items[i]);
	}
	buf_puts(json, "]}, \"slot\": {\"name\": ");
	buf_put_json_string(json, j->slot);
	buf_printf(json, ", \"exists\": %s}, \"replication_slots\": {\"in_use\": %d, \"max\": %d}, "
			   "\"wal_senders\": {\"in_use\": %d, \"max\": %d}, \"tables\": [",
			   r->slot_exists ? "true" : "false", r->slots_in_use, r->max_slots,
			   r->senders_in_use, r->max_senders);
	for (int i = 0; i < c->ntables; i++)
	{
		char	   *name = table_display_name(&c->tables[i]);

		buf_puts(json, i ? ", {\"table\": " : "{\"table\": ");
		buf_put_json_string(json, name);
		buf_printf(json, ", \"replica_identity\": \"%s\", \"owned\": %s, \"published\": %s}",
				   check_replident_name(r->replident[i]), r->owned[i] ? "true" : "false",
				   r->published[i] ? "true" : "false");
		free(name);
	}
	buf_puts(json, "], \"problems\": [");
	for (int i = 0; i < problems->n; i++)
	{
		if (i)
			buf_puts(json, ", ");
		buf_put_json_string(json, problems->items[i]);
	}
	buf_puts(json, "]}");
	free(ins);
}

/*
 * check's part for sync, in one place (and one "sync" object in --json):
 * what sync needs of the source beyond the tables' rows.  wal_level, the
 * role's rights to create the slot (REPLICATION or superuser) and the
 * publications (CREATE on the database; owning the tables to add them), or
 * a DBA's publication (use_publication) holding every table; the job's slot
 * and the headroom of max_replication_slots and max_wal_senders; each
 * table's replica identity.  Each problem is a warning naming the fix, as
 * snapshot and stage need none of it.  Lines go into lines.  False only if
 * the source could not say.
 */
static bool
check_sync(cmd_ctx *c, bool keys_ok, buf *lines, buf *json)
{
	const job  *j = &c->j;
	source_readiness r;
	strlist		problems = {0};
	char	   *wal_level = NULL;
	char	   *ins = source_append_publication(j);
	int			owned = 0;
	bool		ok;

	if (!source_wal_level(c->src, &wal_level))
		wal_level = xstrdup("unknown");
	if (strcmp(wal_level, "logical") != 0)
		check_sync_problem(&problems,
						   xasprintf("wal_level is %s: snapshot works, but sync will need wal_level = "
									 "logical (ALTER SYSTEM SET wal_level = logical, then restart the "
									 "server)", wal_level));
	ok = source_read_readiness(c->src, j, c->tables, c->ntables, &r);
	if (ok && !r.replication)
		check_sync_problem(&problems,
						   xasprintf("role %s has neither the REPLICATION attribute nor superuser, so "
									 "sync cannot create or stream from slot %s: ALTER ROLE %s "
									 "REPLICATION", r.role, j->slot, r.role));
	if (ok && j->use_publication)
	{
		strlist		found = {0};

		ok = source_publication_verify(c->src, j, c->tables, c->ntables, &found);
		for (int i = 0; i < found.n; i++)
			check_sync_problem(&problems, xstrdup(found.items[i]));
		strlist_free(&found);
	}
	else if (ok)
	{
		if (r.foreign_publication)
			check_sync_problem(&problems,
							   xasprintf("publication %s exists and was not made by wharf job %s, "
										 "which sync refuses: name another with \"publication = "
										 "...\" in [source], or, to have wharf stream from it as it "
										 "is, \"use_publication = %s\"", r.foreign_publication,
										 j->name, r.foreign_publication));
		if (r.publications.n < 2 && !r.create_on_database)
			check_sync_problem(&problems,
							   xasprintf("role %s lacks CREATE on database %s, which CREATE "
										 "PUBLICATION needs: GRANT CREATE ON DATABASE %s TO %s; or "
										 "have a DBA make a publication holding the job's tables and "
										 "name it with \"use_publication = ...\" in [source]",
										 r.role, r.database, r.database, r.role));
		if (r.publications.n > 0 && !r.publications_owned)
			check_sync_problem(&problems,
							   xasprintf("role %s does not own the publications of job %s, so sync "
										 "cannot ALTER them: ALTER PUBLICATION ... OWNER TO %s",
										 r.role, j->name, r.role));
		for (int i = 0; i < c->ntables; i++)
			if (!r.owned[i] && !r.published[i])
			{
				char	   *name = table_display_name(&c->tables[i]);

				check_sync_problem(&problems,
								   xasprintf("table %s: role %s does not own it, and adding it to "
											 "publication %s needs its owner's rights: ALTER TABLE "
											 "%s OWNER TO %s; or have a DBA make a publication "
											 "holding the job's tables and name it with "
											 "\"use_publication = ...\" in [source]", name, r.role,
											 c->tables[i].mode == MODE_APPEND ? ins : j->publication,
											 name, r.role));
				free(name);
			}
	}
	if (ok && !r.slot_exists && r.slots_in_use >= r.max_slots)
		check_sync_problem(&problems,
						   xasprintf("%d of max_replication_slots = %d are in use, and the job's first "
									 "sync needs one for slot %s: drop an unused slot, or raise "
									 "max_replication_slots (a restart)", r.slots_in_use,
									 r.max_slots, j->slot));
	if (ok && r.senders_in_use >= r.max_senders)
		check_sync_problem(&problems,
						   xasprintf("%d of max_wal_senders = %d are in use, and sync needs one: stop "
									 "an unused replication connection, or raise max_wal_senders (a "
									 "restart)", r.senders_in_use, r.max_senders));
	if (!ok)
	{
		buf_puts(json, ", \"sync\": null");
		source_readiness_free(&r);
		strlist_free(&problems);
		free(wal_level);
		free(ins);
		return false;
	}

	/* the lines */
	for (int i = 0; i < c->ntables; i++)
		owned += r.owned[i] ? 1 : 0;
	if (problems.n == 0 && keys_ok)
		buf_puts(lines, "sync       ready\n");
	else
		buf_printf(lines, "sync       not ready: %d problem%s (above)%s\n",
				   problems.n + (keys_ok ? 0 : 1), problems.n + (keys_ok ? 0 : 1) == 1 ? "" : "s",
				   keys_ok ? "; snapshot and stage do not need these" : "");
	buf_printf(lines, "           role %s: %s, %sCREATE on database %s, owns %d of %d table%s\n",
			   r.role, r.superuser ? "superuser" : r.replication ? "REPLICATION" : "no REPLICATION",
			   r.create_on_database ? "" : "no ", r.database, owned, c->ntables,
			   c->ntables == 1 ? "" : "s");
	if (j->use_publication)
		buf_printf(lines, "           publication %s: made by a DBA (use_publication), used as it is\n",
				   j->use_publication);
	else
		buf_printf(lines, "           publications %s, %s: %s\n", j->publication, ins,
				   r.publications.n == 2 ? "made by wharf" :
				   r.publications.n == 0 ? "none yet (the first sync creates them)" :
				   "one of them yet (sync creates the other)");
	buf_printf(lines, "           slot %s: %s; replication slots %d of %d in use, WAL senders %d of %d\n",
			   j->slot, r.slot_exists ? "exists" : "none yet (the first sync creates it)",
			   r.slots_in_use, r.max_slots, r.senders_in_use, r.max_senders);
	for (int i = 0; i < c->ntables; i++)
	{
		char	   *name = table_display_name(&c->tables[i]);

		buf_printf(lines, "           %s: replica identity %s%s\n", name,
				   check_replident_name(r.replident[i]),
				   c->tables[i].mode == MODE_APPEND ? " (append: published for inserts only, none needed)" :
				   r.replident[i] == 'd' ? " (its primary key)" : "");
		free(name);
	}

	check_sync_json(c, &r, &problems, problems.n == 0 && keys_ok, wal_level, json);
	source_readiness_free(&r);
	strlist_free(&problems);
	free(wal_level);
	free(ins);
	return true;
}

int
cmd_check(const cmd_options *o)
{
	cmd_ctx		c;
	int			rc = ctx_job(o, &c);
	int			failures = 0;
	buf		   *json = report_members();
	buf			lines = BUF_INIT;

	if (rc != EXIT_OK)
	{
		ctx_close(&c);
		return rc;
	}

	/* source: reachable, tables described and replicable, logical decoding possible */
	if (ctx_source(&c) != EXIT_OK)
	{
		failures++;
		buf_puts(json, ", \"source\": false");
	}
	else
	{
		buf			sync_lines = BUF_INIT;
		buf			sync_json = BUF_INIT;
		bool		keys_ok = ctx_check_tables(&c) == EXIT_OK;
		bool		read_ok;

		check_selection(&c, &lines, json);
		read_ok = check_partitions(&c, &lines, json);
		/* incremental tables: their cursors, and the limits each leaves (warnings) */
		for (int i = 0; i < c.ntables; i++)
			if (c.tables[i].cursor != NULL)
			{
				char	   *name = table_display_name(&c.tables[i]);

				if (!source_incr_check(c.src, &c.tables[i]))
					keys_ok = false;
				else
					buf_printf(&lines, "           %s: incremental, cursor %s\n", name,
							   c.tables[i].cursor);
				free(name);
			}

		/* what sync needs: reported even when a table's key or identity is refused */
		read_ok = check_sync(&c, keys_ok, &sync_lines, &sync_json) && read_ok;
		if (!keys_ok || !read_ok)
		{
			failures++;
			buf_puts(json, ", \"source\": false");
		}
		else
		{
			if (!o->json)
				printf("source     ok (%d table%s)\n%s", c.ntables, c.ntables == 1 ? "" : "s",
					   lines.data ? lines.data : "");
			buf_puts(json, ", \"source\": true");
		}
		if (!o->json && sync_lines.data)
			printf("%s", sync_lines.data);
		if (sync_json.data)
			buf_puts(json, sync_json.data);
		buf_free(&sync_lines);
		buf_free(&sync_json);
		buf_free(&lines);
	}
	if (ctx_stage(&c, true) != EXIT_OK)
	{
		failures++;
		buf_puts(json, ", \"stage\": false");
	}
	else
	{
		if (!o->json)
			printf("stage      ok (%s)\n", c.j.stage_url);
		buf_puts(json, ", \"stage\": true");
	}
	if (c.j.odbc == NULL)
	{
		if (!o->json)
			printf("warehouse  not configured ([warehouse] odbc): plan and stage only\n");
		buf_puts(json, ", \"warehouse\": null");
	}
	else if (!wh_connect(c.j.odbc, &c.wh))
	{
		failures++;
		buf_puts(json, ", \"warehouse\": false");
	}
	else
	{
		if (!o->json)
			printf("warehouse  ok (%s)\n", c.d->name);
		buf_puts(json, ", \"warehouse\": true");
	}
	if (c.ntables > 0)
		report_tables(&c, NULL, false);
	ctx_close(&c);
	return failures ? EXIT_RUNTIME : EXIT_OK;
}

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
 * reconciling the deletes of every table that follows them (a load does
 * every reconcile_every loads).  Nothing when the job has no such table.
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
		if (!full && !t->deletes_none)
		{
			int		   *from = xcalloc((size_t) t->nkeys, sizeof(int));
			col_render *renders = xcalloc((size_t) t->nkeys, sizeof(col_render));

			/* the key columns alone, as the load stages them */
			table_def_keys(t, &keys[nincr], from);
			for (int k = 0; k < keys[nincr].ncols; k++)
				renders[k] = c->renders[i][from[k]];
			lts[nincr].keys_def = &keys[nincr];
			if (!snapshot_read_sql(c->src, &keys[nincr], renders, &sql))
				rc = EXIT_RUNTIME;
			strlist_push(queries, buf_detach(&sql));
			free(from);
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

		report_tables(&c, NULL, false);
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
					 "-- (and, where deletes are reconciled, every key: every reconcile_every\n"
					 "-- loads):\n\n");
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
		report_tables(&c, results, !load || c.j.keep);
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

/* Bytes in human units: "12.3 MiB". */
static char *
status_bytes(int64_t n, char *out, size_t size)
{
	static const char *const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
	double		v = (double) n;
	int			u = 0;

	while (v >= 1024 && u < 4)
	{
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(out, size, "%lld bytes", (long long) n);
	else
		snprintf(out, size, "%.1f %s", v, units[u]);
	return out;
}

/* A duration in human units: "45 s", "12 min", "3.5 h", "4.2 days". */
static char *
status_duration(double secs, char *out, size_t size)
{
	if (secs < 120)
		snprintf(out, size, "%.0f s", secs);
	else if (secs < 7200)
		snprintf(out, size, "%.0f min", secs / 60);
	else if (secs < 172800)
		snprintf(out, size, "%.1f h", secs / 3600);
	else
		snprintf(out, size, "%.1f days", secs / 86400);
	return out;
}

/*
 * A state row's loaded_at ("YYYY-MM-DD HH:MM:SS+00", sink_state_query) as
 * ISO 8601 into iso[32], and its age in seconds; false if it is not such.
 */
static bool
status_time(const char *text, char *iso, double *age)
{
	struct tm	tm = {0};
	int			y,
				mo,
				d,
				h,
				mi,
				sec;

	if (text == NULL || sscanf(text, "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6)
		return false;
	snprintf(iso, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, sec);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*age = log_wall_now() - (double) timegm(&tm);
	return true;
}

/* A job whose slot holds WAL and whose warehouse was not updated for this long */
#define STATUS_STALE_SECONDS (7 * 86400)

/*
 * The slot's side of status: how much WAL it holds back and whether the
 * server still keeps it.  A job that streams (the warehouse holds a
 * position) whose slot is gone or lost fails: returns false.  A source
 * that cannot be reached is a warning here.
 */
static bool
status_slot(cmd_ctx *c, const cmd_options *o, bool streams, double last_age)
{
	repl_slot_info slot;
	buf		   *json = report_members();
	char		human[32];
	char		ago[32];

	if (!source_connect(c->j.conninfo, false, &c->src) ||
		!repl_slot_lookup(c->src, c->j.slot, &slot))
	{
		log_warn("status: cannot read the replication slot %s from the source", c->j.slot);
		buf_puts(json, ", \"slot\": null");
		return true;
	}
	buf_puts(json, ", \"slot\": {\"name\": ");
	buf_put_json_string(json, c->j.slot);
	buf_printf(json, ", \"exists\": %s", slot.exists ? "true" : "false");
	if (slot.exists)
	{
		buf_printf(json, ", \"active\": %s, \"wal_status\": ", slot.active ? "true" : "false");
		buf_put_json_string(json, slot.wal_status);
		buf_printf(json, ", \"lag_bytes\": %lld, \"lag\": \"%s\"", (long long) slot.lag_bytes,
				   status_bytes(slot.lag_bytes, human, sizeof(human)));
	}
	buf_putc(json, '}');
	if (!slot.exists)
	{
		if (!streams)
		{
			if (!o->json)
				printf("slot %s: none (the job has not synced; snapshot loads need none)\n",
					   c->j.slot);
			return true;
		}
		log_error("source: replication slot %s is missing, though the warehouse holds a stream "
				  "position for job %s: its changes since can no longer be read; start over "
				  "with: wharf -c %s sync --resnapshot", c->j.slot, c->j.name, c->j.path);
		return false;
	}
	if (!o->json)
		printf("slot %s: wal_status %s, holding %s of WAL%s\n", c->j.slot,
			   slot.wal_status[0] ? slot.wal_status : "unknown",
			   status_bytes(slot.lag_bytes, human, sizeof(human)),
			   slot.active ? ", streaming now" : "");
	if (strcmp(slot.wal_status, "lost") == 0)
	{
		log_error("source: replication slot %s is lost: the WAL it needed was removed; start "
				  "over with: wharf -c %s sync --resnapshot", c->j.slot, c->j.path);
		return false;
	}
	if (slot.lag_bytes > 0 && last_age > STATUS_STALE_SECONDS)
		log_warn("job %s: the warehouse was last updated %s ago while slot %s holds %s of WAL "
				 "on the source; if the job is no longer run, retire it: wharf -c %s retire",
				 c->j.name, status_duration(last_age, ago, sizeof(ago)), c->j.slot,
				 status_bytes(slot.lag_bytes, human, sizeof(human)), c->j.path);
	return true;
}

/*
 * An incremental table's mark row (LOAD_MARK_KIND): a line into lines, and its entry
 * in json's "marks" list.  Its cursor comes from the job's section of the
 * table; a table a pattern selected goes by its pattern's.
 */
static void
status_mark(const job *j, const char *source_table, const char *mark, const char *iso,
			buf *json, buf *lines)
{
	size_t		n = strlen(source_table);
	char	   *table = xstrndup(source_table, n > 5 ? n - 5 : n);
	char	   *schema = NULL;
	char	   *name = NULL;
	const char *cursor = NULL;

	if (job_parse_qualified_name(table, &schema, &name))
	{
		int			i = job_find_table(j, schema, name);

		if (i >= 0)
			cursor = j->tables[i].cursor;
		for (int p = 0; cursor == NULL && p < j->npatterns; p++)
			if (job_glob_match(j->patterns[p].table.schema, schema) &&
				job_glob_match(j->patterns[p].table.name, name))
				cursor = j->patterns[p].table.cursor;
	}
	buf_printf(lines, "mark %s (%s): %s, loaded at %s\n", table, cursor ? cursor : "?",
			   mark && mark[0] ? mark : "none (no cursor value yet)", iso ? iso : "?");
	if (json->len > 0)
		buf_puts(json, ", ");
	buf_puts(json, "{\"table\": ");
	buf_put_json_string(json, table);
	buf_puts(json, ", \"cursor\": ");
	buf_put_json_string(json, cursor);
	buf_puts(json, ", \"mark\": ");
	buf_put_json_string(json, mark);
	buf_puts(json, ", \"loaded_at\": ");
	buf_put_json_string(json, iso);
	buf_putc(json, '}');
	free(schema);
	free(name);
	free(table);
}

int
cmd_status(const cmd_options *o)
{
	cmd_ctx		c;
	int			rc = ctx_job(o, &c);
	load_state	st = {0};
	bool		streams = false;
	double		last_age = 0;
	bool		any_age = false;

	if (rc == EXIT_OK)
		rc = ctx_warehouse(&c, "status");
	if (rc != EXIT_OK)
	{
		ctx_close(&c);
		return rc;
	}
	if (!load_state_read(c.wh, c.d, &c.j, &st))
		rc = EXIT_RUNTIME;
	else if (!st.exists)
	{
		log_error("status: there is no state table %s.%s: has a load run yet?",
				  job_state_schema(&c.j), c.j.state_table);
		rc = EXIT_RUNTIME;
	}
	else
	{
		buf		   *json = report_members();
		bool		header = false;
		buf			marks = BUF_INIT;
		buf			mark_lines = BUF_INIT;

		buf_puts(json, ", \"stream\": ");
		for (int r = 0; r < st.n; r++)
		{
			const load_state_row *row = &st.rows[r];
			const char *source = row->source_table;
			const char *lsn = row->lsn;
			const char *load_id = row->load_id;
			char		iso[32] = "";
			char		rows[24] = "";
			double		age = 0;
			char		ago[32];
			bool		timed = status_time(row->loaded_at, iso, &age);

			if (row->has_rows)
				snprintf(rows, sizeof(rows), "%lld", (long long) row->rows);

			if (timed && (!any_age || age < last_age))
			{
				last_age = age;
				any_age = true;
			}
			if (strcmp(source, LOAD_POSITION_ROW) == 0)
			{
				streams = true;
				buf_puts(json, "{\"position\": ");
				buf_put_json_string(json, lsn);
				buf_puts(json, ", \"batch\": ");
				buf_put_json_string(json, load_id);
				buf_puts(json, ", \"updated_at\": ");
				buf_put_json_string(json, timed ? iso : NULL);
				buf_putc(json, '}');
				if (!o->json)
					printf("stream position %s (batch %s, applied %s, %s ago)\n", lsn,
						   load_id ? load_id : "-", iso,
						   status_duration(age, ago, sizeof(ago)));
				continue;
			}
			if (strcmp(row->kind, LOAD_MARK_KIND) == 0)
			{
				status_mark(&c.j, source, row->target_table, timed ? iso : NULL, &marks,
							&mark_lines);
				continue;
			}
			if (load_state_row_is_detail(row))
				continue;
			{
				buf		   *t = report_table(source, row->target_table);

				buf_puts(t, ", \"kind\": ");
				buf_put_json_string(t, row->kind);
				buf_puts(t, ", \"lsn\": ");
				buf_put_json_string(t, lsn);
				buf_printf(t, ", \"rows\": %s, \"loaded_at\": ", row->has_rows ? rows : "null");
				buf_put_json_string(t, timed ? iso : NULL);
				buf_puts(t, ", \"load_id\": ");
				buf_put_json_string(t, load_id);
			}
			if (o->json)
				continue;
			if (!header)
				printf("%-32s %-32s %-9s %14s  %-20s %s\n", "TABLE", "TARGET", "KIND",
					   "ROWS LOADED", "LOADED AT", "LSN");
			header = true;
			printf("%-32s %-32s %-9s %14s  %-20s %s\n", source, row->target_table, row->kind,
				   rows, timed ? iso : "", lsn ? lsn : "-");
		}
		if (!streams)
			buf_puts(json, "null");
		buf_printf(json, ", \"marks\": [%s]", marks.data ? marks.data : "");
		buf_free(&marks);
		if (!o->json && mark_lines.len > 0)
			fputs(mark_lines.data, stdout);
		buf_free(&mark_lines);
		if (st.n == 0 && !o->json)
			printf("no loads recorded for job %s\n", c.j.name);
	}
	if (rc == EXIT_OK && !status_slot(&c, o, streams, any_age ? last_age : 0))
		rc = EXIT_RUNTIME;
	load_state_free(&st);
	ctx_close(&c);
	return rc;
}
