/*
 * pgoutput.h
 *    Decoding the pgoutput logical replication protocol (version 1): one
 *    message at a time, from the payload of an XLogData frame.
 *
 * The decoder owns the relation cache (Relation messages, kept by oid until
 * replaced) and a scratch tuple array reused from message to message.
 * Values in a decoded message point into the caller's buffer: they stay
 * valid until that buffer is freed or the next message is decoded.  The
 * decoder knows nothing of staging or warehouses.
 */
#ifndef WHARF_PGOUTPUT_H
#define WHARF_PGOUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t pg_lsn;

/* One column value of a TupleData. */
/* The kind byte of each column of a TupleData. */
#define PGOUTPUT_VALUE_NULL			'n'
#define PGOUTPUT_VALUE_UNCHANGED	'u'		/* an unchanged TOAST value, not sent */
#define PGOUTPUT_VALUE_TEXT			't'
#define PGOUTPUT_VALUE_BINARY		'b'

typedef struct pgoutput_value
{
	char		kind;			/* PGOUTPUT_VALUE_NULL, _UNCHANGED, _TEXT or _BINARY */
	const char *data;			/* text or binary: the bytes (not NUL-terminated) */
	uint32_t	len;
} pgoutput_value;

typedef struct pgoutput_tuple
{
	int			ncols;
	pgoutput_value *values;		/* decoder-owned scratch */
} pgoutput_tuple;

typedef struct pgoutput_column
{
	char	   *name;
	uint32_t	type_oid;
	int32_t		typmod;
	bool		key;			/* flag 1: part of the replica identity */
} pgoutput_column;

typedef struct pgoutput_relation
{
	uint32_t	oid;
	char	   *schema;			/* "" in the protocol means pg_catalog; kept as sent */
	char	   *name;
	char		replident;		/* 'd', 'n', 'f', 'i' */
	int			ncols;
	pgoutput_column *cols;
} pgoutput_relation;

/*
 * The message types of pgoutput, protocol version 1 ("Logical Replication
 * Message Formats" in the PostgreSQL manual): each message's first byte.
 */
#define PGOUTPUT_BEGIN		'B'
#define PGOUTPUT_COMMIT		'C'
#define PGOUTPUT_ORIGIN		'O'
#define PGOUTPUT_RELATION	'R'
#define PGOUTPUT_TYPE		'Y'
#define PGOUTPUT_INSERT		'I'
#define PGOUTPUT_UPDATE		'U'
#define PGOUTPUT_DELETE		'D'
#define PGOUTPUT_TRUNCATE	'T'
#define PGOUTPUT_MESSAGE	'M'

/* The byte before a TupleData in Insert, Update and Delete messages. */
#define PGOUTPUT_TUPLE_NEW	'N'		/* the new row */
#define PGOUTPUT_TUPLE_KEY	'K'		/* the old row's replica identity key */
#define PGOUTPUT_TUPLE_OLD	'O'		/* the whole old row (REPLICA IDENTITY FULL) */

typedef struct pgoutput_message
{
	char		type;			/* PGOUTPUT_BEGIN, ... */
	union
	{
		struct
		{
			pg_lsn		final_lsn;
			int64_t		commit_time;	/* microseconds since 2000-01-01 */
			uint32_t	xid;
		}			begin;
		struct
		{
			uint8_t		flags;
			pg_lsn		commit_lsn;
			pg_lsn		end_lsn;
			int64_t		commit_time;
		}			commit;
		struct
		{
			pg_lsn		lsn;
			const char *name;
		}			origin;
		/* 'R': the decoder has stored it; this points at the cached copy */
		const pgoutput_relation *relation;
		struct
		{
			uint32_t	oid;
			const char *schema;
			const char *name;
		}			type;
		struct
		{
			uint32_t	relid;
			pgoutput_tuple tuple;
		}			insert;
		struct
		{
			uint32_t	relid;
			char		old_kind;	/* 0 none, PGOUTPUT_TUPLE_KEY or _OLD */
			pgoutput_tuple old_tuple;
			pgoutput_tuple tuple;
		}			update;
		struct
		{
			uint32_t	relid;
			char		old_kind;	/* PGOUTPUT_TUPLE_KEY or _OLD */
			pgoutput_tuple old_tuple;
		}			delete;
		struct
		{
			int			nrelids;
			uint8_t		options;	/* 1 cascade, 2 restart identity */
			const uint32_t *relids; /* decoder-owned scratch */
		}			truncate;
		struct
		{
			uint8_t		flags;	/* 1 transactional */
			pg_lsn		lsn;
			const char *prefix;
			uint32_t	len;
			const char *content;
		}			message;
	}			u;
} pgoutput_message;

typedef struct pgoutput_decoder pgoutput_decoder;

extern pgoutput_decoder *pgoutput_decoder_create(void);
extern void pgoutput_decoder_free(pgoutput_decoder *d);

/*
 * Decodes one pgoutput message.  at is the WAL position of the message (the
 * XLogData start), for error messages only.  On malformed input or an
 * unknown message type, reports it (naming the type byte and position) and
 * returns false.
 */
extern bool pgoutput_decode(pgoutput_decoder *d, const char *data, size_t len,
							pg_lsn at, pgoutput_message *out);

/* The cached relation with this oid, or NULL. */
extern const pgoutput_relation *pgoutput_relation_get(const pgoutput_decoder *d, uint32_t oid);

/* "16/B374D848" form of an LSN, into a buffer of at least 32 bytes. */
extern char *pg_lsn_format(pg_lsn lsn, char *out);
extern bool pg_lsn_parse(const char *text, pg_lsn *out);

#endif
