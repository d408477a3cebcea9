/*
 * test_connstr.c
 *    The one reader of ODBC connection strings (connstr.h): plain and
 *    braced values, "}}" inside braces, a brace never closed, keys without
 *    regard to case, blanks, bare words, and the raw form of each value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "connstr.h"

static void
test_get(void **state)
{
	const char *cs = "Driver={PostgreSQL Unicode};Server = wh ; Uid=loader;PWD={a;b}}c};Port=5433";
	bool		unclosed = true;
	char	   *v;

	(void) state;
	v = connstr_get(cs, "DRIVER", &unclosed);
	assert_string_equal(v, "PostgreSQL Unicode");
	assert_false(unclosed);
	free(v);
	v = connstr_get(cs, "server", NULL);
	assert_string_equal(v, "wh");
	free(v);
	v = connstr_get(cs, "Pwd", NULL);
	assert_string_equal(v, "a;b}c");
	free(v);
	v = connstr_get(cs, "port", NULL);
	assert_string_equal(v, "5433");
	free(v);
	assert_null(connstr_get(cs, "DSN", &unclosed));
	assert_false(unclosed);
}

static void
test_unclosed_and_bare(void **state)
{
	bool		unclosed = false;
	char	   *v;

	(void) state;
	v = connstr_get("bare;Driver={X;PWD=y", "driver", &unclosed);
	assert_string_equal(v, "X;PWD=y");
	assert_true(unclosed);
	free(v);
	assert_null(connstr_get("bare;;  ;", "bare", NULL));
	v = connstr_get("k=", "k", NULL);
	assert_string_equal(v, "");
	free(v);
}

static void
test_pairs_raw(void **state)
{
	const char *p = "a=1; PWD={x}}y} ;b = two words ";
	connstr_pair pair;
	int			n = 0;

	(void) state;
	while (connstr_next(&p, &pair))
	{
		if (n == 1)
		{
			assert_true(connstr_key_is(&pair, "pwd"));
			assert_string_equal(pair.value, "x}y");
			assert_int_equal(pair.rawlen, 4);
			assert_memory_equal(pair.raw, "x}}y", 4);
		}
		if (n == 2)
		{
			assert_true(connstr_key_is(&pair, "B"));
			assert_string_equal(pair.value, "two words");
		}
		free(pair.value);
		n++;
	}
	assert_int_equal(n, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get),
		cmocka_unit_test(test_unclosed_and_bare),
		cmocka_unit_test(test_pairs_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
