/*
 * job.c
 *    The job file: a small INI reader, ${NAME} expansion from the
 *    environment, validation of every key, and registration of the secrets
 *    the file holds with the log scrubber: the key tables, sections and
 *    the checks of the whole file.  The INI syntax is read by ini.c, each
 *    value checked and stored by values.c, SQL names and patterns parsed
 *    by names.c, the passwords of connection strings found by secrets.c.
 *
 * We read INI ourselves rather than through Debian's libinih (r55), whose
 * line length can be raised at run time but which, as built, (1) calls no
 * handler for a section without keys, so "[table public.t]" alone would
 * vanish; (2) ends a header at a ']' inside double quotes; (3) starts an
 * inline comment at a ';' inside double quotes, cutting
 * Pwd="a ;b" short without an error; and (4) gives its handler no line
 * number, which every message here starts with.  test_job.c keeps a case
 * of each.  The syntax:
 *
 *  - "[name]" starts a section; "[table NAME]" names a source table as in
 *    SQL ("[table public."Order Lines"]"; "[table customers]" is
 *    public.customers).  A ']' inside double quotes does not end the header.
 *    A name with an unquoted '*' or '?' is a pattern ("[table sales.*]",
 *    job_pattern), each of its parts quoted names (literal, their glob
 *    characters escaped) and unquoted runs (folded) one after the other;
 *    the source module selects its tables (source_select_tables).
 *  - "key = value": the key is everything before the first '=', the value
 *    everything after it; both are trimmed of spaces and tabs.
 *  - A line whose first non-blank character is ';' or '#' is a comment.  In
 *    a value, ';' or '#' starts a comment only when it follows a space or a
 *    tab and is outside double quotes, so "Driver=X;Server=y" stays whole.
 *  - Lines have no length limit; a UTF-8 byte order mark at the start is
 *    skipped; CRLF line ends are accepted.
 *
 * Quoting.  Double quotes in a value must pair up (an odd number of '"' is
 * an error).  For every key but "key", a value that begins with '"' must be
 * one double-quoted string: the quotes are removed and "" inside stands for
 * one '"'.  That keeps leading or trailing blanks and a " ;" or " #" that
 * would otherwise start a comment.  A value that does not begin with '"' is
 * taken as written, quotes included (conninfo = application_name="a b" is
 * passed on untouched).  The names (the "key" list, schema, state_table and
 * [table ...] headers) use SQL identifier syntax instead, where double
 * quotes delimit one name and unquoted names fold to lower case.
 *
 * Expansion.  After the quotes are removed (for names: before the name is
 * parsed), "${NAME}" is replaced by the environment variable NAME (an unset
 * variable is an error), "$$" by one '$'; any other '$' stays as it is.
 * Expanded text is not scanned again.
 *
 * Values.  An empty value is an error for every key (write
 * conninfo = postgresql:// to take everything from the PG* environment).
 * Sizes are a whole number with an optional unit B, kB/KB, MB, GB, KiB, MiB,
 * GiB, all powers of 1024 as in postgresql.conf; durations a whole number
 * with an optional unit s, min or h (none: seconds).  Enumerations and booleans
 * are matched without regard to case.  The default slot and publication are
 * wharf_<name> with the name folded to lower case (slot names allow no
 * upper case).  schema and state_table are single SQL identifiers.  Names
 * longer than 63 bytes (Postgres' NAMEDATALEN - 1) are rejected rather
 * than truncated.
 *
 * exclude_columns is a list of column names like "key" (none of them may
 * be a "key" column); exclude_tables, in a pattern section only, a list of
 * patterns written like the header's.  A pattern section's other keys are
 * those of every table it selects.
 *
 * "key" is allowed with mode = append: append needs no key, but a list that
 * is given is parsed and kept in job_table.key for whoever wants to order
 * rows by it (nothing checks it against the table in append mode: the
 * source module reads keys for merge mode only).  deletes = soft with
 * mode = append is an error, as append never deletes.  refresh (replace
 * or merge) is how a snapshot brings a loaded merge table with hard
 * deletes in line; other tables ignore it.  iam_role and
 * storage_integration are
 * accepted with any dialect, and the S3 keys with a file:// stage; those
 * that do not apply are ignored, so switching a dialect or a stage URL needs
 * no other edit.
 *
 * Secrets.  secret_access_key, password=... in a key/value conninfo, the
 * password of a postgres:// URI (also "?password="), and PWD=/Password= in
 * the ODBC string (with or without {braces}) are registered with
 * log_secret_register as soon as they are expanded, both as written and as
 * decoded, and are never echoed in messages.  job_load warns when a file
 * readable by group or others holds one of them literally rather than
 * through ${...}.
 */
#include "job.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "job_int.h"
#include "log.h"
#include "sink.h"


const char *const section_names[NUM_SECTIONS] = {
	"job", "source", "stage", "warehouse", "sync", "table"
};


/* The keys of the fixed sections, [job] to [sync], with their checks and defaults. */
static const key_def job_keys[] = {
	{SEC_JOB, "name", V_JOB_NAME, JOBF(name), true, 0, 0, NULL},
	{SEC_SOURCE, "conninfo", V_CONNINFO, JOBF(conninfo), true, 0, 0, NULL},
	{SEC_SOURCE, "slot", V_SLOT, JOBF(slot), false, 0, 0, NULL},
	{SEC_SOURCE, "publication", V_PUBLICATION, JOBF(publication), false, 0, 0, NULL},
	{SEC_SOURCE, "use_publication", V_PUBLICATION, JOBF(use_publication), false, 0, 0, NULL},
	{SEC_SOURCE, "parallel", V_INT, JOBF(parallel), false, 1, 16, "2"},
	{SEC_SOURCE, "batch_interval", V_INT, JOBF(batch_interval), false, 1, 86400, "5"},
	{SEC_SOURCE, "batch_size", V_SIZE, JOBF(batch_size), false, 0, 0, "256MB"},
	{SEC_SOURCE, "heartbeat", V_INT, JOBF(heartbeat), false, 0, 86400, NULL},
	{SEC_STAGE, "url", V_URL, JOBF(stage_url), true, 0, 0, NULL},
	{SEC_STAGE, "endpoint", V_ENDPOINT, JOBF(endpoint), false, 0, 0, NULL},
	{SEC_STAGE, "region", V_REGION, JOBF(region), false, 0, 0, "us-east-1"},
	{SEC_STAGE, "access_key_id", V_TEXT, JOBF(access_key_id), false, 0, 0, NULL},
	{SEC_STAGE, "secret_access_key", V_SECRET, JOBF(secret_access_key), false, 0, 0, NULL},
	{SEC_STAGE, "part_size", V_SIZE, JOBF(part_size), false, 0, 0, "64MB"},
	{SEC_STAGE, "compression", V_INT, JOBF(compression), false, 1, 9, "1"},
	{SEC_STAGE, "keep", V_BOOL, JOBF(keep), false, 0, 0, NULL},
	{SEC_STAGE, "retries", V_INT, JOBF(retries), false, 1, 20, "6"},
	{SEC_WAREHOUSE, "dialect", V_DIALECT, JOBF(dialect), true, 0, 0, NULL},
	{SEC_WAREHOUSE, "odbc", V_ODBC, JOBF(odbc), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "schema", V_IDENT, JOBF(schema), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "state_table", V_IDENT, JOBF(state_table), false, 0, 0, "wharf_state"},
	{SEC_WAREHOUSE, "iam_role", V_ARN, JOBF(iam_role), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "storage_integration", V_TEXT, JOBF(storage_integration), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "keep_case", V_BOOL, JOBF(keep_case), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "synced_at_column", V_IDENT, JOBF(synced_at_column), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "lsn_column", V_IDENT, JOBF(lsn_column), false, 0, 0, NULL},
	{SEC_WAREHOUSE, "op_column", V_IDENT, JOBF(op_column), false, 0, 0, NULL},
	{SEC_SYNC, "retry_for", V_DURATION, JOBF(retry_for), false, 0, 7 * 86400, "10min"},
	{SEC_SYNC, "retry_max_wait", V_DURATION, JOBF(retry_max_wait), false, 1, 3600, "30s"},
};

/* The keys of a [table ...] section (a pattern section's too). */
static const key_def table_keys[] = {
	{SEC_TABLE, "key", V_KEYLIST, TABF(key), false, 0, 0, NULL},
	{SEC_TABLE, "mode", V_MODE, TABF(mode), false, 0, 0, NULL},
	{SEC_TABLE, "deletes", V_DELETES, TABF(deletes), false, 0, 0, NULL},
	{SEC_TABLE, "refresh", V_REFRESH, TABF(refresh), false, 0, 0, NULL},
	{SEC_TABLE, "exclude_columns", V_COLUMNS, TABF(exclude_columns), false, 0, 0, NULL},
	{SEC_TABLE, "cursor", V_IDENT, TABF(cursor), false, 0, 0, NULL},
	{SEC_TABLE, "lookback", V_DURATION, TABF(lookback), false, 0, 366 * 86400, NULL},
	{SEC_TABLE, "reconcile_every", V_INT, TABF(reconcile_every), false, 1, 1000000, NULL},
	/* pattern sections only: kept in the job_pattern that holds the job_table */
	{SEC_TABLE, "exclude_tables", V_TABLE_PATTERNS, 0, false, 0, 0, NULL},
};

#define NUM_JOB_KEYS ((int) (sizeof(job_keys) / sizeof(job_keys[0])))
#define NUM_TABLE_KEYS ((int) (sizeof(table_keys) / sizeof(table_keys[0])))

/* job_int.h sizes the parser's key lines by these counts */
_Static_assert(NUM_JOB_KEYS == JOB_NUM_JOB_KEYS, "JOB_NUM_JOB_KEYS is job_keys' count");
_Static_assert(NUM_TABLE_KEYS == JOB_NUM_TABLE_KEYS, "JOB_NUM_TABLE_KEYS is table_keys' count");




/* ---------------------------------------------------------------------
 * Small helpers
 * --------------------------------------------------------------------- */


/*
 * Reports one problem: "path:line: [section] message".  line 0 leaves the
 * line out, header NULL the section.  Always returns false.
 */
bool
job_parse_error(parser *p, int line, const char *header, const char *fmt,...)
{
	buf			msg = BUF_INIT;
	va_list		ap;

	buf_puts(&msg, p->path);
	if (line > 0)
		buf_printf(&msg, ":%d", line);
	buf_puts(&msg, ": ");
	if (header)
		buf_printf(&msg, "%s ", header);
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	log_error("%s", msg.data);
	buf_free(&msg);
	return false;
}

/*
 * Registers the secrets of an expanded value; notes (for the permission
 * warning) whether the text as written holds one literally.
 */
static void
note_secrets(parser *p, const key_def *kd, const char *written,
			 const char *expanded, bool expanded_any)
{
	strlist		found = {NULL, 0, 0};
	bool		literal = false;

	if (kd->kind == V_SECRET)
	{
		log_secret_register(expanded);
		literal = !expanded_any;
	}
	else
	{
		void		(*extract) (const char *, strlist *) =
			kd->kind == V_CONNINFO ? job_conninfo_passwords : job_odbc_passwords;

		extract(written, &found);
		for (int i = 0; i < found.n; i++)
			if (strstr(found.items[i], "${") == NULL)
				literal = true;
		strlist_free(&found);
		extract(expanded, &found);
		for (int i = 0; i < found.n; i++)
			log_secret_register(found.items[i]);
		strlist_free(&found);
	}
	if (literal && p->literal_secret == NULL)
		p->literal_secret = kd->kind == V_SECRET ? "[stage] secret_access_key" :
			kd->kind == V_CONNINFO ? "a password in [source] conninfo" :
			"a password in [warehouse] odbc";
}


/* ---------------------------------------------------------------------
 * Values
 * --------------------------------------------------------------------- */

/*
 * Removes the double quotes around a value that begins with one.  The
 * reader has already checked that quotes pair up.
 */
static bool
unquote_value(parser *p, const char *key, const char *raw, char **out)
{
	buf			b = BUF_INIT;
	const char *s = raw + 1;

	if (raw[0] != '"')
	{
		*out = xstrdup(raw);
		return true;
	}
	for (;;)
	{
		if (*s == '\0')
		{
			buf_free(&b);
			return job_parse_error(p, p->line, p->cur_header,
							   "%s: unterminated double-quoted value", key);
		}
		if (*s == '"')
		{
			if (s[1] != '"')
				break;
			s++;
		}
		buf_putc(&b, *s++);
	}
	if (s[1] != '\0')
	{
		buf_free(&b);
		return job_parse_error(p, p->line, p->cur_header,
						   "%s: text after the closing double quote "
						   "(quote the whole value, doubling any \" inside)", key);
	}
	*out = buf_detach(&b);
	return true;
}

/* ${NAME} and $$ expansion; *any says whether a variable was used. */
static bool
expand_value(parser *p, const char *key, const char *text, char **out, bool *any)
{
	buf			b = BUF_INIT;
	const char *s = text;

	*any = false;
	while (*s)
	{
		if (s[0] == '$' && s[1] == '$')
		{
			buf_putc(&b, '$');
			s += 2;
		}
		else if (s[0] == '$' && s[1] == '{')
		{
			const char *name = s + 2;
			const char *end = strchr(name, '}');
			char	   *var;
			const char *val;
			bool		ok = true;

			if (end == NULL)
			{
				buf_free(&b);
				return job_parse_error(p, p->line, p->cur_header,
								   "%s: unterminated \"${\" (write $$ for a literal $)",
								   key);
			}
			var = xstrndup(name, (size_t) (end - name));
			if (var[0] == '\0' || (var[0] >= '0' && var[0] <= '9'))
				ok = false;
			for (const char *c = var; *c; c++)
				if (!(isalnum((unsigned char) *c) || *c == '_'))
					ok = false;
			if (!ok)
			{
				job_parse_error(p, p->line, p->cur_header,
							"%s: bad environment variable name \"${%s}\"", key, var);
				free(var);
				buf_free(&b);
				return false;
			}
			val = getenv(var);
			if (val == NULL)
			{
				job_parse_error(p, p->line, p->cur_header,
							"%s: environment variable \"%s\" is not set", key, var);
				free(var);
				buf_free(&b);
				return false;
			}
			buf_puts(&b, val);
			free(var);
			*any = true;
			s = end + 1;
		}
		else
			buf_putc(&b, *s++);
	}
	*out = buf_detach(&b);
	return true;
}




/* ---------------------------------------------------------------------
 * The reader
 * --------------------------------------------------------------------- */

/* The keys of section kind sec (job_keys or table_keys), into *n. */
static const key_def *
section_keys(section_kind sec, int *n)
{
	*n = sec == SEC_TABLE ? NUM_TABLE_KEYS : NUM_JOB_KEYS;
	return sec == SEC_TABLE ? table_keys : job_keys;
}

/* The index of key in its section's key table, or -1. */
static int
key_index(section_kind sec, const char *key)
{
	int			n;
	const key_def *keys = section_keys(sec, &n);

	for (int i = 0; i < n; i++)
		if (keys[i].section == sec && strcmp(keys[i].name, key) == 0)
			return i;
	return -1;
}

static bool
unknown_key(parser *p, const char *key)
{
	const char *best = NULL;
	int			bestd = 1000;
	int			n;
	const key_def *keys = section_keys(p->cur, &n);

	for (int i = 0; i < n; i++)
	{
		int			d;

		if (keys[i].section != p->cur)
			continue;
		d = job_edit_distance(key, keys[i].name);
		if (d < bestd && job_close_enough(keys[i].name, d))
		{
			best = keys[i].name;
			bestd = d;
		}
	}
	if (best)
		return job_parse_error(p, p->line, p->cur_header,
						   "unknown key \"%s\" (did you mean \"%s\"?)", key, best);
	for (int t = 0; t < 2; t++)
	{
		keys = t == 0 ? job_keys : table_keys;
		n = t == 0 ? NUM_JOB_KEYS : NUM_TABLE_KEYS;
		for (int i = 0; i < n; i++)
			if (strcmp(keys[i].name, key) == 0)
				return job_parse_error(p, p->line, p->cur_header,
								   "unknown key \"%s\" (it belongs in [%s])", key,
								   section_names[keys[i].section]);
	}
	return job_parse_error(p, p->line, p->cur_header, "unknown key \"%s\"", key);
}

static bool
handle_pair(parser *p, const char *key, const char *raw)
{
	int			ki;
	const key_def *kd;
	int		   *seen;
	char	   *written = NULL;
	char	   *value = NULL;
	bool		any;

	if (p->cur == SEC_NONE)
		return job_parse_error(p, p->line, NULL,
						   "key \"%s\" outside any [section]", key);
	ki = key_index(p->cur, key);
	if (ki < 0)
		return unknown_key(p, key);
	kd = p->cur == SEC_TABLE ? &table_keys[ki] : &job_keys[ki];
	seen = p->cur == SEC_TABLE ? &p->cur_tinfo->key_line[ki] : &p->key_line[ki];
	if (*seen)
		return job_parse_error(p, p->line, p->cur_header,
						   "duplicate key \"%s\" (first set at line %d)", key, *seen);
	*seen = p->line;

	if (raw[0] == '\0')
		return job_parse_error(p, p->line, p->cur_header,
						   "%s: empty value (leave the key out to take the default)",
						   key);
	if (kd->kind == V_KEYLIST || kd->kind == V_IDENT || kd->kind == V_COLUMNS ||
		kd->kind == V_TABLE_PATTERNS)
		written = xstrdup(raw);
	else if (!unquote_value(p, key, raw, &written))
		return false;			/* errors have already been logged */
	if (!expand_value(p, key, written, &value, &any))
	{
		free(written);
		return false;
	}
	if (kd->kind == V_SECRET || kd->kind == V_CONNINFO || kd->kind == V_ODBC)
		note_secrets(p, kd, written, value, any);
	free(written);
	if (value[0] == '\0')
	{
		free(value);
		return job_parse_error(p, p->line, p->cur_header, any ?
						   "%s: empty value after expanding the environment" :
						   "%s: empty value", key);
	}
	return job_set_value(p, kd, value);
}

/* Whether a [table ...] header's name holds an unquoted '*' or '?'. */
static bool
is_pattern_header(const char *name)
{
	bool		inq = false;

	for (const char *c = name; *c; c++)
	{
		if (*c == '"')
			inq = !inq;
		else if (!inq && (*c == '*' || *c == '?'))
			return true;
	}
	return false;
}

/* A pattern section, [table public.*] (content is the header's text). */
static bool
add_pattern(parser *p, const char *content, const char *text)
{
	const char *s = text;
	char	   *schema;
	char	   *name;
	char	   *err = NULL;
	bool		wild = false;
	job_pattern *pat;

	if (!job_parse_pattern(&s, &schema, &name, &wild, &err))
	{
		job_parse_error(p, p->line, NULL, "bad table pattern in [%s]: %s", content, err);
		free(err);
		return false;
	}
	if (*s != '\0')
	{
		job_parse_error(p, p->line, NULL, "bad table pattern in [%s]: one pattern per section "
					"(leave tables out with exclude_tables = ...)", content);
		free(schema);
		free(name);
		return false;
	}
	for (int i = 0; i < p->j.npatterns; i++)
	{
		if (strcmp(p->j.patterns[i].table.schema, schema) == 0 &&
			strcmp(p->j.patterns[i].table.name, name) == 0)
		{
			job_parse_error(p, p->line, NULL, "duplicate section [%s]: the same pattern as %s at line %d",
						content, p->ptinfo[i].header, p->j.patterns[i].table.line);
			free(schema);
			free(name);
			return false;
		}
	}
	p->j.patterns = xrealloc(p->j.patterns, sizeof(job_pattern) * (size_t) (p->j.npatterns + 1));
	p->ptinfo = xrealloc(p->ptinfo, sizeof(table_info) * (size_t) (p->j.npatterns + 1));
	pat = &p->j.patterns[p->j.npatterns];
	memset(pat, 0, sizeof(*pat));
	pat->text = xstrdup(text);
	pat->table.schema = schema;
	pat->table.name = name;
	pat->table.mode = MODE_MERGE;
	pat->table.deletes = DELETES_HARD;
	pat->table.line = p->line;
	pat->table.pattern = p->j.npatterns;
	memset(&p->ptinfo[p->j.npatterns], 0, sizeof(table_info));
	p->ptinfo[p->j.npatterns].header = xstrdup(p->cur_header);
	p->cur_table = &pat->table;
	p->cur_tinfo = &p->ptinfo[p->j.npatterns];
	p->cur_pattern = pat;
	p->j.npatterns++;
	p->cur = SEC_TABLE;
	return true;
}

static bool
handle_section(parser *p, const char *content)
{
	const char *word_end = content;
	size_t		wlen;
	int			kind = -1;

	free(p->cur_header);
	p->cur_header = xasprintf("[%s]", content);
	p->cur = SEC_NONE;
	p->cur_table = NULL;
	p->cur_tinfo = NULL;
	p->cur_pattern = NULL;

	while (*word_end && !is_blank(*word_end))
		word_end++;
	wlen = (size_t) (word_end - content);
	if (wlen == 0)
		return job_parse_error(p, p->line, NULL, "empty section header \"[]\"");
	for (int i = 0; i < NUM_SECTIONS; i++)
		if (strlen(section_names[i]) == wlen &&
			strncmp(section_names[i], content, wlen) == 0)
			kind = i;
	if (kind < 0)
	{
		char	   *word = xstrndup(content, wlen);
		const char *best = NULL;
		int			bestd = 1000;

		for (int i = 0; i < NUM_SECTIONS; i++)
		{
			int			d = job_edit_distance(word, section_names[i]);

			if (d < bestd && job_close_enough(section_names[i], d))
			{
				best = section_names[i];
				bestd = d;
			}
		}
		if (best)
			job_parse_error(p, p->line, NULL,
						"unknown section [%s] (did you mean [%s]?)", content, best);
		else
			job_parse_error(p, p->line, NULL,
						"unknown section [%s] (job, source, stage, warehouse, sync or "
						"table SCHEMA.NAME)", content);
		free(word);
		return false;
	}
	if (kind == SEC_TABLE)
	{
		const char *name = word_end;
		char	   *schema;
		char	   *tname;
		char	   *err = NULL;
		job_table  *t;

		while (is_blank(*name))
			name++;
		if (*name == '\0')
			return job_parse_error(p, p->line, NULL,
							   "[table] needs a table name: [table SCHEMA.NAME]");
		if (is_pattern_header(name))
			return add_pattern(p, content, name);
		if (!job_parse_qualified(name, &schema, &tname, &err))
		{
			job_parse_error(p, p->line, NULL, "bad table name in [%s]: %s", content, err);
			free(err);
			return false;
		}
		for (int i = 0; i < p->j.ntables; i++)
		{
			if (strcmp(p->j.tables[i].schema, schema) == 0 &&
				strcmp(p->j.tables[i].name, tname) == 0)
			{
				job_parse_error(p, p->line, NULL,
							"duplicate section [%s]: table %s.%s already has %s "
							"at line %d", content, schema, tname,
							p->tinfo[i].header, p->j.tables[i].line);
				free(schema);
				free(tname);
				return false;
			}
		}
		p->j.tables = xrealloc(p->j.tables,
							   sizeof(job_table) * (size_t) (p->j.ntables + 1));
		p->tinfo = xrealloc(p->tinfo, sizeof(table_info) * (size_t) (p->j.ntables + 1));
		t = &p->j.tables[p->j.ntables];
		memset(t, 0, sizeof(*t));
		t->schema = schema;
		t->name = tname;
		t->mode = MODE_MERGE;
		t->deletes = DELETES_HARD;
		t->line = p->line;
		t->pattern = -1;
		memset(&p->tinfo[p->j.ntables], 0, sizeof(table_info));
		p->tinfo[p->j.ntables].header = xstrdup(p->cur_header);
		p->cur_table = t;
		p->cur_tinfo = &p->tinfo[p->j.ntables];
		p->j.ntables++;
	}
	else
	{
		if (*word_end != '\0')
			return job_parse_error(p, p->line, NULL,
							   "unexpected text in section header [%s] (expected [%s])",
							   content, section_names[kind]);
		if (p->section_line[kind])
			return job_parse_error(p, p->line, NULL,
							   "duplicate section [%s] (first at line %d)",
							   section_names[kind], p->section_line[kind]);
		p->section_line[kind] = p->line;
	}
	p->cur = kind;
	return true;
}

/* The line of table key name in ti, 0 when it was not set. */
static int
table_key_line(const table_info *ti, const char *name)
{
	return ti->key_line[key_index(SEC_TABLE, name)];
}

/*
 * The keys of mode = incremental: a cursor is required, and the keys that
 * only incremental loads read are refused elsewhere, as is a lookback in
 * xmin mode, whose bounds are snapshots, not values.
 */
static bool
job_check_incremental(parser *p, job_table *t, const table_info *ti)
{
	static const char *const own[] = {"cursor", "lookback", "reconcile_every"};
	int			dl = table_key_line(ti, "deletes");

	if (!t->incremental)
	{
		for (size_t k = 0; k < sizeof(own) / sizeof(own[0]); k++)
			if (table_key_line(ti, own[k]) != 0)
				return job_parse_error(p, table_key_line(ti, own[k]), ti->header,
								   "%s is a key of mode = incremental tables (this one's mode "
								   "is %s)", own[k], t->mode == MODE_APPEND ? "append" : "merge");
		if (t->deletes_none || t->deletes_reconcile)
			return job_parse_error(p, dl, ti->header,
							   "deletes = %s is for mode = incremental tables: a %s table "
							   "follows every delete the stream carries (hard or soft)",
							   t->deletes_none ? "none" : "reconcile",
							   t->mode == MODE_APPEND ? "append" : "merge");
		return true;
	}
	if (t->cursor == NULL)
		return job_parse_error(p, t->line, ti->header,
						   "mode = incremental needs cursor = COLUMN (one the application "
						   "moves on every insert and update, such as updated_at) or "
						   "cursor = xmin (no column needed)");
	if (t->reconcile_every == 0)
		t->reconcile_every = 1;
	if (strcmp(t->cursor, "xmin") == 0 && table_key_line(ti, "lookback") != 0)
		return job_parse_error(p, table_key_line(ti, "lookback"), ti->header,
						   "lookback is for a cursor column: cursor = xmin bounds each load "
						   "by the previous load's snapshot, which misses no late row");
	return true;
}

/* Checks what can only be checked once the whole file is read. */
static bool
finish(parser *p)
{
	job		   *j = &p->j;

	for (int s = 0; s < SEC_TABLE; s++)
		if (p->section_line[s] == 0 && s != SEC_SYNC)
			return job_parse_error(p, 0, NULL, "missing section [%s]", section_names[s]);
	for (int i = 0; i < NUM_JOB_KEYS; i++)
	{
		const key_def *kd = &job_keys[i];

		if (kd->required && p->key_line[i] == 0)
		{
			char	   *h = xasprintf("[%s]", section_names[kd->section]);

			job_parse_error(p, p->section_line[kd->section], h,
						"missing required key \"%s\"", kd->name);
			free(h);
			return false;
		}
	}
	if (j->stage == STAGE_S3)
	{
		if (j->access_key_id == NULL)
			return job_parse_error(p, p->section_line[SEC_STAGE], "[stage]",
							   "missing key \"access_key_id\" (required for an s3:// stage)");
		if (j->secret_access_key == NULL)
			return job_parse_error(p, p->section_line[SEC_STAGE], "[stage]",
							   "missing key \"secret_access_key\" (required for an s3:// "
							   "stage; write it as ${VARIABLE} to keep it out of the file)");
	}
	if (j->ntables == 0 && j->npatterns == 0)
		return job_parse_error(p, 0, NULL,
						   "no [table SCHEMA.NAME] section: name at least one table "
						   "(or a pattern, [table SCHEMA.*]) to replicate");
	for (int i = 0; i < j->ntables + j->npatterns; i++)
	{
		bool		pat = i >= j->ntables;
		job_table  *t = pat ? &j->patterns[i - j->ntables].table : &j->tables[i];
		table_info *ti = pat ? &p->ptinfo[i - j->ntables] : &p->tinfo[i];
		int			dl = table_key_line(ti, "deletes");

		if (t->mode == MODE_APPEND && t->deletes == DELETES_SOFT)
			return job_parse_error(p, dl, ti->header,
							   "deletes = soft needs mode = merge (append mode never deletes)");
		if (!job_check_incremental(p, t, ti))
			return false;			/* errors have already been logged */
		/* a key column cannot be left out: the warehouse applies changes by it */
		for (int k = 0; k < t->nkey; k++)
			for (int e = 0; e < t->nexclude_columns; e++)
				if (strcmp(t->key[k], t->exclude_columns[e]) == 0)
					return job_parse_error(p, table_key_line(ti, "exclude_columns"), ti->header,
									   "exclude_columns: \"%s\" is a key column (key = ...), "
									   "which cannot be left out", t->exclude_columns[e]);
	}

	/* defaults */
	if (j->slot == NULL)
	{
		char	   *l = lower_dup(j->name);

		j->slot = xasprintf("wharf_%s", l);
		free(l);
	}
	if (j->publication != NULL && j->use_publication != NULL)
		return job_parse_error(p, p->key_line[key_index(SEC_SOURCE, "use_publication")], "[source]",
						   "use_publication names a publication a DBA made, which wharf uses "
						   "as it is, and publication one that wharf makes: set one of them");
	if (j->publication == NULL)
	{
		char	   *l = lower_dup(j->name);

		j->publication = xasprintf("wharf_%s", l);
		free(l);
	}
	/* the keys left out take their defaults (job_keys), checked as if written */
	for (int i = 0; i < NUM_JOB_KEYS; i++)
		if (p->key_line[i] == 0 && job_keys[i].dflt != NULL &&
			!job_set_value(p, &job_keys[i], xstrdup(job_keys[i].dflt)))
			return false;
	return true;
}

/* The INI reader's callbacks (ini.c): each line numbered, the header of the section it is in. */
static bool
reader_section(void *arg, int line, const char *content)
{
	parser	   *p = arg;

	p->line = line;
	return handle_section(p, content);
}

static bool
reader_pair(void *arg, int line, const char *key, const char *value)
{
	parser	   *p = arg;

	p->line = line;
	return handle_pair(p, key, value);
}

static bool
reader_error(void *arg, int line, bool in_section, const char *message)
{
	parser	   *p = arg;

	p->line = line;
	return job_parse_error(p, line, in_section && p->cur != SEC_NONE ? p->cur_header : NULL,
					   "%s", message);
}

/*
 * Parses text (len bytes, no NUL inside).  On success hands the job over and
 * sets *literal_secret (NULL when no secret is written literally).
 */
static bool
job_parse(const char *text, size_t len, const char *path, job *out,
		  const char **literal_secret)
{
	static const job_ini_handlers handlers = {
		.section = reader_section, .pair = reader_pair, .error = reader_error
	};
	parser		p;
	bool		ok = true;

	memset(&p, 0, sizeof(p));
	p.path = path ? path : "(job)";
	p.cur = SEC_NONE;
	p.j.path = xstrdup(p.path);

	ok = job_ini_read(text, len, &handlers, &p);
	if (ok)
		ok = finish(&p);

	for (int i = 0; i < p.j.ntables; i++)
		free(p.tinfo[i].header);
	free(p.tinfo);
	for (int i = 0; i < p.j.npatterns; i++)
		free(p.ptinfo[i].header);
	free(p.ptinfo);
	free(p.cur_header);
	if (!ok)
	{
		job_free(&p.j);
		return false;
	}
	*out = p.j;
	*literal_secret = p.literal_secret;
	return true;
}


/* ---------------------------------------------------------------------
 * Entry points
 * --------------------------------------------------------------------- */

bool
job_load_string(const char *text, const char *path, job *out)
{
	const char *literal;

	return job_parse(text, strlen(text), path, out, &literal);
}

bool
job_load(const char *path, job *out)
{
	int			fd;
	struct stat st;
	buf			b = BUF_INIT;
	const char *literal = NULL;
	const char *nul;
	bool		ok;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
	{
		log_error("%s: cannot open the job file: %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0)
	{
		log_error("%s: cannot stat the job file: %s", path, strerror(errno));
		close(fd);
		return false;
	}
	for (;;)
	{
		ssize_t		n;

		buf_reserve(&b, 65536);
		n = read(fd, b.data + b.len, 65536);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
		{
			log_error("%s: cannot read the job file: %s", path, strerror(errno));
			close(fd);
			buf_free(&b);
			return false;
		}
		if (n == 0)
			break;
		b.len += (size_t) n;
		b.data[b.len] = '\0';
	}
	close(fd);
	if (b.len > 0 && (nul = memchr(b.data, '\0', b.len)) != NULL)
	{
		int			line = 1;

		for (const char *c = b.data; c < nul; c++)
			if (*c == '\n')
				line++;
		log_error("%s:%d: NUL byte in the job file (is it a text file?)", path, line);
		buf_free(&b);
		return false;
	}
	ok = job_parse(b.data ? b.data : "", b.len, path, out, &literal);
	buf_free(&b);
	if (ok && literal && (st.st_mode & 077) != 0)
		log_warn("%s: the file is readable by group or others (mode %04o) and holds "
				 "%s literally; chmod 600 it, or write the secret as ${VARIABLE}",
				 path, (unsigned) (st.st_mode & 07777), literal);
	return ok;
}

/* A copy of n names, NULL-terminated like the job's lists. */
static char **
names_copy(char *const *names, int n)
{
	char	  **out;

	if (names == NULL)
		return NULL;
	out = xcalloc((size_t) n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		out[i] = xstrdup(names[i]);
	return out;
}

const char *
job_state_schema(const job *j)
{
	return j->schema ? j->schema : JOB_DEFAULT_SCHEMA;
}

void
job_table_copy(const job_table *src, job_table *dst)
{
	*dst = *src;
	dst->schema = xstrdup(src->schema);
	dst->name = xstrdup(src->name);
	dst->key = names_copy(src->key, src->nkey);
	dst->exclude_columns = names_copy(src->exclude_columns, src->nexclude_columns);
	dst->cursor = src->cursor ? xstrdup(src->cursor) : NULL;
}

void
job_table_free(job_table *t)
{
	free(t->schema);
	free(t->name);
	for (int k = 0; k < t->nkey; k++)
		free(t->key[k]);
	free(t->key);
	for (int k = 0; k < t->nexclude_columns; k++)
		free(t->exclude_columns[k]);
	free(t->exclude_columns);
	free(t->cursor);
}

void
job_free(job *j)
{
	if (j == NULL)
		return;
	free(j->path);
	free(j->name);
	free(j->conninfo);
	free(j->slot);
	free(j->publication);
	free(j->use_publication);
	free(j->stage_url);
	free(j->bucket);
	free(j->prefix);
	free(j->dir);
	free(j->endpoint);
	free(j->region);
	free(j->access_key_id);
	free(j->secret_access_key);
	free(j->dialect);
	free(j->odbc);
	free(j->schema);
	free(j->state_table);
	free(j->synced_at_column);
	free(j->lsn_column);
	free(j->op_column);
	free(j->iam_role);
	free(j->storage_integration);
	for (int i = 0; i < j->ntables; i++)
		job_table_free(&j->tables[i]);
	free(j->tables);
	for (int i = 0; i < j->npatterns; i++)
	{
		job_pattern *pat = &j->patterns[i];

		job_table_free(&pat->table);
		free(pat->text);
		for (int k = 0; k < pat->nexclude; k++)
		{
			free(pat->exclude_schema[k]);
			free(pat->exclude_name[k]);
		}
		free(pat->exclude_schema);
		free(pat->exclude_name);
	}
	free(j->patterns);
	memset(j, 0, sizeof(*j));
}
