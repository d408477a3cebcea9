/*
 * report.c
 *    The run's summary: opening and closing log lines, the JSON object.
 */
#include "report.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* at most this many errors and warnings are kept for the object */
#define REPORT_MAX_MESSAGES 50

typedef struct report_entry
{
	char	   *name;
	buf			members;
} report_entry;

static struct
{
	const char *version;
	const char *command;
	const char *what;
	bool		json;
	double		started;		/* wall clock */
	double		started_mono;
	char	   *job;
	char	   *job_path;
	strlist		job_tables;
	strlist		errors;			/* each a JSON object */
	strlist		warnings;		/* each a JSON string */
	int			dropped;		/* messages past REPORT_MAX_MESSAGES */
	buf			members;
	report_entry *tables;
	int			ntables;
} rpt;

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;

/*
 * The part of the flow an error message names: wharf's messages start with
 * it ("source: ...", "warehouse connection lost: ...") or, for the job file,
 * with the file's path; an object-storage error names its s3:// URL.
 */
static const char *
report_part(const char *message)
{
	static const char *const parts[] = {"source", "stage", "warehouse", "sync", "status"};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
	{
		size_t		n = strlen(parts[i]);

		if (strncmp(message, parts[i], n) == 0 && (message[n] == ':' || message[n] == ' '))
			return strcmp(parts[i], "status") == 0 ? "warehouse" : parts[i];
	}
	if (rpt.job_path && strncmp(message, rpt.job_path, strlen(rpt.job_path)) == 0)
		return "job";
	if (strstr(message, "s3://") != NULL)
		return "stage";
	return NULL;
}

/* The job's table an error message names (the longest name found), or NULL. */
static const char *
report_culprit_table(const char *message)
{
	const char *best = NULL;

	for (int i = 0; i < rpt.job_tables.n; i++)
		if (strstr(message, rpt.job_tables.items[i]) != NULL &&
			(best == NULL || strlen(rpt.job_tables.items[i]) > strlen(best)))
			best = rpt.job_tables.items[i];
	return best;
}

static void
report_on_log(log_level level, const char *message)
{
	buf			item = BUF_INIT;

	if (level > LOG_WARN)
		return;
	pthread_mutex_lock(&report_lock);
	if (rpt.errors.n + rpt.warnings.n >= REPORT_MAX_MESSAGES)
	{
		rpt.dropped++;
		pthread_mutex_unlock(&report_lock);
		return;
	}
	if (level == LOG_ERROR)
	{
		const char *part = report_part(message);
		const char *table = report_culprit_table(message);

		buf_puts(&item, "{\"message\": ");
		buf_put_json_string(&item, message);
		buf_puts(&item, ", \"part\": ");
		if (part)
			buf_put_json_string(&item, part);
		else
			buf_puts(&item, "null");
		buf_puts(&item, ", \"table\": ");
		if (table)
			buf_put_json_string(&item, table);
		else
			buf_puts(&item, "null");
		buf_putc(&item, '}');
		strlist_push(&rpt.errors, buf_detach(&item));
	}
	else
	{
		buf_put_json_string(&item, message);
		strlist_push(&rpt.warnings, buf_detach(&item));
	}
	pthread_mutex_unlock(&report_lock);
}

void
report_begin(const char *version, const char *command, const char *what,
			 const char *job_path, bool json)
{
	memset(&rpt, 0, sizeof(rpt));
	rpt.job_path = xstrdup(job_path);
	rpt.version = version;
	rpt.command = command;
	rpt.what = what;
	rpt.json = json;
	rpt.started = log_wall_now();
	rpt.started_mono = log_monotonic_now();
	log_set_listener(report_on_log);
}

void
report_job(const char *name, char **tables, int ntables)
{
	/* a run that starts again (sync --follow after an outage) opened already */
	if (rpt.job != NULL)
		return;
	rpt.job = xstrdup(name);
	for (int i = 0; i < ntables; i++)
		strlist_add(&rpt.job_tables, tables[i]);
	log_set_job(name);
	log_info("%s of job %s (%s, %d table%s): %s", rpt.command, name, rpt.job_path,
			 ntables, ntables == 1 ? "" : "s", rpt.what);
}

buf *
report_members(void)
{
	return &rpt.members;
}

buf *
report_table(const char *name, const char *target)
{
	report_entry *e;

	for (int i = 0; i < rpt.ntables; i++)
		if (strcmp(rpt.tables[i].name, name) == 0)
			return &rpt.tables[i].members;
	rpt.tables = xrealloc(rpt.tables, sizeof(report_entry) * (size_t) (rpt.ntables + 1));
	e = &rpt.tables[rpt.ntables++];
	e->name = xstrdup(name);
	buf_init(&e->members);
	buf_puts(&e->members, "{\"table\": ");
	buf_put_json_string(&e->members, name);
	buf_puts(&e->members, ", \"target\": ");
	if (target)
		buf_put_json_string(&e->members, target);
	else
		buf_puts(&e->members, "null");
	return &e->members;
}

static void
report_list(buf *out, const char *key, const strlist *items)
{
	buf_printf(out, ", \"%s\": [", key);
	for (int i = 0; i < items->n; i++)
		buf_printf(out, "%s%s", i ? ", " : "", items->items[i]);
	buf_putc(out, ']');
}

/*
 * out with every registered secret masked inside its string literals only,
 * so that a short secret cannot mangle the object's keys or numbers.
 */
static char *
report_scrub_strings(const char *json)
{
	buf			clean = BUF_INIT;
	const char *p = json;

	while (*p)
	{
		const char *end;
		char	   *literal;
		char	   *masked;

		if (*p != '"')
		{
			buf_putc(&clean, *p++);
			continue;
		}
		for (end = p + 1; *end && *end != '"'; end++)
			if (*end == '\\' && end[1])
				end++;
		literal = xstrndup(p, (size_t) (end - p) + (*end ? 1 : 0));
		masked = log_scrub(literal);
		buf_puts(&clean, masked);
		free(masked);
		free(literal);
		p = *end ? end + 1 : end;
	}
	return buf_detach(&clean);
}

static void
report_print(int exit_code, double finished, double seconds)
{
	buf			out = BUF_INIT;
	char		t0[32];
	char		t1[32];
	char	   *clean;

	buf_puts(&out, "{\"wharf\": ");
	buf_put_json_string(&out, rpt.version);
	buf_puts(&out, ", \"command\": ");
	buf_put_json_string(&out, rpt.command);
	buf_puts(&out, ", \"job\": ");
	if (rpt.job)
		buf_put_json_string(&out, rpt.job);
	else
		buf_puts(&out, "null");
	buf_printf(&out, ", \"ok\": %s, \"exit_code\": %d, \"started_at\": \"%s\", "
			   "\"finished_at\": \"%s\", \"duration_s\": %.3f",
			   exit_code == 0 ? "true" : "false", exit_code,
			   log_iso_time(rpt.started, t0), log_iso_time(finished, t1), seconds);
	report_list(&out, "errors", &rpt.errors);
	report_list(&out, "warnings", &rpt.warnings);
	if (rpt.dropped > 0)
		buf_printf(&out, ", \"messages_dropped\": %d", rpt.dropped);
	buf_puts(&out, ", \"tables\": [");
	for (int i = 0; i < rpt.ntables; i++)
		buf_printf(&out, "%s%s}", i ? ", " : "", rpt.tables[i].members.data);
	buf_putc(&out, ']');
	if (rpt.members.data)
		buf_puts(&out, rpt.members.data);
	buf_putc(&out, '}');
	clean = report_scrub_strings(out.data);
	printf("%s\n", clean);
	fflush(stdout);
	free(clean);
	buf_free(&out);
}

void
report_close(int exit_code)
{
	double		seconds = log_monotonic_now() - rpt.started_mono;

	log_progress_done();
	if (exit_code == 0)
		log_info("%s finished in %.1f s", rpt.command, seconds);
	else
		log_info("%s failed after %.1f s (exit code %d)", rpt.command, seconds, exit_code);
}

int
report_end(int exit_code)
{
	double		finished = log_wall_now();
	double		seconds = log_monotonic_now() - rpt.started_mono;

	/* nothing more is kept from here on */
	log_set_listener(NULL);
	if (rpt.json)
		report_print(exit_code, finished, seconds);
	free(rpt.job);
	free(rpt.job_path);
	strlist_free(&rpt.job_tables);
	strlist_free(&rpt.errors);
	strlist_free(&rpt.warnings);
	buf_free(&rpt.members);
	for (int i = 0; i < rpt.ntables; i++)
	{
		free(rpt.tables[i].name);
		buf_free(&rpt.tables[i].members);
	}
	free(rpt.tables);
	memset(&rpt, 0, sizeof(rpt));
	return exit_code;
}
