/*
 * test_odbc.c
 *    Integration tests of the ODBC warehouse session (src/warehouse/odbc.c)
 *    against the real warehouse Postgres started by ci/services.
 *
 * WHARF_WAREHOUSE_ODBC holds the ODBC connection string of the warehouse.
 * Errors are checked by capturing what log_error writes to stderr.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "buf.h"
#include "log.h"
#include "../common/capture.h"
#include "warehouse.h"

/* A password that must never show up in any message. */
#define CANARY "canary-pw-7f3a91"

static const char *connstr;
static char prefix[64];			/* per-process table name prefix */

/* --- capturing stderr ------------------------------------------------- */

/* Ends the capture, echoes what was caught, and returns it (caller frees). */
static char *
capture_end_echo(void)
{
	char	   *out = capture_end();

	if (out[0] != '\0')
		fprintf(stderr, "  (captured) %s", out);
	return out;
}

static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("expected \"%s\" in: %s", needle, haystack);
}


/* --- helpers ------------------------------------------------------------ */

/*
 * The connection string base with key set to value (removed when value is
 * NULL).  Values in braces holding ';' are not expected in test strings.
 */
static char *
connstr_with(const char *base, const char *key, const char *value)
{
	buf			out = BUF_INIT;
	char	   *copy = xstrdup(base);
	char	   *save = NULL;

	for (char *part = strtok_r(copy, ";", &save); part; part = strtok_r(NULL, ";", &save))
	{
		const char *eq = strchr(part, '=');
		const char *k = part;

		while (*k == ' ')
			k++;
		if (eq && (size_t) (eq - k) == strlen(key) && strncasecmp(k, key, strlen(key)) == 0)
			continue;
		buf_printf(&out, "%s;", part);
	}
	if (value)
		buf_printf(&out, "%s=%s;", key, value);
	free(copy);
	return buf_detach(&out);
}

static wh_session *
connect_or_fail(void)
{
	wh_session *s = NULL;

	if (!wh_connect(connstr, &s))
		fail_msg("cannot connect to the warehouse");
	assert_non_null(s);
	/*
	 * These tests try the session itself (DDL after rows, ON COMMIT DROP):
	 * the strict stand-in (ci/services) is for wharf's statement order.
	 */
	if (!wh_exec(s, "SET wharf.strict = off", NULL) || !wh_commit(s))
		fail_msg("cannot leave the strict stand-in");
	return s;
}

static void
exec_ok(wh_session *s, const char *sql)
{
	if (!wh_exec(s, sql, NULL))
		fail_msg("statement failed: %s", sql);
}

/* Runs a one-value query and returns the value (or NULL) as a new string. */
static char *
query_one(wh_session *s, const char *sql)
{
	wh_result	r;
	char	   *v;

	if (!wh_query(s, sql, &r))
		fail_msg("query failed: %s", sql);
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.ncols, 1);
	v = wh_value(&r, 0, 0) ? xstrdup(wh_value(&r, 0, 0)) : NULL;
	wh_result_free(&r);
	return v;
}

static bool
table_exists(wh_session *s, const char *table)
{
	char	   *sql = xasprintf("SELECT to_regclass('%s') IS NOT NULL", table);
	char	   *v = query_one(s, sql);
	bool		exists = (v && (strcmp(v, "1") == 0 || strcmp(v, "t") == 0 ||
								strcmp(v, "true") == 0));

	free(v);
	free(sql);
	return exists;
}

/* --- tests -------------------------------------------------------------- */

static void
test_connect(void **state)
{
	wh_session *s;
	char	   *v;

	(void) state;
	s = connect_or_fail();
	v = query_one(s, "SELECT 1 + 1");
	assert_string_equal(v, "2");
	free(v);
	/* autocommit is off: the server sees an open transaction */
	v = query_one(s, "SELECT now() = statement_timestamp()");
	free(v);
	assert_true(wh_rollback(s));
	wh_disconnect(s);
	wh_disconnect(NULL);
}

static void
test_rollback_and_commit(void **state)
{
	wh_session *s;
	wh_session *other;
	char	   *table = xasprintf("%s_tx", prefix);
	char	   *sql;
	char	   *v;
	int64_t		rows = -1;

	(void) state;
	s = connect_or_fail();
	other = connect_or_fail();

	sql = xasprintf("CREATE TABLE %s (id int, t text)", table);
	exec_ok(s, sql);
	free(sql);
	sql = xasprintf("INSERT INTO %s SELECT g, 'r' || g FROM generate_series(1, 10) g", table);
	assert_true(wh_exec(s, sql, &rows));
	free(sql);
	assert_int_equal(rows, 10);
	assert_true(table_exists(s, table));
	/* not visible to anyone else before commit */
	assert_false(table_exists(other, table));
	assert_true(wh_rollback(other));
	assert_true(wh_rollback(s));
	assert_false(table_exists(s, table));

	sql = xasprintf("CREATE TABLE %s (id int, t text)", table);
	exec_ok(s, sql);
	free(sql);
	sql = xasprintf("INSERT INTO %s VALUES (1, 'one'), (2, 'two')", table);
	assert_true(wh_exec(s, sql, &rows));
	free(sql);
	assert_int_equal(rows, 2);
	assert_true(wh_commit(s));
	assert_true(table_exists(other, table));
	sql = xasprintf("SELECT count(*) FROM %s", table);
	v = query_one(other, sql);
	free(sql);
	assert_string_equal(v, "2");
	free(v);
	assert_true(wh_rollback(other));

	/* a DELETE that matches nothing is success with 0 rows */
	sql = xasprintf("DELETE FROM %s WHERE id < 0", table);
	rows = -1;
	assert_true(wh_exec(s, sql, &rows));
	free(sql);
	assert_int_equal(rows, 0);

	/* several statements in one call: counts add up */
	sql = xasprintf("DELETE FROM %s WHERE id < 0; UPDATE %s SET t = t; "
					"INSERT INTO %s VALUES (3, 'three')", table, table, table);
	rows = -1;
	assert_true(wh_exec(s, sql, &rows));
	free(sql);
	assert_int_equal(rows, 3);

	sql = xasprintf("DROP TABLE %s", table);
	exec_ok(s, sql);
	free(sql);
	assert_true(wh_commit(s));
	assert_false(table_exists(other, table));
	wh_disconnect(other);
	wh_disconnect(s);
	free(table);
}

static void
test_query_values(void **state)
{
	static const char unicode[] = "h\xc3\xa9llo \xe2\x9c\x93 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80";
	wh_session *s;
	wh_result	r;
	char	   *sql;

	(void) state;
	s = connect_or_fail();

	sql = xasprintf("SELECT NULL::text, '', '%s', 42, 'x' UNION ALL "
					"SELECT 'a', NULL, NULL, NULL, NULL", unicode);
	assert_true(wh_query(s, sql, &r));
	free(sql);
	assert_int_equal(r.nrows, 2);
	assert_int_equal(r.ncols, 5);
	assert_null(wh_value(&r, 0, 0));
	assert_string_equal(wh_value(&r, 0, 1), "");
	assert_string_equal(wh_value(&r, 0, 2), unicode);
	assert_string_equal(wh_value(&r, 0, 3), "42");
	assert_string_equal(wh_value(&r, 1, 0), "a");
	assert_null(wh_value(&r, 1, 1));
	assert_null(wh_value(&r, 1, 4));
	/* out of range is NULL, not a crash */
	assert_null(wh_value(&r, 2, 0));
	assert_null(wh_value(&r, 0, 5));
	assert_null(wh_value(&r, -1, 0));
	wh_result_free(&r);
	wh_result_free(&r);

	/* 1 MB of ASCII, then 1.2 MB of 3-byte characters, with a NULL between */
	assert_true(wh_query(s, "SELECT repeat('ab', 524288), NULL, "
						 "repeat(U&'\\65E5', 400000) || 'end'", &r));
	assert_int_equal(r.nrows, 1);
	assert_int_equal(r.ncols, 3);
	{
		const char *big = wh_value(&r, 0, 0);
		const char *cjk = wh_value(&r, 0, 2);

		assert_non_null(big);
		assert_int_equal(strlen(big), 1048576);
		for (size_t i = 0; i < 1048576; i += 2)
			if (big[i] != 'a' || big[i + 1] != 'b')
				fail_msg("1 MB value corrupt at byte %zu", i);
		assert_null(wh_value(&r, 0, 1));
		assert_non_null(cjk);
		assert_int_equal(strlen(cjk), 400000 * 3 + 3);
		for (size_t i = 0; i < 400000 * 3; i += 3)
			if (memcmp(cjk + i, "\xe6\x97\xa5", 3) != 0)
				fail_msg("multibyte value corrupt at byte %zu", i);
		assert_string_equal(cjk + 400000 * 3, "end");
	}
	wh_result_free(&r);

	/* a statement with no result set, and a result with no rows */
	assert_true(wh_query(s, "SELECT 1 WHERE false", &r));
	assert_int_equal(r.nrows, 0);
	assert_int_equal(r.ncols, 1);
	wh_result_free(&r);

	/* Unicode through a table: what goes in comes out byte for byte */
	sql = xasprintf("CREATE TEMP TABLE %s_u (t text)", prefix);
	exec_ok(s, sql);
	free(sql);
	sql = xasprintf("INSERT INTO %s_u VALUES ('%s')", prefix, unicode);
	exec_ok(s, sql);
	free(sql);
	sql = xasprintf("SELECT t || '|' || octet_length(t) FROM %s_u", prefix);
	{
		char	   *v = query_one(s, sql);
		char	   *want = xasprintf("%s|%zu", unicode, strlen(unicode));

		assert_string_equal(v, want);
		free(want);
		free(v);
	}
	free(sql);
	assert_true(wh_rollback(s));
	wh_disconnect(s);
}

static void
test_long_statement(void **state)
{
	wh_session *s;
	buf			sql = BUF_INIT;
	char	   *create = xasprintf("CREATE TEMP TABLE %s_long (id int, t text)", prefix);
	char	   *check;
	char	   *v;
	int64_t		rows = -1;

	(void) state;
	s = connect_or_fail();
	exec_ok(s, create);

	/* one 600 KB literal */
	buf_printf(&sql, "INSERT INTO %s_long VALUES (0, '", prefix);
	for (int i = 0; i < 600 * 1024; i++)
		buf_putc(&sql, (char) ('a' + i % 26));
	buf_puts(&sql, "')");
	assert_true(wh_exec(s, sql.data, &rows));
	assert_int_equal(rows, 1);

	/* 20000 rows in one VALUES list, ~400 KB */
	buf_reset(&sql);
	buf_printf(&sql, "INSERT INTO %s_long VALUES\n", prefix);
	for (int i = 1; i <= 20000; i++)
		buf_printf(&sql, "%s(%d, 'row %d text')\n", i > 1 ? "," : "", i, i);
	assert_true(sql.len > 300 * 1024);
	rows = -1;
	assert_true(wh_exec(s, sql.data, &rows));
	assert_int_equal(rows, 20000);

	check = xasprintf("SELECT sum(length(t)) FROM %s_long", prefix);
	v = query_one(s, check);
	{
		long		want = 600 * 1024;

		for (int i = 1; i <= 20000; i++)
			want += (long) snprintf(NULL, 0, "row %d text", i);
		assert_int_equal(atol(v), want);
	}
	free(v);
	free(check);
	assert_true(wh_rollback(s));
	buf_free(&sql);
	free(create);
	wh_disconnect(s);
}

static void
test_error_then_rollback(void **state)
{
	wh_session *s;
	char	   *table = xasprintf("%s_err", prefix);
	char	   *sql;
	char	   *msg;
	char	   *v;

	(void) state;
	s = connect_or_fail();
	sql = xasprintf("CREATE TABLE %s (id int)", table);
	exec_ok(s, sql);
	free(sql);
	sql = xasprintf("INSERT INTO %s VALUES (1)", table);
	exec_ok(s, sql);
	free(sql);

	/* a multi-line statement against a missing table */
	capture_begin();
	assert_false(wh_exec(s, "INSERT INTO wharf_no_such_table\n"
						 "SELECT g FROM generate_series(1, 3) g\n"
						 "-- a long comment that pushes the statement beyond the 120 characters that the message keeps",
						 NULL));
	msg = capture_end_echo();
	assert_contains(msg, "warehouse: statement failed: INSERT INTO wharf_no_such_table SELECT g FROM");
	assert_contains(msg, " ...: ");
	assert_contains(msg, "[42P01]");
	assert_contains(msg, "wharf_no_such_table\" does not exist");
	/* one error, one line */
	assert_int_equal(count_lines(msg), 1);
	free(msg);

	/* the transaction must not be committed after a failure */
	capture_begin();
	assert_false(wh_commit(s));
	msg = capture_end_echo();
	assert_contains(msg, "cannot commit");
	free(msg);

	/* after rollback the session works again, and nothing was kept */
	assert_true(wh_rollback(s));
	assert_false(table_exists(s, table));
	v = query_one(s, "SELECT 'still alive'");
	assert_string_equal(v, "still alive");
	free(v);

	/* a failing query is reported the same way */
	capture_begin();
	{
		wh_result	r;

		assert_false(wh_query(s, "SELECT 1/0", &r));
		assert_int_equal(r.nrows, 0);
		assert_null(r.values);
		wh_result_free(&r);
	}
	msg = capture_end_echo();
	assert_contains(msg, "warehouse: query failed: SELECT 1/0: [22012]");
	free(msg);
	assert_true(wh_rollback(s));

	/* an error in a later statement of a batch fails the call */
	capture_begin();
	assert_false(wh_exec(s, "SELECT 1; SELECT * FROM wharf_no_such_table", NULL));
	msg = capture_end_echo();
	assert_contains(msg, "[42P01]");
	free(msg);
	assert_true(wh_rollback(s));

	/* a commit the server refuses (deferred unique check) is reported */
	sql = xasprintf("CREATE TEMP TABLE %s_def (id int UNIQUE DEFERRABLE INITIALLY DEFERRED) "
					"ON COMMIT DROP", prefix);
	exec_ok(s, sql);
	free(sql);
	sql = xasprintf("INSERT INTO %s_def VALUES (1), (1)", prefix);
	exec_ok(s, sql);
	free(sql);
	capture_begin();
	assert_false(wh_commit(s));
	msg = capture_end_echo();
	assert_contains(msg, "warehouse: commit failed: [23505]");
	assert_int_equal(count_lines(msg), 1);
	free(msg);
	assert_true(wh_rollback(s));
	v = query_one(s, "SELECT 'alive after failed commit'");
	assert_string_equal(v, "alive after failed commit");
	free(v);
	assert_true(wh_rollback(s));

	/* and a committed transaction after all that works */
	sql = xasprintf("CREATE TABLE %s (id int)", table);
	exec_ok(s, sql);
	free(sql);
	assert_true(wh_commit(s));
	assert_true(table_exists(s, table));
	sql = xasprintf("DROP TABLE %s", table);
	exec_ok(s, sql);
	free(sql);
	assert_true(wh_commit(s));
	wh_disconnect(s);
	free(table);
}

static void
test_copy_from_program(void **state)
{
	wh_session *s;
	char	   *sql;
	char	   *v;
	int64_t		rows = -1;

	(void) state;
	s = connect_or_fail();
	sql = xasprintf("CREATE TEMP TABLE %s_copy (id int, name text)", prefix);
	exec_ok(s, sql);
	free(sql);

	sql = xasprintf("COPY %s_copy FROM PROGRAM "
					"'printf \"1,one\\n2,two\\n3,\\n4,\\\"four, 4\\\"\\n\"' "
					"WITH (FORMAT csv)", prefix);
	assert_true(wh_exec(s, sql, &rows));
	free(sql);
	assert_int_equal(rows, 4);

	sql = xasprintf("SELECT string_agg(id || '=' || coalesce(name, 'NULL'), ';' ORDER BY id) "
					"FROM %s_copy", prefix);
	v = query_one(s, sql);
	free(sql);
	assert_string_equal(v, "1=one;2=two;3=NULL;4=four, 4");
	free(v);

	/* a program that fails is an error */
	capture_begin();
	sql = xasprintf("COPY %s_copy FROM PROGRAM 'exit 3' WITH (FORMAT csv)", prefix);
	assert_false(wh_exec(s, sql, &rows));
	free(sql);
	v = capture_end_echo();
	assert_contains(v, "statement failed: COPY");
	free(v);
	assert_true(wh_rollback(s));
	wh_disconnect(s);
}

static void
test_unknown_driver(void **state)
{
	wh_session *s = (wh_session *) 1;
	char	   *cs;
	char	   *msg;

	(void) state;
	cs = xasprintf("Driver={Wharf No Such Driver};Server=127.0.0.1;Port=5432;"
				   "Database=wh;Uid=wharf;Pwd=%s", CANARY);
	capture_begin();
	assert_false(wh_connect(cs, &s));
	msg = capture_end_echo();
	assert_null(s);
	assert_contains(msg, "ODBC driver \"Wharf No Such Driver\" is not installed");
	assert_contains(msg, "installed drivers:");
	assert_null(strstr(msg, CANARY));
	assert_null(strstr(msg, "Server=127.0.0.1"));
	free(msg);
	free(cs);

	/* an undefined DSN is named as such */
	cs = xasprintf("DSN=wharf_no_such_dsn;Pwd=%s", CANARY);
	capture_begin();
	assert_false(wh_connect(cs, &s));
	msg = capture_end_echo();
	assert_contains(msg, "ODBC data source \"wharf_no_such_dsn\" is not defined");
	assert_null(strstr(msg, CANARY));
	free(msg);
	free(cs);
}

static void
test_bad_port(void **state)
{
	wh_session *s = NULL;
	char	   *cs;
	char	   *tmp;
	char	   *msg;
	time_t		start = time(NULL);

	(void) state;
	/* port 1 refuses at once; Pwd carries the canary */
	tmp = connstr_with(connstr, "Port", "1");
	cs = connstr_with(tmp, "Password", NULL);
	free(tmp);
	tmp = cs;
	cs = connstr_with(tmp, "Pwd", CANARY);
	free(tmp);
	capture_begin();
	assert_false(wh_connect(cs, &s));
	msg = capture_end_echo();
	assert_null(s);
	assert_contains(msg, "warehouse: cannot connect: [08001]");
	assert_null(strstr(msg, CANARY));
	assert_true(time(NULL) - start < 15);
	free(msg);
	free(cs);
}

/* Waits until no backend with this pid is left, at most ~5 s. */
static void
wait_backend_gone(wh_session *s, const char *pid)
{
	char	   *sql = xasprintf("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", pid);

	for (int i = 0; i < 100; i++)
	{
		char	   *v = query_one(s, sql);
		bool		gone = strcmp(v, "0") == 0;

		free(v);
		/* pg_stat_activity is a snapshot per transaction */
		assert_true(wh_rollback(s));
		if (gone)
			break;
		usleep(50 * 1000);
	}
	free(sql);
}

static void
kill_backend(wh_session *killer, const char *pid)
{
	char	   *sql = xasprintf("SELECT pg_terminate_backend(%s)", pid);
	char	   *v = query_one(killer, sql);

	assert_true(strcmp(v, "1") == 0 || strcmp(v, "t") == 0 || strcmp(v, "true") == 0);
	free(v);
	free(sql);
	assert_true(wh_commit(killer));
	wait_backend_gone(killer, pid);
}

static void
test_connection_lost(void **state)
{
	wh_session *victim;
	wh_session *killer;
	char	   *pid;
	char	   *msg;
	char	   *sql;

	(void) state;
	victim = connect_or_fail();
	killer = connect_or_fail();

	/* killed between statements, inside an open transaction */
	pid = query_one(victim, "SELECT pg_backend_pid()");
	kill_backend(killer, pid);
	free(pid);
	capture_begin();
	assert_false(wh_exec(victim, "SELECT 1", NULL));
	msg = capture_end_echo();
	assert_contains(msg, "warehouse connection lost");
	free(msg);
	/* further work is refused clearly, rollback is a no-op, disconnect is clean */
	capture_begin();
	assert_false(wh_exec(victim, "SELECT 2", NULL));
	msg = capture_end_echo();
	assert_contains(msg, "warehouse connection lost");
	free(msg);
	assert_true(wh_rollback(victim));
	wh_disconnect(victim);

	/* killed before commit: the commit reports the loss */
	victim = connect_or_fail();
	sql = xasprintf("CREATE TEMP TABLE %s_lost (id int)", prefix);
	exec_ok(victim, sql);
	free(sql);
	pid = query_one(victim, "SELECT pg_backend_pid()");
	kill_backend(killer, pid);
	free(pid);
	capture_begin();
	assert_false(wh_commit(victim));
	msg = capture_end_echo();
	assert_contains(msg, "warehouse connection lost");
	free(msg);
	wh_disconnect(victim);

	/* the killer session is unaffected */
	msg = query_one(killer, "SELECT 'ok'");
	assert_string_equal(msg, "ok");
	free(msg);
	wh_disconnect(killer);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect),
		cmocka_unit_test(test_rollback_and_commit),
		cmocka_unit_test(test_query_values),
		cmocka_unit_test(test_long_statement),
		cmocka_unit_test(test_error_then_rollback),
		cmocka_unit_test(test_copy_from_program),
		cmocka_unit_test(test_unknown_driver),
		cmocka_unit_test(test_bad_port),
		cmocka_unit_test(test_connection_lost),
	};

	connstr = getenv("WHARF_WAREHOUSE_ODBC");
	if (connstr == NULL || connstr[0] == '\0')
	{
		fprintf(stderr, "test_odbc: WHARF_WAREHOUSE_ODBC is not set (run under ci/services)\n");
		return 1;
	}
	snprintf(prefix, sizeof(prefix), "wharf_test_odbc_%d", (int) getpid());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
