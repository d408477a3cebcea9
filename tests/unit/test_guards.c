/*
 * test_guards.c
 *    Values a warehouse cannot hold: each dialect's render of the kinds it
 *    guards, the checks the change stream makes on a value's text at the
 *    edges of every limit (at the limit passes, one past it fails), the
 *    words of the messages, and the stage writer's refusal of a row longer
 *    than the warehouse loads.
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

#include "buf.h"
#include "guard.h"
#include "sink.h"
#include "stage.h"
#include "table.h"

#define COL(k) {.name = (char *) "x", .kind = (k), .precision = -1, .scale = -1, \
	.length = -1, .time_precision = -1}

static const sink_dialect *
dialect(const char *name)
{
	const sink_dialect *d = sink_dialect_by_name(name);

	assert_non_null(d);
	return d;
}

static col_render
render(const char *dialect_name, table_column c)
{
	return sink_column_render(dialect(dialect_name), &c);
}

/* The postgres dialect holds what Postgres holds: no column has a guard. */
static void
test_postgres_no_guards(void **state)
{
	(void) state;
	for (int k = 0; k < COL_NKINDS; k++)
		for (int arr = 0; arr < 2; arr++)
		{
			table_column c = COL((col_kind) k);
			col_render	r;

			c.is_array = arr;
			r = render("postgres", c);
			assert_false(r.guarded);
			assert_false(guard_any(&c, &r));
		}
}

static void
test_redshift_renders(void **state)
{
	table_column vc = COL(COL_VARCHAR);
	col_render	r;

	(void) state;
	r = render("redshift", (table_column) COL(COL_TEXT));
	assert_true(r.guarded);
	assert_int_equal(r.max_bytes, 65535);
	assert_string_equal(r.warehouse, "redshift");
	r = render("redshift", (table_column) COL(COL_XML));
	assert_int_equal(r.max_bytes, 65535);
	r = render("redshift", (table_column) COL(COL_BYTEA));
	assert_int_equal(r.max_bytes, 65535);
	/* varchar(16383): 65532 bytes at most, always fits; 16384 may not */
	vc.length = 16383;
	r = render("redshift", vc);
	assert_false(r.guarded);
	vc.length = 16384;
	r = render("redshift", vc);
	assert_int_equal(r.max_bytes, 65535);
	vc.length = -1;
	assert_int_equal(render("redshift", vc).max_bytes, 65535);
	/* short texts: no check at all */
	assert_false(render("redshift", (table_column) COL(COL_ENUM)).guarded);
	assert_false(render("redshift", (table_column) COL(COL_INET)).guarded);
	assert_false(render("redshift", (table_column) COL(COL_UUID)).guarded);
	assert_false(render("redshift", (table_column) COL(COL_INT8)).guarded);
	assert_false(render("redshift", (table_column) COL(COL_BOOL)).guarded);
	/* SUPER */
	for (int k = COL_JSON; k <= COL_JSONB; k++)
	{
		r = render("redshift", (table_column) COL((col_kind) k));
		assert_int_equal(r.max_bytes, 1000000);
		assert_int_equal(r.max_json_string, 65535);
		assert_false(r.json_exact_numbers);
	}
	{
		table_column a = COL(COL_TEXT);

		a.is_array = true;
		r = render("redshift", a);
		assert_true(r.as_json);
		assert_int_equal(r.max_bytes, 1000000);
		assert_int_equal(r.max_json_string, 65535);
	}
	/* floats, dates; TIME holds 24:00:00 */
	assert_true(render("redshift", (table_column) COL(COL_FLOAT4)).no_special);
	assert_true(render("redshift", (table_column) COL(COL_FLOAT8)).no_special);
	for (int k = COL_DATE; k <= COL_TIMESTAMPTZ; k++)
	{
		if (k == COL_TIME || k == COL_TIMETZ)
		{
			assert_false(render("redshift", (table_column) COL((col_kind) k)).guarded);
			continue;
		}
		r = render("redshift", (table_column) COL((col_kind) k));
		assert_true(r.no_infinity);
		assert_true(r.no_bc);
		assert_int_equal(r.max_year, 9999);
	}
	assert_int_equal(dialect("redshift")->max_row_bytes, 4000000);
	assert_int_equal(dialect("snowflake")->max_row_bytes, 0);
	assert_int_equal(dialect("postgres")->max_row_bytes, 0);
}

static void
test_snowflake_renders(void **state)
{
	col_render	r;
	table_column a = COL(COL_NUMERIC);

	(void) state;
	assert_true(render("snowflake", (table_column) COL(COL_JSON)).json_exact_numbers);
	assert_true(render("snowflake", (table_column) COL(COL_JSONB)).json_exact_numbers);
	a.is_array = true;
	r = render("snowflake", a);
	assert_true(r.as_json);
	assert_true(r.json_exact_numbers);
	a.kind = COL_FLOAT8;
	assert_false(render("snowflake", a).guarded);	/* a float's own text */
	a.kind = COL_TEXT;
	assert_false(render("snowflake", a).guarded);	/* strings only */
	assert_true(render("snowflake", (table_column) COL(COL_TIME)).no_time_24);
	for (int k = COL_DATE; k <= COL_TIMESTAMPTZ; k++)
	{
		if (k == COL_TIME || k == COL_TIMETZ)
			continue;
		r = render("snowflake", (table_column) COL((col_kind) k));
		assert_true(r.no_infinity);
		assert_true(r.no_bc);
		assert_int_equal(r.max_year, 9999);
	}
	/* its FLOAT takes NaN and inf; its VARCHAR is long: not guarded */
	assert_false(render("snowflake", (table_column) COL(COL_FLOAT8)).guarded);
	assert_false(render("snowflake", (table_column) COL(COL_TEXT)).guarded);
	assert_false(render("snowflake", (table_column) COL(COL_TIMETZ)).guarded);
}

/* WHARF_TEST_GUARDS: another dialect's limits on this one's columns, its staging kept */
static void
test_guards_override(void **state)
{
	table_column a = COL(COL_NUMERIC);
	col_render	r;

	(void) state;
	setenv("WHARF_TEST_GUARDS", "redshift", 1);
	r = render("postgres", (table_column) COL(COL_TEXT));
	assert_int_equal(r.max_bytes, 65535);
	assert_null(r.null_as);
	assert_string_equal(r.warehouse, "redshift");
	a.is_array = true;
	r = render("postgres", a);
	assert_false(r.as_json);
	assert_int_equal(r.max_bytes, 0);
	assert_int_equal(r.max_json_string, 0);
	assert_ptr_equal(sink_guards_dialect(dialect("postgres")), dialect("redshift"));
	unsetenv("WHARF_TEST_GUARDS");
	assert_false(render("postgres", (table_column) COL(COL_TEXT)).guarded);
	assert_ptr_equal(sink_guards_dialect(dialect("postgres")), dialect("postgres"));
}

static bool
fits(const char *dialect_name, col_kind k, const char *v, size_t len)
{
	table_column c = COL(k);
	col_render	r = sink_column_render(dialect(dialect_name), &c);

	return guard_value_fits(&c, &r, v, len);
}

#define FITS(d, k, s) fits((d), (k), (s), strlen(s))

static char *
filled(size_t n, char ch)
{
	char	   *s = xmalloc(n + 1);

	memset(s, ch, n);
	s[n] = '\0';
	return s;
}

static void
test_lengths(void **state)
{
	char	   *s = filled(65536, 'a');
	char	   *hex;

	(void) state;
	assert_true(fits("redshift", COL_TEXT, s, 65535));
	assert_false(fits("redshift", COL_TEXT, s, 65536));
	assert_true(fits("snowflake", COL_TEXT, s, 65536));
	assert_true(fits("postgres", COL_TEXT, s, 65536));
	/* two-byte characters: bytes count, not characters */
	{
		buf			u = BUF_INIT;

		for (int i = 0; i < 32768; i++)
			buf_puts(&u, "\xc3\xa9");
		assert_false(fits("redshift", COL_TEXT, u.data, u.len));
		assert_true(fits("redshift", COL_TEXT, u.data, u.len - 2));
		buf_free(&u);
	}
	/* bytea: \x and two hex digits a byte; 32766 bytes fit, 32767 do not */
	hex = filled(2 + 2 * 32767, 'f');
	hex[0] = '\\';
	hex[1] = 'x';
	assert_true(fits("redshift", COL_BYTEA, hex, 2 + 2 * 32766));
	assert_false(fits("redshift", COL_BYTEA, hex, 2 + 2 * 32767));
	free(hex);
	free(s);
}

/* A JSON document {"k": "<n bytes>"} */
static char *
json_with_string(size_t n, const char *unit, size_t unit_len)
{
	buf			b = BUF_INIT;

	buf_puts(&b, "{\"k\": \"");
	for (size_t i = 0; i < n; i++)
		buf_append(&b, unit, unit_len);
	buf_puts(&b, "\"}");
	return buf_detach(&b);
}

static void
test_json_strings(void **state)
{
	char	   *j;
	char	   *big;

	(void) state;
	j = json_with_string(65535, "a", 1);
	assert_true(FITS("redshift", COL_JSONB, j));
	free(j);
	j = json_with_string(65536, "a", 1);
	assert_false(FITS("redshift", COL_JSONB, j));
	assert_true(FITS("snowflake", COL_JSONB, j));
	assert_true(FITS("postgres", COL_JSONB, j));
	free(j);
	/* escapes count as what they stand for: \n one byte, \u00e9 two, a pair four */
	j = json_with_string(65535, "\\n", 2);
	assert_true(FITS("redshift", COL_JSON, j));
	free(j);
	j = json_with_string(32767, "\\u00e9", 6);
	assert_true(FITS("redshift", COL_JSON, j));	/* 65534 bytes */
	free(j);
	j = json_with_string(32768, "\\u00e9", 6);
	assert_false(FITS("redshift", COL_JSON, j));
	free(j);
	j = json_with_string(16383, "\\ud83d\\ude00", 12);
	assert_true(FITS("redshift", COL_JSON, j));	/* 65532 bytes */
	free(j);
	j = json_with_string(16384, "\\ud83d\\ude00", 12);
	assert_false(FITS("redshift", COL_JSON, j));
	free(j);
	/* escaped quotes do not end the string */
	j = json_with_string(65536, "\\\"", 2);
	assert_false(FITS("redshift", COL_JSON, j));
	free(j);
	assert_true(guard_json_fits("[\"a\\\"b\", 1]", 11, 3, false));
	assert_false(guard_json_fits("[\"a\\\"bc\", 1]", 12, 3, false));
	/* the whole value: 1,000,000 bytes load into SUPER from CSV, one more does not */
	big = filled(1000001, ' ');
	big[0] = '[';
	big[999999] = ']';
	assert_true(fits("redshift", COL_JSONB, big, 1000000));
	big[999999] = ' ';
	big[1000000] = ']';
	assert_false(fits("redshift", COL_JSONB, big, 1000001));
	free(big);
}

static void
test_json_numbers(void **state)
{
	static const struct
	{
		const char *num;
		bool		exact;
	}			cases[] = {
		{"0", true},
		{"-0", true},
		{"12", true},
		{"-1.50", true},
		/* 38 digits: a NUMBER(38,0) */
		{"12345678901234567890123456789012345678", true},
		/* 39: a DOUBLE, which holds 15 significant digits */
		{"123456789012345678901234567890123456789", false},
		{"100000000000000000000000000000000000000", true},
		{"123456789012345000000000000000000000000", true},
		{"123456789012345600000000000000000000000", false},
		/* 37 decimals is the most a NUMBER(38,s) has */
		{"0.1234567890123456789012345678901234567", true},
		{"0.12345678901234567890123456789012345678", false},
		{"0.00000000000000000000000000000000000001", true},
		{"1.2345678901234567890123456789012345678", true},
		{"12.345678901234567890123456789012345678", true},
		{"12.3456789012345678901234567890123456789", false},
		/* e-notation is always a DOUBLE */
		{"1e5", true},
		{"1.5E+300", true},
		{"1.23456789012345e5", true},
		{"1.234567890123456e5", false},
		{"9.99999999999999e307", true},
		{"1e308", false},
		{"1e-307", true},
		{"1e-308", false},
		{"0e999999", true},
		{"0.0E-5000", true},
		{"12345678901234567890e-10", false},
	};

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (guard_json_number_exact(cases[i].num, strlen(cases[i].num)) != cases[i].exact)
			fail_msg("%s: expected %s", cases[i].num, cases[i].exact ? "exact" : "rounded");
	/* numbers in documents; digits inside strings are no numbers */
	assert_true(FITS("snowflake", COL_JSONB, "{\"a\": [1, 2.5, -3e2], \"b\": null}"));
	assert_false(FITS("snowflake", COL_JSONB, "{\"a\": [1, 123456789012345678901234567890123456789]}"));
	assert_false(FITS("snowflake", COL_JSON, "{\"a\": 1.0000000000000001e1}"));
	assert_true(FITS("snowflake", COL_JSON, "{\"123456789012345678901234567890123456789\": "
					 "\"1.0000000000000001e1\"}"));
	assert_true(FITS("redshift", COL_JSON, "{\"a\": 123456789012345678901234567890123456789}"));
	assert_true(FITS("postgres", COL_JSON, "{\"a\": 123456789012345678901234567890123456789}"));
}

static void
test_numbers_and_floats(void **state)
{
	table_column n = COL(COL_NUMERIC);
	col_render	r;

	(void) state;
	n.precision = 50;
	n.scale = 10;
	r = sink_column_render(dialect("redshift"), &n);
	assert_true(guard_value_fits(&n, &r, "1234567890123456789012345678.0123456789", 39));
	assert_false(guard_value_fits(&n, &r, "12345678901234567890123456789.0123456789", 40));
	assert_false(guard_value_fits(&n, &r, "1.01234567891", 13));
	assert_true(guard_value_fits(&n, &r, "1.01234567890", 13));	/* trailing zero */
	assert_false(guard_value_fits(&n, &r, "NaN", 3));
	for (int i = 0; i < 2; i++)
	{
		col_kind	k = i ? COL_FLOAT8 : COL_FLOAT4;

		assert_false(FITS("redshift", k, "NaN"));
		assert_false(FITS("redshift", k, "Infinity"));
		assert_false(FITS("redshift", k, "-Infinity"));
		assert_true(FITS("redshift", k, "-1.5e+300"));
		assert_true(FITS("snowflake", k, "NaN"));
		assert_true(FITS("snowflake", k, "-Infinity"));
		assert_true(FITS("postgres", k, "Infinity"));
	}
}

static void
test_dates(void **state)
{
	const char *ds[] = {"redshift", "snowflake"};

	(void) state;
	for (int i = 0; i < 2; i++)
	{
		const char *d = ds[i];

		assert_true(FITS(d, COL_DATE, "9999-12-31"));
		assert_false(FITS(d, COL_DATE, "10000-01-01"));
		assert_true(FITS(d, COL_DATE, "0001-01-01"));
		assert_false(FITS(d, COL_DATE, "0001-12-31 BC"));
		assert_false(FITS(d, COL_DATE, "0044-03-15 BC"));
		assert_false(FITS(d, COL_DATE, "infinity"));
		assert_false(FITS(d, COL_DATE, "-infinity"));
		assert_true(FITS(d, COL_TIMESTAMP, "9999-12-31 23:59:59.999999"));
		assert_false(FITS(d, COL_TIMESTAMP, "10000-01-01 00:00:00"));
		assert_false(FITS(d, COL_TIMESTAMP, "0044-03-15 10:00:00 BC"));
		assert_false(FITS(d, COL_TIMESTAMP, "infinity"));
		assert_true(FITS(d, COL_TIMESTAMPTZ, "9999-12-31 23:59:59.999999+00"));
		assert_false(FITS(d, COL_TIMESTAMPTZ, "10000-01-01 00:00:00+00"));
		assert_false(FITS(d, COL_TIMESTAMPTZ, "0001-12-31 23:59:59+00 BC"));
		assert_false(FITS(d, COL_TIMESTAMPTZ, "-infinity"));
		assert_true(FITS(d, COL_TIME, "23:59:59.999999"));
		assert_true(FITS(d, COL_TIME, "00:00:00"));
	}
	assert_false(FITS("snowflake", COL_TIME, "24:00:00"));
	assert_true(FITS("redshift", COL_TIME, "24:00:00"));
	assert_true(FITS("postgres", COL_DATE, "0044-03-15 BC"));
	assert_true(FITS("postgres", COL_DATE, "infinity"));
	assert_true(FITS("postgres", COL_TIME, "24:00:00"));
}

static void
test_messages(void **state)
{
	table_column c = COL(COL_TEXT);
	col_render	r = sink_column_render(dialect("redshift"), &c);
	buf			b = BUF_INIT;
	char	   *s = filled(4 * 1024 * 1024, 'a');

	(void) state;
	guard_limits_text(&c, &r, &b);
	assert_string_equal(b.data, "at most 65535 bytes in VARCHAR(65535)");
	buf_reset(&b);
	/* a short prefix of a 4 MB value, never the value */
	guard_value_prefix(s, strlen(s), &b);
	assert_true(b.len < 80);
	assert_non_null(strstr(b.data, "(4194304 bytes)"));
	buf_reset(&b);
	/* not in the middle of a character, no control characters */
	guard_value_prefix("\n123456789012345678901234567890123456789\xc3\xa9xyz", 45, &b);
	assert_string_equal(b.data, "' 123456789012345678901234567890123456789'... (45 bytes)");
	buf_reset(&b);
	c.kind = COL_DATE;
	r = sink_column_render(dialect("snowflake"), &c);
	guard_limits_text(&c, &r, &b);
	assert_string_equal(b.data, "no infinity, no year BC, no year after 9999");
	buf_free(&b);
	free(s);
}

/* The stage writer refuses a row longer than the warehouse's input row */
static void
test_row_limit(void **state)
{
	char		dir[] = "/tmp/wharf-test-guards-XXXXXX";
	stage		s;
	stage_writer *w;
	stage_result res;
	table_column cols[] = {COL(COL_INT4), COL(COL_TEXT)};
	table_def	t = {.schema = (char *) "s", .name = (char *) "t", .ncols = 2, .cols = cols, .nkeys = 1};
	char	   *row;
	size_t		max = 1000;

	(void) state;
	cols[0].name = (char *) "id";
	cols[0].key_pos = 1;
	cols[1].name = (char *) "v";
	assert_non_null(mkdtemp(dir));
	memset(&s, 0, sizeof(s));
	s.kind = STAGE_FILE;
	s.root = dir;
	s.part_size = 1 << 20;
	s.compression = 1;
	s.job_name = "j";
	s.max_row_bytes = max;
	s.row_limit_of = "redshift";
	/* "7,aaa...a\n": exactly max bytes passes, max + 1 does not */
	row = filled(max + 1, 'a');
	memcpy(row, "7,", 2);
	row[max - 1] = '\n';
	assert_true(stage_writer_open(&s, "load1", &t, &w));
	assert_true(stage_write_rows(w, row, max, 1));
	row[max - 1] = 'a';
	row[max] = '\n';
	assert_false(stage_write_rows(w, row, max + 1, 1));
	/* many rows at once are not one row */
	assert_true(stage_write_rows(w, row, max + 1, 2));
	stage_writer_abort(w);
	/* a change row's key comes after its four change columns */
	memcpy(row, "1,2,I,,9,", 9);
	assert_true(stage_writer_open(&s, "load2", &t, &w));
	stage_writer_set_lead(w, 4);
	assert_false(stage_write_rows(w, row, max + 1, 1));
	assert_true(stage_writer_finish(w, &res));
	stage_remove(&s, &res);
	stage_result_free(&res);
	free(row);
	{
		char	   *cmd = xasprintf("rm -rf '%s'", dir);

		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postgres_no_guards),
		cmocka_unit_test(test_redshift_renders),
		cmocka_unit_test(test_snowflake_renders),
		cmocka_unit_test(test_guards_override),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_json_strings),
		cmocka_unit_test(test_json_numbers),
		cmocka_unit_test(test_numbers_and_floats),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_messages),
		cmocka_unit_test(test_row_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
