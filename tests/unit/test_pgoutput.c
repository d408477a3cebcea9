/*
 * test_pgoutput.c
 *    The pgoutput decoder (src/source/pgoutput.c) on byte streams captured
 *    from a real Postgres 15 (tests/data/pgoutput, see its README), on
 *    every truncation of those messages, and on hand-made malformed ones.
 *
 * Errors are checked by capturing what log_error writes to stderr: each
 * failure must be reported exactly once.
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
#include "log.h"
#include "../common/capture.h"
#include "pgoutput.h"

/* One captured message: its LSN (the slot function's lsn column) and bytes. */
typedef struct captured
{
	pg_lsn		lsn;
	char	   *data;
	size_t		len;
} captured;

typedef struct stream
{
	captured   *msgs;
	int			n;
} stream;

/* --- test data -------------------------------------------------------- */

static char *
data_path(const char *name)
{
	const char *srcdir = getenv("WHARF_SOURCE_DIR");

	const char *slash = strrchr(__FILE__, '/');

	if (srcdir && srcdir[0])
		return xasprintf("%s/tests/data/pgoutput/%s", srcdir, name);
	/* outside ctest: __FILE__ is .../tests/unit/test_pgoutput.c */
	if (slash == NULL)
		return xasprintf("../data/pgoutput/%s", name);
	return xasprintf("%.*s/../data/pgoutput/%s", (int) (slash - __FILE__), __FILE__, name);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads "LSN HEX" lines into separately allocated, exactly sized buffers. */
static void
load_stream(const char *name, stream *s)
{
	char	   *path = data_path(name);
	FILE	   *f = fopen(path, "r");
	char	   *line = NULL;
	size_t		cap = 0;
	ssize_t		n;

	if (f == NULL)
		fail_msg("cannot open %s", path);
	s->msgs = NULL;
	s->n = 0;
	while ((n = getline(&line, &cap, f)) > 0)
	{
		char	   *sp = strchr(line, ' ');
		captured   *m;
		size_t		hexlen;

		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n == 0)
			continue;
		assert_non_null(sp);
		*sp = '\0';
		s->msgs = xrealloc(s->msgs, sizeof(captured) * (size_t) (s->n + 1));
		m = &s->msgs[s->n++];
		assert_true(pg_lsn_parse(line, &m->lsn));
		hexlen = strlen(sp + 1);
		assert_int_equal(hexlen % 2, 0);
		m->len = hexlen / 2;
		m->data = xmalloc(m->len);
		for (size_t i = 0; i < m->len; i++)
		{
			int			hi = hexval(sp[1 + 2 * i]);
			int			lo = hexval(sp[2 + 2 * i]);

			assert_true(hi >= 0 && lo >= 0);
			m->data[i] = (char) (hi << 4 | lo);
		}
	}
	free(line);
	fclose(f);
	free(path);
}

static void
free_stream(stream *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->msgs[i].data);
	free(s->msgs);
}


static void
assert_contains(const char *haystack, const char *needle)
{
	if (strstr(haystack, needle) == NULL)
		fail_msg("expected \"%s\" in: %s", needle, haystack);
}

/*
 * Decodes data expecting failure; checks that exactly one error line was
 * written and that it contains each of the NULL-terminated needles.
 */
static void
expect_failure(pgoutput_decoder *d, const char *data, size_t len, pg_lsn at, ...)
{
	pgoutput_message m;
	char	   *err;
	bool		ok;
	va_list		ap;
	const char *needle;

	capture_begin();
	ok = pgoutput_decode(d, data, len, at, &m);
	err = capture_end();
	if (ok)
		fail_msg("decoding succeeded, expected an error");
	if (count_lines(err) != 1 || strncmp(err, "wharf: error: pgoutput: ", 24) != 0)
		fail_msg("expected one error line, got: %s", err);
	va_start(ap, at);
	while ((needle = va_arg(ap, const char *)) != NULL)
		assert_contains(err, needle);
	va_end(ap);
	free(err);
}

/* --- helpers for asserting decoded values ----------------------------- */

static void
assert_value_text(const pgoutput_value *v, const char *text)
{
	if (text == NULL)
	{
		assert_int_equal(v->kind, 'n');
		return;
	}
	assert_int_equal(v->kind, 't');
	assert_int_equal(v->len, strlen(text));
	assert_memory_equal(v->data, text, v->len);
}

/* Checks a tuple against texts; NULL is a null, "\x01u" unchanged TOAST. */
#define TOAST "\x01u"
static void
assert_tuple(const pgoutput_tuple *t, int ncols, ...)
{
	va_list		ap;

	assert_int_equal(t->ncols, ncols);
	va_start(ap, ncols);
	for (int i = 0; i < ncols; i++)
	{
		const char *text = va_arg(ap, const char *);

		if (text != NULL && strcmp(text, TOAST) == 0)
		{
			assert_int_equal(t->values[i].kind, 'u');
			assert_null(t->values[i].data);
		}
		else
			assert_value_text(&t->values[i], text);
	}
	va_end(ap);
}

static void
assert_column(const pgoutput_relation *rel, int i, const char *name, uint32_t type_oid, bool key)
{
	assert_true(i < rel->ncols);
	assert_string_equal(rel->cols[i].name, name);
	assert_int_equal(rel->cols[i].type_oid, type_oid);
	assert_int_equal(rel->cols[i].typmod, -1);
	assert_int_equal(rel->cols[i].key, key);
}

static pg_lsn
lsn(const char *text)
{
	pg_lsn		v = 0;

	assert_true(pg_lsn_parse(text, &v));
	return v;
}

/* Decodes message i of s, which must succeed. */
static void
decode_ok(pgoutput_decoder *d, const stream *s, int i, pgoutput_message *m)
{
	assert_true(i < s->n);
	if (!pgoutput_decode(d, s->msgs[i].data, s->msgs[i].len, s->msgs[i].lsn, m))
		fail_msg("message %d of the capture did not decode", i);
}

/* --- tests ------------------------------------------------------------ */

static void
test_lsn(void **state)
{
	static const char *const bad[] = {
		"", "1", "1/", "/1", "123456789/0", "0/123456789", "g/1", "1/2x",
		" 1/2", "1/ 2", "0x1/2", "-1/2", "1//2", "1/2/3",
	};
	char		out[32];
	pg_lsn		v;

	(void) state;
	assert_string_equal(pg_lsn_format(0, out), "0/0");
	assert_string_equal(pg_lsn_format(0x16B374D848ULL, out), "16/B374D848");
	assert_string_equal(pg_lsn_format(UINT64_MAX, out), "FFFFFFFF/FFFFFFFF");
	assert_true(pg_lsn_parse("16/B374D848", &v));
	assert_true(v == 0x16B374D848ULL);
	assert_true(pg_lsn_parse("16/b374d848", &v));
	assert_true(v == 0x16B374D848ULL);
	assert_true(pg_lsn_parse("FFFFFFFF/FFFFFFFF", &v));
	assert_true(v == UINT64_MAX);
	assert_true(pg_lsn_parse("00000000/00000001", &v));
	assert_true(v == 1);
	for (uint64_t x = 1; x != 0; x = x * 7 + 3)
	{
		pg_lsn		back;

		assert_true(pg_lsn_parse(pg_lsn_format(x, out), &back));
		assert_true(back == x);
		if (x > UINT64_MAX / 8)
			break;
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		char	   *err;
		bool		ok;

		v = 42;
		capture_begin();
		ok = pg_lsn_parse(bad[i], &v);
		err = capture_end();
		if (ok)
			fail_msg("\"%s\" parsed as an LSN", bad[i]);
		assert_true(v == 42);
		assert_int_equal(count_lines(err), 1);
		assert_contains(err, "invalid LSN");
		free(err);
	}
}

/* The microseconds since 2000-01-01 of the Begin/Commit in the capture. */
#define COMMIT_TIME_0 INT64_C(0x0303fe495f277d)
#define ORIGIN_TIME INT64_C(757479845000000)	/* 2024-01-02 03:04:05+00 */

enum
{
	T_BASIC = 16509, T_TOAST = 16516, T_FULL = 16524, T_TRUNC1 = 16530,
	T_TRUNC2 = 16539, MOOD = 16548, T_ENUM = 16555,
	INT4 = 23, TEXT = 25, NUMERIC = 1700, BOOL = 16
};

static void
test_captured_stream(void **state)
{
	stream		s;
	pgoutput_decoder *d = pgoutput_decoder_create();
	pgoutput_message m;
	const pgoutput_relation *rel;
	const pgoutput_relation *basic;
	int			i = 0;

	(void) state;
	load_stream("stream.hex", &s);
	assert_int_equal(s.n, 45);

	/* INSERTs with NULLs, quotes, a newline, a backslash and UTF-8 */
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'B');
	assert_true(m.u.begin.final_lsn == lsn("0/19C4D08"));
	assert_true(m.u.begin.commit_time == COMMIT_TIME_0);
	assert_int_equal(m.u.begin.xid, 803);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'R');
	rel = m.u.relation;
	assert_int_equal(rel->oid, T_BASIC);
	assert_string_equal(rel->schema, "public");
	assert_string_equal(rel->name, "t_basic");
	assert_int_equal(rel->replident, 'd');
	assert_int_equal(rel->ncols, 4);
	assert_column(rel, 0, "id", INT4, true);
	assert_column(rel, 1, "txt", TEXT, false);
	assert_column(rel, 2, "n", NUMERIC, false);
	assert_column(rel, 3, "flag", BOOL, false);
	assert_ptr_equal(pgoutput_relation_get(d, T_BASIC), rel);
	basic = rel;
	assert_null(pgoutput_relation_get(d, T_TOAST));
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'I');
	assert_int_equal(m.u.insert.relid, T_BASIC);
	assert_tuple(&m.u.insert.tuple, 4, "1", "plain", "1.5", "t");
	decode_ok(d, &s, i++, &m);
	assert_tuple(&m.u.insert.tuple, 4, "2", NULL, NULL, NULL);
	decode_ok(d, &s, i++, &m);
	assert_tuple(&m.u.insert.tuple, 4, "3", "it's \"quoted\"\nsecond line\\", "-0.000001", "f");
	decode_ok(d, &s, i++, &m);
	assert_tuple(&m.u.insert.tuple, 4, "4", "na\xc3\xafve \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80",
				 "12345678901234567890.123456789", "t");
	/* values point into the message (zero copy) */
	assert_true(m.u.insert.tuple.values[1].data > s.msgs[i - 1].data &&
				m.u.insert.tuple.values[1].data < s.msgs[i - 1].data + s.msgs[i - 1].len);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'C');
	assert_int_equal(m.u.commit.flags, 0);
	assert_true(m.u.commit.commit_lsn == lsn("0/19C4D08"));
	assert_true(m.u.commit.end_lsn == lsn("0/19C4D38"));
	assert_true(m.u.commit.commit_time == COMMIT_TIME_0);

	/* UPDATE not touching the TOASTed column: 'u', no old tuple */
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.u.begin.xid, 804);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'R');
	assert_int_equal(m.u.relation->oid, T_TOAST);
	assert_string_equal(m.u.relation->name, "t_toast");
	assert_int_equal(m.u.relation->ncols, 3);
	assert_column(m.u.relation, 1, "big", TEXT, false);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'U');
	assert_int_equal(m.u.update.relid, T_TOAST);
	assert_int_equal(m.u.update.old_kind, 0);
	assert_int_equal(m.u.update.old_tuple.ncols, 0);
	assert_tuple(&m.u.update.tuple, 3, "1", TOAST, "changed");
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'C');

	/* UPDATE of the key: old key 'K' carries every column, non-key null */
	decode_ok(d, &s, i++, &m);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'U');
	assert_int_equal(m.u.update.relid, T_BASIC);
	assert_int_equal(m.u.update.old_kind, 'K');
	assert_tuple(&m.u.update.old_tuple, 4, "1", NULL, NULL, NULL);
	assert_tuple(&m.u.update.tuple, 4, "100", "plain", "1.5", "t");
	decode_ok(d, &s, i++, &m);

	/* REPLICA IDENTITY FULL: every column is flagged key; old row 'O' */
	decode_ok(d, &s, i++, &m);
	decode_ok(d, &s, i++, &m);
	rel = m.u.relation;
	assert_int_equal(rel->oid, T_FULL);
	assert_int_equal(rel->replident, 'f');
	assert_column(rel, 0, "a", INT4, true);
	assert_column(rel, 1, "b", TEXT, true);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'U');
	assert_int_equal(m.u.update.old_kind, 'O');
	assert_tuple(&m.u.update.old_tuple, 2, "1", "one");
	assert_tuple(&m.u.update.tuple, 2, "1", "full-updated");
	decode_ok(d, &s, i++, &m);
	decode_ok(d, &s, i++, &m);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'D');
	assert_int_equal(m.u.delete.relid, T_FULL);
	assert_int_equal(m.u.delete.old_kind, 'O');
	assert_tuple(&m.u.delete.old_tuple, 2, "2", "two");
	decode_ok(d, &s, i++, &m);

	/* DELETE by key */
	decode_ok(d, &s, i++, &m);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'D');
	assert_int_equal(m.u.delete.relid, T_BASIC);
	assert_int_equal(m.u.delete.old_kind, 'K');
	assert_tuple(&m.u.delete.old_tuple, 4, "2", NULL, NULL, NULL);
	decode_ok(d, &s, i++, &m);

	/* TRUNCATE of two tables, RESTART IDENTITY CASCADE */
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.u.begin.xid, 809);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.u.relation->oid, T_TRUNC1);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.u.relation->oid, T_TRUNC2);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'T');
	assert_int_equal(m.u.truncate.nrelids, 2);
	assert_int_equal(m.u.truncate.options, 3);
	assert_int_equal(m.u.truncate.relids[0], T_TRUNC1);
	assert_int_equal(m.u.truncate.relids[1], T_TRUNC2);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'C');

	/* a transactional message, then a user type ('Y') before its table */
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'B');
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'M');
	assert_int_equal(m.u.message.flags, 1);
	assert_true(m.u.message.lsn == lsn("0/19C7548"));
	assert_string_equal(m.u.message.prefix, "pfx");
	assert_int_equal(m.u.message.len, 5);
	assert_memory_equal(m.u.message.content, "hello", 5);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'Y');
	assert_int_equal(m.u.type.oid, MOOD);
	assert_string_equal(m.u.type.schema, "public");
	assert_string_equal(m.u.type.name, "mood");
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.u.relation->oid, T_ENUM);
	assert_column(m.u.relation, 1, "m", MOOD, false);
	decode_ok(d, &s, i++, &m);
	assert_tuple(&m.u.insert.tuple, 2, "1", "happy");
	decode_ok(d, &s, i++, &m);
	assert_tuple(&m.u.insert.tuple, 2, "2", NULL);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'C');

	/* a non-transactional message, outside any Begin/Commit */
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'M');
	assert_int_equal(m.u.message.flags, 0);
	assert_true(m.u.message.lsn == lsn("0/19C7720"));
	assert_string_equal(m.u.message.prefix, "pfx");
	assert_int_equal(m.u.message.len, 17);
	assert_memory_equal(m.u.message.content, "non-transactional", 17);

	/* ALTER TABLE ADD COLUMN: a new Relation message replaces the old one */
	decode_ok(d, &s, i++, &m);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'R');
	assert_ptr_equal(m.u.relation, basic);	/* same entry, new contents */
	assert_int_equal(basic->ncols, 5);
	assert_string_equal(basic->name, "t_basic");
	assert_column(basic, 4, "extra", TEXT, false);
	decode_ok(d, &s, i++, &m);
	assert_tuple(&m.u.insert.tuple, 5, "5", "after alter", "0", "f", "extra!");
	decode_ok(d, &s, i++, &m);

	/* a transaction with a replication origin: commit time is the origin's */
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'B');
	assert_true(m.u.begin.commit_time == ORIGIN_TIME);
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'O');
	assert_true(m.u.origin.lsn == lsn("1/23456789"));
	assert_string_equal(m.u.origin.name, "cap_origin");
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.u.insert.relid, T_ENUM);
	assert_tuple(&m.u.insert.tuple, 2, "3", "sad");
	decode_ok(d, &s, i++, &m);
	assert_int_equal(m.type, 'C');
	assert_true(m.u.commit.commit_time == ORIGIN_TIME);
	assert_int_equal(i, s.n);

	pgoutput_decoder_free(d);
	free_stream(&s);
}

static void
test_binary_values(void **state)
{
	stream		s;
	pgoutput_decoder *d = pgoutput_decoder_create();
	pgoutput_message m;
	const pgoutput_tuple *t;

	(void) state;
	load_stream("binary.hex", &s);
	assert_int_equal(s.n, 4);
	decode_ok(d, &s, 0, &m);
	decode_ok(d, &s, 1, &m);
	decode_ok(d, &s, 2, &m);
	assert_int_equal(m.type, 'I');
	t = &m.u.insert.tuple;
	assert_int_equal(t->ncols, 5);
	assert_int_equal(t->values[0].kind, 'b');
	assert_int_equal(t->values[0].len, 4);
	assert_memory_equal(t->values[0].data, "\0\0\0\6", 4);
	assert_int_equal(t->values[1].kind, 'b');
	assert_int_equal(t->values[1].len, 3);
	assert_memory_equal(t->values[1].data, "bin", 3);
	assert_int_equal(t->values[2].kind, 'b');	/* numeric 2.5 */
	assert_int_equal(t->values[2].len, 12);
	assert_int_equal(t->values[3].kind, 'b');
	assert_int_equal(t->values[3].len, 1);
	assert_int_equal(t->values[3].data[0], 1);
	assert_int_equal(t->values[4].kind, 'n');
	decode_ok(d, &s, 3, &m);
	assert_int_equal(m.type, 'C');
	pgoutput_decoder_free(d);
	free_stream(&s);
}

/*
 * Every proper prefix of every captured message fails with one error (in a
 * buffer of exactly that size, so that valgrind or ASan sees any over-read),
 * and so does the message with one byte too many.
 */
static void
check_truncations(const char *name)
{
	stream		s;
	pgoutput_decoder *d = pgoutput_decoder_create();
	pgoutput_message m;

	load_stream(name, &s);
	for (int i = 0; i < s.n; i++)
	{
		const captured *c = &s.msgs[i];
		char	   *longer = xmalloc(c->len + 1);

		for (size_t len = 0; len < c->len; len++)
		{
			char	   *prefix = xmalloc(len ? len : 1);

			memcpy(prefix, c->data, len);
			expect_failure(d, len ? prefix : NULL, len, c->lsn, NULL);
			free(prefix);
		}
		memcpy(longer, c->data, c->len);
		longer[c->len] = 0;
		expect_failure(d, longer, c->len + 1, c->lsn, "1 unexpected bytes after the end", NULL);
		free(longer);
		/* a failed Relation message left the cache as it was */
		decode_ok(d, &s, i, &m);
	}
	pgoutput_decoder_free(d);
	free_stream(&s);
}

static void
test_truncated_messages(void **state)
{
	(void) state;
	check_truncations("stream.hex");
	check_truncations("binary.hex");
}

/* Message i of the capture, in a buffer the caller may change and frees. */
static char *
copy_msg(const stream *s, int i)
{
	char	   *p = xmalloc(s->msgs[i].len);

	memcpy(p, s->msgs[i].data, s->msgs[i].len);
	return p;
}

static void
test_errors(void **state)
{
	stream		s;
	pgoutput_decoder *d = pgoutput_decoder_create();
	pgoutput_message m;
	char	   *p;
	pg_lsn		at;

	(void) state;
	load_stream("stream.hex", &s);
	at = s.msgs[2].lsn;

	/* unknown type bytes, printable and not */
	expect_failure(d, "X", 1, at, "message 'X' (0x58) at 0/19C4A50", "unknown message type", NULL);
	expect_failure(d, "\x01\x02\x03", 3, at, "message 0x01 at 0/19C4A50", "unknown message type", NULL);
	/* protocol 2 only: stream start */
	expect_failure(d, "S\0\0\0\1\1", 6, at, "'S' (0x53)", NULL);
	expect_failure(d, NULL, 0, at, "empty message at 0/19C4A50", NULL);

	/* a change for a relation never described */
	expect_failure(d, s.msgs[2].data, s.msgs[2].len, at,
				   "'I' (0x49) at 0/19C4A50", "unknown relation 16509", NULL);
	expect_failure(d, s.msgs[22].data, s.msgs[22].len, s.msgs[22].lsn,
				   "'D' (0x44)", "unknown relation 16509", NULL);

	/* column count mismatch: a 5-column insert against the 4-column relation */
	decode_ok(d, &s, 1, &m);
	expect_failure(d, s.msgs[39].data, s.msgs[39].len, at,
				   "relation 16509 (public.t_basic)", "the new tuple has 5 columns, the relation 4", NULL);
	/* and the other way round once the relation has 5 */
	decode_ok(d, &s, 38, &m);
	expect_failure(d, s.msgs[2].data, s.msgs[2].len, at,
				   "relation 16509", "has 4 columns, the relation 5", NULL);
	decode_ok(d, &s, 1, &m);
	/* an old key with the wrong count */
	p = copy_msg(&s, 12);		/* U K(4 cols) N(4 cols) */
	p[7] = 3;
	expect_failure(d, p, s.msgs[12].len, at, "the old key tuple has 3 columns, the relation 4", NULL);
	free(p);

	/* unknown value kind, named with its column */
	p = copy_msg(&s, 3);		/* I 'N' [4] t '2' n n n */
	p[14] = 'x';
	expect_failure(d, p, s.msgs[3].len, at,
				   "new tuple column 1 (txt): unknown value kind 'x' (0x78)", NULL);
	free(p);

	/* unexpected tuple tags */
	p = copy_msg(&s, 12);
	p[5] = 'Q';
	expect_failure(d, p, s.msgs[12].len, at, "expected a tuple tag ('KON'), got 'Q'", NULL);
	free(p);
	p = copy_msg(&s, 2);
	p[5] = 'K';
	expect_failure(d, p, s.msgs[2].len, at, "expected a tuple tag ('N'), got 'K'", NULL);
	free(p);

	/* a value length far beyond the message */
	p = copy_msg(&s, 2);		/* I oid 'N' [4] 't' len ... */
	memcpy(p + 9, "\xff\xff\xff\xff", 4);
	expect_failure(d, p, s.msgs[2].len, at,
				   "column 0 (id): value length 4294967295 exceeds the", NULL);
	free(p);

	/* huge counts are refused before anything is allocated */
	expect_failure(d, "T\xff\xff\xff\xff\0\0\0\0\1", 10, at,
				   "4294967295 relations cannot fit in the 4 bytes left", NULL);
	expect_failure(d, "R\0\0\0\1s\0n\0d\xff\xff", 12, at,
				   "relation 1: 65535 columns cannot fit in the 0 bytes left", NULL);
	expect_failure(d, "R\0\0\0\1s\0n\0x\0\0", 12, at,
				   "unknown replica identity 'x'", NULL);
	expect_failure(d, "M\1\0\0\0\0\0\0\0\1pfx\0\x7f\xff\xff\xff", 18, at,
				   "content length 2147483647 exceeds the 0 bytes left", NULL);
	/* strings must end within the message */
	expect_failure(d, "Y\0\0\0\1public\0mood", 16, at,
				   "type name has no terminating NUL", NULL);
	expect_failure(d, "O\0\0\0\0\0\0\0\1name", 13, at,
				   "origin name has no terminating NUL", NULL);

	/* after all that, the decoder still works */
	decode_ok(d, &s, 2, &m);
	assert_tuple(&m.u.insert.tuple, 4, "1", "plain", "1.5", "t");

	/* a truncate of zero relations is well-formed */
	assert_true(pgoutput_decode(d, "T\0\0\0\0\0", 6, at, &m));
	assert_int_equal(m.u.truncate.nrelids, 0);
	/* an empty logical message too */
	assert_true(pgoutput_decode(d, "M\0\0\0\0\0\0\0\0\1\0\0\0\0\0", 15, at, &m));
	assert_string_equal(m.u.message.prefix, "");
	assert_int_equal(m.u.message.len, 0);

	pgoutput_decoder_free(d);
	free_stream(&s);
}

/* Builds a Relation message for oid with ncols int columns named c0, c1... */
static void
relation_msg(buf *b, uint32_t oid, const char *name, int ncols)
{
	unsigned char hdr[4] = {oid >> 24, oid >> 16, oid >> 8, oid};

	buf_reset(b);
	buf_putc(b, 'R');
	buf_append(b, hdr, 4);
	buf_append(b, "public", 7);
	buf_append(b, name, strlen(name) + 1);
	buf_putc(b, 'd');
	buf_putc(b, (char) (ncols >> 8));
	buf_putc(b, (char) ncols);
	for (int i = 0; i < ncols; i++)
	{
		char		col[16];

		buf_putc(b, i == 0 ? 1 : 0);
		snprintf(col, sizeof(col), "c%d", i);
		buf_append(b, col, strlen(col) + 1);
		buf_append(b, "\0\0\0\x17\xff\xff\xff\xff", 8);
	}
}

static void
test_relation_cache(void **state)
{
	pgoutput_decoder *d = pgoutput_decoder_create();
	pgoutput_message m;
	buf			b = BUF_INIT;
	const pgoutput_relation *first;
	char		name[32];

	(void) state;
	/* many relations: the table grows; each keeps its address */
	relation_msg(&b, 100000, "r0", 1);
	assert_true(pgoutput_decode(d, b.data, b.len, 0, &m));
	first = m.u.relation;
	for (uint32_t oid = 100001; oid < 101000; oid++)
	{
		snprintf(name, sizeof(name), "r%u", oid - 100000);
		relation_msg(&b, oid, name, (int) (oid % 7) + 1);
		assert_true(pgoutput_decode(d, b.data, b.len, 0, &m));
		assert_int_equal(m.u.relation->oid, oid);
	}
	/* oids that collide in the table's low bits */
	for (uint32_t k = 1; k <= 64; k++)
	{
		relation_msg(&b, k << 16, "hi", 2);
		assert_true(pgoutput_decode(d, b.data, b.len, 0, &m));
	}
	for (uint32_t oid = 100000; oid < 101000; oid++)
	{
		const pgoutput_relation *rel = pgoutput_relation_get(d, oid);

		assert_non_null(rel);
		assert_int_equal(rel->oid, oid);
		snprintf(name, sizeof(name), "r%u", oid - 100000);
		assert_string_equal(rel->name, name);
		assert_int_equal(rel->ncols, oid == 100000 ? 1 : (int) (oid % 7) + 1);
	}
	for (uint32_t k = 1; k <= 64; k++)
		assert_non_null(pgoutput_relation_get(d, k << 16));
	assert_ptr_equal(pgoutput_relation_get(d, 100000), first);
	assert_null(pgoutput_relation_get(d, 99999));
	assert_null(pgoutput_relation_get(d, 0));

	/* replacing keeps the address, changes the contents */
	relation_msg(&b, 100000, "renamed", 300);
	assert_true(pgoutput_decode(d, b.data, b.len, 0, &m));
	assert_ptr_equal(m.u.relation, first);
	assert_string_equal(first->name, "renamed");
	assert_int_equal(first->ncols, 300);
	assert_string_equal(first->cols[299].name, "c299");
	assert_true(first->cols[0].key);

	/* a failed replacement leaves the old entry intact */
	relation_msg(&b, 100000, "broken", 3);
	expect_failure(d, b.data, b.len - 1, 0, "truncated", NULL);
	assert_string_equal(first->name, "renamed");
	assert_int_equal(first->ncols, 300);

	/* a wide insert grows the scratch tuple */
	{
		buf			ins = BUF_INIT;

		buf_append(&ins, "I\0\x01\x86\xa0N\x01\x2c", 8);
		for (int i = 0; i < 300; i++)
		{
			if (i % 3 == 0)
				buf_putc(&ins, 'n');
			else if (i % 3 == 1)
				buf_putc(&ins, 'u');
			else
				buf_append(&ins, "t\0\0\0\2ab", 7);
		}
		assert_true(pgoutput_decode(d, ins.data, ins.len, 0, &m));
		assert_int_equal(m.u.insert.tuple.ncols, 300);
		assert_int_equal(m.u.insert.tuple.values[297].kind, 'n');
		assert_int_equal(m.u.insert.tuple.values[298].kind, 'u');
		assert_int_equal(m.u.insert.tuple.values[299].kind, 't');
		assert_memory_equal(m.u.insert.tuple.values[299].data, "ab", 2);
		buf_free(&ins);
	}

	buf_free(&b);
	pgoutput_decoder_free(d);
	pgoutput_decoder_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lsn),
		cmocka_unit_test(test_captured_stream),
		cmocka_unit_test(test_binary_values),
		cmocka_unit_test(test_truncated_messages),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_relation_cache),
	};

	log_set_stamped(false);	/* messages as on a terminal: "wharf: error: ..." */

	return cmocka_run_group_tests(tests, NULL, NULL);
}
