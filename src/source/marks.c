/*
 * marks.c
 *    The source's side of incremental loads (incremental.h): the checks of
 *    a cursor column, the high-water marks read under a load's snapshot,
 *    and the predicate that bounds the next load by them.
 */
#include "incremental.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "source.h"

bool
incr_reconciles(const table_def *t, bool changed, int64_t loads)
{
	return changed && !t->deletes_none && loads + 1 >= t->reconcile_every;
}

bool
incr_xid_window_of(uint64_t from, uint64_t to, incr_xid_window *out)
{
	uint32_t	lo = (uint32_t) from;
	uint32_t	hi = (uint32_t) to;

	memset(out, 0, sizeof(*out));
	if (to < from || to - from >= INCR_XID_WINDOW_MAX)
		return false;
	if ((from >> 32) == (to >> 32))
	{
		/* one epoch: a transaction ID of it is never below 3 */
		out->n = 1;
		out->lo[0] = lo < 3 ? 3 : lo;
		out->hi[0] = hi;
		if (hi < 3)
			out->n = 0;
		return true;
	}
	/* the counter wrapped inside the window: its end, then the next epoch's start */
	out->n = 0;
	out->lo[out->n] = lo < 3 ? 3 : lo;
	out->hi[out->n++] = UINT32_MAX;
	if (hi >= 3)
	{
		out->lo[out->n] = 3;
		out->hi[out->n++] = hi;
	}
	return true;
}

bool
incr_snapshot_parse(const char *text, uint64_t *xmin, uint64_t *xmax)
{
	char	   *end;

	if (text == NULL || *text < '0' || *text > '9')
		return false;
	*xmin = strtoull(text, &end, 10);
	if (*end != ':' || end[1] < '0' || end[1] > '9')
		return false;
	*xmax = strtoull(end + 1, &end, 10);
	return *end == ':' && *xmin <= *xmax;
}

bool
incr_xmin_bounds(const char *prev, const char *now, incr_xid_window *w, const char **why)
{
	uint64_t	prev_xmin,
				prev_xmax,
				now_xmin,
				now_xmax;

	memset(w, 0, sizeof(*w));
	if (!incr_snapshot_parse(prev, &prev_xmin, &prev_xmax) ||
		!incr_snapshot_parse(now, &now_xmin, &now_xmax))
	{
		*why = "the mark is no snapshot";
		return false;
	}
	if (now_xmax < prev_xmax)
	{
		*why = "the source's transaction counter is behind the mark (another server, or one "
			"restored?)";
		return false;
	}
	if (now_xmax == prev_xmin)
		return true;			/* no transaction since: nothing to read */
	if (!incr_xid_window_of(prev_xmin, now_xmax - 1, w))
	{
		*why = "more transactions since the last load than a row's 32-bit xmin can tell apart";
		return false;
	}
	return true;
}

/* Whether a column of this kind can bound loads: ordered, and moved forward by writes. */
static bool
incr_cursor_kind(const table_column *c, bool *timelike)
{
	*timelike = false;
	if (c->is_array)
		return false;
	switch (c->kind)
	{
		case COL_DATE:
		case COL_TIMESTAMP:
		case COL_TIMESTAMPTZ:
			*timelike = true;
			return true;
		case COL_INT2:
		case COL_INT4:
		case COL_INT8:
		case COL_NUMERIC:
		case COL_TEXT:
		case COL_VARCHAR:
			return true;
		default:
			return false;
	}
}

/* The cursor column of t, or NULL. */
static const table_column *
incr_cursor_column(const table_def *t)
{
	for (int i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, t->cursor) == 0)
			return &t->cols[i];
	return NULL;
}

/* Appends t's name as SQL, quoted by the server's rules. */
static bool
incr_append_rel(PGconn *conn, buf *out, const table_def *t)
{
	char	   *s = PQescapeIdentifier(conn, t->schema, strlen(t->schema));
	char	   *n = PQescapeIdentifier(conn, t->name, strlen(t->name));
	bool		ok = s != NULL && n != NULL;

	if (ok)
		buf_printf(out, "%s%s.%s", t->partitioned ? "" : "ONLY ", s, n);
	else
		log_error("source: cannot quote a table name: %s", PQerrorMessage(conn));
	PQfreemem(s);
	PQfreemem(n);
	return ok;
}

static bool
incr_append_ident(PGconn *conn, buf *out, const char *name)
{
	char	   *q = PQescapeIdentifier(conn, name, strlen(name));

	if (q == NULL)
	{
		log_error("source: cannot quote name \"%s\": %s", name, PQerrorMessage(conn));
		return false;
	}
	buf_puts(out, q);
	PQfreemem(q);
	return true;
}

bool
source_incr_check(PGconn *conn, const table_def *t)
{
	char	   *display = table_display_name(t);
	const table_column *c;
	bool		timelike;
	char		oid[16];
	const char *params[2] = {oid, NULL};
	PGresult   *res;
	bool		ok = true;

	if (strcmp(t->cursor, INCR_XMIN) == 0)
	{
		free(display);
		return true;
	}
	c = incr_cursor_column(t);
	if (c == NULL)
	{
		log_error("source: table %s: cursor column \"%s\" is not among its columns%s; name a "
				  "column the application moves on every insert and update, or use "
				  "cursor = xmin", display, t->cursor,
				  table_column_excluded(t, t->cursor) ? " (exclude_columns leaves it out)" : "");
		free(display);
		return false;
	}
	if (!incr_cursor_kind(c, &timelike))
	{
		log_error("source: table %s: cursor column \"%s\" cannot bound loads: its type orders "
				  "no writes (a date, timestamp, timestamptz, integer, numeric or text "
				  "column can); or use cursor = xmin", display, t->cursor);
		free(display);
		return false;
	}
	if (!timelike && t->lookback > 0 && (c->kind == COL_TEXT || c->kind == COL_VARCHAR))
	{
		log_error("source: table %s: lookback cannot go back along text cursor \"%s\"; "
				  "leave lookback out, or use cursor = xmin", display, t->cursor);
		free(display);
		return false;
	}
	if (!c->not_null)
		log_warn("source: table %s: cursor column \"%s\" is nullable, and a row whose %s is "
				 "NULL is never loaded incrementally (only by a full load, wharf snapshot): "
				 "make it NOT NULL with a default, or use cursor = xmin", display, t->cursor,
				 t->cursor);

	/* the limits the user is told: no index (each load scans), nothing moves it on update */
	snprintf(oid, sizeof(oid), "%u", t->relid);
	params[1] = t->cursor;
	res = source_query(conn,
					   "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_index i "
					   "               JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid "
					   "                AND a.attnum = i.indkey[0] "
					   "               WHERE i.indrelid = $1::oid AND a.attname = $2), "
					   "       EXISTS (SELECT 1 FROM pg_catalog.pg_trigger g "
					   "               WHERE g.tgrelid = $1::oid AND NOT g.tgisinternal "
					   "                 AND (g.tgtype & 16) <> 0)",
					   2, params, "read the indexes and triggers of table %s's cursor",
					   display);
	if (res == NULL)
		ok = false;
	else
	{
		if (PQgetvalue(res, 0, 0)[0] != 't')
			log_warn("source: table %s: no index leads with cursor column \"%s\": every "
					 "incremental load reads the whole table to find its rows; CREATE INDEX "
					 "ON %s (%s)", display, t->cursor, display, t->cursor);
		/* tgtype bit 16: an UPDATE trigger (pg_trigger.h TRIGGER_TYPE_UPDATE) */
		if (PQgetvalue(res, 0, 1)[0] != 't')
			log_warn("source: table %s: no UPDATE trigger moves cursor column \"%s\": an "
					 "update that leaves it as it was is never loaded incrementally; make "
					 "sure the application sets it on every update, or use cursor = xmin",
					 display, t->cursor);
	}
	PQclear(res);
	free(display);
	return ok;
}

bool
source_incr_snapshot(PGconn *conn, char **text)
{
	PGresult   *res = source_query(conn, "SELECT pg_catalog.pg_current_snapshot()::text", 0, NULL,
									"read the load's snapshot (pg_current_snapshot)");

	if (res == NULL)
		return false;			/* errors have already been logged */
	*text = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

bool
source_incr_high_water(PGconn *conn, const table_def *t, char **value)
{
	buf			sql = BUF_INIT;
	PGresult   *res;
	char	   *display;
	bool		ok;

	if (strcmp(t->cursor, INCR_XMIN) == 0)
		return source_incr_snapshot(conn, value);
	buf_puts(&sql, "SELECT pg_catalog.max(");
	ok = incr_append_ident(conn, &sql, t->cursor);
	buf_puts(&sql, ")::text FROM ");
	ok = ok && incr_append_rel(conn, &sql, t);
	if (!ok)
	{
		buf_free(&sql);
		return false;
	}
	display = table_display_name(t);
	res = source_query(conn, sql.data, 0, NULL, "read the largest %s of table %s", t->cursor,
					   display);
	free(display);
	buf_free(&sql);
	if (res == NULL)
		return false;			/* errors have already been logged */
	/* "" while the table holds no cursor value: the next load reads every row */
	*value = xstrdup(PQgetisnull(res, 0, 0) ? "" : PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

/* The SQL type a cursor value's text is read back as, for the lookback's arithmetic. */
static const char *
incr_cursor_type(const table_column *c)
{
	switch (c->kind)
	{
		case COL_DATE:
			return "pg_catalog.date";
		case COL_TIMESTAMP:
			return "pg_catalog.timestamp";
		case COL_TIMESTAMPTZ:
			return "pg_catalog.timestamptz";
		default:
			return "pg_catalog.numeric";
	}
}

bool
source_incr_where(PGconn *conn, const table_def *t, const char *mark, const char *snapshot,
				  char **where, bool *full)
{
	buf			out = BUF_INIT;
	char	   *display = table_display_name(t);
	bool		ok = true;

	*where = NULL;
	*full = false;
	if (strcmp(t->cursor, INCR_XMIN) == 0)
	{
		incr_xid_window w;
		const char *why = NULL;

		if (!incr_xmin_bounds(mark, snapshot, &w, &why))
		{
			log_warn("table %s: %s (mark %s, now %s): a full load instead", display, why, mark,
					 snapshot);
			*full = true;
		}
		else if (w.n == 0)
			buf_puts(&out, "false");
		else
			for (int i = 0; i < w.n; i++)
				buf_printf(&out, "%sxmin::text::bigint BETWEEN %u AND %u", i ? " OR " : "",
						   w.lo[i], w.hi[i]);
	}
	else if (mark[0] == '\0')
		*full = true;			/* no cursor value yet: every row */
	else
	{
		const table_column *c = incr_cursor_column(t);
		char	   *lit = PQescapeLiteral(conn, mark, strlen(mark));
		bool		timelike;

		ok = c != NULL && lit != NULL && incr_append_ident(conn, &out, t->cursor);
		if (ok)
		{
			incr_cursor_kind(c, &timelike);
			buf_puts(&out, " >= ");
			if (t->lookback == 0)
				buf_printf(&out, "%s", lit);
			else if (timelike)
				buf_printf(&out, "(%s::%s - pg_catalog.make_interval(secs => %" PRId64 "))",
						   lit, incr_cursor_type(c), t->lookback);
			else
				buf_printf(&out, "(%s::pg_catalog.numeric - %" PRId64 ")", lit, t->lookback);
		}
		else
			log_error("source: table %s: cannot bound its load by %s: %s", display, t->cursor,
					  PQerrorMessage(conn));
		PQfreemem(lit);
	}
	free(display);
	if (ok && !*full)
		*where = buf_detach(&out);
	buf_free(&out);
	return ok;
}
