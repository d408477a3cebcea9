/*
 * test_decoding_crosscheck.c
 *    Cross-checks wharf's pgoutput decoder (src/source/pgoutput.c) against
 *    Postgres' own test_decoding plugin: two slots created at the same point
 *    see one mixed workload; the pgoutput stream, decoded by wharf and
 *    rendered in test_decoding's text format, must equal test_decoding's
 *    output line for line.
 *
 * WHARF_SOURCE_CONNINFO names the source Postgres (wal_level=logical) that
 * ci/services starts.  Both slots are read through the SQL functions on one
 * connection, so the output functions of both plugins run with the same
 * settings (DateStyle, TimeZone, extra_float_digits).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "buf.h"
#include "log.h"
#include "pgoutput.h"

#define SLOT_PGOUTPUT "wharf_xc_pgoutput"
#define SLOT_TEST_DECODING "wharf_xc_test_decoding"
#define PUBLICATION "wharf_xc_pub"

/* Session settings shared by the workload and both decoders. */
#define SESSION_OPTIONS "-c DateStyle=ISO,MDY -c TimeZone=UTC -c IntervalStyle=postgres " \
	"-c extra_float_digits=3 -c synchronous_commit=on -c client_min_messages=warning"

static PGconn *conn;

/* --- libpq helpers ---------------------------------------------------- */

static void
exec_ok(const char *sql)
{
	PGresult   *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);

	PQclear(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		fail_msg("statement failed: %s\n%s", sql, PQerrorMessage(conn));
}

/* Runs a query returning rows, in text or binary format. */
static PGresult *
query_ok(const char *sql, int format)
{
	PGresult   *res = PQexecParams(conn, sql, 0, NULL, NULL, NULL, NULL, format);

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		PQclear(res);
		fail_msg("query failed: %s\n%s", sql, PQerrorMessage(conn));
	}
	return res;
}

static void
drop_objects(void)
{
	exec_ok("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
			"WHERE slot_name IN ('" SLOT_PGOUTPUT "', '" SLOT_TEST_DECODING "')");
	exec_ok("DROP PUBLICATION IF EXISTS " PUBLICATION);
	exec_ok("DROP TABLE IF EXISTS xc_main, xc_full, xc_trunc");
	exec_ok("DROP TYPE IF EXISTS xc_mood");
}

static int
setup(void **state)
{
	const char *conninfo = getenv("WHARF_SOURCE_CONNINFO");
	const char *const keys[] = {"dbname", "options", "application_name", NULL};
	const char *values[] = {conninfo, SESSION_OPTIONS, "wharf-test-decoding-crosscheck", NULL};

	(void) state;
	if (conninfo == NULL || conninfo[0] == '\0')
	{
		fprintf(stderr, "WHARF_SOURCE_CONNINFO is not set (run under the services fixture)\n");
		return -1;
	}
	conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "cannot connect to the source: %s\n", PQerrorMessage(conn));
		PQfinish(conn);
		conn = NULL;
		return -1;
	}
	/* leftovers of an earlier run that failed */
	drop_objects();
	return 0;
}

static int
teardown(void **state)
{
	(void) state;
	if (conn != NULL)
	{
		/* a test that stopped mid-transaction */
		if (PQtransactionStatus(conn) != PQTRANS_IDLE)
			PQclear(PQexec(conn, "ROLLBACK"));
		drop_objects();
		PQfinish(conn);
		conn = NULL;
	}
	return 0;
}

/* --- transcripts ------------------------------------------------------- */

typedef struct transcript
{
	strlist		lines;
} transcript;

/* format_type of the type oids met, looked up once each. */
typedef struct type_names
{
	uint32_t   *oids;
	char	  **names;
	int			n;
} type_names;

static const char *
type_name(type_names *tn, uint32_t oid)
{
	char		sql[96];
	PGresult   *res;

	for (int i = 0; i < tn->n; i++)
		if (tn->oids[i] == oid)
			return tn->names[i];
	snprintf(sql, sizeof(sql), "SELECT format_type(%u, NULL)", oid);
	res = query_ok(sql, 0);
	assert_int_equal(PQntuples(res), 1);
	tn->oids = xrealloc(tn->oids, sizeof(uint32_t) * (size_t) (tn->n + 1));
	tn->names = xrealloc(tn->names, sizeof(char *) * (size_t) (tn->n + 1));
	tn->oids[tn->n] = oid;
	tn->names[tn->n] = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return tn->names[tn->n++];
}

static void
type_names_free(type_names *tn)
{
	for (int i = 0; i < tn->n; i++)
		free(tn->names[i]);
	free(tn->names);
	free(tn->oids);
}

/* An identifier as quote_identifier prints it (no keywords used here). */
static void
put_ident(buf *out, const char *s)
{
	bool		plain = (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_';

	for (const char *p = s; *p && plain; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
	if (plain)
	{
		buf_puts(out, s);
		return;
	}
	buf_putc(out, '"');
	for (const char *p = s; *p; p++)
	{
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

/* A text value the way test_decoding prints a literal of that type. */
static void
put_literal(buf *out, uint32_t type_oid, const char *data, uint32_t len)
{
	switch (type_oid)
	{
		case 20:				/* int8 */
		case 21:				/* int2 */
		case 23:				/* int4 */
		case 26:				/* oid */
		case 700:				/* float4 */
		case 701:				/* float8 */
		case 1700:				/* numeric */
			buf_append(out, data, len);
			break;
		case 16:				/* bool */
			buf_puts(out, len == 1 && data[0] == 't' ? "true" : "false");
			break;
		case 1560:				/* bit */
		case 1562:				/* varbit */
			buf_puts(out, "B'");
			buf_append(out, data, len);
			buf_putc(out, '\'');
			break;
		default:
			buf_putc(out, '\'');
			for (uint32_t i = 0; i < len; i++)
			{
				if (data[i] == '\'')
					buf_putc(out, '\'');
				buf_putc(out, data[i]);
			}
			buf_putc(out, '\'');
			break;
	}
}

static void
put_tuple(buf *out, type_names *tn, const pgoutput_relation *rel,
		  const pgoutput_tuple *t, bool skip_nulls)
{
	assert_int_equal(t->ncols, rel->ncols);
	for (int i = 0; i < t->ncols; i++)
	{
		const pgoutput_value *v = &t->values[i];

		if (skip_nulls && v->kind == 'n')
			continue;
		buf_putc(out, ' ');
		put_ident(out, rel->cols[i].name);
		buf_printf(out, "[%s]:", type_name(tn, rel->cols[i].type_oid));
		switch (v->kind)
		{
			case 'n':
				buf_puts(out, "null");
				break;
			case 'u':
				buf_puts(out, "unchanged-toast-datum");
				break;
			case 't':
				put_literal(out, rel->cols[i].type_oid, v->data, v->len);
				break;
			default:
				fail_msg("unexpected value kind '%c' in column %s", v->kind, rel->cols[i].name);
		}
	}
}

static void
put_table(buf *out, const pgoutput_relation *rel)
{
	put_ident(out, rel->schema);
	buf_putc(out, '.');
	put_ident(out, rel->name);
}

static const pgoutput_relation *
relation_or_fail(pgoutput_decoder *d, uint32_t oid)
{
	const pgoutput_relation *rel = pgoutput_relation_get(d, oid);

	if (rel == NULL)
		fail_msg("no Relation message for oid %u", oid);
	return rel;
}

/*
 * Reads the pgoutput slot, decodes every message with wharf and renders
 * them as test_decoding with include-xids 0 and skip-empty-xacts 1 would:
 * BEGIN is printed before the first change of a transaction (a logical
 * message is not a change) and COMMIT only after a printed BEGIN.
 */
static void
render_pgoutput(transcript *out, int *nmessages)
{
	PGresult   *res = query_ok("SELECT lsn::text, data FROM pg_logical_slot_get_binary_changes('"
							   SLOT_PGOUTPUT "', NULL, NULL, 'proto_version', '1', "
							   "'publication_names', '" PUBLICATION "', 'messages', 'true')", 1);
	pgoutput_decoder *d = pgoutput_decoder_create();
	type_names	tn = {NULL, NULL, 0};
	buf			line = BUF_INIT;
	bool		in_xact = false;
	bool		begun = false;

	*nmessages = PQntuples(res);
	for (int row = 0; row < PQntuples(res); row++)
	{
		pgoutput_message m;
		pg_lsn		at;
		const pgoutput_relation *rel;

		assert_true(pg_lsn_parse(PQgetvalue(res, row, 0), &at));
		if (!pgoutput_decode(d, PQgetvalue(res, row, 1), (size_t) PQgetlength(res, row, 1), at, &m))
			fail_msg("wharf could not decode message %d at %s", row, PQgetvalue(res, row, 0));
		buf_reset(&line);
		switch (m.type)
		{
			case PGOUTPUT_BEGIN:
				assert_false(in_xact);
				in_xact = true;
				begun = false;
				continue;
			case PGOUTPUT_COMMIT:
				assert_true(in_xact);
				if (begun)
					strlist_add(&out->lines, "COMMIT");
				in_xact = begun = false;
				continue;
			case PGOUTPUT_RELATION:
			case PGOUTPUT_TYPE:
			case PGOUTPUT_ORIGIN:
				continue;
			case PGOUTPUT_MESSAGE:
				assert_int_equal(m.u.message.flags & 1, in_xact ? 1 : 0);
				buf_printf(&line, "message: transactional: %d prefix: %s, sz: %u content:",
						   m.u.message.flags & 1, m.u.message.prefix, m.u.message.len);
				buf_append(&line, m.u.message.content, m.u.message.len);
				strlist_add(&out->lines, line.data);
				continue;
			default:
				break;
		}
		/* a change */
		assert_true(in_xact);
		if (!begun)
		{
			strlist_add(&out->lines, "BEGIN");
			begun = true;
		}
		buf_puts(&line, "table ");
		switch (m.type)
		{
			case PGOUTPUT_INSERT:
				rel = relation_or_fail(d, m.u.insert.relid);
				put_table(&line, rel);
				buf_puts(&line, ": INSERT:");
				put_tuple(&line, &tn, rel, &m.u.insert.tuple, false);
				break;
			case PGOUTPUT_UPDATE:
				rel = relation_or_fail(d, m.u.update.relid);
				put_table(&line, rel);
				buf_puts(&line, ": UPDATE:");
				if (m.u.update.old_kind != 0)
				{
					buf_puts(&line, " old-key:");
					put_tuple(&line, &tn, rel, &m.u.update.old_tuple, true);
					buf_puts(&line, " new-tuple:");
				}
				put_tuple(&line, &tn, rel, &m.u.update.tuple, false);
				break;
			case PGOUTPUT_DELETE:
				rel = relation_or_fail(d, m.u.delete.relid);
				put_table(&line, rel);
				buf_puts(&line, ": DELETE:");
				put_tuple(&line, &tn, rel, &m.u.delete.old_tuple, true);
				break;
			case PGOUTPUT_TRUNCATE:
				for (int i = 0; i < m.u.truncate.nrelids; i++)
				{
					if (i > 0)
						buf_puts(&line, ", ");
					put_table(&line, relation_or_fail(d, m.u.truncate.relids[i]));
				}
				buf_puts(&line, ": TRUNCATE:");
				if (m.u.truncate.options & 2)
					buf_puts(&line, " restart_seqs");
				if (m.u.truncate.options & 1)
					buf_puts(&line, " cascade");
				if ((m.u.truncate.options & 3) == 0)
					buf_puts(&line, " (no-flags)");
				break;
			default:
				fail_msg("unexpected message type '%c'", m.type);
		}
		strlist_add(&out->lines, line.data);
	}
	assert_false(in_xact);
	buf_free(&line);
	type_names_free(&tn);
	pgoutput_decoder_free(d);
	PQclear(res);
}

/* True when a test_decoding line is about tables of this test only. */
static bool
own_tables_only(const char *line)
{
	const char *p = line + strlen("table ");
	const char *colon = strstr(line, ": ");

	if (strncmp(line, "table ", 6) != 0 || colon == NULL)
		return true;			/* BEGIN, COMMIT, message */
	while (p < colon)
	{
		if (strncmp(p, "public.xc_", 10) != 0)
			return false;
		p = strstr(p, ", ");
		if (p == NULL || p > colon)
			break;
		p += 2;
	}
	return true;
}

/*
 * Reads the test_decoding slot.  Transactions of other tables (another
 * test's, were one to run at the same time) are dropped: the publication
 * only has this test's tables.
 */
static void
read_test_decoding(transcript *out)
{
	PGresult   *res = query_ok("SELECT data FROM pg_logical_slot_get_changes('" SLOT_TEST_DECODING
							   "', NULL, NULL, 'include-xids', '0', 'skip-empty-xacts', '1')", 0);

	for (int row = 0; row < PQntuples(res); row++)
	{
		const char *data = PQgetvalue(res, row, 0);

		if (!own_tables_only(data))
			continue;
		/* a BEGIN whose changes were all dropped */
		if (strcmp(data, "COMMIT") == 0 && out->lines.n > 0 &&
			strcmp(out->lines.items[out->lines.n - 1], "BEGIN") == 0)
		{
			free(out->lines.items[--out->lines.n]);
			continue;
		}
		strlist_add(&out->lines, data);
	}
	PQclear(res);
}

/* --- the report -------------------------------------------------------- */

/* A line-by-line diff (longest common subsequence) on stderr. */
static void
print_diff(const transcript *want, const transcript *got)
{
	int			n = want->lines.n;
	int			m = got->lines.n;
	int		   *lcs = xcalloc((size_t) (n + 1) * (size_t) (m + 1), sizeof(int));
	int			i = 0;
	int			j = 0;

#define LCS(a, b) lcs[(size_t) (a) * (size_t) (m + 1) + (size_t) (b)]
	for (int a = n - 1; a >= 0; a--)
		for (int b = m - 1; b >= 0; b--)
			LCS(a, b) = strcmp(want->lines.items[a], got->lines.items[b]) == 0
				? LCS(a + 1, b + 1) + 1
				: (LCS(a + 1, b) > LCS(a, b + 1) ? LCS(a + 1, b) : LCS(a, b + 1));
	fprintf(stderr, "--- test_decoding (%d lines)\n+++ wharf's pgoutput decoding (%d lines)\n", n, m);
	while (i < n || j < m)
	{
		if (i < n && j < m && strcmp(want->lines.items[i], got->lines.items[j]) == 0)
		{
			fprintf(stderr, "  %s\n", want->lines.items[i]);
			i++;
			j++;
		}
		else if (i < n && (j == m || LCS(i + 1, j) >= LCS(i, j + 1)))
			fprintf(stderr, "- %s\n", want->lines.items[i++]);
		else
			fprintf(stderr, "+ %s\n", got->lines.items[j++]);
	}
#undef LCS
	free(lcs);
}

static bool
has_line_containing(const transcript *t, const char *needle)
{
	for (int i = 0; i < t->lines.n; i++)
		if (strstr(t->lines.items[i], needle) != NULL)
			return true;
	return false;
}

/* --- the test ---------------------------------------------------------- */

static const char *const schema_sql[] = {
	"CREATE TYPE xc_mood AS ENUM ('sad', 'ok', 'it''s fine')",
	"CREATE TABLE xc_main (id int PRIMARY KEY, n numeric, t text, b bool, ts timestamptz, "
	"  by bytea, j jsonb, arr int[], tarr text[], m xc_mood, f8 float8, i8 bigint, "
	"  vc varchar(10), \"Odd Col\" text, big text)",
	"ALTER TABLE xc_main ALTER COLUMN big SET STORAGE EXTERNAL",
	"CREATE TABLE xc_full (a int, b text)",
	"ALTER TABLE xc_full REPLICA IDENTITY FULL",
	"CREATE TABLE xc_trunc (id serial PRIMARY KEY, v text)",
	"CREATE PUBLICATION " PUBLICATION " FOR TABLE xc_main, xc_full, xc_trunc",
	NULL
};

/* Each entry runs as one statement (transactions spelled out). */
static const char *const workload_sql[] = {
	/* a multi-row insert: quotes, newline, backslash, unicode, NULLs, TOAST */
	"INSERT INTO xc_main VALUES "
	"(1, 123.4500, E'it''s \"q\"\\nline 2\\\\end', true, '2024-02-29 23:59:59.123456+05:30', "
	"  '\\x00ff10', '{\"k\": [1, \"two\", null], \"a\": true}', '{1,NULL,-3}', '{\"a b\",\"c\\\"d\",NULL}', "
	"  'it''s fine', 1.5e300, -9223372036854775808, 'short', 'odd', "
	"  (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 300) g)), "
	"(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL), "
	"(3, -0.000001, 'na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80', false, '1999-12-31 00:00:00+00', "
	"  '\\x', '[]', '{}', '{}', 'sad', 'NaN', 0, '', '', 'small')",
	/* a transactional message before any change, then changes of two tables */
	"BEGIN",
	"SELECT pg_logical_emit_message(true, 'wharf', E'multi\\nline')",
	"INSERT INTO xc_full VALUES (1, 'one'), (2, NULL), (3, 'three')",
	"INSERT INTO xc_trunc (v) SELECT 'row ' || g FROM generate_series(1, 5) g",
	"COMMIT",
	/* an update not touching the TOASTed column */
	"UPDATE xc_main SET t = 'changed', f8 = 0.1 WHERE id = 1",
	/* key changes: with and without a TOASTed value */
	"UPDATE xc_main SET id = 10 WHERE id = 2",
	"UPDATE xc_main SET id = 11, n = n * 2 WHERE id = 1",
	/* several statements in one transaction, with a rolled-back savepoint */
	"BEGIN",
	"UPDATE xc_main SET b = NOT b, i8 = 42 WHERE id IN (3, 11)",
	"INSERT INTO xc_main (id, t, m) SELECT g, 'gen ' || g, 'ok' FROM generate_series(100, 120) g",
	"SAVEPOINT s1",
	"DELETE FROM xc_main WHERE id >= 100",
	"ROLLBACK TO SAVEPOINT s1",
	"DELETE FROM xc_main WHERE id IN (105, 110)",
	"UPDATE xc_full SET b = 'two' WHERE a = 2",
	"DELETE FROM xc_full WHERE a = 3",
	"COMMIT",
	/* a rolled-back transaction shows in neither */
	"BEGIN",
	"INSERT INTO xc_main (id) VALUES (999)",
	"ROLLBACK",
	"SELECT pg_logical_emit_message(false, 'wharf', 'not in a transaction')",
	/* a schema change: a new Relation message */
	"ALTER TABLE xc_full ADD COLUMN c timestamptz DEFAULT '2020-01-01 00:00:00+00'",
	"INSERT INTO xc_full VALUES (4, 'four', '2021-06-15 12:30:00+02')",
	"UPDATE xc_full SET c = NULL WHERE a = 1",
	"DELETE FROM xc_main WHERE id = 11",
	"TRUNCATE xc_trunc",
	"INSERT INTO xc_trunc (v) VALUES ('after truncate')",
	"TRUNCATE xc_trunc, xc_full RESTART IDENTITY",
	"TRUNCATE xc_trunc CASCADE",
	"TRUNCATE xc_trunc, xc_full RESTART IDENTITY CASCADE",
	NULL
};

static void
test_crosscheck(void **state)
{
	transcript	want = {{NULL, 0, 0}};
	transcript	got = {{NULL, 0, 0}};
	int			nmessages = 0;
	bool		same;

	(void) state;
	for (int i = 0; schema_sql[i]; i++)
		exec_ok(schema_sql[i]);
	/* both slots at the same point: nothing is written between the two */
	exec_ok("SELECT pg_create_logical_replication_slot('" SLOT_PGOUTPUT "', 'pgoutput'), "
			"pg_create_logical_replication_slot('" SLOT_TEST_DECODING "', 'test_decoding')");
	for (int i = 0; workload_sql[i]; i++)
		exec_ok(workload_sql[i]);

	read_test_decoding(&want);
	render_pgoutput(&got, &nmessages);

	same = want.lines.n == got.lines.n;
	for (int i = 0; same && i < want.lines.n; i++)
		same = strcmp(want.lines.items[i], got.lines.items[i]) == 0;
	if (!same || getenv("WHARF_TEST_VERBOSE"))
		print_diff(&want, &got);
	else
		fprintf(stderr, "%d pgoutput messages decoded; %d lines identical to test_decoding's\n",
				nmessages, want.lines.n);
	assert_true(same);

	/* the workload did reach the interesting cases */
	assert_true(has_line_containing(&want, "unchanged-toast-datum"));
	assert_true(has_line_containing(&want, ": UPDATE: old-key: id[integer]:2 new-tuple: id[integer]:10"));
	assert_true(has_line_containing(&want, "table public.xc_full: UPDATE: old-key: a[integer]:2 new-tuple:"));
	assert_true(has_line_containing(&want, "TRUNCATE: (no-flags)"));
	assert_true(has_line_containing(&want, "table public.xc_trunc, public.xc_full: TRUNCATE: restart_seqs cascade"));
	assert_true(has_line_containing(&want, "message: transactional: 1 prefix: wharf"));
	assert_true(has_line_containing(&want, "message: transactional: 0 prefix: wharf"));
	assert_true(has_line_containing(&want, "m[xc_mood]:'it''s fine'"));
	assert_true(has_line_containing(&want, "c[timestamp with time zone]:'2021-06-15 10:30:00+00'"));
	assert_true(has_line_containing(&want, "\"Odd Col\"[text]:'odd'"));
	assert_false(has_line_containing(&want, "id[integer]:999 "));
	assert_true(want.lines.n > 60);

	strlist_free(&want.lines);
	strlist_free(&got.lines);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crosscheck, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
