/*
 * server.c
 *    Facts of the source server itself, apart from any table: its wal_level,
 *    its current WAL position, the job's advisory lock, and the heartbeat
 *    message that keeps an idle slot moving.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "pgoutput.h"
#include "source.h"

bool
source_wal_level(PGconn *conn, char **level)
{
	PGresult   *res = source_query(conn, "SHOW wal_level", 0, NULL, "read wal_level");

	if (res == NULL)
		return false;			/* errors have already been logged */
	*level = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

bool
source_lock_job(PGconn *conn, const job *j)
{
	char	   *key = xasprintf("wharf job %s", j->name);
	const char *params[1] = {key};
	PGresult   *res = NULL;
	bool		ok = false;

	/*
	 * A process killed a moment ago may still hold it until its backend
	 * notices: try for a few seconds before refusing.
	 */
	for (int attempt = 0; attempt < 6 && !ok; attempt++)
	{
		if (attempt > 0)
			sleep(1);
		PQclear(res);
		res = PQexecParams(conn, "SELECT pg_catalog.pg_try_advisory_lock(pg_catalog.hashtext($1))",
						   1, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			break;
		ok = PQgetvalue(res, 0, 0)[0] == 't';
	}

	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		log_error("source: cannot take the job lock: %s", PQerrorMessage(conn));
	else if (!ok)
		log_error("another wharf process is running job %s (it holds the job's lock on the source); "
				  "only one may apply at a time", j->name);
	PQclear(res);
	free(key);
	return ok;
}

bool
source_wal_level_logical(PGconn *conn)
{
	char	   *level = NULL;
	bool		ok = source_wal_level(conn, &level) && strcmp(level, "logical") == 0;

	if (level != NULL && !ok)
		log_error("source: wal_level is %s; change data capture needs wal_level = logical "
				  "(ALTER SYSTEM SET wal_level = logical, then restart the server)", level);
	free(level);
	return ok;
}

bool
source_current_wal_lsn(PGconn *conn, uint64_t *lsn)
{
	/*
	 * The insert position: the write position lags behind commits made with
	 * synchronous_commit = off, which would end a sync before them.
	 */
	PGresult   *res = source_query(conn, "SELECT pg_catalog.pg_current_wal_insert_lsn()", 0, NULL,
									"read the current WAL position");
	bool		ok = res != NULL && pg_lsn_parse(PQgetvalue(res, 0, 0), lsn);

	PQclear(res);
	return ok;
}


bool
source_heartbeat(PGconn *conn)
{
	/* a transactional message: it reaches the stream as a commit, which moves the slot */
	PGresult   *res = PQexec(conn, "SELECT pg_catalog.pg_logical_emit_message(true, "
							 "'wharf_heartbeat', now()::text)");
	bool		ok = PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		log_warn("source: heartbeat failed: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}
