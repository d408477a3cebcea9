/*
 * replication.c
 *    The logical replication connection (see replication.h): slot creation,
 *    START_REPLICATION, the CopyBoth receive loop and status updates.
 */
#include "replication.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>

#include "buf.h"
#include "log.h"
#include "outage.h"
#include "source.h"

/*
 * The streaming replication protocol's CopyData messages ("Streaming
 * Replication Protocol" in the PostgreSQL manual), each field's offset
 * from the message's first byte, its type.
 */
#define REPL_MSG_XLOGDATA		'w'	/* server: WAL data */
#define XLOGDATA_WAL_START		1	/* Int64: the WAL position of the data */
#define XLOGDATA_WAL_END		9	/* Int64: the server's end of WAL */
#define XLOGDATA_SEND_TIME		17	/* Int64: the server's clock at sending */
#define XLOGDATA_HEADER			25	/* the data follows */

#define REPL_MSG_KEEPALIVE		'k'	/* server: primary keepalive */
#define KEEPALIVE_WAL_END		1	/* Int64: the server's end of WAL */
#define KEEPALIVE_SEND_TIME		9	/* Int64: the server's clock at sending */
#define KEEPALIVE_REPLY			17	/* Byte1: 1 when a reply is asked for at once */
#define KEEPALIVE_LEN			18

#define REPL_MSG_STATUS_UPDATE	'r'	/* client: standby status update */
#define STATUS_UPDATE_WRITTEN	1	/* Int64: the WAL received and written */
#define STATUS_UPDATE_FLUSHED	9	/* Int64: ... flushed (here: applied at the warehouse) */
#define STATUS_UPDATE_APPLIED	17	/* Int64: ... applied */
#define STATUS_UPDATE_CLOCK		25	/* Int64: the client's clock, microseconds since 2000-01-01 */
#define STATUS_UPDATE_REPLY		33	/* Byte1: 1 to ask for a reply at once */
#define STATUS_UPDATE_LEN		34

/* Seconds from 1970-01-01 to 2000-01-01, the epoch of the protocol's times. */
#define PG_EPOCH_OFFSET_S 946684800LL

struct repl_conn
{
	PGconn	   *conn;
	char	   *copybuf;		/* the last frame's buffer, freed on the next receive */
	bool		streaming;
};

static uint64_t
get_u64(const char *p)
{
	uint64_t	v = 0;

	for (int i = 0; i < 8; i++)
		v = (v << 8) | (unsigned char) p[i];
	return v;
}

static void
put_u64(char *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
	{
		p[i] = (char) (v & 0xff);
		v >>= 8;
	}
}

int64_t
repl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t) ts.tv_sec - PG_EPOCH_OFFSET_S) * 1000000 + ts.tv_nsec / 1000;
}

bool
repl_connect(const char *conninfo, repl_conn **out)
{
	PGconn	   *conn;

	if (!source_connect(conninfo, true, &conn))
		return false;			/* errors have already been logged */
	*out = xcalloc(1, sizeof(repl_conn));
	(*out)->conn = conn;
	return true;
}

void
repl_close(repl_conn *c)
{
	if (c == NULL)
		return;
	if (c->copybuf)
		PQfreemem(c->copybuf);
	PQfinish(c->conn);
	free(c);
}

PGconn *
repl_pgconn(repl_conn *c)
{
	return c->conn;
}

bool
repl_slot_lookup(PGconn *conn, const char *slot, repl_slot_info *out)
{
	const char *params[1] = {slot};
	PGresult   *res;

	memset(out, 0, sizeof(*out));
	res = source_query(conn,
					   "SELECT plugin, active, coalesce(active_pid, 0), coalesce(wal_status, ''), "
					   "       coalesce(database, ''), coalesce(confirmed_flush_lsn::text, '0/0'), "
					   "       coalesce(pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_insert_lsn(), "
					   "                                           confirmed_flush_lsn)::bigint, 0) "
					   "FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
					   1, params, "look up replication slot %s", slot);
	if (res == NULL)
		return false;			/* errors have already been logged */
	if (PQntuples(res) == 1)
	{
		out->exists = true;
		snprintf(out->plugin, sizeof(out->plugin), "%s", PQgetvalue(res, 0, 0));
		out->active = PQgetvalue(res, 0, 1)[0] == 't';
		out->active_pid = atoi(PQgetvalue(res, 0, 2));
		snprintf(out->wal_status, sizeof(out->wal_status), "%s", PQgetvalue(res, 0, 3));
		snprintf(out->database, sizeof(out->database), "%s", PQgetvalue(res, 0, 4));
		pg_lsn_parse(PQgetvalue(res, 0, 5), &out->confirmed_flush);
		out->lag_bytes = strtoll(PQgetvalue(res, 0, 6), NULL, 10);
	}
	PQclear(res);
	return true;
}

bool
repl_slot_drop(PGconn *conn, const char *slot)
{
	const char *params[1] = {slot};
	PGresult   *res = source_query(conn, "SELECT pg_catalog.pg_drop_replication_slot($1)", 1,
									params, "drop replication slot %s", slot);

	PQclear(res);
	return res != NULL;
}

bool
repl_create_slot(repl_conn *c, const char *slot, bool temporary,
				 pg_lsn *consistent_point, char **snapshot_name)
{
	char	   *ident = PQescapeIdentifier(c->conn, slot, strlen(slot));
	char	   *sql;
	PGresult   *res;
	bool		ok;

	if (ident == NULL)
	{
		log_error("source: bad slot name %s: %s", slot, PQerrorMessage(c->conn));
		return false;
	}
	sql = xasprintf("CREATE_REPLICATION_SLOT %s %sLOGICAL pgoutput (SNAPSHOT 'export')",
					ident, temporary ? "TEMPORARY " : "");
	PQfreemem(ident);
	res = source_query(c->conn, sql, 0, NULL, "create replication slot %s", slot);
	free(sql);
	ok = res != NULL;			/* else errors have already been logged */
	if (ok && (PQntuples(res) != 1 || PQnfields(res) < 3))
	{
		log_error("source: creating replication slot %s returned %d rows of %d columns, not "
				  "one of at least 3", slot, PQntuples(res), PQnfields(res));
		ok = false;
	}
	else if (ok && !pg_lsn_parse(PQgetvalue(res, 0, 1), consistent_point))
	{
		log_error("source: slot %s: unexpected consistent point \"%s\"", slot, PQgetvalue(res, 0, 1));
		ok = false;
	}
	else if (ok)
		*snapshot_name = xstrdup(PQgetvalue(res, 0, 2));
	PQclear(res);
	return ok;
}

bool
repl_start(repl_conn *c, const char *slot, pg_lsn start,
		   const char *const *publications, int npublications)
{
	char	   *ident = PQescapeIdentifier(c->conn, slot, strlen(slot));
	buf			names = BUF_INIT;
	buf			sql = BUF_INIT;
	char		lsn[32];
	PGresult   *res;
	bool		ok;

	if (ident == NULL)
	{
		log_error("source: bad slot name %s: %s", slot, PQerrorMessage(c->conn));
		return false;
	}
	/* publication_names is a list of identifiers inside one literal */
	for (int i = 0; i < npublications; i++)
	{
		char	   *p = PQescapeIdentifier(c->conn, publications[i], strlen(publications[i]));

		if (i > 0)
			buf_putc(&names, ',');
		for (const char *q = p; *q; q++)
		{
			if (*q == '\'')
				buf_putc(&names, '\'');
			buf_putc(&names, *q);
		}
		PQfreemem(p);
	}
	buf_printf(&sql, "START_REPLICATION SLOT %s LOGICAL %s (proto_version '1', "
			   "publication_names '%s', messages 'true')",
			   ident, pg_lsn_format(start, lsn), names.data ? names.data : "");
	PQfreemem(ident);
	log_trace("source: %s", sql.data);
	res = PQexec(c->conn, sql.data);
	ok = PQresultStatus(res) == PGRES_COPY_BOTH;
	if (!ok)
	{
		(void) source_failure_outage(c->conn, res);
		log_error("source: cannot start streaming from slot %s at %s: %s", slot, lsn,
				  PQerrorMessage(c->conn));
	}
	PQclear(res);
	buf_free(&sql);
	buf_free(&names);
	c->streaming = ok;
	return ok;
}

/* Waits for the socket to be readable; false on timeout or signal. */
static bool
repl_wait(repl_conn *c, int timeout_ms, bool *interrupted)
{
	int			fd = PQsocket(c->conn);
	fd_set		rfds;
	struct timeval tv;
	int			rc;

	FD_ZERO(&rfds);
	FD_SET(fd, &rfds);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	rc = select(fd + 1, &rfds, NULL, NULL, &tv);
	*interrupted = rc < 0 && errno == EINTR;
	return rc > 0;
}

bool
repl_receive(repl_conn *c, int timeout_ms, volatile const int *interrupted,
			 repl_frame *out)
{
	double		start;
	int			len;

	memset(out, 0, sizeof(*out));
	if (c->copybuf)
	{
		PQfreemem(c->copybuf);
		c->copybuf = NULL;
	}
	start = log_monotonic_now();
	for (;;)
	{
		len = PQgetCopyData(c->conn, &c->copybuf, 1);
		if (len > 0)
			break;
		if (len == -1)
		{
			PGresult   *res = PQgetResult(c->conn);

			/*
			 * A server ends a stream it was not asked to end when it shuts
			 * down: an outage, as is a connection lost; an error of its own
			 * (a slot invalidated, say) is not.
			 */
			if (PQresultStatus(res) == PGRES_COMMAND_OK)
				outage_note(OUTAGE_SOURCE);
			else
				(void) source_failure_outage(c->conn, res);
			log_error("source: the replication stream ended: %s",
					  PQresultStatus(res) == PGRES_COMMAND_OK ? "the server closed it" :
					  PQerrorMessage(c->conn));
			PQclear(res);
			c->streaming = false;
			return false;
		}
		if (len == -2)
		{
			(void) source_failure_outage(c->conn, NULL);
			log_error("source: replication stream failed: %s", PQerrorMessage(c->conn));
			c->streaming = false;
			return false;
		}
		/* nothing buffered: wait for the socket, within what is left of the timeout */
		{
			long		waited;
			bool		intr = false;

			if (interrupted && *interrupted)
			{
				out->kind = REPL_INTERRUPTED;
				return true;
			}
			waited = (long) ((log_monotonic_now() - start) * 1000);
			if (waited >= timeout_ms)
			{
				out->kind = REPL_TIMEOUT;
				return true;
			}
			if (repl_wait(c, (int) (timeout_ms - waited), &intr) || !intr)
			{
				if (PQconsumeInput(c->conn) == 0)
				{
					(void) source_failure_outage(c->conn, NULL);
					log_error("source: replication stream failed: %s", PQerrorMessage(c->conn));
					c->streaming = false;
					return false;
				}
			}
		}
	}

	switch (c->copybuf[0])
	{
		case REPL_MSG_XLOGDATA:
			if (len < XLOGDATA_HEADER)
				break;
			out->kind = REPL_XLOGDATA;
			out->wal_start = get_u64(c->copybuf + XLOGDATA_WAL_START);
			out->wal_end = get_u64(c->copybuf + XLOGDATA_WAL_END);
			/* XLOGDATA_SEND_TIME, the server's clock, is not used */
			out->payload = c->copybuf + XLOGDATA_HEADER;
			out->len = (size_t) len - XLOGDATA_HEADER;
			return true;
		case REPL_MSG_KEEPALIVE:
			if (len < KEEPALIVE_LEN)
				break;
			out->kind = REPL_KEEPALIVE;
			out->wal_end = get_u64(c->copybuf + KEEPALIVE_WAL_END);
			out->reply_requested = c->copybuf[KEEPALIVE_REPLY] != 0;
			return true;
		default:
			log_error("source: unknown replication frame type '%c' (0x%02x), %d bytes",
					  c->copybuf[0] >= 0x20 && c->copybuf[0] < 0x7f ? c->copybuf[0] : '?',
					  (unsigned char) c->copybuf[0], len);
			return false;
	}
	log_error("source: truncated replication frame '%c' (%d bytes)", c->copybuf[0], len);
	return false;
}

bool
repl_feedback(repl_conn *c, pg_lsn received, pg_lsn flushed, bool reply_requested)
{
	char		msg[STATUS_UPDATE_LEN];

	msg[0] = REPL_MSG_STATUS_UPDATE;
	put_u64(msg + STATUS_UPDATE_WRITTEN, received);
	put_u64(msg + STATUS_UPDATE_FLUSHED, flushed);
	put_u64(msg + STATUS_UPDATE_APPLIED, flushed);
	put_u64(msg + STATUS_UPDATE_CLOCK, (uint64_t) repl_now_us());
	msg[STATUS_UPDATE_REPLY] = reply_requested ? 1 : 0;
	if (PQputCopyData(c->conn, msg, sizeof(msg)) <= 0 || PQflush(c->conn) != 0)
	{
		/* a status update that cannot be sent is a socket gone */
		outage_note(OUTAGE_SOURCE);
		log_error("source: cannot send a status update: %s", PQerrorMessage(c->conn));
		return false;
	}
	return true;
}

void
repl_stop(repl_conn *c)
{
	if (!c->streaming)
		return;
	c->streaming = false;

	/*
	 * Say we are done; what the server still sends is of no use (the
	 * position it may forget was reported already), so the connection is
	 * then simply closed rather than drained.
	 */
	if (PQputCopyEnd(c->conn, NULL) > 0)
		PQflush(c->conn);
}
