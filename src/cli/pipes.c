/*
 * pipes.c
 *    The external process's side of the Dagster Pipes protocol.
 *
 * What the protocol is, from Dagster's "Dagster Pipes details and
 * customization" guide (docs.dagster.io/guides/build/external-pipelines/
 * dagster-pipes-details-and-customization) and the reference implementation
 * it describes, the dagster_pipes module (dagster-io/dagster,
 * python_modules/dagster-pipes/dagster_pipes/__init__.py), whose words are
 * quoted below where the code depends on them:
 *
 *  - the bootstrap payload is two environment variables, DAGSTER_PIPES_CONTEXT
 *    and DAGSTER_PIPES_MESSAGES, each "base64_encode(compress(to_json(value)))"
 *    (encode_env_var: JSON, zlib-compressed, base64);
 *  - the context params: "If the params include a key `path`, then the
 *    context data will be loaded from a file at the specified path.  If the
 *    params instead include a key `data`, then the corresponding value should
 *    be a dict representing the context data" (PipesDefaultContextLoader);
 *  - the messages params: "If the params include a key `path`, then messages
 *    will be written to a file at the specified path.  If the params instead
 *    include a key `stdio`, then ... the corresponding value must specify
 *    either `stderr` or `stdout`" (PipesDefaultMessageWriter); a file gets
 *    "one message per line" (PipesFileMessageWriterChannel), appended;
 *  - a message is {"__dagster_pipes_version": "0.1", "method": ...,
 *    "params": ...} (_make_message, PIPES_PROTOCOL_VERSION); the methods
 *    wharf sends are opened, log, report_asset_materialization and closed.
 */
#include "pipes.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "buf.h"
#include "commands.h"
#include "log.h"

#define PIPES_PROTOCOL_VERSION "0.1"
#define PIPES_CONTEXT_VAR "DAGSTER_PIPES_CONTEXT"
#define PIPES_MESSAGES_VAR "DAGSTER_PIPES_MESSAGES"
/* a bootstrap variable inflates to at most this much JSON */
#define PIPES_MAX_PARAM_BYTES (16 * 1024 * 1024)

/* One asset's materialization, gathered over the run. */
typedef struct pipes_report
{
	char	   *asset_key;		/* as the context spells it */
	char	   *table;			/* the table it names, for messages */
	char	   *target;			/* its warehouse table */
	bool		loaded;			/* a snapshot loaded it */
	uint64_t	rows;
	int			batches;		/* change batches applied to it */
	uint64_t	changes;
	char	   *load_id;		/* of the last commit */
	char	   *lsn;			/* of the last commit that had one */
	double		lag_s;			/* of the last commit, < 0 unknown */
	double		duration_s;		/* summed */
} pipes_report;

/*
 * The session; lock guards the channel and the reports.  log.c calls
 * pipes_log under its own lock, so nothing here logs while holding lock.
 */
static struct
{
	bool		active;
	FILE	   *out;
	bool		own_out;		/* a file opened here, closed at the end */
	char	   *out_name;		/* its path, "stdout" or "stderr" */
	int			write_errno;	/* the first failed write's errno */
	bool		write_failed;
	bool		targets_assets; /* the context has asset_keys */
	strlist		asset_keys;
	char	   *first_error;	/* the first error line logged */
	pipes_report *reports;
	int			nreports;
} ps;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

bool
pipes_active(void)
{
	return ps.active;
}

/*
 * Appends s as a JSON string, with registered secrets masked and bytes
 * that are not UTF-8 replaced by U+FFFD: the orchestrator reads the
 * messages as UTF-8 text, and a value's first bytes quoted in an error line
 * may end inside a character.
 */
static void
put_string(buf *b, const char *s)
{
	char	   *clean = log_scrub(s ? s : "");
	buf			utf8 = BUF_INIT;
	const unsigned char *p = (const unsigned char *) clean;

	while (*p)
	{
		int			n = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 :
			(*p & 0xF8) == 0xF0 ? 4 : 0;
		bool		valid = n > 0;

		for (int i = 1; valid && i < n; i++)
			valid = (p[i] & 0xC0) == 0x80;
		/* overlong forms, surrogates and code points past U+10FFFF */
		if (valid && n == 2)
			valid = *p >= 0xC2;
		else if (valid && n == 3)
			valid = !(*p == 0xE0 && p[1] < 0xA0) && !(*p == 0xED && p[1] >= 0xA0);
		else if (valid && n == 4)
			valid = !(*p == 0xF0 && p[1] < 0x90) && *p <= 0xF4 && !(*p == 0xF4 && p[1] >= 0x90);
		if (valid)
		{
			buf_append(&utf8, p, (size_t) n);
			p += n;
		}
		else
		{
			buf_puts(&utf8, "\xEF\xBF\xBD");
			p++;
		}
	}
	buf_put_json_string(b, utf8.data ? utf8.data : "");
	buf_free(&utf8);
	free(clean);
}

/*
 * Writes one message, whole and flushed, with lock held; params is a JSON
 * object's text.  A failed write is remembered (pipes_close reports it)
 * and ends the writing.
 */
static void
write_message(const char *method, const char *params)
{
	buf			line = BUF_INIT;

	if (ps.write_failed)
		return;
	buf_puts(&line, "{\"__dagster_pipes_version\": \"" PIPES_PROTOCOL_VERSION "\", \"method\": ");
	buf_put_json_string(&line, method);
	buf_printf(&line, ", \"params\": %s}\n", params);
	errno = 0;
	if (fwrite(line.data, 1, line.len, ps.out) != line.len || fflush(ps.out) != 0)
	{
		ps.write_failed = true;
		ps.write_errno = errno ? errno : EIO;
	}
	buf_free(&line);
}

/* One bootstrap variable's value: base64 of zlib-compressed JSON, decoded. */
static bool
decode_param(const char *var, const char *value, json_t **out)
{
	size_t		len = strlen(value);
	unsigned char *raw;
	int			rawlen;
	int			pad = 0;
	z_stream	zs;
	buf			text = BUF_INIT;
	int			zrc = Z_OK;
	const char *zmsg;
	json_error_t err;

	while (len > 0 && (value[len - 1] == '\n' || value[len - 1] == ' '))
		len--;
	if (len == 0 || len % 4 != 0 || len > (size_t) PIPES_MAX_PARAM_BYTES)
	{
		log_error("dagster pipes: %s is not base64 (%zu characters)", var, len);
		return false;
	}
	raw = xmalloc(len / 4 * 3 + 1);
	rawlen = EVP_DecodeBlock(raw, (const unsigned char *) value, (int) len);
	if (rawlen < 0)
	{
		log_error("dagster pipes: %s is not base64", var);
		free(raw);
		return false;
	}
	/* EVP_DecodeBlock counts the bytes the padding stands for */
	for (size_t i = len; i > 0 && value[i - 1] == '=' && pad < 2; i--)
		pad++;
	rawlen -= pad;

	memset(&zs, 0, sizeof(zs));
	if (inflateInit(&zs) != Z_OK)
	{
		log_error("dagster pipes: cannot start zlib to read %s", var);
		free(raw);
		return false;
	}
	zs.next_in = raw;
	zs.avail_in = (uInt) rawlen;
	while (zrc == Z_OK && text.len <= PIPES_MAX_PARAM_BYTES)
	{
		buf_reserve(&text, 64 * 1024);
		zs.next_out = (unsigned char *) text.data + text.len;
		zs.avail_out = (uInt) (text.cap - text.len - 1);
		zrc = inflate(&zs, Z_NO_FLUSH);
		text.len = text.cap - 1 - zs.avail_out;
		text.data[text.len] = '\0';
	}
	zmsg = zs.msg;
	inflateEnd(&zs);
	free(raw);
	if (zrc != Z_STREAM_END)
	{
		if (text.len > PIPES_MAX_PARAM_BYTES)
			log_error("dagster pipes: %s inflates to more than %d bytes", var,
					  PIPES_MAX_PARAM_BYTES);
		else
			log_error("dagster pipes: %s is not zlib-compressed data: %s", var,
					  zmsg ? zmsg : "it ends too soon");
		buf_free(&text);
		return false;
	}
	*out = json_loadb(text.data, text.len, 0, &err);
	buf_free(&text);
	if (*out == NULL || !json_is_object(*out))
	{
		log_error("dagster pipes: %s does not hold a JSON object%s%s", var,
				  *out ? "" : ": ", *out ? "" : err.text);
		json_decref(*out);
		*out = NULL;
		return false;
	}
	return true;
}

/* The context's asset keys, from its params (PipesDefaultContextLoader). */
static bool
read_context(const json_t *params)
{
	const json_t *path = json_object_get(params, "path");
	const json_t *data = json_object_get(params, "data");
	json_t	   *context = NULL;
	const json_t *keys;
	json_error_t err;
	bool		ok = true;

	if (json_is_string(path))
	{
		context = json_load_file(json_string_value(path), 0, &err);
		if (context == NULL)
		{
			log_error("dagster pipes: cannot read the context %s: %s", json_string_value(path),
					  err.text);
			return false;
		}
	}
	else if (json_is_object(data))
		context = json_incref((json_t *) data);
	else
	{
		log_error("dagster pipes: " PIPES_CONTEXT_VAR " names neither a context file (\"path\") "
				  "nor holds the context (\"data\")");
		return false;
	}
	if (!json_is_object(context))
	{
		log_error("dagster pipes: the context is not a JSON object");
		json_decref(context);
		return false;
	}
	/* "asset_keys: Optional[Sequence[str]]" (PipesContextData): null for an op */
	keys = json_object_get(context, "asset_keys");
	if (json_is_array(keys))
	{
		size_t		i;
		const json_t *k;

		ps.targets_assets = true;
		json_array_foreach(keys, i, k)
		{
			if (!json_is_string(k))
			{
				log_error("dagster pipes: the context's asset_keys holds something other than strings");
				ok = false;
				break;
			}
			strlist_add(&ps.asset_keys, json_string_value(k));
		}
	}
	else if (keys != NULL && !json_is_null(keys))
	{
		log_error("dagster pipes: the context's asset_keys is not a list");
		ok = false;
	}
	json_decref(context);
	return ok;
}

/*
 * The message channel, from its params (PipesDefaultMessageWriter).  Other
 * keys (include_stdio_in_messages: wharf's own output is not forwarded as
 * messages) are left alone.
 */
static bool
open_channel(const json_t *params)
{
	const json_t *path = json_object_get(params, "path");
	const json_t *stdio = json_object_get(params, "stdio");

	if (json_is_string(path))
	{
		ps.out = fopen(json_string_value(path), "a");
		if (ps.out == NULL)
		{
			log_error("dagster pipes: cannot open the messages file %s: %s",
					  json_string_value(path), strerror(errno));
			return false;
		}
		ps.own_out = true;
		ps.out_name = xstrdup(json_string_value(path));
		return true;
	}
	if (json_is_string(stdio) && (strcmp(json_string_value(stdio), "stdout") == 0 ||
								  strcmp(json_string_value(stdio), "stderr") == 0))
	{
		ps.out = strcmp(json_string_value(stdio), "stdout") == 0 ? stdout : stderr;
		ps.out_name = xstrdup(json_string_value(stdio));
		return true;
	}
	log_error("dagster pipes: " PIPES_MESSAGES_VAR " names neither a messages file (\"path\") "
			  "nor \"stdout\" or \"stderr\" (\"stdio\")");
	return false;
}

bool
pipes_open(void)
{
	const char *context_var = getenv(PIPES_CONTEXT_VAR);
	const char *messages_var = getenv(PIPES_MESSAGES_VAR);
	json_t	   *context_params = NULL;
	json_t	   *messages_params = NULL;
	bool		ok;

	/* "use the presence of DAGSTER_PIPES_CONTEXT to discern if we are in a pipes process" */
	if (context_var == NULL)
		return true;
	if (messages_var == NULL)
	{
		log_error("dagster pipes: " PIPES_CONTEXT_VAR " is set but " PIPES_MESSAGES_VAR " is not");
		return false;
	}
	ok = decode_param(PIPES_CONTEXT_VAR, context_var, &context_params) &&
		decode_param(PIPES_MESSAGES_VAR, messages_var, &messages_params) &&
		read_context(context_params) &&
		open_channel(messages_params);
	json_decref(context_params);
	json_decref(messages_params);
	if (!ok)
	{
		strlist_free(&ps.asset_keys);
		ps.targets_assets = false;
		return false;
	}
	pthread_mutex_lock(&lock);
	ps.active = true;
	/* PipesOpenedData: {"extras": {...}} */
	write_message("opened", "{\"extras\": {}}");
	pthread_mutex_unlock(&lock);
	log_debug("dagster pipes: messages to %s; %s", ps.out_name,
			  ps.targets_assets ? "the step targets assets" : "the step targets no asset");
	return true;
}

void
pipes_log(const char *level, const char *message)
{
	/* the levels Python's logging names, as dagster_pipes sends record.levelname */
	const char *name = strcmp(level, "error") == 0 ? "ERROR" :
		strcmp(level, "warning") == 0 ? "WARNING" :
		strcmp(level, "debug") == 0 || strcmp(level, "trace") == 0 ? "DEBUG" : "INFO";
	buf			params = BUF_INIT;

	if (!ps.active)
		return;
	/* the orchestrator's handler takes "message" and "level" (_handle_log) */
	buf_puts(&params, "{\"message\": ");
	put_string(&params, message);
	buf_printf(&params, ", \"level\": \"%s\"}", name);
	pthread_mutex_lock(&lock);
	if (ps.active)
	{
		if (strcmp(name, "ERROR") == 0 && ps.first_error == NULL)
			ps.first_error = xstrdup(message);
		write_message("log", params.data);
	}
	pthread_mutex_unlock(&lock);
	buf_free(&params);
}

/*
 * An asset key's components: Dagster writes a key as its components joined
 * by "/", a "/" inside a component escaped as "\/" (the orchestrator reads
 * it with AssetKey.from_escaped_user_string).
 */
static void
key_components(const char *key, strlist *out)
{
	buf			c = BUF_INIT;

	for (const char *p = key;; p++)
	{
		if (*p == '\\' && p[1] == '/')
			buf_putc(&c, *++p);
		else if (*p == '/' || *p == '\0')
		{
			strlist_push(out, buf_detach(&c));
			if (*p == '\0')
				break;
		}
		else
			buf_putc(&c, *p);
	}
}

/* Whether asset key key names table t (pipes.h). */
static bool
key_names(const char *key, const table_def *t)
{
	strlist		c = {0};
	bool		names;

	key_components(key, &c);
	names = strcmp(c.items[c.n - 1], t->target_name) == 0 &&
		(c.n == 1 || strcmp(c.items[c.n - 2], t->target_schema) == 0 ||
		 strcmp(c.items[c.n - 2], t->schema) == 0);
	strlist_free(&c);
	return names;
}

void
pipes_materialization(const table_def *t, const pipes_load *load)
{
	const char *key = NULL;
	pipes_report *r = NULL;
	char	   *name;
	char	   *other = NULL;

	if (!ps.active || !ps.targets_assets)
		return;
	for (int i = 0; i < ps.asset_keys.n && key == NULL; i++)
		if (key_names(ps.asset_keys.items[i], t))
			key = ps.asset_keys.items[i];
	if (key == NULL)
		return;
	name = table_display_name(t);
	pthread_mutex_lock(&lock);
	for (int i = 0; i < ps.nreports && r == NULL; i++)
		if (strcmp(ps.reports[i].asset_key, key) == 0)
			r = &ps.reports[i];
	if (r && strcmp(r->table, name) != 0)
		other = xstrdup(r->table);
	else
	{
		if (r == NULL)
		{
			ps.reports = xrealloc(ps.reports, sizeof(pipes_report) * (size_t) (ps.nreports + 1));
			r = &ps.reports[ps.nreports++];
			memset(r, 0, sizeof(*r));
			r->asset_key = xstrdup(key);
			r->table = xstrdup(name);
			r->target = table_target_display_name(t);
		}
		if (load->snapshot)
		{
			r->loaded = true;
			r->rows += load->count;
		}
		else
		{
			r->batches++;
			r->changes += load->count;
		}
		if (load->load_id)
		{
			free(r->load_id);
			r->load_id = xstrdup(load->load_id);
		}
		if (load->lsn)
		{
			free(r->lsn);
			r->lsn = xstrdup(load->lsn);
		}
		r->lag_s = load->lag_s;
		r->duration_s += load->duration_s;
	}
	pthread_mutex_unlock(&lock);
	if (other)
		log_warn("dagster pipes: asset %s names both %s and %s: reported for %s only",
				 key, other, name, other);
	free(other);
	free(name);
}

/*
 * A metadata entry: "PipesMetadataValue: {type, raw_value}", typed as the
 * protocol's PipesMetadataType names them ("int", "float", "text").  Each
 * goes after a ", " unless it is the first, right after the "{".
 */
static void
put_meta_int(buf *b, const char *key, uint64_t v)
{
	buf_printf(b, "%s\"%s\": {\"raw_value\": %llu, \"type\": \"int\"}",
			   b->data[b->len - 1] == '{' ? "" : ", ", key, (unsigned long long) v);
}

static void
put_meta_float(buf *b, const char *key, double v)
{
	buf_printf(b, "%s\"%s\": {\"raw_value\": %.3f, \"type\": \"float\"}",
			   b->data[b->len - 1] == '{' ? "" : ", ", key, v);
}

static void
put_meta_text(buf *b, const char *key, const char *v)
{
	buf_printf(b, "%s\"%s\": {\"raw_value\": ", b->data[b->len - 1] == '{' ? "" : ", ", key);
	put_string(b, v);
	buf_puts(b, ", \"type\": \"text\"}");
}

/*
 * report_asset_materialization's params, all three of which the
 * orchestrator's handler requires: asset_key, metadata, data_version.
 */
static void
report_params(buf *b, const pipes_report *r)
{
	buf_puts(b, "{\"asset_key\": ");
	/* the orchestrator's own key, UTF-8 as read: not masked, or it names nothing */
	buf_put_json_string(b, r->asset_key);
	buf_puts(b, ", \"data_version\": null, \"metadata\": {");
	put_meta_text(b, "table", r->table);
	put_meta_text(b, "target", r->target);
	if (r->loaded)
	{
		/* Dagster's table metadata: the rows of the materialized table */
		if (r->batches == 0)
			put_meta_int(b, "dagster/row_count", r->rows);
		put_meta_int(b, "rows_loaded", r->rows);
	}
	if (r->batches > 0)
	{
		put_meta_int(b, "changes_applied", r->changes);
		put_meta_int(b, "batches", (uint64_t) r->batches);
	}
	if (r->lsn)
		put_meta_text(b, "lsn", r->lsn);
	if (r->lag_s >= 0)
		put_meta_float(b, "lag_seconds", r->lag_s);
	put_meta_float(b, "duration_seconds", r->duration_s);
	if (r->load_id)
		put_meta_text(b, "load_id", r->load_id);
	buf_puts(b, "}}");
}

bool
pipes_close(int exit_code, const char *error_message)
{
	buf			params = BUF_INIT;
	bool		failed;
	int			err;
	char	   *name;

	if (!ps.active)
		return true;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < ps.nreports; i++)
	{
		pipes_report *r = &ps.reports[i];

		buf_reset(&params);
		report_params(&params, r);
		write_message("report_asset_materialization", params.data);
		free(r->asset_key);
		free(r->table);
		free(r->target);
		free(r->load_id);
		free(r->lsn);
	}
	free(ps.reports);
	ps.reports = NULL;
	ps.nreports = 0;

	/*
	 * The orchestrator reads a failure from "closed" params {"exception":
	 * {message, stack, name, cause, context}} (_ser_err_from_pipes_exc: all
	 * five are read), and the process's exit code.
	 */
	buf_reset(&params);
	if (exit_code == EXIT_OK)
		buf_puts(&params, "{}");
	else
	{
		buf_printf(&params, "{\"exception\": {\"name\": \"%s\", \"message\": ",
				   exit_code == EXIT_USAGE ? "wharf.UsageError" : "wharf.RuntimeError");
		if (error_message == NULL && ps.first_error == NULL)
		{
			char	   *m = xasprintf("wharf exited with code %d", exit_code);

			put_string(&params, m);
			free(m);
		}
		else
			put_string(&params, error_message ? error_message : ps.first_error);
		buf_puts(&params, ", \"stack\": [], \"cause\": null, \"context\": null}}");
	}
	write_message("closed", params.data);
	buf_free(&params);

	ps.active = false;
	failed = ps.write_failed;
	err = ps.write_errno;
	name = ps.out_name;
	if (ps.own_out && fclose(ps.out) != 0 && !failed)
	{
		failed = true;
		err = errno;
	}
	ps.out = NULL;
	ps.out_name = NULL;
	strlist_free(&ps.asset_keys);
	ps.targets_assets = false;
	free(ps.first_error);
	ps.first_error = NULL;
	pthread_mutex_unlock(&lock);
	if (failed)
		log_error("dagster pipes: cannot write messages to %s: %s", name, strerror(err));
	free(name);
	return !failed;
}
