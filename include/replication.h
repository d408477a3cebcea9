/*
 * replication.h
 *    The logical replication connection: creating the slot (and the snapshot
 *    it exports), streaming from it, and telling the server how far the
 *    warehouse has durably applied (standby status updates).
 *
 * Frames are returned one at a time; a frame's payload lives in a buffer the
 * connection owns until the next repl_receive.  What the payload means
 * (pgoutput) is the decoder's business.
 */
#ifndef WHARF_REPLICATION_H
#define WHARF_REPLICATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "pgoutput.h"

typedef struct repl_conn repl_conn;

typedef enum repl_frame_kind
{
	REPL_XLOGDATA,				/* payload is one pgoutput message */
	REPL_KEEPALIVE,
	REPL_TIMEOUT,				/* nothing arrived within the timeout */
	REPL_INTERRUPTED			/* a signal arrived while waiting */
} repl_frame_kind;

typedef struct repl_frame
{
	repl_frame_kind kind;
	pg_lsn		wal_start;		/* XLogData: where the message's WAL starts */
	pg_lsn		wal_end;		/* the server's WAL end when it sent the frame */
	bool		reply_requested;	/* keepalive: the server wants a status update now */
	const char *payload;
	size_t		len;
} repl_frame;

/* What pg_replication_slots says about a slot; exists false if none. */
typedef struct repl_slot_info
{
	bool		exists;
	char		plugin[64];
	bool		active;
	int			active_pid;
	char		wal_status[32];	/* reserved, extended, unreserved, lost */
	char		database[64];
	pg_lsn		confirmed_flush;
	int64_t		lag_bytes;		/* WAL it holds: the insert LSN - confirmed_flush
								 * (the write LSN trails commits made with
								 * synchronous_commit = off) */
} repl_slot_info;

extern bool repl_connect(const char *conninfo, repl_conn **out);
extern void repl_close(repl_conn *c);
extern PGconn *repl_pgconn(repl_conn *c);

/* Reads the slot's row from pg_replication_slots over a normal connection. */
extern bool repl_slot_lookup(PGconn *conn, const char *slot, repl_slot_info *out);
extern bool repl_slot_drop(PGconn *conn, const char *slot);

/*
 * Creates a logical slot with pgoutput, exporting a snapshot that lives until
 * the next command on this connection.  temporary: dropped when the
 * connection closes (used to take a snapshot for a table added later).
 */
extern bool repl_create_slot(repl_conn *c, const char *slot, bool temporary,
							 pg_lsn *consistent_point, char **snapshot_name);

/* START_REPLICATION with protocol 1 and the given publications. */
extern bool repl_start(repl_conn *c, const char *slot, pg_lsn start,
					   const char *const *publications, int npublications);

/*
 * Waits up to timeout_ms for the next frame.  interrupted, if not NULL, is
 * polled while waiting (set by a signal handler).
 */
extern bool repl_receive(repl_conn *c, int timeout_ms, volatile const int *interrupted,
						 repl_frame *out);

/* Sends a standby status update: written, flushed and applied = flushed. */
extern bool repl_feedback(repl_conn *c, pg_lsn received, pg_lsn flushed, bool reply_requested);

/* Ends the stream (CopyDone); close the connection next. */
extern void repl_stop(repl_conn *c);

/* The time now on the protocol's clock: microseconds since 2000-01-01 UTC. */
extern int64_t repl_now_us(void);

#endif
