/*
 * status.c
 *    wharf status: the last load of each table, the stream position, the
 *    incremental marks and the slot, from the warehouse's state table and
 *    the source.
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
	char	   *table = NULL;
	char	   *schema = NULL;
	char	   *name = NULL;
	const char *cursor = NULL;

	if (!load_mark_row_parse(source_table, &table))
		table = xstrdup(source_table);
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
