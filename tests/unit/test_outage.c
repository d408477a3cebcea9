/*
 * test_outage.c
 *    Outages told apart from errors: libpq's texts for failed connection
 *    attempts (as libpq 15 and psqlODBC print them), the SQLSTATEs of a
 *    lost connection, and the record that keeps the first outage noted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outage.h"

static void
test_connect_failures(void **state)
{
	/* the server down, restarting, recovering or full; the network */
	static const char *const transient[] = {
		"connection to server at \"127.0.0.1\", port 5433 failed: Connection refused\n"
		"\tIs the server running on that host and accepting TCP/IP connections?",
		"[08001] connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  the database "
		"system is starting up",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  the database system is "
		"shutting down",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  the database system is "
		"not yet accepting connections\nDETAIL:  Consistent recovery state has not been yet reached.",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  the database system is in "
		"recovery mode",
		"connection to server at \"10.0.0.9\", port 5432 failed: timeout expired",
		"connection to server at \"10.0.0.9\", port 5432 failed: No route to host",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  sorry, too many clients already",
		"connection to server at \"127.0.0.1\", port 5433 failed: server closed the connection "
		"unexpectedly\n\tThis probably means the server terminated abnormally",
		"connection to server on socket \"/tmp/.s.PGSQL.5432\" failed: No such file or directory",
	};
	/* the job's credentials, database or address: waiting cures none */
	static const char *const errors[] = {
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  password authentication "
		"failed for user \"wharf\"",
		"[08001] connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  role \"nosuch\" "
		"does not exist",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  database \"nosuch\" does "
		"not exist",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  no pg_hba.conf entry for "
		"host \"127.0.0.1\", user \"wharf\", database \"wh\", no encryption",
		"connection to server at \"127.0.0.1\", port 5433 failed: FATAL:  must be superuser or "
		"replication role to start walsender",
		"could not translate host name \"db.example\" to address: Name or service not known",
		"",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++)
		assert_true(outage_connect_failure_transient(transient[i]));
	for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
		assert_false(outage_connect_failure_transient(errors[i]));
	assert_false(outage_connect_failure_transient(NULL));
}

static void
test_sqlstates(void **state)
{
	(void) state;
	assert_true(outage_sqlstate_lost("08006"));	/* connection_failure */
	assert_true(outage_sqlstate_lost("08S01"));	/* ODBC: communication link failure */
	assert_true(outage_sqlstate_lost("57P01"));	/* admin_shutdown */
	assert_true(outage_sqlstate_lost("57P02"));	/* crash_shutdown */
	assert_true(outage_sqlstate_lost("57P03"));	/* cannot_connect_now */
	assert_false(outage_sqlstate_lost("57014"));	/* query_canceled */
	assert_false(outage_sqlstate_lost("28P01"));	/* invalid_password */
	assert_false(outage_sqlstate_lost("42P01"));	/* undefined_table */
	assert_false(outage_sqlstate_lost("42601"));	/* syntax_error */
	assert_false(outage_sqlstate_lost("42704"));	/* undefined_object: a slot dropped */
	assert_false(outage_sqlstate_lost(""));
	assert_false(outage_sqlstate_lost(NULL));
}

static void
test_first_outage_kept(void **state)
{
	(void) state;
	outage_reset();
	assert_int_equal(outage_first(), OUTAGE_NONE);
	outage_note(OUTAGE_WAREHOUSE);
	outage_note(OUTAGE_SOURCE);
	assert_int_equal(outage_first(), OUTAGE_WAREHOUSE);
	assert_string_equal(outage_service_name(outage_first()), "warehouse");
	outage_reset();
	assert_int_equal(outage_first(), OUTAGE_NONE);
	outage_note(OUTAGE_STAGE);
	assert_string_equal(outage_service_name(outage_first()), "stage");
	assert_string_equal(outage_service_name(OUTAGE_SOURCE), "source");
	outage_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_failures),
		cmocka_unit_test(test_sqlstates),
		cmocka_unit_test(test_first_outage_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
