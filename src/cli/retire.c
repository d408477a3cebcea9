/*
 * retire.c
 *    `wharf retire`: ends a job's change data capture on the source, and on
 *    request its traces in the warehouse.
 *
 * Retiring drops the job's replication slot (which otherwise holds WAL back
 * for ever) and the publications wharf made for it, never a publication a
 * DBA made (use_publication).  --drop-state also deletes the job's rows
 * from the state table, so that a later sync of the job starts over;
 * --drop-tables also drops the warehouse tables its state rows record it
 * loaded (tables that left the job stay, as sync leaves them).  Nothing
 * happens without --yes: without it, retire prints what it would drop and
 * exits with the usage code.  Each step is idempotent, so a retire stopped
 * half-way finishes when run again: tables are dropped before the state
 * rows that name them are deleted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_ctx.h"
#include "commands.h"
#include "load.h"
#include "log.h"
#include "report.h"
#include "replication.h"
#include "sink.h"
#include "source.h"
#include "warehouse.h"

/* What retiring the job drops, as found before anything is dropped. */
typedef struct retire_plan
{
	repl_slot_info slot;
	strlist		publications;	/* wharf's own, that exist */
	bool		state_exists;	/* the state table is there */
	int			state_rows;		/* the job's rows in it */
	strlist		table_schemas;	/* warehouse tables its state rows record it loaded */
	strlist		table_names;
	strlist		kept;			/* tables that left the job: kept (display names) */
} retire_plan;

static void
retire_plan_free(retire_plan *p)
{
	strlist_free(&p->publications);
	strlist_free(&p->table_schemas);
	strlist_free(&p->table_names);
	strlist_free(&p->kept);
}

/*
 * The job's state rows and the warehouse tables they record: one row per
 * table it loaded (not the position, partition or column rows).  A missing
 * state table holds nothing.
 */
static bool
retire_read_warehouse(cmd_ctx *c, retire_plan *p)
{
	load_state	st;
	bool		ok = load_state_read(c->wh, c->d, &c->j, &st);

	p->state_exists = ok && st.exists;
	for (int r = 0; ok && r < st.n; r++)
	{
		const load_state_row *row = &st.rows[r];
		char	   *tschema = NULL;
		char	   *tname = NULL;

		p->state_rows++;
		if (strcmp(row->source_table, LOAD_POSITION_ROW) == 0 || load_state_row_is_detail(row) ||
			strcmp(row->kind, LOAD_MARK_KIND) == 0)
			continue;
		if (strcmp(row->kind, "removed") == 0)
		{
			strlist_add(&p->kept, row->target_table);
			continue;
		}
		/* the target as recorded: a name as written in SQL */
		if (!job_parse_qualified_name(row->target_table, &tschema, &tname))
		{
			log_error("retire: job %s: the state table records target table %s, which is no "
					  "table name", c->j.name, row->target_table);
			ok = false;
		}
		else
		{
			strlist_push(&p->table_schemas, tschema);
			strlist_push(&p->table_names, tname);
		}
	}
	wh_rollback(c->wh);
	load_state_free(&st);
	return ok;
}

/* Warehouse table number i of the plan, as SQL names it (caller frees). */
static char *
retire_table_name(const retire_plan *p, int i)
{
	table_def	t = {0};

	t.schema = p->table_schemas.items[i];
	t.name = p->table_names.items[i];
	return table_display_name(&t);
}

/* Prints what retiring drops (or, with done, dropped). */
static void
retire_print(const cmd_ctx *c, const cmd_options *o, const retire_plan *p, bool done)
{
	const char *schema = job_state_schema(&c->j);
	const char *verb = done ? "dropped" : "would drop";

	printf("%s job %s:\n", done ? "retired" : "retiring would end", c->j.name);
	if (p->slot.exists)
		printf("  %s replication slot %s\n", verb, c->j.slot);
	else
		printf("  replication slot %s: none\n", c->j.slot);
	for (int i = 0; i < p->publications.n; i++)
		printf("  %s publication %s\n", verb, p->publications.items[i]);
	if (p->publications.n == 0)
		printf("  publications of wharf: none\n");
	if (c->j.use_publication)
		printf("  keeps publication %s: a DBA made it (use_publication)\n", c->j.use_publication);
	if (!o->drop_state && !o->drop_tables)
	{
		printf("  keeps the warehouse tables and the job's state rows (--drop-state, --drop-tables)\n");
		return;
	}
	for (int i = 0; o->drop_tables && i < p->table_names.n; i++)
	{
		char	   *name = retire_table_name(p, i);

		printf("  %s warehouse table %s\n", verb, name);
		free(name);
	}
	for (int i = 0; o->drop_tables && i < p->kept.n; i++)
		printf("  keeps warehouse table %s: it left the job before\n", p->kept.items[i]);
	if (!o->drop_tables && p->table_names.n > 0)
		printf("  keeps the %d warehouse table%s the job loaded (--drop-tables)\n",
			   p->table_names.n, p->table_names.n == 1 ? "" : "s");
	printf("  %s the job's %d state row%s in %s.%s\n", done ? "deleted" : "would delete",
		   p->state_rows, p->state_rows == 1 ? "" : "s", schema, c->j.state_table);
}

/*
 * retire's members of the run's summary (report.h): whether it dropped,
 * the slot, the publications, the state rows and, as the summary's
 * tables, the warehouse tables (dropped or to drop).
 */
static void
retire_report(const cmd_ctx *c, const cmd_options *o, const retire_plan *p, bool done)
{
	buf		   *json = report_members();

	buf_printf(json, ", \"done\": %s, \"slot\": ", done ? "true" : "false");
	buf_put_json_string(json, p->slot.exists ? c->j.slot : NULL);
	buf_puts(json, ", \"publications\": [");
	for (int i = 0; i < p->publications.n; i++)
	{
		if (i)
			buf_puts(json, ", ");
		buf_put_json_string(json, p->publications.items[i]);
	}
	buf_printf(json, "], \"state_rows\": %d",
			   o->drop_state || o->drop_tables ? p->state_rows : 0);
	for (int i = 0; o->drop_tables && i < p->table_names.n; i++)
	{
		char	   *name = retire_table_name(p, i);

		buf_printf(report_table(name, name), ", \"dropped\": %s", done ? "true" : "false");
		free(name);
	}
}

/* Drops what the plan found: the source's first, then the warehouse's. */
static bool
retire_run(cmd_ctx *c, const cmd_options *o, const retire_plan *p)
{
	const char *schema = job_state_schema(&c->j);
	strlist		script = {0};
	bool		ok = true;

	if (p->slot.exists)
	{
		ok = repl_slot_drop(c->src, c->j.slot);
		if (ok)
			log_info("dropped replication slot %s", c->j.slot);
	}
	ok = ok && source_drop_publications(c->src, &p->publications);
	if (!ok || (!o->drop_state && !o->drop_tables) || !p->state_exists)
		return ok;
	/* each table on its own, committed, then the rows that name them */
	for (int i = 0; ok && o->drop_tables && i < p->table_names.n; i++)
	{
		sink_drop_table(c->d, &script, p->table_schemas.items[i], p->table_names.items[i]);
		ok = wh_exec_alone(c->wh, script.items[script.n - 1]);
	}
	strlist_free(&script);
	sink_state_forget_job(c->d, &script, schema, c->j.state_table, c->j.name);
	ok = ok && wh_exec(c->wh, script.items[0], NULL);
	ok = ok ? wh_commit(c->wh) : (wh_rollback(c->wh), false);
	if (ok)
		log_info("deleted the state rows of job %s", c->j.name);
	strlist_free(&script);
	return ok;
}

int
cmd_retire(const cmd_options *o)
{
	cmd_ctx		c;
	retire_plan p = {0};
	int			rc = ctx_job(o, &c);
	bool		ok;

	if (rc == EXIT_OK && (o->drop_state || o->drop_tables))
		rc = ctx_warehouse(&c, "retire --drop-state or --drop-tables");
	if (rc != EXIT_OK)
	{
		ctx_close(&c);
		return rc;
	}
	/* the job lock: no sync of the job runs while it retires */
	ok = source_connect(c.j.conninfo, false, &c.src) &&
		source_lock_job(c.src, &c.j) &&
		repl_slot_lookup(c.src, c.j.slot, &p.slot) &&
		source_job_publications(c.src, &c.j, &p.publications) &&
		(c.wh == NULL || retire_read_warehouse(&c, &p));
	if (ok && p.slot.exists && p.slot.active)
	{
		log_error("retire: replication slot %s is in use by process %d: stop what streams from it "
				  "first", c.j.slot, p.slot.active_pid);
		ok = false;
	}
	if (ok && !o->confirm)
	{
		retire_report(&c, o, &p, false);
		if (!o->json)
			retire_print(&c, o, &p, false);
		log_error("retire: nothing was changed: run again with --yes to drop the above");
		retire_plan_free(&p);
		ctx_close(&c);
		return EXIT_USAGE;
	}
	ok = ok && retire_run(&c, o, &p);
	retire_report(&c, o, &p, ok);
	if (ok && !o->json)
		retire_print(&c, o, &p, true);
	retire_plan_free(&p);
	ctx_close(&c);
	return ok ? EXIT_OK : EXIT_RUNTIME;
}
