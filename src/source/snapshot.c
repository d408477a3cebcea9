/*
 * snapshot.c
 *    The consistent snapshot: one exported snapshot shared by every reader,
 *    and each table streamed with COPY ... TO STDOUT straight into the stage.
 *
 * Rows arrive one CopyData message each and go to the stage writer as they
 * come; nothing holds a table in memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "guard.h"
#include "log.h"
#include "source.h"

bool
snapshot_export(PGconn *conn, char **snapshot_name)
{
	PGresult   *res;

	if (!source_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
					 "starting the snapshot transaction"))
		return false;
	res = source_query(conn, "SELECT pg_catalog.pg_export_snapshot()", 0, NULL,
					   "export a snapshot");
	if (res == NULL)
		return false;			/* errors have already been logged */
	*snapshot_name = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

bool
snapshot_attach(PGconn *conn, const char *snapshot_name)
{
	char	   *lit;
	char	   *sql;
	bool		ok;

	if (!source_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
					 "starting a reader transaction"))
		return false;
	lit = PQescapeLiteral(conn, snapshot_name, strlen(snapshot_name));
	if (lit == NULL)
	{
		log_error("source: %s", PQerrorMessage(conn));
		return false;
	}
	sql = xasprintf("SET TRANSACTION SNAPSHOT %s", lit);
	ok = source_exec(conn, sql, "attaching a reader to the snapshot");
	PQfreemem(lit);
	free(sql);
	return ok;
}

static bool
append_ident(PGconn *conn, buf *out, const char *name)
{
	char	   *q = PQescapeIdentifier(conn, name, strlen(name));

	if (q == NULL)
	{
		log_error("source: cannot quote identifier: %s", PQerrorMessage(conn));
		return false;
	}
	buf_puts(out, q);
	PQfreemem(q);
	return true;
}

static bool
render_is_plain(const col_render *r)
{
	return !r->as_json && !r->guarded;
}

/* Appends value as an SQL literal. */
static bool
append_literal(PGconn *conn, buf *out, const char *value)
{
	char	   *q = PQescapeLiteral(conn, value, strlen(value));

	if (q == NULL)
	{
		log_error("source: cannot quote a literal: %s", PQerrorMessage(conn));
		return false;
	}
	buf_puts(out, q);
	PQfreemem(q);
	return true;
}

/*
 * Every JSON string and number of a JSON text, in order: a string is
 * matched whole from its opening quote, so digits inside one are never
 * taken for a number.
 */
#define JSON_TOKENS "\"(?:[^\"\\\\]|\\\\.)*\"|-?[0-9][0-9.]*(?:[eE][-+]?[0-9]+)?"
/*
 * The only JSON texts that may hold a number a warehouse would round: 39
 * digits and points in a row (a number of 39 digits, or of 38 with 38
 * decimals, is at least that long), or an exponent.  Any other text skips
 * the per-number work.  jsonb and to_json() of numeric write numbers as
 * numeric does, never with an exponent, and that test costs as much as
 * the other: they go without it.
 */
#define JSON_LONG_NUMBER "[0-9.]{39}|[0-9][eE]"
#define JSON_LONG_DECIMAL "[0-9.]{39}"

/*
 * The conditions under which x, column c's staged value, is one the
 * warehouse holds by r (guard.c checks the same on change rows), ANDed
 * into cond.  Each is a cheap test of the value; the costly ones (JSON
 * members) only run behind a cheap one that lets almost every value pass.
 */
static bool
snapshot_guard_cond(PGconn *conn, buf *cond, const table_column *c, const col_render *r,
					const char *x)
{
	bool		ok = true;

	buf_puts(cond, "true");
	if (r->no_special && !c->is_array &&
		(c->kind == COL_NUMERIC || c->kind == COL_FLOAT4 || c->kind == COL_FLOAT8))
		buf_printf(cond, " AND %s <> 'NaN' AND %s <> 'Infinity' AND %s <> '-Infinity'", x, x, x);
	if (!c->is_array && c->kind == COL_NUMERIC)
	{
		if (r->max_scale >= 0)
			buf_printf(cond, " AND %s = pg_catalog.round(%s, %d)", x, x, r->max_scale);
		if (r->max_int_digits >= 0)
			buf_printf(cond, " AND pg_catalog.abs(%s) < 1e%d", x, r->max_int_digits);
	}
	if (r->max_bytes > 0 && r->max_json_string > 0)
	{
		/*
		 * JSON: the whole text within max_bytes, and no string member longer
		 * than max_json_string, which none can be in a text that short
		 * (one length, the common case); a longer text has its members
		 * looked at.
		 */
		int64_t		shorter = r->max_json_string < r->max_bytes ? r->max_json_string : r->max_bytes;

		buf_printf(cond, " AND (pg_catalog.octet_length(%s::text) <= %lld OR "
				   "(pg_catalog.octet_length(%s::text) <= %lld AND NOT EXISTS ("
				   "SELECT 1 FROM pg_catalog.jsonb_path_query(%s::jsonb, "
				   "'strict $.** ? (@.type() == \"string\")') AS wharf_m(v) "
				   "WHERE pg_catalog.octet_length(wharf_m.v #>> '{}') > %lld)))",
				   x, (long long) shorter, x, (long long) r->max_bytes, x,
				   (long long) r->max_json_string);
	}
	else if (r->max_bytes > 0)
	{
		/* octet_length of text and bytea reads the stored size, not the value */
		if (!c->is_array && c->kind == COL_BYTEA)
			buf_printf(cond, " AND pg_catalog.octet_length(%s) <= %lld", x,
					   (long long) (r->max_bytes - 2) / 2);
		else if (!c->is_array && !r->as_json &&
				 (c->kind == COL_TEXT || c->kind == COL_VARCHAR || c->kind == COL_CHAR))
			buf_printf(cond, " AND pg_catalog.octet_length(%s) <= %lld", x, (long long) r->max_bytes);
		else
			buf_printf(cond, " AND pg_catalog.octet_length(%s::text) <= %lld", x,
					   (long long) r->max_bytes);
	}
	else if (r->max_json_string > 0)
		buf_printf(cond, " AND (pg_catalog.octet_length(%s::text) <= %lld OR NOT EXISTS ("
				   "SELECT 1 FROM pg_catalog.jsonb_path_query(%s::jsonb, "
				   "'strict $.** ? (@.type() == \"string\")') AS wharf_m(v) "
				   "WHERE pg_catalog.octet_length(wharf_m.v #>> '{}') > %lld))",
				   x, (long long) r->max_json_string, x, (long long) r->max_json_string);
	if (r->json_exact_numbers)
	{
		/* guard_json_number_exact, in SQL: i, f and e are a number's parts */
		buf_printf(cond, " AND (%s::text !~ ", x);
		ok = ok && append_literal(conn, cond,
								  (c->kind == COL_JSONB && !c->is_array) ||
								  (c->kind == COL_NUMERIC && c->is_array) ?
								  JSON_LONG_DECIMAL : JSON_LONG_NUMBER);
		buf_printf(cond, " OR NOT EXISTS (SELECT 1 FROM pg_catalog.regexp_matches(%s::text, ", x);
		ok = ok && append_literal(conn, cond, JSON_TOKENS);
		buf_puts(cond, ", 'g') AS wharf_m(t), LATERAL (SELECT "
				 "pg_catalog.substring(wharf_m.t[1], '^-?([0-9]*)') AS i, "
				 "COALESCE(pg_catalog.substring(wharf_m.t[1], '[.]([0-9]*)'), '') AS f, "
				 "COALESCE(pg_catalog.substring(wharf_m.t[1], '[eE]([-+]?[0-9]+)')::numeric, 0) AS e"
				 ") AS wharf_p WHERE wharf_m.t[1] !~ '^\"' AND NOT ("
				 "(wharf_m.t[1] !~ '[eE]' AND pg_catalog.length(pg_catalog.ltrim(wharf_p.i, '0')) "
				 "+ pg_catalog.length(wharf_p.f) <= 38 AND pg_catalog.length(wharf_p.f) <= 37)"
				 " OR pg_catalog.rtrim(pg_catalog.ltrim(wharf_p.i || wharf_p.f, '0'), '0') = ''"
				 " OR (pg_catalog.length(pg_catalog.rtrim(pg_catalog.ltrim(wharf_p.i || wharf_p.f, '0'), '0')) <= 15"
				 " AND wharf_p.e + pg_catalog.length(wharf_p.i) - 1 - (pg_catalog.length(wharf_p.i || wharf_p.f)"
				 " - pg_catalog.length(pg_catalog.ltrim(wharf_p.i || wharf_p.f, '0'))) BETWEEN -307 AND 307))))");
	}
	if (!c->is_array && (c->kind == COL_DATE || c->kind == COL_TIMESTAMP || c->kind == COL_TIMESTAMPTZ))
	{
		const char *tail = c->kind == COL_DATE ? "" : c->kind == COL_TIMESTAMP ? " 00:00:00" : " 00:00:00+00";

		/* the bounds keep infinity out already */
		if (r->no_infinity && !(r->no_bc && r->max_year > 0))
			buf_printf(cond, " AND pg_catalog.isfinite(%s)", x);
		if (r->no_bc)
			buf_printf(cond, " AND %s >= '0001-01-01%s'", x, tail);
		if (r->max_year > 0)
			buf_printf(cond, " AND %s < '%d-01-01%s'", x, r->max_year + 1, tail);
	}
	if (!c->is_array && c->kind == COL_TIME && r->no_time_24)
		buf_printf(cond, " AND %s < '24:00:00'", x);
	return ok;
}

/*
 * The error a refused value raises: a cast to numeric of a text naming
 * column, key (the key columns' values), warehouse and limits, with the
 * value's first characters; snapshot_copy_table finds it in the error and
 * reports it.  The value is always in it, so it is never a constant that
 * the planner would cast before the first row.
 */
static bool
snapshot_guard_error(PGconn *conn, buf *out, const table_def *t, const table_column *c,
					 const col_render *r, const char *x)
{
	buf			head = BUF_INIT;
	buf			limits = BUF_INIT;
	bool		ok;

	buf_printf(&head, "wharf: column \"%s\"", c->name);
	buf_puts(out, "(");
	ok = append_literal(conn, out, head.data);
	if (ok && t->nkeys > 0)
	{
		buf_reset(&head);
		buf_puts(&head, ", key (");
		for (int pos = 1; pos <= t->nkeys; pos++)
			buf_printf(&head, "%s\"%s\"", pos > 1 ? ", " : "", table_key_column(t, pos)->name);
		buf_puts(&head, ")=(");
		buf_puts(out, " || ");
		ok = append_literal(conn, out, head.data);
		for (int pos = 1; ok && pos <= t->nkeys; pos++)
		{
			buf_puts(out, pos > 1 ? " || ', ' || " : " || ");
			buf_puts(out, "COALESCE(pg_catalog.left(");
			ok = append_ident(conn, out, table_key_column(t, pos)->name);
			buf_puts(out, "::text, 100), 'NULL')");
		}
		buf_puts(out, " || ')'");
	}
	buf_reset(&head);
	buf_printf(&head, ": %s cannot hold its value '", r->warehouse ? r->warehouse : "the warehouse");
	buf_puts(out, " || ");
	ok = ok && append_literal(conn, out, head.data);
	buf_printf(out, " || pg_catalog.regexp_replace(pg_catalog.left(%s::text, 40), '[[:cntrl:]]', ' ', 'g')"
			   " || '''' || CASE WHEN pg_catalog.octet_length(%s::text) > 40 THEN '... (' || "
			   "pg_catalog.octet_length(%s::text) || ' bytes)' ELSE '' END || ", x, x, x);
	buf_puts(&limits, " (");
	guard_limits_text(c, r, &limits);
	buf_putc(&limits, ')');
	ok = ok && append_literal(conn, out, limits.data);
	buf_puts(out, ")::numeric");
	buf_free(&head);
	buf_free(&limits);
	return ok;
}

/*
 * One column's select-list expression: its staged value, and for a column
 * whose render has guards, a CASE that passes the values the warehouse
 * holds and fails the query on any other (snapshot_guard_error).  A column
 * without guards is selected as it is.
 */
static bool
snapshot_column_expr(PGconn *conn, buf *out, const table_def *t, const table_column *c,
					 const col_render *r)
{
	buf			col = BUF_INIT;
	buf			val = BUF_INIT;
	buf			cond = BUF_INIT;
	const char *x;
	bool		ok = append_ident(conn, &col, c->name);

	if (!ok)
		goto done;
	if (r->as_json)
		buf_printf(&val, "pg_catalog.to_json(%s)", col.data);
	else
		buf_puts(&val, col.data);
	if (!r->guarded)
	{
		buf_puts(out, val.data);
		goto done;
	}
	/*
	 * x is the staged value's expression, repeated in the CASE: a subquery
	 * computing it once costs more per row (a SubPlan) than writing a jsonb
	 * out twice.
	 */
	x = val.data;
	ok = snapshot_guard_cond(conn, &cond, c, r, x);
	buf_printf(out, "CASE WHEN %s IS NULL OR (%s) THEN %s ELSE CASE WHEN ", x, cond.data, x);
	ok = ok && snapshot_guard_error(conn, out, t, c, r, x);
	buf_printf(out, " IS NULL THEN %s END END", x);
done:
	buf_free(&col);
	buf_free(&val);
	buf_free(&cond);
	return ok;
}

static bool
snapshot_copy_sql(PGconn *conn, const table_def *t, const col_render *renders,
				  const snapshot_range *range, buf *sql)
{
	bool		plain = range == NULL && t->read_where == NULL;
	buf			rel = BUF_INIT;
	bool		ok;

	for (int i = 0; i < t->ncols; i++)
		plain &= render_is_plain(&renders[i]);
	ok = append_ident(conn, &rel, t->schema);
	buf_putc(&rel, '.');
	ok = ok && append_ident(conn, &rel, t->name);

	buf_puts(sql, "COPY ");
	if (plain && !t->partitioned)
	{
		/*
		 * COPY of the table itself is the fastest path; it reads only this
		 * table, as pgoutput publishes only this table's changes.
		 */
		buf_printf(sql, "%s (", rel.data);
		for (int i = 0; ok && i < t->ncols; i++)
		{
			if (i > 0)
				buf_puts(sql, ", ");
			ok = append_ident(conn, sql, t->cols[i].name);
		}
		buf_putc(sql, ')');
	}
	else
	{
		buf_puts(sql, "(SELECT ");
		for (int i = 0; ok && i < t->ncols; i++)
		{
			if (i > 0)
				buf_puts(sql, ", ");
			ok = snapshot_column_expr(conn, sql, t, &t->cols[i], &renders[i]);
		}
		/*
		 * ONLY: an inheritance parent's children are tables of their own,
		 * with their own changes.  A partitioned table holds no rows itself:
		 * its rows are its partitions', at every level, and its changes are
		 * published as its own (publish_via_partition_root), so it is read
		 * whole.
		 */
		buf_printf(sql, " FROM %s%s", t->partitioned ? "" : "ONLY ", rel.data);
		{
			const char *conj = "WHERE";

			if (range != NULL && range->first_page > 0)
			{
				buf_printf(sql, " WHERE ctid >= '(%u,0)'::pg_catalog.tid", range->first_page);
				conj = "AND";
			}
			if (range != NULL && range->end_page > 0)
			{
				buf_printf(sql, " %s ctid < '(%u,0)'::pg_catalog.tid", conj, range->end_page);
				conj = "AND";
			}
			/* an incremental load's bounds (source_incr_where) */
			if (t->read_where != NULL)
				buf_printf(sql, " %s (%s)", conj, t->read_where);
		}
		buf_putc(sql, ')');
	}
	/* NULL as the warehouse's COPY reads it (csv.h): a marker PG quotes in values */
	if (t->ncols > 0 && renders[0].null_as != NULL)
	{
		char	   *lit = PQescapeLiteral(conn, renders[0].null_as, strlen(renders[0].null_as));

		if (lit == NULL)
		{
			log_error("source: cannot quote the NULL marker: %s", PQerrorMessage(conn));
			buf_free(&rel);
			return false;
		}
		buf_printf(sql, " TO STDOUT WITH (FORMAT csv, NULL %s)", lit);
		PQfreemem(lit);
	}
	else
		buf_puts(sql, " TO STDOUT WITH (FORMAT csv)");
	buf_free(&rel);
	return ok;
}

bool
snapshot_read_sql(PGconn *conn, const table_def *t, const col_render *renders, buf *sql)
{
	return snapshot_copy_sql(conn, t, renders, NULL, sql);
}

bool
snapshot_copy_table(PGconn *conn, const table_def *t, const col_render *renders,
					stage_writer *w, uint64_t *rows)
{
	return snapshot_copy_range(conn, t, renders, NULL, w, rows);
}

bool
snapshot_table_pages(PGconn *conn, const table_def *t, uint32_t *pages)
{
	char		oid[16];
	const char *params[1] = {oid};
	PGresult   *res;
	char	   *display = table_display_name(t);
	bool		ok;

	snprintf(oid, sizeof(oid), "%u", t->relid);
	res = source_query(conn, "SELECT pg_catalog.pg_relation_size($1::pg_catalog.oid) / "
					   "pg_catalog.current_setting('block_size')::bigint", 1, params,
					   "read the size of table %s", display);
	ok = res != NULL;
	if (ok)
		*pages = (uint32_t) strtoul(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	free(display);
	return ok;
}

bool
snapshot_copy_range(PGconn *conn, const table_def *t, const col_render *renders,
					const snapshot_range *range, stage_writer *w, uint64_t *rows)
{
	buf			sql = BUF_INIT;
	PGresult   *res;
	char	   *display = table_display_name(t);
	uint64_t	n = 0;
	uint64_t	bytes = 0;
	bool		ok = true;
	int			len;
	char	   *row;

	if (!snapshot_copy_sql(conn, t, renders, range, &sql))
	{
		buf_free(&sql);
		free(display);
		return false;
	}
	log_trace("source: %s", sql.data);
	res = PQexec(conn, sql.data);
	buf_free(&sql);
	if (PQresultStatus(res) != PGRES_COPY_OUT)
	{
		log_error("source: cannot read table %s: %s", display, PQerrorMessage(conn));
		PQclear(res);
		free(display);
		return false;
	}
	PQclear(res);

	while ((len = PQgetCopyData(conn, &row, 0)) > 0)
	{
		ok = stage_write_rows(w, row, (size_t) len, 1);
		PQfreemem(row);
		if (!ok)
		{
			/*
			 * The stage refused the row (said why, or the run was
			 * interrupted): the rest is of no use, and the caller closes
			 * the connection, which ends the COPY.
			 */
			*rows = n;
			free(display);
			return false;
		}
		n++;
		bytes += (uint64_t) len;
		if ((n & 0x3fff) == 0)
			log_progress(display, n, bytes);
	}
	if (len == -2)
	{
		log_error("source: reading table %s failed after %llu rows: %s", display,
				  (unsigned long long) n, PQerrorMessage(conn));
		ok = false;
	}
	/* the COPY's own outcome: an error raised mid-table shows up here */
	while ((res = PQgetResult(conn)) != NULL)
	{
		if (PQresultStatus(res) != PGRES_COMMAND_OK && len != -2)
		{
			const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			const char *ours = msg ? strstr(msg, "wharf: column ") : NULL;

			/* a value the warehouse cannot hold: said as the stream says it */
			if (ours)
				log_error("source: table %s, %.*s", display,
						  (int) (strlen(ours + 7) - (ours[strlen(ours) - 1] == '"')), ours + 7);
			else
				log_error("source: reading table %s failed after %llu rows: %s", display,
						  (unsigned long long) n, PQresultErrorMessage(res));
			ok = false;
		}
		PQclear(res);
	}
	*rows = n;
	free(display);
	return ok;
}
