/*
 * state.c
 *    wharf's state table at the warehouse, for every dialect: its DDL, the
 *    statements that record and forget rows, and the query that reads a
 *    job's rows back.
 */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sink_shared.h"

static const char *const state_cols[] = {
	"job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at"
};

#define NSTATE_COLS ((int) (sizeof(state_cols) / sizeof(state_cols[0])))

void
sink_state_create(const sink_dialect *d, strlist *script,
				  const char *schema, const char *table)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sink_qualified(d, &sql, schema, table);
	buf_puts(&sql, " (");
	for (int i = 0; i < NSTATE_COLS; i++)
	{
		const char *name = state_cols[i];

		buf_puts(&sql, "\n\t");
		sink_quote_ident(d, &sql, name);
		if (strcmp(name, "rows") == 0)
			buf_puts(&sql, " BIGINT");
		else if (strcmp(name, "loaded_at") == 0)
			buf_printf(&sql, " %s NOT NULL", d->tstz_type);
		else
		{
			buf_printf(&sql, " %s", d->text_type);
			if (strcmp(name, "lsn") != 0 && strcmp(name, "load_id") != 0)
				buf_puts(&sql, " NOT NULL");
		}
		buf_putc(&sql, ',');
	}
	buf_puts(&sql, "\n\tPRIMARY KEY (");
	sink_quote_ident(d, &sql, "job");
	buf_puts(&sql, ", ");
	sink_quote_ident(d, &sql, "source_table");
	buf_puts(&sql, ")\n)");
	strlist_push(script, buf_detach(&sql));
}

/* The state table's columns separated by commas, each of rel when rel is not NULL. */
static void
state_column_list(const sink_dialect *d, buf *out, const char *rel)
{
	for (int i = 0; i < NSTATE_COLS; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		if (rel)
			sink_column_ref(d, out, rel, state_cols[i]);
		else
			sink_quote_ident(d, out, state_cols[i]);
	}
}

/* A text literal, or a NULL of the state table's text type. */
static void
text_or_null(const sink_dialect *d, buf *out, const char *value, bool typed_null)
{
	if (value != NULL)
		sink_quote_literal(d, out, value);
	else if (typed_null)
		buf_printf(out, "CAST(NULL AS %s)", d->text_type);
	else
		buf_puts(out, "NULL");
}

/* The values of row in state_cols order, loaded_at being d->now. */
static void
state_values(const sink_dialect *d, buf *out, const sink_state_row *row, bool named)
{
	const char *text[] = {row->job, row->source_table, row->target_table, row->kind,
	row->lsn, NULL, row->load_id};

	for (int i = 0; i < NSTATE_COLS; i++)
	{
		const char *name = state_cols[i];

		if (i > 0)
			buf_puts(out, ", ");
		if (strcmp(name, "rows") == 0)
			buf_printf(out, named ? "CAST(%" PRId64 " AS BIGINT)" : "%" PRId64, row->rows);
		else if (strcmp(name, "loaded_at") == 0)
			buf_puts(out, d->now);
		else
			text_or_null(d, out, text[i], named);
		if (named)
		{
			buf_puts(out, " AS ");
			sink_quote_ident(d, out, name);
		}
	}
}

/*
 * One row per (job, source_table): the row of the latest load replaces any
 * older one.  Several rows (of one job, for different tables) go in one
 * statement.
 */
void
sink_state_record(const sink_dialect *d, strlist *script,
				  const char *schema, const char *table,
				  const sink_state_row *row)
{
	sink_state_record_rows(d, script, schema, table, row, 1);
}

void
sink_state_record_rows(const sink_dialect *d, strlist *script,
					   const char *schema, const char *table,
					   const sink_state_row *rows, int nrows)
{
	buf			st = BUF_INIT;
	buf			sql = BUF_INIT;

	if (nrows <= 0)
		return;
	sink_qualified(d, &st, schema, table);
	if (d->merge)
	{
		buf_printf(&sql, "MERGE INTO %s AS t\nUSING (", st.data);
		for (int r = 0; r < nrows; r++)
		{
			buf_puts(&sql, r > 0 ? "\n\tUNION ALL SELECT " : "SELECT ");
			state_values(d, &sql, &rows[r], true);
		}
		buf_puts(&sql, ") AS s\nON ");
		sink_column_ref(d, &sql, "t", "job");
		buf_puts(&sql, " = ");
		sink_column_ref(d, &sql, "s", "job");
		buf_puts(&sql, " AND ");
		sink_column_ref(d, &sql, "t", "source_table");
		buf_puts(&sql, " = ");
		sink_column_ref(d, &sql, "s", "source_table");
		buf_puts(&sql, "\nWHEN MATCHED THEN UPDATE SET ");
		for (int i = 2; i < NSTATE_COLS; i++)
		{
			if (i > 2)
				buf_puts(&sql, ", ");
			sink_quote_ident(d, &sql, state_cols[i]);
			buf_puts(&sql, " = ");
			sink_column_ref(d, &sql, "s", state_cols[i]);
		}
		buf_puts(&sql, "\nWHEN NOT MATCHED THEN INSERT (");
		state_column_list(d, &sql, NULL);
		buf_puts(&sql, ")\nVALUES (");
		state_column_list(d, &sql, "s");
		buf_putc(&sql, ')');
		strlist_push(script, buf_detach(&sql));
	}
	else
	{
		buf_printf(&sql, "DELETE FROM %s\nWHERE ", st.data);
		for (int r = 0; r < nrows; r++)
		{
			if (r > 0)
				buf_puts(&sql, "\n   OR ");
			sink_quote_ident(d, &sql, "job");
			buf_puts(&sql, " = ");
			sink_quote_literal(d, &sql, rows[r].job);
			buf_puts(&sql, " AND ");
			sink_quote_ident(d, &sql, "source_table");
			buf_puts(&sql, " = ");
			sink_quote_literal(d, &sql, rows[r].source_table);
		}
		strlist_push(script, buf_detach(&sql));

		buf_printf(&sql, "INSERT INTO %s (", st.data);
		state_column_list(d, &sql, NULL);
		buf_puts(&sql, ")\nVALUES (");
		for (int r = 0; r < nrows; r++)
		{
			if (r > 0)
				buf_puts(&sql, "),\n\t(");
			state_values(d, &sql, &rows[r], false);
		}
		buf_putc(&sql, ')');
		strlist_push(script, buf_detach(&sql));
	}
	buf_free(&st);
}

void
sink_state_forget(const sink_dialect *d, strlist *script, const char *schema,
				  const char *table, const char *job, const char *kind,
				  const char *prefix)
{
	buf			pattern = BUF_INIT;
	buf			sql = BUF_INIT;

	/* LIKE with an escape character every warehouse takes as written */
	for (const char *p = prefix; *p; p++)
	{
		if (*p == '%' || *p == '_' || *p == '!')
			buf_putc(&pattern, '!');
		buf_putc(&pattern, *p);
	}
	buf_putc(&pattern, '%');
	buf_puts(&sql, "DELETE FROM ");
	sink_qualified(d, &sql, schema, table);
	buf_puts(&sql, "\nWHERE ");
	sink_quote_ident(d, &sql, "job");
	buf_puts(&sql, " = ");
	sink_quote_literal(d, &sql, job);
	buf_puts(&sql, " AND ");
	sink_quote_ident(d, &sql, "kind");
	buf_puts(&sql, " = ");
	sink_quote_literal(d, &sql, kind);
	buf_puts(&sql, " AND ");
	sink_quote_ident(d, &sql, "source_table");
	buf_puts(&sql, " LIKE ");
	sink_quote_literal(d, &sql, pattern.data);
	buf_puts(&sql, " ESCAPE '!'");
	strlist_push(script, buf_detach(&sql));
	buf_free(&pattern);
}

void
sink_state_forget_job(const sink_dialect *d, strlist *script, const char *schema,
					  const char *table, const char *job)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "DELETE FROM ");
	sink_qualified(d, &sql, schema, table);
	buf_puts(&sql, "\nWHERE ");
	sink_quote_ident(d, &sql, "job");
	buf_puts(&sql, " = ");
	sink_quote_literal(d, &sql, job);
	strlist_push(script, buf_detach(&sql));
}


void
sink_state_query(const sink_dialect *d, buf *out, const char *schema,
				 const char *table, const char *job)
{
	buf			col = BUF_INIT;

	buf_puts(out, "SELECT ");
	for (int i = 1; i < NSTATE_COLS; i++)
	{
		const char *name = state_cols[i];

		if (strcmp(name, "load_id") == 0)
			continue;
		if (strcmp(name, "loaded_at") == 0)
		{
			buf_reset(&col);
			sink_quote_ident(d, &col, name);
			d->utc_text(out, col.data);
			buf_puts(out, " AS ");
		}
		sink_quote_ident(d, out, name);
		buf_puts(out, ", ");
	}
	sink_quote_ident(d, out, "load_id");
	buf_puts(out, "\nFROM ");
	sink_qualified(d, out, schema, table);
	buf_puts(out, "\nWHERE ");
	sink_quote_ident(d, out, "job");
	buf_puts(out, " = ");
	sink_quote_literal(d, out, job);
	buf_puts(out, "\nORDER BY ");
	sink_quote_ident(d, out, "source_table");
	buf_free(&col);
}
