/*
 * snapshot.c
 *    The consistent snapshot: one exported snapshot shared by every reader,
 *    and each table streamed with COPY ... TO STDOUT straight into the stage.
 *
 * Rows arrive one CopyData message each and go to the stage writer as they
 * come; nothing holds a table in memory.
 */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "source.h"

bool
snapshot_export(PGconn *conn, char **snapshot_name)
{
	PGresult   *res;

	if (!source_exec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
					 "starting the snapshot transaction"))
		return false;
	res = PQexec(conn, "SELECT pg_catalog.pg_export_snapshot()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		log_error("source: cannot export a snapshot: %s", PQerrorMessage(conn));
		PQclear(res);
		return false;
	}
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
	return !r->as_json && r->max_scale < 0 && r->max_int_digits < 0 && !r->no_special;
}

/*
 * One column's select-list expression.  A value the warehouse cannot hold
 * exactly makes the query fail: the cast of a message text to numeric raises
 * an error that carries the column name and the value.
 */
static bool
snapshot_column_expr(PGconn *conn, buf *out, const table_column *c, const col_render *r)
{
	buf			col = BUF_INIT;
	buf			cond = BUF_INIT;
	bool		ok = append_ident(conn, &col, c->name);

	if (!ok)
		goto done;
	if (r->as_json)
	{
		buf_printf(out, "pg_catalog.to_json(%s)", col.data);
		goto done;
	}
	if (c->kind != COL_NUMERIC || c->is_array || render_is_plain(r))
	{
		buf_puts(out, col.data);
		goto done;
	}
	buf_printf(&cond, "%s IS NULL", col.data);
	if (r->no_special)
		buf_printf(&cond, " OR (%s <> 'NaN'::numeric AND %s <> 'Infinity'::numeric "
				   "AND %s <> '-Infinity'::numeric", col.data, col.data, col.data);
	else
		buf_puts(&cond, " OR (true");
	if (r->max_scale >= 0)
		buf_printf(&cond, " AND %s = pg_catalog.round(%s, %d)", col.data, col.data, r->max_scale);
	if (r->max_int_digits >= 0)
		buf_printf(&cond, " AND pg_catalog.abs(%s) < 1e%d", col.data, r->max_int_digits);
	buf_putc(&cond, ')');
	{
		char	   *msg;
		char	   *lit;

		buf			limits = BUF_INIT;

		if (r->max_int_digits >= 0)
			buf_printf(&limits, "at most %d integer digits, ", r->max_int_digits);
		if (r->max_scale >= 0)
			buf_printf(&limits, "at most %d decimals, ", r->max_scale);
		if (r->no_special)
			buf_puts(&limits, "no NaN or Infinity, ");
		msg = xasprintf("wharf: column \"%s\" holds a value the warehouse cannot hold "
						"exactly (%sno rounding): ", c->name, limits.data ? limits.data : "");
		buf_free(&limits);
		lit = PQescapeLiteral(conn, msg, strlen(msg));
		free(msg);
		if (lit == NULL)
		{
			ok = false;
			goto done;
		}
		buf_printf(out, "CASE WHEN %s THEN %s ELSE (%s || %s::text)::numeric END",
				   cond.data, col.data, lit, col.data);
		PQfreemem(lit);
	}
done:
	buf_free(&col);
	buf_free(&cond);
	return ok;
}

static bool
snapshot_copy_sql(PGconn *conn, const table_def *t, const col_render *renders, buf *sql)
{
	bool		plain = true;
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
			ok = snapshot_column_expr(conn, sql, &t->cols[i], &renders[i]);
		}
		/*
		 * ONLY: an inheritance parent's children are tables of their own,
		 * with their own changes.  A partitioned table holds no rows itself:
		 * its rows are its partitions', at every level, and its changes are
		 * published as its own (publish_via_partition_root), so it is read
		 * whole.
		 */
		buf_printf(sql, " FROM %s%s)", t->partitioned ? "" : "ONLY ", rel.data);
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
snapshot_copy_table(PGconn *conn, const table_def *t, const col_render *renders,
					stage_writer *w, uint64_t *rows)
{
	buf			sql = BUF_INIT;
	PGresult   *res;
	char	   *display = table_display_name(t);
	uint64_t	n = 0;
	uint64_t	bytes = 0;
	bool		ok = true;
	int			len;
	char	   *row;

	if (!snapshot_copy_sql(conn, t, renders, &sql))
	{
		buf_free(&sql);
		free(display);
		return false;
	}
	log_debug("source: %s", sql.data);
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
		if (ok)
			ok = stage_write_rows(w, row, (size_t) len, 1);
		PQfreemem(row);
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

			/* a value the warehouse cannot hold: say so plainly */
			if (ours)
				log_error("source: table %s: %.*s", display,
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
