/*
 * check.c
 *    wharf check: reaches the source (and reads each table's catalog), the
 *    stage and the warehouse, and says what sync needs of the source;
 *    changes nothing.
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
		return false;			/* errors have already been logged */
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
			return false;			/* errors have already been logged */
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
		ctx_report_tables(&c, NULL, false);
	ctx_close(&c);
	return failures ? EXIT_RUNTIME : EXIT_OK;
}
