/*
 * pgoutput.c
 *    Decoder of the pgoutput logical replication protocol, version 1.
 *
 * One call decodes one message (the payload of an XLogData frame, or one
 * row of pg_logical_slot_get_binary_changes).  Every length and count in
 * the message is checked against the bytes that are left before anything
 * is read or allocated, so malformed input fails with one error message and
 * never reads past the end of the buffer or allocates more than a small
 * multiple of the message's own size.
 *
 * Nothing is copied per value: strings and column values of a decoded
 * message point into the caller's buffer, and tuples use two scratch arrays
 * of the decoder (old and new) that only grow.  Relation messages are the
 * exception: they are copied into the decoder's cache, an open-addressing
 * table keyed by oid.  A relation's cache entry keeps its address for the
 * decoder's lifetime; a later Relation message for the same oid replaces
 * its contents (name and columns) in place.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "pgoutput.h"

/* Smallest encoding of one column in a Relation message. */
#define RELATION_COLUMN_MIN_BYTES 10	/* flags, "" name, type oid, typmod */

/* A cached relation and the one allocation holding its columns and names. */
typedef struct rel_entry
{
	pgoutput_relation rel;
	char	   *block;
} rel_entry;

struct pgoutput_decoder
{
	rel_entry **slots;			/* open addressing; nslots is a power of 2 */
	uint32_t	nslots;
	uint32_t	nrels;
	pgoutput_value *newvals;	/* scratch of the new tuple */
	int			newcap;
	pgoutput_value *oldvals;	/* scratch of the old tuple (key or row) */
	int			oldcap;
	uint32_t   *relids;			/* scratch of Truncate */
	size_t		relidcap;
};

/* Position in the message being decoded, and what to say on error. */
typedef struct reader
{
	const unsigned char *p;
	const unsigned char *end;
	char		type;
	pg_lsn		at;
} reader;

static void decode_error(const reader *r, const char *fmt, ...)
			__attribute__((format(printf, 2, 3)));

/* ---------------------------------------------------------------- LSNs */

char *
pg_lsn_format(pg_lsn lsn, char *out)
{
	snprintf(out, 32, "%X/%X", (unsigned int) (lsn >> 32), (unsigned int) (lsn & 0xFFFFFFFF));
	return out;
}

/* Up to 8 hex digits (at least one); returns where they end, or NULL. */
static const char *
parse_hex32(const char *s, uint32_t *out)
{
	uint32_t	v = 0;
	int			n = 0;
	int			digit;

	while (n < 8 && (digit = hex_digit_value(s[n])) >= 0)
	{
		v = (v << 4) | (uint32_t) digit;
		n++;
	}
	if (n == 0 || hex_digit_value(s[n]) >= 0)
		return NULL;
	*out = v;
	return s + n;
}

bool
pg_lsn_parse(const char *text, pg_lsn *out)
{
	const char *p;
	uint32_t	hi;
	uint32_t	lo;

	p = parse_hex32(text, &hi);
	if (p != NULL && *p == '/')
		p = parse_hex32(p + 1, &lo);
	else
		p = NULL;
	if (p == NULL || *p != '\0')
	{
		log_error("invalid LSN \"%s\" (expected two hexadecimal numbers of up to 8 digits, like 16/B374D848)",
				  text);
		return false;
	}
	*out = ((pg_lsn) hi << 32) | lo;
	return true;
}

/* ------------------------------------------------------ relation cache */

pgoutput_decoder *
pgoutput_decoder_create(void)
{
	return xcalloc(1, sizeof(pgoutput_decoder));
}

void
pgoutput_decoder_free(pgoutput_decoder *d)
{
	if (d == NULL)
		return;
	for (uint32_t i = 0; i < d->nslots; i++)
	{
		if (d->slots[i] != NULL)
		{
			free(d->slots[i]->block);
			free(d->slots[i]);
		}
	}
	free(d->slots);
	free(d->newvals);
	free(d->oldvals);
	free(d->relids);
	free(d);
}

static inline uint32_t
oid_slot(uint32_t oid, uint32_t nslots)
{
	return (oid * 2654435761u) & (nslots - 1);
}

static rel_entry *
relation_lookup(const pgoutput_decoder *d, uint32_t oid)
{
	uint32_t	i;

	if (d->nslots == 0)
		return NULL;
	for (i = oid_slot(oid, d->nslots); d->slots[i] != NULL; i = (i + 1) & (d->nslots - 1))
	{
		if (d->slots[i]->rel.oid == oid)
			return d->slots[i];
	}
	return NULL;
}

const pgoutput_relation *
pgoutput_relation_get(const pgoutput_decoder *d, uint32_t oid)
{
	rel_entry  *e = relation_lookup(d, oid);

	return e ? &e->rel : NULL;
}

/* Adds a new, empty entry for oid (which is not in the table yet). */
static rel_entry *
relation_add(pgoutput_decoder *d, uint32_t oid)
{
	rel_entry  *e;
	uint32_t	i;

	/* keep the table at most half full */
	if ((d->nrels + 1) * 2 > d->nslots)
	{
		uint32_t	nslots = d->nslots ? d->nslots * 2 : 16;
		rel_entry **slots = xcalloc(nslots, sizeof(rel_entry *));

		for (uint32_t j = 0; j < d->nslots; j++)
		{
			if (d->slots[j] == NULL)
				continue;
			for (i = oid_slot(d->slots[j]->rel.oid, nslots); slots[i] != NULL; i = (i + 1) & (nslots - 1))
				;
			slots[i] = d->slots[j];
		}
		free(d->slots);
		d->slots = slots;
		d->nslots = nslots;
	}
	e = xcalloc(1, sizeof(rel_entry));
	e->rel.oid = oid;
	for (i = oid_slot(oid, d->nslots); d->slots[i] != NULL; i = (i + 1) & (d->nslots - 1))
		;
	d->slots[i] = e;
	d->nrels++;
	return e;
}

/* ------------------------------------------------------------- reading */

/* A protocol byte for a message: 'I' (0x49), or 0x01 when unprintable. */
static void
describe_byte(char c, char *out, size_t size)
{
	if (isprint((unsigned char) c))
		snprintf(out, size, "'%c' (0x%02X)", c, (unsigned char) c);
	else
		snprintf(out, size, "0x%02X", (unsigned char) c);
}

static void
decode_error(const reader *r, const char *fmt, ...)
{
	buf			msg = BUF_INIT;
	char		lsn[32];
	char		what[24];
	va_list		ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	describe_byte(r->type, what, sizeof(what));
	log_error("pgoutput: message %s at %s: %s", what, pg_lsn_format(r->at, lsn),
			  msg.data ? msg.data : "");
	buf_free(&msg);
}

static inline size_t
remaining(const reader *r)
{
	return (size_t) (r->end - r->p);
}

static inline bool
need(const reader *r, size_t n, const char *what)
{
	if (remaining(r) >= n)
		return true;
	decode_error(r, "truncated: %s needs %zu bytes, %zu left", what, n, remaining(r));
	return false;
}

static inline bool
read_u8(reader *r, const char *what, uint8_t *out)
{
	if (!need(r, 1, what))
		return false;			/* errors have already been logged */
	*out = *r->p++;
	return true;
}

static inline bool
read_u16(reader *r, const char *what, uint16_t *out)
{
	if (!need(r, 2, what))
		return false;			/* errors have already been logged */
	*out = (uint16_t) ((r->p[0] << 8) | r->p[1]);
	r->p += 2;
	return true;
}

static inline uint32_t
peek_u32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) | ((uint32_t) p[2] << 8) | p[3];
}

static inline bool
read_u32(reader *r, const char *what, uint32_t *out)
{
	if (!need(r, 4, what))
		return false;			/* errors have already been logged */
	*out = peek_u32(r->p);
	r->p += 4;
	return true;
}

static inline bool
read_u64(reader *r, const char *what, uint64_t *out)
{
	if (!need(r, 8, what))
		return false;			/* errors have already been logged */
	*out = ((uint64_t) peek_u32(r->p) << 32) | peek_u32(r->p + 4);
	r->p += 8;
	return true;
}

/* A NUL-terminated string; *out points into the message. */
static inline bool
read_string(reader *r, const char *what, const char **out, size_t *len)
{
	const unsigned char *nul = memchr(r->p, '\0', remaining(r));

	if (nul == NULL)
	{
		decode_error(r, "truncated: %s has no terminating NUL within the %zu bytes left",
					 what, remaining(r));
		return false;
	}
	*out = (const char *) r->p;
	if (len)
		*len = (size_t) (nul - r->p);
	r->p = nul + 1;
	return true;
}

static bool
expect_end(const reader *r)
{
	if (r->p == r->end)
		return true;
	decode_error(r, "%zu unexpected bytes after the end of the message", remaining(r));
	return false;
}

/* ------------------------------------------------------------ messages */

static bool
decode_relation(pgoutput_decoder *d, reader *r, pgoutput_message *out)
{
	uint32_t	oid;
	const char *schema;
	const char *name;
	size_t		schemalen;
	size_t		namelen;
	uint8_t		replident;
	uint16_t	ncols;
	size_t		colbytes;
	char	   *block;
	char	   *strings;
	pgoutput_column *cols;
	rel_entry  *e;

	if (!read_u32(r, "relation oid", &oid) ||
		!read_string(r, "namespace", &schema, &schemalen) ||
		!read_string(r, "relation name", &name, &namelen) ||
		!read_u8(r, "replica identity", &replident) ||
		!read_u16(r, "column count", &ncols))
		return false;
	if (replident != 'd' && replident != 'n' && replident != 'f' && replident != 'i')
	{
		char		desc[24];

		describe_byte((char) replident, desc, sizeof(desc));
		decode_error(r, "relation %u: unknown replica identity %s", oid, desc);
		return false;
	}
	if (ncols > remaining(r) / RELATION_COLUMN_MIN_BYTES)
	{
		decode_error(r, "relation %u: %u columns cannot fit in the %zu bytes left",
					 oid, (unsigned int) ncols, remaining(r));
		return false;
	}

	/*
	 * One block: the column array, then the schema, the relation name and
	 * the column names (which all lie within the bytes left).
	 */
	colbytes = (size_t) ncols * sizeof(pgoutput_column);
	block = xmalloc(colbytes + schemalen + 1 + namelen + 1 + remaining(r));
	cols = (pgoutput_column *) block;
	strings = block + colbytes;
	memcpy(strings, schema, schemalen + 1);
	schema = strings;
	strings += schemalen + 1;
	memcpy(strings, name, namelen + 1);
	name = strings;
	strings += namelen + 1;
	for (int i = 0; i < ncols; i++)
	{
		uint8_t		flags;
		const char *colname;
		size_t		len;
		uint32_t	typmod;

		if (!read_u8(r, "column flags", &flags) ||
			!read_string(r, "column name", &colname, &len) ||
			!read_u32(r, "column type oid", &cols[i].type_oid) ||
			!read_u32(r, "column type modifier", &typmod))
		{
			free(block);
			return false;
		}
		memcpy(strings, colname, len + 1);
		cols[i].name = strings;
		strings += len + 1;
		cols[i].typmod = (int32_t) typmod;
		cols[i].key = (flags & 1) != 0;
	}
	if (!expect_end(r))
	{
		free(block);
		return false;
	}

	e = relation_lookup(d, oid);
	if (e == NULL)
		e = relation_add(d, oid);
	free(e->block);
	e->block = block;
	e->rel.schema = (char *) schema;
	e->rel.name = (char *) name;
	e->rel.replident = (char) replident;
	e->rel.ncols = ncols;
	e->rel.cols = cols;
	out->u.relation = &e->rel;
	return true;
}

/* The cached relation of a change message, or an error naming the oid. */
static const pgoutput_relation *
change_relation(const pgoutput_decoder *d, reader *r, uint32_t *relid)
{
	rel_entry  *e;

	if (!read_u32(r, "relation oid", relid))
		return NULL;
	e = relation_lookup(d, *relid);
	if (e == NULL)
	{
		decode_error(r, "unknown relation %u (no Relation message for it came first)", *relid);
		return NULL;
	}
	return &e->rel;
}

/*
 * TupleData into a scratch array (grown as needed; its size is bounded by
 * the relation's column count, itself bounded by a message's size).
 */
static bool
read_tuple(reader *r, const pgoutput_relation *rel, const char *which,
		   pgoutput_value **scratch, int *cap, pgoutput_tuple *out)
{
	uint16_t	ncols;
	pgoutput_value *vals;

	if (!read_u16(r, "tuple column count", &ncols))
		return false;			/* errors have already been logged */
	if (ncols != rel->ncols)
	{
		decode_error(r, "relation %u (%s.%s): the %s tuple has %u columns, the relation %d",
					 rel->oid, rel->schema, rel->name, which, (unsigned int) ncols, rel->ncols);
		return false;
	}
	if (*cap < ncols)
	{
		int			newcap = *cap ? *cap : 16;

		while (newcap < ncols)
			newcap *= 2;
		*scratch = xrealloc(*scratch, sizeof(pgoutput_value) * (size_t) newcap);
		*cap = newcap;
	}
	vals = *scratch;
	for (int i = 0; i < ncols; i++)
	{
		char		kind;
		uint32_t	len;

		if (r->p == r->end)
		{
			decode_error(r, "relation %u (%s.%s): the %s tuple ends before column %d (%s)",
						 rel->oid, rel->schema, rel->name, which, i, rel->cols[i].name);
			return false;
		}
		kind = (char) *r->p++;
		vals[i].kind = kind;
		switch (kind)
		{
			case PGOUTPUT_VALUE_NULL:
			case PGOUTPUT_VALUE_UNCHANGED:
				vals[i].data = NULL;
				vals[i].len = 0;
				break;
			case PGOUTPUT_VALUE_TEXT:
			case PGOUTPUT_VALUE_BINARY:
				if (remaining(r) < 4)
				{
					decode_error(r, "relation %u (%s.%s): the %s tuple ends in the length of column %d (%s)",
								 rel->oid, rel->schema, rel->name, which, i, rel->cols[i].name);
					return false;
				}
				len = peek_u32(r->p);
				r->p += 4;
				if (len > remaining(r))
				{
					decode_error(r, "relation %u (%s.%s): %s tuple column %d (%s): value length %u exceeds the %zu bytes left",
								 rel->oid, rel->schema, rel->name, which, i, rel->cols[i].name,
								 len, remaining(r));
					return false;
				}
				vals[i].data = (const char *) r->p;
				vals[i].len = len;
				r->p += len;
				break;
			default:
				{
					char		desc[24];

					describe_byte(kind, desc, sizeof(desc));
					decode_error(r, "relation %u (%s.%s): %s tuple column %d (%s): unknown value kind %s",
								 rel->oid, rel->schema, rel->name, which, i, rel->cols[i].name, desc);
					return false;
				}
		}
	}
	out->ncols = ncols;
	out->values = vals;
	return true;
}

/* The byte that introduces a TupleData: one of the characters of allowed. */
static bool
read_tuple_tag(reader *r, const pgoutput_relation *rel, const char *allowed, uint8_t *tag)
{
	char		desc[24];

	if (r->p == r->end)
	{
		decode_error(r, "relation %u (%s.%s): truncated before the tuple",
					 rel->oid, rel->schema, rel->name);
		return false;
	}
	*tag = *r->p++;
	if (*tag != '\0' && strchr(allowed, *tag) != NULL)
		return true;
	describe_byte((char) *tag, desc, sizeof(desc));
	decode_error(r, "relation %u (%s.%s): expected a tuple tag ('%s'), got %s",
				 rel->oid, rel->schema, rel->name, allowed, desc);
	return false;
}

static bool
decode_insert(pgoutput_decoder *d, reader *r, pgoutput_message *out)
{
	const pgoutput_relation *rel;
	uint8_t		tag;

	if ((rel = change_relation(d, r, &out->u.insert.relid)) == NULL ||
		!read_tuple_tag(r, rel, "N", &tag) ||
		!read_tuple(r, rel, "new", &d->newvals, &d->newcap, &out->u.insert.tuple))
		return false;
	return expect_end(r);
}

static bool
decode_update(pgoutput_decoder *d, reader *r, pgoutput_message *out)
{
	const pgoutput_relation *rel;
	uint8_t		tag;

	if ((rel = change_relation(d, r, &out->u.update.relid)) == NULL ||
		!read_tuple_tag(r, rel, "KON", &tag))
		return false;
	out->u.update.old_kind = 0;
	out->u.update.old_tuple.ncols = 0;
	out->u.update.old_tuple.values = NULL;
	if (tag != PGOUTPUT_TUPLE_NEW)
	{
		out->u.update.old_kind = (char) tag;
		if (!read_tuple(r, rel, tag == PGOUTPUT_TUPLE_KEY ? "old key" : "old", &d->oldvals, &d->oldcap,
						&out->u.update.old_tuple) ||
			!read_tuple_tag(r, rel, "N", &tag))
			return false;
	}
	if (!read_tuple(r, rel, "new", &d->newvals, &d->newcap, &out->u.update.tuple))
		return false;			/* errors have already been logged */
	return expect_end(r);
}

static bool
decode_delete(pgoutput_decoder *d, reader *r, pgoutput_message *out)
{
	const pgoutput_relation *rel;
	uint8_t		tag;

	if ((rel = change_relation(d, r, &out->u.delete.relid)) == NULL ||
		!read_tuple_tag(r, rel, "KO", &tag))
		return false;
	out->u.delete.old_kind = (char) tag;
	if (!read_tuple(r, rel, tag == PGOUTPUT_TUPLE_KEY ? "old key" : "old", &d->oldvals, &d->oldcap,
					&out->u.delete.old_tuple))
		return false;
	return expect_end(r);
}

static bool
decode_truncate(pgoutput_decoder *d, reader *r, pgoutput_message *out)
{
	uint32_t	n;

	if (!read_u32(r, "relation count", &n) ||
		!read_u8(r, "options", &out->u.truncate.options))
		return false;
	if (n > remaining(r) / 4)
	{
		decode_error(r, "%u relations cannot fit in the %zu bytes left", n, remaining(r));
		return false;
	}
	if (d->relidcap < n)
	{
		d->relidcap = n;
		free(d->relids);
		d->relids = xmalloc(sizeof(uint32_t) * n);
	}
	for (uint32_t i = 0; i < n; i++)
	{
		d->relids[i] = peek_u32(r->p);
		r->p += 4;
	}
	out->u.truncate.nrelids = (int) n;
	out->u.truncate.relids = d->relids;
	return expect_end(r);
}

static bool
decode_logical_message(reader *r, pgoutput_message *out)
{
	if (!read_u8(r, "flags", &out->u.message.flags) ||
		!read_u64(r, "message LSN", &out->u.message.lsn) ||
		!read_string(r, "prefix", &out->u.message.prefix, NULL) ||
		!read_u32(r, "content length", &out->u.message.len))
		return false;
	if (out->u.message.len > remaining(r))
	{
		decode_error(r, "content length %u exceeds the %zu bytes left",
					 out->u.message.len, remaining(r));
		return false;
	}
	out->u.message.content = (const char *) r->p;
	r->p += out->u.message.len;
	return expect_end(r);
}

bool
pgoutput_decode(pgoutput_decoder *d, const char *data, size_t len,
				pg_lsn at, pgoutput_message *out)
{
	reader		r;
	bool		ok;
	uint64_t	u64 = 0;

	r.p = (const unsigned char *) data;
	r.end = r.p + len;
	r.at = at;
	r.type = 0;
	if (len == 0)
	{
		char		lsn[32];

		log_error("pgoutput: empty message at %s", pg_lsn_format(at, lsn));
		return false;
	}
	r.type = (char) *r.p++;
	switch (r.type)
	{
		case PGOUTPUT_BEGIN:
			ok = read_u64(&r, "final LSN", &out->u.begin.final_lsn) &&
				read_u64(&r, "commit time", &u64) &&
				read_u32(&r, "xid", &out->u.begin.xid) &&
				expect_end(&r);
			out->u.begin.commit_time = (int64_t) u64;
			break;
		case PGOUTPUT_COMMIT:
			ok = read_u8(&r, "flags", &out->u.commit.flags) &&
				read_u64(&r, "commit LSN", &out->u.commit.commit_lsn) &&
				read_u64(&r, "end LSN", &out->u.commit.end_lsn) &&
				read_u64(&r, "commit time", &u64) &&
				expect_end(&r);
			out->u.commit.commit_time = (int64_t) u64;
			break;
		case PGOUTPUT_ORIGIN:
			ok = read_u64(&r, "origin LSN", &out->u.origin.lsn) &&
				read_string(&r, "origin name", &out->u.origin.name, NULL) &&
				expect_end(&r);
			break;
		case PGOUTPUT_RELATION:
			ok = decode_relation(d, &r, out);
			break;
		case PGOUTPUT_TYPE:
			ok = read_u32(&r, "type oid", &out->u.type.oid) &&
				read_string(&r, "namespace", &out->u.type.schema, NULL) &&
				read_string(&r, "type name", &out->u.type.name, NULL) &&
				expect_end(&r);
			break;
		case PGOUTPUT_INSERT:
			ok = decode_insert(d, &r, out);
			break;
		case PGOUTPUT_UPDATE:
			ok = decode_update(d, &r, out);
			break;
		case PGOUTPUT_DELETE:
			ok = decode_delete(d, &r, out);
			break;
		case PGOUTPUT_TRUNCATE:
			ok = decode_truncate(d, &r, out);
			break;
		case PGOUTPUT_MESSAGE:
			ok = decode_logical_message(&r, out);
			break;
		default:
			decode_error(&r, "unknown message type (protocol version 1 has B, C, O, R, Y, I, U, D, T and M)");
			return false;
	}
	if (ok)
		out->type = r.type;
	return ok;
}
