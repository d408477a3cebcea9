/*
 * test_pipes.c
 *    The Dagster Pipes module against bootstrap variables written as the
 *    protocol writes them (JSON, zlib, base64): the messages it writes,
 *    line by line; how context asset keys name tables; what it refuses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <zlib.h>

#include "commands.h"
#include "log.h"
#include "pipes.h"

static char messages_path[] = "/tmp/wharf-test-pipes-XXXXXX";

/* encode_env_var: base64_encode(compress(to_json(value))) */
static char *
encode_param(const char *json_text)
{
	uLongf		zlen = compressBound(strlen(json_text));
	unsigned char *z = malloc(zlen);
	char	   *out;

	assert_int_equal(compress(z, &zlen, (const unsigned char *) json_text, strlen(json_text)), Z_OK);
	out = malloc(4 * (zlen / 3 + 1) + 1);
	EVP_EncodeBlock((unsigned char *) out, z, (int) zlen);
	free(z);
	return out;
}

static void
set_param(const char *var, const char *json_text)
{
	char	   *v = encode_param(json_text);

	setenv(var, v, 1);
	free(v);
}

/* The context with these asset keys (a JSON list, or "null"), inline. */
static void
set_context(const char *asset_keys)
{
	char	   *ctx = xasprintf("{\"data\": {\"asset_keys\": %s, \"run_id\": \"r1\", "
								"\"retry_number\": 0, \"extras\": {}}}", asset_keys);
	char	   *msg = xasprintf("{\"path\": \"%s\"}", messages_path);

	set_param("DAGSTER_PIPES_CONTEXT", ctx);
	set_param("DAGSTER_PIPES_MESSAGES", msg);
	free(ctx);
	free(msg);
	unlink(messages_path);
}

/* The messages written, each line parsed; n set to their count. */
static json_t **
read_messages(int *n)
{
	FILE	   *f = fopen(messages_path, "r");
	char		line[65536];
	json_t	  **m = NULL;

	*n = 0;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
	{
		json_error_t err;
		json_t	   *j;

		assert_true(strlen(line) > 0 && line[strlen(line) - 1] == '\n');
		j = json_loads(line, 0, &err);
		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "__dagster_pipes_version")), "0.1");
		assert_int_equal(json_object_size(j), 3);
		m = realloc(m, sizeof(json_t *) * (size_t) (*n + 1));
		m[(*n)++] = j;
	}
	fclose(f);
	return m;
}

static void
free_messages(json_t **m, int n)
{
	for (int i = 0; i < n; i++)
		json_decref(m[i]);
	free(m);
}

static const char *
method_of(json_t *m)
{
	return json_string_value(json_object_get(m, "method"));
}

static json_t *
param(json_t *m, const char *key)
{
	return json_object_get(json_object_get(m, "params"), key);
}

/* A metadata entry's raw value, checking its type. */
static json_t *
meta(json_t *m, const char *key, const char *type)
{
	json_t	   *e = json_object_get(param(m, "metadata"), key);

	assert_non_null(e);
	assert_string_equal(json_string_value(json_object_get(e, "type")), type);
	return json_object_get(e, "raw_value");
}

static table_def
table(const char *schema, const char *name, const char *target_schema)
{
	table_def	t;

	memset(&t, 0, sizeof(t));
	t.schema = (char *) schema;
	t.name = (char *) name;
	t.target_schema = (char *) target_schema;
	t.target_name = (char *) name;
	return t;
}

static void
test_not_under_dagster(void **state)
{
	table_def	t = table("s", "t", "s");
	pipes_load	l = {.snapshot = true, .count = 1};

	(void) state;
	unsetenv("DAGSTER_PIPES_CONTEXT");
	unsetenv("DAGSTER_PIPES_MESSAGES");
	unlink(messages_path);
	assert_true(pipes_open());
	assert_false(pipes_active());
	pipes_log("info", "nothing");
	pipes_materialization(&t, &l);
	assert_true(pipes_close(EXIT_RUNTIME, NULL));
	assert_int_equal(access(messages_path, F_OK), -1);
}

/*
 * A run: opened first, the log lines with their levels and secrets masked,
 * one materialization per asset with the run's totals, closed last with
 * the first error line as the exception.
 */
static void
test_session(void **state)
{
	table_def	customers = table("public", "customers", "analytics");
	table_def	orders = table("public", "orders", "analytics");
	table_def	notes = table("public", "notes", "analytics");
	pipes_load	snap = {.snapshot = true, .count = 3, .load_id = "L1", .lag_s = 1.5, .duration_s = 2};
	pipes_load	b1 = {.count = 2, .load_id = "B1", .lsn = "0/10", .lag_s = 4, .duration_s = 1};
	pipes_load	b2 = {.count = 5, .load_id = "B2", .lsn = "0/20", .lag_s = 0.25, .duration_s = 0.5};
	json_t	  **m;
	int			n;
	json_t	   *e;

	(void) state;
	set_context("[\"analytics/customers\", \"orders\"]");
	log_secret_register("hunter2");
	assert_true(pipes_open());
	assert_true(pipes_active());
	pipes_log("info", "connecting with hunter2 now");
	pipes_log("warning", "caf\xc3 cut short");
	pipes_log("error", "the first error");
	pipes_log("error", "the second error");
	pipes_materialization(&customers, &snap);
	pipes_materialization(&orders, &b1);
	pipes_materialization(&notes, &b1);
	pipes_materialization(&orders, &b2);
	assert_true(pipes_close(EXIT_RUNTIME, NULL));
	assert_false(pipes_active());
	log_secrets_clear();

	m = read_messages(&n);
	assert_int_equal(n, 8);
	assert_string_equal(method_of(m[0]), "opened");
	assert_true(json_is_object(param(m[0], "extras")));

	assert_string_equal(method_of(m[1]), "log");
	assert_string_equal(json_string_value(param(m[1], "level")), "INFO");
	assert_string_equal(json_string_value(param(m[1], "message")), "connecting with *** now");
	assert_string_equal(json_string_value(param(m[2], "level")), "WARNING");
	/* not UTF-8: the byte becomes U+FFFD */
	assert_string_equal(json_string_value(param(m[2], "message")), "caf\xEF\xBF\xBD cut short");
	assert_string_equal(json_string_value(param(m[3], "level")), "ERROR");

	assert_string_equal(method_of(m[5]), "report_asset_materialization");
	assert_string_equal(json_string_value(param(m[5], "asset_key")), "analytics/customers");
	assert_true(json_is_null(param(m[5], "data_version")));
	assert_int_equal(json_integer_value(meta(m[5], "rows_loaded", "int")), 3);
	assert_int_equal(json_integer_value(meta(m[5], "dagster/row_count", "int")), 3);
	assert_string_equal(json_string_value(meta(m[5], "target", "text")), "analytics.customers");
	assert_true(json_real_value(meta(m[5], "lag_seconds", "float")) == 1.5);
	assert_null(json_object_get(param(m[5], "metadata"), "lsn"));

	/* two batches, one materialization: summed, the last position and lag */
	assert_string_equal(json_string_value(param(m[6], "asset_key")), "orders");
	assert_int_equal(json_integer_value(meta(m[6], "changes_applied", "int")), 7);
	assert_int_equal(json_integer_value(meta(m[6], "batches", "int")), 2);
	assert_string_equal(json_string_value(meta(m[6], "lsn", "text")), "0/20");
	assert_string_equal(json_string_value(meta(m[6], "load_id", "text")), "B2");
	assert_true(json_real_value(meta(m[6], "lag_seconds", "float")) == 0.25);
	assert_true(json_real_value(meta(m[6], "duration_seconds", "float")) == 1.5);
	assert_null(json_object_get(param(m[6], "metadata"), "dagster/row_count"));

	assert_string_equal(method_of(m[7]), "closed");
	e = param(m[7], "exception");
	assert_string_equal(json_string_value(json_object_get(e, "name")), "wharf.RuntimeError");
	assert_string_equal(json_string_value(json_object_get(e, "message")), "the first error");
	assert_true(json_is_array(json_object_get(e, "stack")));
	assert_true(json_is_null(json_object_get(e, "cause")));
	assert_true(json_is_null(json_object_get(e, "context")));
	free_messages(m, n);
}

/* Which tables context keys name (pipes.h), and a success's closed. */
static void
test_key_rules(void **state)
{
	table_def	named[] = {
		table("public", "customers", "analytics"),	/* its warehouse schema, prefixed */
		table("public", "orders", "analytics"), /* its source schema */
		table("x", "items", "x"),	/* the name alone */
		table("a/b", "c", "a/b"),	/* a "/" in a name, escaped */
	};
	table_def	unnamed[] = {
		table("public", "nothing", "analytics"),
		table("other", "customers2", "other"),
		table("wrong", "pay", "wrong"), /* "pay" is there, after another schema */
	};
	const char *expect[] = {"raw/analytics/customers", "public/orders", "items", "a\\/b/c"};
	pipes_load	l = {.snapshot = true, .count = 1, .lag_s = -1};
	json_t	  **m;
	int			n;

	(void) state;
	set_context("[\"raw/analytics/customers\", \"public/orders\", \"items\", \"a\\\\/b/c\", "
				"\"elsewhere/pay\"]");
	assert_true(pipes_open());
	for (size_t i = 0; i < sizeof(unnamed) / sizeof(unnamed[0]); i++)
		pipes_materialization(&unnamed[i], &l);
	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
		pipes_materialization(&named[i], &l);
	assert_true(pipes_close(EXIT_OK, NULL));
	m = read_messages(&n);
	assert_int_equal(n, 6);
	for (int i = 0; i < 4; i++)
	{
		assert_string_equal(method_of(m[1 + i]), "report_asset_materialization");
		assert_string_equal(json_string_value(param(m[1 + i], "asset_key")), expect[i]);
		assert_null(json_object_get(param(m[1 + i], "metadata"), "lag_seconds"));
	}
	assert_string_equal(method_of(m[5]), "closed");
	assert_int_equal(json_object_size(json_object_get(m[5], "params")), 0);
	free_messages(m, n);
}

/* A step without assets (an op): logs only, and an error's own message. */
static void
test_no_assets(void **state)
{
	table_def	t = table("s", "t", "s");
	pipes_load	l = {.snapshot = true, .count = 1};
	json_t	  **m;
	int			n;

	(void) state;
	set_context("null");
	assert_true(pipes_open());
	pipes_materialization(&t, &l);
	assert_true(pipes_close(EXIT_USAGE, NULL));
	m = read_messages(&n);
	assert_int_equal(n, 2);
	assert_string_equal(method_of(m[1]), "closed");
	assert_string_equal(json_string_value(json_object_get(param(m[1], "exception"), "name")),
						"wharf.UsageError");
	assert_string_equal(json_string_value(json_object_get(param(m[1], "exception"), "message")),
						"wharf exited with code 2");
	free_messages(m, n);
}

/* Bootstraps it cannot use: refused, nothing written. */
static void
test_refused(void **state)
{
	static const struct
	{
		const char *context;	/* JSON to encode, or raw when raw is set */
		const char *messages;	/* a format: %s the path */
		bool		raw;
	}			cases[] = {
		{"not base64!", "{\"path\": \"%s\"}", true},
		{"aGVsbG8gd29ybGQ=", "{\"path\": \"%s\"}", true},	/* base64, not zlib */
		{"[1, 2]", "{\"path\": \"%s\"}", false},
		{"{\"elsewhere\": 1}", "{\"path\": \"%s\"}", false},
		{"{\"data\": {\"asset_keys\": \"one\"}}", "{\"path\": \"%s\"}", false},
		{"{\"data\": {\"asset_keys\": [1]}}", "{\"path\": \"%s\"}", false},
		{"{\"path\": \"/nonexistent/context.json\"}", "{\"path\": \"%s\"}", false},
		{"{\"data\": {}}", "{\"stdio\": \"stdlog\"}", false},
		{"{\"data\": {}}", "{\"path\": \"/nonexistent/dir/messages\"}", false},
		{"{\"data\": {}}", NULL, false},
	};

	/* where a wrongly accepted bootstrap would write */
	char	   *refused = xasprintf("%s.refused", messages_path);

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		if (cases[i].raw)
			setenv("DAGSTER_PIPES_CONTEXT", cases[i].context, 1);
		else
			set_param("DAGSTER_PIPES_CONTEXT", cases[i].context);
		if (cases[i].messages)
		{
			char	   *msg = xasprintf(cases[i].messages, refused);

			set_param("DAGSTER_PIPES_MESSAGES", msg);
			free(msg);
		}
		else
			unsetenv("DAGSTER_PIPES_MESSAGES");
		unlink(refused);
		assert_false(pipes_open());
		assert_false(pipes_active());
		assert_int_equal(access(refused, F_OK), -1);
	}
	free(refused);
	unsetenv("DAGSTER_PIPES_CONTEXT");
	unsetenv("DAGSTER_PIPES_MESSAGES");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_under_dagster),
		cmocka_unit_test(test_session),
		cmocka_unit_test(test_key_rules),
		cmocka_unit_test(test_no_assets),
		cmocka_unit_test(test_refused),
	};
	int			fd = mkstemp(messages_path);
	int			rc;

	assert_true(fd >= 0);
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(messages_path);
	return rc;
}
