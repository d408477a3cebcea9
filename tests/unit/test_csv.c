/*
 * test_csv.c
 *    The staged CSV encoding: exact output for the cases that matter, and
 *    round trips of hostile values through the encoder and reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

static void
encode_one(buf *out, const char *v)
{
	buf_reset(out);
	if (v == NULL)
		csv_null(out, true);
	else
		csv_field(out, true, v, strlen(v));
}

static void
test_exact_encoding(void **state)
{
	static const struct
	{
		const char *in;
		const char *out;
	}			cases[] = {
		{NULL, ""},
		{"", "\"\""},
		{"plain", "plain"},
		{"a,b", "\"a,b\""},
		{"say \"hi\"", "\"say \"\"hi\"\"\""},
		{"line\nbreak", "\"line\nbreak\""},
		{"cr\rhere", "\"cr\rhere\""},
		{"back\\slash", "\"back\\slash\""},
		{"\\N", "\"\\N\""},
		{"\\.", "\"\\.\""},
		{"NULL", "NULL"},
		{" lead", "\" lead\""},
		{"trail ", "\"trail \""},
		{"tab\tinside", "tab\tinside"},
		{"\ttab", "\"\ttab\""},
		{"naïve 日本 🚀", "naïve 日本 🚀"},
	};
	buf			out = BUF_INIT;

	(void) state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
	{
		encode_one(&out, cases[i].in);
		assert_string_equal(out.data ? out.data : "", cases[i].out);
	}
	buf_free(&out);
}

static void
test_row_round_trip(void **state)
{
	const char *values[] = {
		"1", NULL, "", "NULL", "\\N", "a,b,,c", "\"\"", "x\r\ny", "\n", "\r",
		" both ", "\\", "\\.", "last\"", "ünïcödé ✓",
	};
	size_t		nvalues = sizeof(values) / sizeof(values[0]);
	buf			row = BUF_INIT;
	buf			field = BUF_INIT;
	size_t		pos = 0;

	(void) state;
	for (int rep = 0; rep < 3; rep++)
	{
		for (size_t i = 0; i < nvalues; i++)
		{
			if (values[i] == NULL)
				csv_null(&row, i == 0);
			else
				csv_field(&row, i == 0, values[i], strlen(values[i]));
		}
		csv_end_row(&row);
	}
	for (int rep = 0; rep < 3; rep++)
	{
		for (size_t i = 0; i < nvalues; i++)
		{
			bool		is_null;
			bool		end;

			buf_reset(&field);
			assert_true(csv_read_field(row.data, row.len, &pos, &field, &is_null, &end));
			if (values[i] == NULL)
				assert_true(is_null);
			else
			{
				assert_false(is_null);
				assert_int_equal(field.len, strlen(values[i]));
				assert_memory_equal(field.data ? field.data : "", values[i], field.len);
			}
			assert_int_equal(end, i == nvalues - 1);
		}
	}
	assert_int_equal(pos, row.len);
	buf_free(&row);
	buf_free(&field);
}

static void
test_large_value(void **state)
{
	size_t		n = 1024 * 1024;
	char	   *big = malloc(n + 1);
	buf			row = BUF_INIT;
	buf			field = BUF_INIT;
	size_t		pos = 0;
	bool		is_null;
	bool		end;

	(void) state;
	for (size_t i = 0; i < n; i++)
		big[i] = "ab\",\n\\ x"[i % 9];
	big[n] = '\0';
	csv_field(&row, true, big, n);
	csv_end_row(&row);
	assert_true(csv_read_field(row.data, row.len, &pos, &field, &is_null, &end));
	assert_true(end);
	assert_int_equal(field.len, n);
	assert_memory_equal(field.data, big, n);
	free(big);
	buf_free(&row);
	buf_free(&field);
}

static void
test_reader_rejects_malformed(void **state)
{
	const char *bad[] = {"\"unterminated", "a\"b", "\"x\"y"};
	buf			field = BUF_INIT;

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		size_t		pos = 0;
		bool		is_null;
		bool		end;

		buf_reset(&field);
		assert_false(csv_read_field(bad[i], strlen(bad[i]), &pos, &field, &is_null, &end));
	}
	buf_free(&field);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_encoding),
		cmocka_unit_test(test_row_round_trip),
		cmocka_unit_test(test_large_value),
		cmocka_unit_test(test_reader_rejects_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
