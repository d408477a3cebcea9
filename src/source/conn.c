/*
 * conn.c
 *    Source connections: the user's conninfo plus the session settings that
 *    fix the text form of every value.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "outage.h"
#include "source.h"

#define SOURCE_SESSION_OPTIONS \
	"-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=postgres " \
	"-c extra_float_digits=3 -c client_encoding=UTF8"

bool
source_connect(const char *conninfo, bool replication, PGconn **out)
{
	PQconninfoOption *opts;
	char	   *err = NULL;
	const char **keys;
	const char **vals;
	int			n = 0;
	int			nopts = 0;
	char	   *options = NULL;
	PGconn	   *conn;

	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
	{
		log_error("source: invalid conninfo: %s", err ? err : "out of memory");
		PQfreemem(err);
		return false;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
		nopts++;
	keys = xcalloc((size_t) nopts + 4, sizeof(char *));
	vals = xcalloc((size_t) nopts + 4, sizeof(char *));
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "options") == 0)
		{
			/* keep the user's options, ours after them win */
			options = xasprintf("%s %s", o->val, SOURCE_SESSION_OPTIONS);
			continue;
		}
		if (strcmp(o->keyword, "replication") == 0 ||
			strcmp(o->keyword, "client_encoding") == 0)
			continue;
		keys[n] = o->keyword;
		vals[n++] = o->val;
	}
	keys[n] = "options";
	vals[n++] = options ? options : SOURCE_SESSION_OPTIONS;
	if (replication)
	{
		keys[n] = "replication";
		vals[n++] = "database";
	}
	keys[n] = NULL;
	vals[n] = NULL;

	conn = PQconnectdbParams(keys, vals, 0);
	free(keys);
	free(vals);
	free(options);
	PQconninfoFree(opts);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK)
	{
		const char *msg = conn ? PQerrorMessage(conn) : "out of memory";
		buf			text = BUF_INIT;

		buf_puts(&text, msg);
		while (text.len > 0 && (text.data[text.len - 1] == '\n' || text.data[text.len - 1] == ' '))
			text.data[--text.len] = '\0';
		/* the walsender refuses a role without REPLICATION: say which role */
		if (replication && conn && strstr(msg, "replication role") != NULL && PQuser(conn))
			buf_printf(&text, " (role %s needs the REPLICATION attribute: ALTER ROLE %s REPLICATION)",
					   PQuser(conn), PQuser(conn));
		/* a server down, starting or unreachable: waiting may cure it */
		if (conn != NULL && outage_connect_failure_transient(msg))
			outage_note(OUTAGE_SOURCE);
		log_error("source: cannot connect%s: %s",
				  replication ? " for replication" : "", text.data);
		buf_free(&text);
		PQfinish(conn);
		return false;
	}
	if (!replication && PQserverVersion(conn) < 100000)
	{
		log_error("source: server version %d is too old (wharf needs PostgreSQL 10 or later)",
				  PQserverVersion(conn));
		PQfinish(conn);
		return false;
	}
	*out = conn;
	return true;
}

bool
source_exec(PGconn *conn, const char *sql, const char *what)
{
	PGresult   *res = PQexec(conn, sql);
	bool		ok = PQresultStatus(res) == PGRES_COMMAND_OK ||
		PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_error("source: %s failed: %s", what, PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

PGresult *
source_query(PGconn *conn, const char *sql, int nparams, const char *const *params,
			 const char *what,...)
{
	PGresult   *res = nparams > 0 ?
		PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0) : PQexec(conn, sql);
	buf			msg = BUF_INIT;
	va_list		ap;

	log_trace("source: %s", sql);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	(void) source_failure_outage(conn, res);
	va_start(ap, what);
	buf_vprintf(&msg, what, ap);
	va_end(ap);
	log_error("source: cannot %s: %s", msg.data, PQerrorMessage(conn));
	buf_free(&msg);
	PQclear(res);
	return NULL;
}

bool
source_failure_outage(PGconn *conn, const PGresult *res)
{
	bool		outage;

	if (conn == NULL)
		return false;
	outage = PQstatus(conn) == CONNECTION_BAD ||
		(res != NULL && outage_sqlstate_lost(PQresultErrorField(res, PG_DIAG_SQLSTATE)));
	if (outage)
		outage_note(OUTAGE_SOURCE);
	return outage;
}
