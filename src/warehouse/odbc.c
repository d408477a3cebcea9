/*
 * odbc.c
 *    The warehouse session over ODBC (unixODBC): connecting, running
 *    statements inside one manual-commit transaction, reading small results,
 *    and turning driver diagnostics into one readable error line.
 *
 * This file owns the ODBC handles (environment, connection, statements) and
 * every call into the driver manager; nothing else in wharf talks ODBC.
 *
 * Each wh_exec/wh_query gets a fresh statement handle that is freed before
 * returning, so a session holds only the environment and connection between
 * calls.  The connection string may carry a password: it is never printed,
 * and its PWD/Password value is masked in any driver text we pass on.
 *
 * Driver notes (psqlODBC 13):
 *  - By default psqlODBC runs each statement after the first of a manual
 *    transaction under a savepoint (rollback level 2, "Protocol=7.4-2"),
 *    sent in the same round trip ("RELEASE x;SAVEPOINT x;<sql>"); on error it
 *    rolls back to it, so the server-side transaction stays usable.  An error
 *    in the first statement ("BEGIN;<sql>") makes it roll back everything.
 *    We depend on neither: after any failure in a transaction the session
 *    refuses to commit until wh_rollback has been called.
 *  - SQLRowCount is right for INSERT/UPDATE/DELETE and COPY (also COPY FROM
 *    PROGRAM); several statements in one call come back as several results.
 *  - A '?' outside string literals is taken as a parameter marker; statements
 *    must not use bare '?' operators (e.g. jsonb ?); use the function forms.
 */
#include "warehouse.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sql.h>
#include <sqlext.h>

#include "connstr.h"
#include "log.h"
#include "outage.h"

/* Seconds the driver may spend establishing the connection. */
#define WH_LOGIN_TIMEOUT	15

/* How much of a failed statement goes into the error line. */
#define WH_SQL_SNIPPET		120

/* At most this many diagnostic records are joined into one message. */
#define WH_MAX_DIAG_RECS	8

struct wh_session
{
	SQLHENV		env;
	SQLHDBC		dbc;
	bool		connected;		/* SQLDriverConnect succeeded */
	bool		lost;			/* the server connection is gone */
	bool		in_tx;			/* a transaction may be open */
	bool		tx_failed;		/* a statement failed in this transaction */
	char	   *secret;			/* password from the connection string */
};

/* The diagnostics of one failed call, flattened for a single log line. */
typedef struct wh_diag
{
	buf			text;			/* "[STATE] message; [STATE] message" */
	char		state[6];		/* SQLSTATE of the first record, or "" */
	bool		lost;			/* records say the connection is gone */
} wh_diag;

/*
 * Appends s to out as one line: runs of whitespace (newlines included)
 * become a single space, and the session's password is masked.
 */
static void
append_folded(buf *out, const char *s, size_t n, const char *secret)
{
	size_t		seclen = secret ? strlen(secret) : 0;
	bool		space = false;

	for (size_t i = 0; i < n && s[i] != '\0'; i++)
	{
		char		c = s[i];

		if (seclen > 0 && i + seclen <= n && strncmp(s + i, secret, seclen) == 0)
		{
			if (space && out->len > 0)
				buf_putc(out, ' ');
			space = false;
			buf_puts(out, "***");
			i += seclen - 1;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v')
		{
			space = true;
			continue;
		}
		/* "text.\n;\nmore" reads better as "text.; more" */
		if (space && out->len > 0 && c != ';')
			buf_putc(out, ' ');
		space = false;
		buf_putc(out, c);
	}
}

/* Does this SQLSTATE or message mean the server connection is gone? */
static bool
diag_says_lost(const char *state, const char *msg)
{
	static const char *const phrases[] = {
		"server closed the connection",
		"terminating connection",
		"could not send",
		"could not receive",
		"no connection to the server",
		"connection not open",
		"connection is dead",
		"connection reset",
		"broken pipe",
	};

	/* HYT00/HYT01: the driver's own timeouts on a server that went silent */
	if (outage_sqlstate_lost(state) ||
		strcmp(state, "HYT00") == 0 || strcmp(state, "HYT01") == 0)
		return true;
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (strcasestr(msg, phrases[i]) != NULL)
			return true;
	return false;
}

/*
 * Drops what psqlODBC appends to every server error (";\nError while
 * executing the query") and any dangling ';' or space at the end.
 */
static void
strip_trailer(buf *b)
{
	static const char trailer[] = "; Error while executing the query";
	size_t		tlen = sizeof(trailer) - 1;

	if (b->len >= tlen && strcmp(b->data + b->len - tlen, trailer) == 0)
	{
		b->len -= tlen;
		b->data[b->len] = '\0';
	}
	while (b->len > 0 && (b->data[b->len - 1] == ';' || b->data[b->len - 1] == ' '))
		b->data[--b->len] = '\0';
}

/*
 * Collects every diagnostic record of a handle into d: "[SQLSTATE] text"
 * joined with "; ".  The first SQLSTATE is kept for the caller to classify.
 */
static void
diag_collect(wh_diag *d, SQLSMALLINT type, SQLHANDLE h, const char *secret)
{
	buf_init(&d->text);
	d->state[0] = '\0';
	d->lost = false;

	if (h == SQL_NULL_HANDLE)
		return;
	for (SQLSMALLINT i = 1; i <= WH_MAX_DIAG_RECS; i++)
	{
		SQLCHAR		state[6];
		SQLINTEGER	native;
		SQLCHAR		small[SQL_MAX_MESSAGE_LENGTH];
		SQLCHAR    *msg = small;
		SQLSMALLINT len = 0;
		SQLRETURN	rc;

		rc = SQLGetDiagRec(type, h, i, state, &native, small,
						   (SQLSMALLINT) sizeof(small), &len);
		if (!SQL_SUCCEEDED(rc))
			break;
		if (len >= (SQLSMALLINT) sizeof(small))
		{
			/* the message was cut: fetch it again in full */
			SQLSMALLINT biglen = 0;

			msg = xmalloc((size_t) len + 1);
			rc = SQLGetDiagRec(type, h, i, state, &native, msg,
							   (SQLSMALLINT) (len + 1), &biglen);
			if (!SQL_SUCCEEDED(rc))
			{
				free(msg);
				msg = small;
			}
		}
		state[5] = '\0';
		if (d->state[0] == '\0')
			memcpy(d->state, state, sizeof(d->state));
		if (diag_says_lost((const char *) state, (const char *) msg))
			d->lost = true;
		if (d->text.len > 0)
			buf_puts(&d->text, "; ");
		buf_printf(&d->text, "[%s] ", (const char *) state);
		append_folded(&d->text, (const char *) msg, strlen((const char *) msg),
					  secret);
		strip_trailer(&d->text);
		if (msg != small)
			free(msg);
	}
	if (d->text.len == 0)
		buf_puts(&d->text, "no diagnostics from the ODBC driver");
}

/* Asks the driver whether the connection is dead (ODBC 3.5). */
static bool
connection_dead(wh_session *s)
{
	SQLUINTEGER dead = SQL_CD_FALSE;
	SQLRETURN	rc;

	if (s->dbc == SQL_NULL_HDBC || !s->connected)
		return true;
	rc = SQLGetConnectAttr(s->dbc, SQL_ATTR_CONNECTION_DEAD, &dead, 0, NULL);
	return SQL_SUCCEEDED(rc) && dead == SQL_CD_TRUE;
}

/* The server connection is gone: an outage of the warehouse (outage.h). */
static void
mark_lost(wh_session *s)
{
	s->lost = true;
	outage_note(OUTAGE_WAREHOUSE);
}

/* The start of a statement as one line, for error messages. */
static char *
sql_snippet(const char *sql)
{
	buf			out = BUF_INIT;
	size_t		n = strlen(sql);
	bool		cut = false;

	/* skip leading whitespace so the snippet starts with the verb */
	while (n > 0 && (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r'))
	{
		sql++;
		n--;
	}
	if (n > WH_SQL_SNIPPET)
	{
		n = WH_SQL_SNIPPET;
		/* do not split a UTF-8 sequence */
		while (n > 0 && ((unsigned char) sql[n] & 0xC0) == 0x80)
			n--;
		cut = true;
	}
	append_folded(&out, sql, n, NULL);
	if (cut)
		buf_puts(&out, " ...");
	return buf_detach(&out);
}

/*
 * Reports a failed statement call once, marks the transaction failed, and
 * notices a lost connection.
 */
static void
report_stmt_error(wh_session *s, SQLHSTMT stmt, const char *what,
				  const char *sql)
{
	wh_diag		d;
	char	   *snippet = sql_snippet(sql);

	diag_collect(&d, SQL_HANDLE_STMT, stmt, s->secret);
	if (d.lost || connection_dead(s))
		mark_lost(s);
	s->tx_failed = true;
	if (s->lost)
		log_error("warehouse connection lost: %s failed: %s: %s",
				  what, snippet, d.text.data);
	else
		log_error("warehouse: %s failed: %s: %s", what, snippet, d.text.data);
	free(snippet);
	buf_free(&d.text);
}

/* Logs the informational records (notices, warnings) of a call at debug. */
static void
log_info_records(wh_session *s, SQLSMALLINT type, SQLHANDLE h)
{
	wh_diag		d;

	if (log_get_level() < LOG_DEBUG)
		return;
	diag_collect(&d, type, h, s->secret);
	log_debug("warehouse: %s", d.text.data);
	buf_free(&d.text);
}

/*
 * Lists the drivers unixODBC knows into out, quoted and comma-separated, and
 * says whether name is one of them.
 */
static bool
list_drivers(SQLHENV env, const char *name, buf *out)
{
	SQLUSMALLINT dir = SQL_FETCH_FIRST;
	int			n = 0;
	bool		found = false;

	for (;;)
	{
		SQLCHAR		desc[256];
		SQLCHAR		attrs[1024];
		SQLSMALLINT desclen;
		SQLSMALLINT attrlen;
		SQLRETURN	rc;

		rc = SQLDrivers(env, dir, desc, (SQLSMALLINT) sizeof(desc), &desclen,
						attrs, (SQLSMALLINT) sizeof(attrs), &attrlen);
		if (!SQL_SUCCEEDED(rc))
			break;
		dir = SQL_FETCH_NEXT;
		if (strcasecmp((const char *) desc, name) == 0)
			found = true;
		buf_printf(out, "%s\"%s\"", n++ > 0 ? ", " : "", (const char *) desc);
	}
	if (n == 0)
		buf_puts(out, "none");
	return found;
}

/* Reports a failed SQLDriverConnect in the clearest terms we can. */
static void
report_connect_error(wh_session *s, const char *connstr)
{
	wh_diag		d;
	bool		driver_unclosed = false;
	bool		dsn_unclosed = false;
	char	   *driver = connstr_get(connstr, "DRIVER", &driver_unclosed);
	char	   *dsn = connstr_get(connstr, "DSN", &dsn_unclosed);
	bool		missing;
	bool		unloadable;

	diag_collect(&d, SQL_HANDLE_DBC, s->dbc, s->secret);

	/*
	 * A '{' that is never closed makes the value run to the end of the
	 * string, password included; the driver manager then echoes it as a
	 * library name.  Say what is wrong without repeating any of it.
	 */
	if ((driver && driver_unclosed) || (dsn && dsn_unclosed))
	{
		const char *key = driver && driver_unclosed ? "Driver" : "DSN";

		log_error("warehouse: the ODBC connection string has an unterminated '{' in its %s= "
				  "value (write %s={NAME})", key, key);
		free(driver);
		free(dsn);
		buf_free(&d.text);
		return;
	}

	/*
	 * unixODBC says IM002 for an unknown DSN (or no driver at all).  An
	 * unknown Driver= name is tried as a library path and fails with just an
	 * 01000 "Can't open lib"; IM003 is a driver that cannot be loaded.
	 */
	missing = strstr(d.text.data, "[IM002]") != NULL;
	unloadable = (strstr(d.text.data, "[IM003]") != NULL ||
				  strstr(d.text.data, "Can't open lib") != NULL);
	if ((missing || unloadable) && driver != NULL && driver[0] != '\0')
	{
		buf			drivers = BUF_INIT;

		if (list_drivers(s->env, driver, &drivers))
			log_error("warehouse: ODBC driver \"%s\" is registered but cannot "
					  "be loaded (is its package installed?): %s",
					  driver, d.text.data);
		else
			log_error("warehouse: ODBC driver \"%s\" is not installed "
					  "(installed drivers: %s; see odbcinst -q -d)",
					  driver, drivers.data);
		buf_free(&drivers);
	}
	else if (missing && dsn != NULL && dsn[0] != '\0')
		log_error("warehouse: ODBC data source \"%s\" is not defined "
				  "(see odbcinst -q -s): %s", dsn, d.text.data);
	else if (missing)
		log_error("warehouse: the ODBC connection string names no driver "
				  "(Driver=...) or data source (DSN=...): %s", d.text.data);
	else
	{
		/* a server down, starting or unreachable: waiting may cure it */
		if (outage_connect_failure_transient(d.text.data))
			outage_note(OUTAGE_WAREHOUSE);
		log_error("warehouse: cannot connect: %s", d.text.data);
	}
	free(driver);
	free(dsn);
	buf_free(&d.text);
}

bool
wh_connect(const char *connstr, wh_session **out)
{
	wh_session *s;
	SQLRETURN	rc;

	*out = NULL;
	s = xcalloc(1, sizeof(wh_session));
	s->env = SQL_NULL_HENV;
	s->dbc = SQL_NULL_HDBC;

	/* keep the password out of anything we print, log.c or not */
	s->secret = connstr_get(connstr, "PWD", NULL);
	if (s->secret == NULL)
		s->secret = connstr_get(connstr, "PASSWORD", NULL);
	if (s->secret != NULL && s->secret[0] == '\0')
	{
		free(s->secret);
		s->secret = NULL;
	}

	rc = SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &s->env);
	if (!SQL_SUCCEEDED(rc))
	{
		log_error("warehouse: cannot allocate an ODBC environment (is unixODBC installed?)");
		s->env = SQL_NULL_HENV;
		goto fail;
	}
	rc = SQLSetEnvAttr(s->env, SQL_ATTR_ODBC_VERSION, (SQLPOINTER) SQL_OV_ODBC3, 0);
	if (!SQL_SUCCEEDED(rc))
	{
		wh_diag		d;

		diag_collect(&d, SQL_HANDLE_ENV, s->env, s->secret);
		log_error("warehouse: cannot select ODBC version 3: %s", d.text.data);
		buf_free(&d.text);
		goto fail;
	}
	rc = SQLAllocHandle(SQL_HANDLE_DBC, s->env, &s->dbc);
	if (!SQL_SUCCEEDED(rc))
	{
		wh_diag		d;

		diag_collect(&d, SQL_HANDLE_ENV, s->env, s->secret);
		log_error("warehouse: cannot allocate an ODBC connection: %s", d.text.data);
		buf_free(&d.text);
		s->dbc = SQL_NULL_HDBC;
		goto fail;
	}
	/* not fatal if the driver ignores it */
	(void) SQLSetConnectAttr(s->dbc, SQL_ATTR_LOGIN_TIMEOUT,
							 (SQLPOINTER) (uintptr_t) WH_LOGIN_TIMEOUT, 0);

	rc = SQLDriverConnect(s->dbc, NULL, (SQLCHAR *) connstr, SQL_NTS,
						  NULL, 0, NULL, SQL_DRIVER_NOPROMPT);
	if (!SQL_SUCCEEDED(rc))
	{
		report_connect_error(s, connstr);
		goto fail;
	}
	s->connected = true;
	if (rc == SQL_SUCCESS_WITH_INFO)
		log_info_records(s, SQL_HANDLE_DBC, s->dbc);

	rc = SQLSetConnectAttr(s->dbc, SQL_ATTR_AUTOCOMMIT,
						   (SQLPOINTER) SQL_AUTOCOMMIT_OFF, 0);
	if (!SQL_SUCCEEDED(rc))
	{
		wh_diag		d;

		diag_collect(&d, SQL_HANDLE_DBC, s->dbc, s->secret);
		log_error("warehouse: cannot turn autocommit off: %s", d.text.data);
		buf_free(&d.text);
		goto fail;
	}

	*out = s;
	return true;

fail:
	wh_disconnect(s);
	return false;
}

void
wh_disconnect(wh_session *s)
{
	if (s == NULL)
		return;
	if (s->connected)
	{
		/* SQLDisconnect refuses while a manual transaction is open */
		if (s->in_tx && !s->lost)
		{
			SQLRETURN	rc = SQLEndTran(SQL_HANDLE_DBC, s->dbc, SQL_ROLLBACK);

			if (!SQL_SUCCEEDED(rc))
				log_debug("warehouse: rollback before disconnect failed");
		}
		(void) SQLDisconnect(s->dbc);
	}
	if (s->dbc != SQL_NULL_HDBC)
		(void) SQLFreeHandle(SQL_HANDLE_DBC, s->dbc);
	if (s->env != SQL_NULL_HENV)
		(void) SQLFreeHandle(SQL_HANDLE_ENV, s->env);
	free(s->secret);
	free(s);
}

/* Refuses work on a session whose connection is known to be gone. */
static bool
check_usable(wh_session *s, const char *what)
{
	if (s->lost)
	{
		outage_note(OUTAGE_WAREHOUSE);
		log_error("warehouse connection lost: cannot %s", what);
		return false;
	}
	return true;
}

/*
 * Allocates a statement handle and runs sql on it.  On failure the error is
 * reported and the handle freed; on success *stmt_out is the live handle.
 * SQL_NO_DATA (a searched UPDATE/DELETE that touched nothing) is success.
 */
static bool
exec_direct(wh_session *s, const char *sql, const char *what,
			SQLHSTMT *stmt_out, bool *no_data)
{
	SQLHSTMT	stmt = SQL_NULL_HSTMT;
	SQLRETURN	rc;

	*stmt_out = SQL_NULL_HSTMT;
	*no_data = false;
	rc = SQLAllocHandle(SQL_HANDLE_STMT, s->dbc, &stmt);
	if (!SQL_SUCCEEDED(rc))
	{
		wh_diag		d;

		diag_collect(&d, SQL_HANDLE_DBC, s->dbc, s->secret);
		if (d.lost || connection_dead(s))
			mark_lost(s);
		log_error("%s: cannot allocate an ODBC statement: %s",
				  s->lost ? "warehouse connection lost" : "warehouse",
				  d.text.data);
		buf_free(&d.text);
		return false;
	}
	/* the statement is plain SQL: no {fn ...} escape rewriting */
	(void) SQLSetStmtAttr(stmt, SQL_ATTR_NOSCAN, (SQLPOINTER) SQL_NOSCAN_ON, 0);

	s->in_tx = true;
	rc = SQLExecDirect(stmt, (SQLCHAR *) sql, SQL_NTS);
	if (rc == SQL_NO_DATA)
		*no_data = true;
	else if (rc == SQL_SUCCESS_WITH_INFO)
		log_info_records(s, SQL_HANDLE_STMT, stmt);
	else if (rc != SQL_SUCCESS)
	{
		report_stmt_error(s, stmt, what, sql);
		(void) SQLFreeHandle(SQL_HANDLE_STMT, stmt);
		return false;
	}
	*stmt_out = stmt;
	return true;
}

bool
wh_exec(wh_session *s, const char *sql, int64_t *rows)
{
	SQLHSTMT	stmt;
	bool		no_data;
	int64_t		total = 0;
	bool		ok = true;

	if (rows)
		*rows = 0;
	if (!check_usable(s, "run a statement"))
		return false;			/* errors have already been logged */
	if (!exec_direct(s, sql, "statement", &stmt, &no_data))
		return false;			/* errors have already been logged */

	/*
	 * One result per statement in sql; count rows over all of them.  A first
	 * statement that touched nothing (SQL_NO_DATA) may still be followed by
	 * others, so ask for more results either way.
	 */
	for (;;)
	{
		SQLLEN		count = -1;
		SQLRETURN	rc;

		if (!no_data && SQL_SUCCEEDED(SQLRowCount(stmt, &count)) && count > 0)
			total += (int64_t) count;
		no_data = false;
		rc = SQLMoreResults(stmt);
		if (rc == SQL_NO_DATA)
			break;
		if (rc == SQL_SUCCESS_WITH_INFO)
			log_info_records(s, SQL_HANDLE_STMT, stmt);
		else if (rc != SQL_SUCCESS)
		{
			report_stmt_error(s, stmt, "statement", sql);
			ok = false;
			break;
		}
	}
	(void) SQLFreeHandle(SQL_HANDLE_STMT, stmt);
	if (ok && rows)
		*rows = total;
	return ok;
}

/*
 * Reads column col of the current row as text into *out (NULL for SQL
 * NULL), in as many SQLGetData calls as the value needs.
 */
static bool
get_text(SQLHSTMT stmt, SQLUSMALLINT col, char **out)
{
	buf			val = BUF_INIT;
	size_t		want = 256;

	*out = NULL;
	for (;;)
	{
		SQLLEN		ind = 0;
		SQLRETURN	rc;
		size_t		room;
		size_t		got;

		buf_reserve(&val, want);
		room = val.cap - val.len;	/* includes space for the NUL */
		rc = SQLGetData(stmt, col, SQL_C_CHAR, val.data + val.len,
						(SQLLEN) room, &ind);
		if (rc == SQL_NO_DATA)
			break;				/* everything was read by earlier calls */
		if (!SQL_SUCCEEDED(rc))
		{
			buf_free(&val);
			return false;
		}
		if (ind == SQL_NULL_DATA)
		{
			buf_free(&val);
			return true;
		}
		if (ind != SQL_NO_TOTAL && (size_t) ind < room)
		{
			/* the rest fit */
			val.len += (size_t) ind;
			val.data[val.len] = '\0';
			break;
		}
		/*
		 * Truncated.  A driver may stop short of room - 1 bytes rather than
		 * split a multibyte character, so count what actually arrived (text
		 * values hold no NUL).  ind, when known, is what was left before.
		 */
		got = strnlen(val.data + val.len, room - 1);
		val.len += got;
		val.data[val.len] = '\0';
		if (ind != SQL_NO_TOTAL && (size_t) ind > got)
			want = (size_t) ind - got;
		else
			want = val.cap;		/* unknown: double */
	}
	*out = buf_detach(&val);
	return true;
}

/* Autocommit on or off, reported where it fails. */
static bool
set_autocommit(wh_session *s, bool on)
{
	SQLRETURN	rc = SQLSetConnectAttr(s->dbc, SQL_ATTR_AUTOCOMMIT,
									   (SQLPOINTER) (on ? SQL_AUTOCOMMIT_ON : SQL_AUTOCOMMIT_OFF), 0);

	if (!SQL_SUCCEEDED(rc))
	{
		wh_diag		d;

		diag_collect(&d, SQL_HANDLE_DBC, s->dbc, s->secret);
		log_error("warehouse: cannot turn autocommit %s: %s", on ? "on" : "off", d.text.data);
		buf_free(&d.text);
		return false;
	}
	return true;
}

/*
 * Redshift: "ALTER TABLE ALTER COLUMN cannot run inside a transaction
 * block" (ALTER TABLE, usage notes); with autocommit off every statement
 * opens one, so schema work runs with autocommit on.
 */
bool
wh_exec_alone(wh_session *s, const char *sql)
{
	bool		ok;

	if (s->in_tx && !wh_commit(s))
		return false;
	if (!set_autocommit(s, true))
		return false;			/* errors have already been logged */
	ok = wh_exec(s, sql, NULL);
	s->in_tx = false;
	s->tx_failed = false;
	if (s->lost)
		return false;			/* reported by wh_exec */
	return set_autocommit(s, false) && ok;
}

bool
wh_query(wh_session *s, const char *sql, wh_result *out)
{
	SQLHSTMT	stmt;
	bool		no_data;
	SQLSMALLINT ncols = 0;
	size_t		cap = 0;
	SQLRETURN	rc;

	out->nrows = 0;
	out->ncols = 0;
	out->values = NULL;
	if (!check_usable(s, "run a query"))
		return false;			/* errors have already been logged */
	if (!exec_direct(s, sql, "query", &stmt, &no_data))
		return false;			/* errors have already been logged */
	if (no_data)
	{
		(void) SQLFreeHandle(SQL_HANDLE_STMT, stmt);
		return true;
	}
	if (!SQL_SUCCEEDED(SQLNumResultCols(stmt, &ncols)))
	{
		report_stmt_error(s, stmt, "query", sql);
		goto fail;
	}
	out->ncols = ncols;
	if (ncols == 0)
	{
		(void) SQLFreeHandle(SQL_HANDLE_STMT, stmt);
		return true;
	}

	while ((rc = SQLFetch(stmt)) != SQL_NO_DATA)
	{
		size_t		base;

		if (!SQL_SUCCEEDED(rc))
		{
			report_stmt_error(s, stmt, "query", sql);
			goto fail;
		}
		base = (size_t) out->nrows * (size_t) ncols;
		if (base + (size_t) ncols > cap)
		{
			size_t		newcap = cap ? cap * 2 : (size_t) ncols * 16;

			while (newcap < base + (size_t) ncols)
				newcap *= 2;
			out->values = xrealloc(out->values, newcap * sizeof(char *));
			cap = newcap;
		}
		for (SQLSMALLINT c = 0; c < ncols; c++)
			out->values[base + (size_t) c] = NULL;
		out->nrows++;			/* the row is owned now, for cleanup */
		for (SQLSMALLINT c = 0; c < ncols; c++)
		{
			if (!get_text(stmt, (SQLUSMALLINT) (c + 1), &out->values[base + (size_t) c]))
			{
				report_stmt_error(s, stmt, "query", sql);
				goto fail;
			}
		}
	}
	(void) SQLFreeHandle(SQL_HANDLE_STMT, stmt);
	return true;

fail:
	(void) SQLFreeHandle(SQL_HANDLE_STMT, stmt);
	wh_result_free(out);
	return false;
}

/* Ends the transaction either way; the error text names the direction. */
static bool
end_tran(wh_session *s, SQLSMALLINT how)
{
	SQLRETURN	rc;
	wh_diag		d;

	rc = SQLEndTran(SQL_HANDLE_DBC, s->dbc, how);
	if (SQL_SUCCEEDED(rc))
	{
		s->in_tx = false;
		s->tx_failed = false;
		return true;
	}
	diag_collect(&d, SQL_HANDLE_DBC, s->dbc, s->secret);
	if (d.lost || connection_dead(s))
		mark_lost(s);
	if (how == SQL_COMMIT && s->lost)
		log_error("warehouse connection lost during commit; the transaction "
				  "may or may not have been committed: %s", d.text.data);
	else if (s->lost)
		log_error("warehouse connection lost during rollback: %s", d.text.data);
	else
		log_error("warehouse: %s failed: %s",
				  how == SQL_COMMIT ? "commit" : "rollback", d.text.data);
	s->tx_failed = true;
	buf_free(&d.text);
	return false;
}

bool
wh_commit(wh_session *s)
{
	if (!check_usable(s, "commit"))
		return false;			/* errors have already been logged */
	if (s->tx_failed)
	{
		/*
		 * The driver may have rolled back just the failed statement (psqlODBC
		 * savepoints) and would happily commit the rest.  Do not.
		 */
		log_error("warehouse: cannot commit: a statement failed earlier in "
				  "this transaction; roll back first");
		return false;
	}
	return end_tran(s, SQL_COMMIT);
}

bool
wh_rollback(wh_session *s)
{
	if (s->lost)
	{
		/* the server ended the transaction when the connection went away */
		s->in_tx = false;
		s->tx_failed = false;
		return true;
	}
	return end_tran(s, SQL_ROLLBACK);
}

void
wh_result_free(wh_result *r)
{
	if (r == NULL)
		return;
	if (r->values)
	{
		size_t		n = (size_t) r->nrows * (size_t) r->ncols;

		for (size_t i = 0; i < n; i++)
			free(r->values[i]);
		free(r->values);
	}
	r->values = NULL;
	r->nrows = 0;
	r->ncols = 0;
}

const char *
wh_value(const wh_result *r, int row, int col)
{
	if (r == NULL || r->values == NULL || row < 0 || row >= r->nrows ||
		col < 0 || col >= r->ncols)
		return NULL;
	return r->values[(size_t) row * (size_t) r->ncols + (size_t) col];
}
