/*
 * fuzz_pgoutput.c
 *    libFuzzer harness for the pgoutput decoder (src/source/pgoutput.c).
 *
 * Each input is decoded twice, each time by a fresh decoder (so a run
 * depends on the input alone):
 *   1. as one message, the whole input;
 *   2. as a stream: a 2-byte big-endian length, that many bytes of message,
 *      and so on (a length past the end takes what is left), so that a
 *      Relation message can come before the Insert, Update or Delete that
 *      refers to it.
 * Every message is copied into an allocation of its exact size first, so
 * AddressSanitizer catches a read one byte past its end.  When a message
 * decodes, everything it points at is checked to lie within the message and
 * is read, and its relation must be the one in the decoder's cache.
 * The seeds (tests/fuzz/corpus/pgoutput) are the captured messages of
 * tests/data/pgoutput, alone and as length-prefixed transactions.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "log.h"
#include "pgoutput.h"

static volatile uint32_t sink;

/* [p, p+n) lies within [msg, msg+len); reads every byte of it. */
static void
check_within(const char *msg, size_t len, const char *p, size_t n)
{
	uint32_t	sum = 0;

	FUZZ_CHECK(p != NULL);
	FUZZ_CHECK(p >= msg && n <= len && (size_t) (p - msg) <= len - n);
	for (size_t i = 0; i < n; i++)
		sum += (unsigned char) p[i];
	sink += sum;
}

/* A NUL-terminated string inside the message. */
static void
check_string(const char *msg, size_t len, const char *s)
{
	FUZZ_CHECK(s >= msg && s < msg + len);
	check_within(msg, len, s, strlen(s) + 1);
}

static void
check_tuple(const char *msg, size_t len, const pgoutput_relation *rel,
			const pgoutput_tuple *t)
{
	FUZZ_CHECK(t->ncols == rel->ncols);
	for (int i = 0; i < t->ncols; i++)
	{
		const pgoutput_value *v = &t->values[i];

		switch (v->kind)
		{
			case 'n':
			case 'u':
				FUZZ_CHECK(v->len == 0);
				break;
			case 't':
			case 'b':
				check_within(msg, len, v->data, v->len);
				break;
			default:
				FUZZ_CHECK(!"value kind");
		}
	}
}

static const pgoutput_relation *
cached(const pgoutput_decoder *d, uint32_t relid)
{
	const pgoutput_relation *rel = pgoutput_relation_get(d, relid);

	FUZZ_CHECK(rel != NULL && rel->oid == relid);
	return rel;
}

/* Decodes one message (copied to its own allocation) and checks the result. */
static void
decode_one(pgoutput_decoder *d, const uint8_t *data, size_t len, pg_lsn at)
{
	char	   *msg = malloc(len ? len : 1);
	pgoutput_message m;
	const pgoutput_relation *rel;

	FUZZ_CHECK(msg != NULL);
	if (len)
		memcpy(msg, data, len);
	memset(&m, 0, sizeof(m));
	if (!pgoutput_decode(d, msg, len, at, &m))
	{
		free(msg);
		return;
	}
	FUZZ_CHECK(len > 0 && m.type == msg[0]);
	switch (m.type)
	{
		case 'B':
			FUZZ_CHECK(len == 21);
			break;
		case 'C':
			FUZZ_CHECK(len == 26);
			break;
		case 'O':
			check_string(msg, len, m.u.origin.name);
			break;
		case 'Y':
			check_string(msg, len, m.u.type.schema);
			check_string(msg, len, m.u.type.name);
			break;
		case 'R':
			rel = m.u.relation;
			FUZZ_CHECK(rel == cached(d, rel->oid));
			FUZZ_CHECK(rel->ncols >= 0 && rel->ncols <= 65535);
			FUZZ_CHECK(strchr("dnfi", rel->replident) != NULL && rel->replident != '\0');
			sink += (uint32_t) strlen(rel->schema) + (uint32_t) strlen(rel->name);
			for (int i = 0; i < rel->ncols; i++)
				sink += (uint32_t) strlen(rel->cols[i].name) + rel->cols[i].type_oid;
			break;
		case 'I':
			rel = cached(d, m.u.insert.relid);
			check_tuple(msg, len, rel, &m.u.insert.tuple);
			break;
		case 'U':
			rel = cached(d, m.u.update.relid);
			FUZZ_CHECK(m.u.update.old_kind == 0 || m.u.update.old_kind == 'K' ||
					   m.u.update.old_kind == 'O');
			if (m.u.update.old_kind != 0)
				check_tuple(msg, len, rel, &m.u.update.old_tuple);
			check_tuple(msg, len, rel, &m.u.update.tuple);
			break;
		case 'D':
			rel = cached(d, m.u.delete.relid);
			FUZZ_CHECK(m.u.delete.old_kind == 'K' || m.u.delete.old_kind == 'O');
			check_tuple(msg, len, rel, &m.u.delete.old_tuple);
			break;
		case 'T':
			FUZZ_CHECK(m.u.truncate.nrelids >= 0);
			FUZZ_CHECK(len == 6 + 4 * (size_t) m.u.truncate.nrelids);
			for (int i = 0; i < m.u.truncate.nrelids; i++)
				sink += m.u.truncate.relids[i];
			break;
		case 'M':
			check_string(msg, len, m.u.message.prefix);
			check_within(msg, len, m.u.message.content, m.u.message.len);
			break;
		default:
			FUZZ_CHECK(!"message type");
	}
	free(msg);
}

/* The first bytes as an LSN in text: what parses must print and parse back. */
static void
lsn_round_trip(const uint8_t *data, size_t size)
{
	char		text[40];
	char		printed[32];
	size_t		n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	pg_lsn		lsn;
	pg_lsn		again;

	memcpy(text, data, n);
	text[n] = '\0';
	if (!pg_lsn_parse(text, &lsn))
		return;
	pg_lsn_format(lsn, printed);
	FUZZ_CHECK(pg_lsn_parse(printed, &again) && again == lsn);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet_stderr(argc, argv);
	log_set_level(LOG_ERROR);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgoutput_decoder *d;
	size_t		pos = 0;
	pg_lsn		at = 0x16B374D848;

	/* 1: the whole input is one message */
	d = pgoutput_decoder_create();
	decode_one(d, data, size, at);
	pgoutput_decoder_free(d);

	/* 2: a stream of length-prefixed messages */
	d = pgoutput_decoder_create();
	while (pos < size)
	{
		size_t		n;

		if (size - pos < 2)
			break;
		n = ((size_t) data[pos] << 8) | data[pos + 1];
		pos += 2;
		if (n > size - pos)
			n = size - pos;
		decode_one(d, data + pos, n, at + pos);
		pos += n;
	}
	pgoutput_decoder_free(d);

	lsn_round_trip(data, size);
	return 0;
}
