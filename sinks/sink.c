/*
 * sink.c
 *    The dialect registry and everything the dialects share: identifier and
 *    literal quoting, column lists, the numeric mapping of 38-digit
 *    warehouses, and the statement builders for DDL, snapshot apply and the
 *    state table.
 *
 * A dialect file supplies its type map, its COPY and a sink_sql naming the
 * few words in which its SQL differs; the statements are built here once.
 */
#include "sink.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sink_shared.h"

#define DECIMAL_DIGITS	38		/* NUMBER / DECIMAL precision limit */
#define DECIMAL_SCALE	37		/* ... and scale limit */

const sink_dialect *
sink_lookup(const char *name)
{
	static const sink_dialect *const all[] = {
		&sink_postgres, &sink_redshift, &sink_snowflake
	};

	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

/* "ident", with any " doubled. */
void
sink_quote_ident_ansi(buf *out, const char *ident)
{
	buf_putc(out, '"');
	for (const char *p = ident; *p; p++)
	{
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

void
sink_qualified(const sink_dialect *d, buf *out, const char *schema, const char *name)
{
	if (schema != NULL)
	{
		d->quote_ident(out, schema);
		buf_putc(out, '.');
	}
	d->quote_ident(out, name);
}

void
sink_column_list(const sink_dialect *d, buf *out, const table_def *t, const char *prefix)
{
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		if (prefix != NULL)
			buf_puts(out, prefix);
		d->quote_ident(out, t->cols[i].name);
	}
}

static void
quote_literal(buf *out, const char *value, bool backslash)
{
	buf_putc(out, '\'');
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || (backslash && *p == '\\'))
			buf_putc(out, *p);
		buf_putc(out, *p);
	}
	buf_putc(out, '\'');
}

/* A standard SQL literal: only ' is special. */
void
sink_quote_literal_std(buf *out, const char *value)
{
	quote_literal(out, value, false);
}

/* A literal where backslash is an escape too (Snowflake, Redshift). */
void
sink_quote_literal_backslash(buf *out, const char *value)
{
	quote_literal(out, value, true);
}

/* One POSIX shell word: 'word', each ' written as '\''. */
void
sink_shell_quote(buf *out, const char *word)
{
	buf_putc(out, '\'');
	for (const char *p = word; *p; p++)
	{
		if (*p == '\'')
			buf_puts(out, "'\\''");
		else
			buf_putc(out, *p);
	}
	buf_putc(out, '\'');
}

void
sink_utc_text_at_time_zone(buf *out, const char *ref)
{
	buf_printf(out, "TO_CHAR(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00'", ref);
}

/*
 * Change loads are designed later.  Building snapshot statements for a
 * batch of changes would delete every row the batch does not mention, so
 * this stops the process even where NDEBUG has removed the assertion.
 */
void
sink_require_snapshot(load_kind kind)
{
	assert(kind == LOAD_SNAPSHOT);
	if (kind != LOAD_SNAPSHOT)
	{
		log_error("internal error: change loads have no warehouse statements yet");
		abort();
	}
}

void
sink_report_column(const table_def *t, const table_column *c,
				   const char *warehouse, const char *why)
{
	char	   *name = table_display_name(t);

	log_error("table %s, column \"%s\": %s cannot hold it: %s",
			  name, c->name, warehouse, why);
	free(name);
}

/*
 * numeric(p, s) needs max(p - s, 0) integer digits and max(s, 0) decimals
 * (Postgres 15 allows s < 0 and s > p); unconstrained numeric is held as
 * (38, 9), values with more digits being refused rather than rounded.
 */
bool
sink_decimal_of(const table_column *c, sink_decimal *out)
{
	col_render	r = COL_RENDER_TEXT;
	int			int_digits;
	int			scale;

	r.no_special = true;
	if (c->precision < 0)
	{
		out->precision = DECIMAL_DIGITS;
		out->scale = 9;
		r.max_scale = 9;
		r.max_int_digits = DECIMAL_DIGITS - 9;
		out->render = r;
		return true;
	}
	int_digits = c->precision - c->scale;
	if (int_digits < 0)
		int_digits = 0;
	scale = c->scale > 0 ? c->scale : 0;
	out->scale = scale;
	if (int_digits + scale <= DECIMAL_DIGITS)
		out->precision = int_digits + scale;
	else
	{
		out->precision = DECIMAL_DIGITS;
		r.max_scale = scale;
		r.max_int_digits = DECIMAL_DIGITS - scale;
	}
	out->render = r;
	return scale <= DECIMAL_SCALE;
}

bool
sink_decimal_type(const table_def *t, const table_column *c,
				  const char *warehouse, sink_decimal *out)
{
	if (sink_decimal_of(c, out))
		return true;
	sink_report_column(t, c, warehouse, "numeric scales above 37 do not fit its decimals");
	return false;
}

col_render
sink_render_json_numeric(const table_column *c)
{
	col_render	r = COL_RENDER_TEXT;
	sink_decimal dec;

	if (c->is_array)
		r.as_json = true;
	else if (c->kind == COL_NUMERIC)
	{
		sink_decimal_of(c, &dec);
		r = dec.render;
	}
	return r;
}

static bool
merge_keyed(const table_def *t)
{
	return t->mode == MODE_MERGE && t->nkeys > 0;
}

/*
 * The key columns in key order.  A key position without its column breaks
 * table_def's invariant; going on would replace the table instead of
 * merging into it.
 */
static const table_column **
key_columns(const table_def *t)
{
	const table_column **keys = xcalloc((size_t) t->nkeys, sizeof(*keys));

	for (int pos = 1; pos <= t->nkeys; pos++)
	{
		keys[pos - 1] = table_key_column(t, pos);
		if (keys[pos - 1] == NULL)
		{
			char	   *name = table_display_name(t);

			log_error("table %s: internal error: no key column at position %d", name, pos);
			free(name);
			abort();
		}
	}
	return keys;
}

void
sink_create_schema_sql(const sink_dialect *d, strlist *script, const char *schema)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "CREATE SCHEMA IF NOT EXISTS ");
	d->quote_ident(&sql, schema);
	strlist_push(script, buf_detach(&sql));
}

bool
sink_create_table_sql(const sink_sql *x, strlist *script, const table_def *t)
{
	const sink_dialect *d = x->d;
	buf			sql = BUF_INIT;

	buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_puts(&sql, " (");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		buf_puts(&sql, i > 0 ? ",\n\t" : "\n\t");
		d->quote_ident(&sql, c->name);
		buf_putc(&sql, ' ');
		if (!d->column_type(t, c, &sql))
		{
			buf_free(&sql);
			return false;
		}
		if (c->not_null)
			buf_puts(&sql, " NOT NULL");
	}
	if (t->deletes == DELETES_SOFT)
	{
		buf_puts(&sql, ",\n\t");
		d->quote_ident(&sql, SINK_DELETED_COL);
		buf_puts(&sql, " BOOLEAN NOT NULL DEFAULT FALSE,\n\t");
		d->quote_ident(&sql, SINK_DELETED_AT_COL);
		buf_printf(&sql, " %s", x->tstz_type);
	}
	if (merge_keyed(t))
	{
		const table_column **keys = key_columns(t);

		buf_puts(&sql, ",\n\tPRIMARY KEY (");
		for (int k = 0; k < t->nkeys; k++)
		{
			if (k > 0)
				buf_puts(&sql, ", ");
			d->quote_ident(&sql, keys[k]->name);
		}
		buf_putc(&sql, ')');
		free(keys);
	}
	buf_puts(&sql, "\n)");
	strlist_push(script, buf_detach(&sql));
	return true;
}

bool
sink_create_staging_sql(const sink_sql *x, strlist *script,
						const table_def *t, const char *staging)
{
	const sink_dialect *d = x->d;
	buf			sql = BUF_INIT;

	buf_printf(&sql, "CREATE %s TABLE ", x->temp_create);
	d->quote_ident(&sql, staging);
	buf_puts(&sql, " (");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		buf_puts(&sql, i > 0 ? ",\n\t" : "\n\t");
		d->quote_ident(&sql, c->name);
		buf_putc(&sql, ' ');
		if (x->staged_type != NULL && x->staged_type(c, &sql))
			continue;
		if (!d->column_type(t, c, &sql))
		{
			buf_free(&sql);
			return false;
		}
	}
	buf_printf(&sql, "\n)%s", x->temp_suffix);
	strlist_push(script, buf_detach(&sql));
	return true;
}

/* Appends column c of relation rel (a quoted name or alias) as a reference. */
static void
column_ref(const sink_dialect *d, buf *out, const char *rel, const char *col)
{
	buf_puts(out, rel);
	buf_putc(out, '.');
	d->quote_ident(out, col);
}

/* Appends staged column c of rel, converted to its target type. */
static void
staged_value(const sink_sql *x, buf *out, const table_column *c, const char *rel)
{
	buf			ref = BUF_INIT;

	column_ref(x->d, &ref, rel, c->name);
	if (x->staged_value != NULL)
		x->staged_value(out, c, ref.data);
	else
		buf_puts(out, ref.data);
	buf_free(&ref);
}

/* target.k1 = staged.k1 AND ... */
static void
key_match(const sink_sql *x, buf *out, const table_column **keys, int nkeys,
		  const char *target, const char *staged)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, " AND ");
		column_ref(x->d, out, target, keys[k]->name);
		buf_puts(out, " = ");
		staged_value(x, out, keys[k], staged);
	}
}

/* INSERT INTO target (cols) SELECT <converted s.cols> FROM staging AS s */
static void
insert_all(const sink_sql *x, strlist *script, const table_def *t,
		   const char *target, const char *staging)
{
	buf			sql = BUF_INIT;

	buf_printf(&sql, "INSERT INTO %s (", target);
	sink_column_list(x->d, &sql, t, NULL);
	buf_puts(&sql, ")\nSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(&sql, ", ");
		staged_value(x, &sql, &t->cols[i], "s");
	}
	buf_printf(&sql, "\nFROM %s AS s", staging);
	strlist_push(script, buf_detach(&sql));
}

/*
 * The rows of target whose key staging lacks:
 *   WHERE [live AND] NOT EXISTS (SELECT 1 FROM staging AS s WHERE keys match)
 * The target is named in full, not aliased: Redshift and Snowflake take no
 * alias on the table of a DELETE.
 */
static void
where_not_staged(const sink_sql *x, buf *out, const table_column **keys, int nkeys,
				 const char *target, const char *staging, bool live_only)
{
	buf_puts(out, "\nWHERE ");
	if (live_only)
	{
		column_ref(x->d, out, target, SINK_DELETED_COL);
		buf_puts(out, " = FALSE\n  AND ");
	}
	buf_printf(out, "NOT EXISTS (SELECT 1 FROM %s AS s WHERE ", staging);
	key_match(x, out, keys, nkeys, target, "s");
	buf_putc(out, ')');
}

static void
merge_statement(const sink_sql *x, strlist *script, const table_def *t,
				const table_column **keys, const char *target, const char *staging)
{
	const sink_dialect *d = x->d;
	bool		soft = t->deletes == DELETES_SOFT;
	bool		first = true;
	buf			sql = BUF_INIT;

	buf_printf(&sql, "MERGE INTO %s AS t\nUSING %s AS s\nON ", target, staging);
	key_match(x, &sql, keys, t->nkeys, "t", "s");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		first = false;
		d->quote_ident(&sql, c->name);
		buf_puts(&sql, " = ");
		staged_value(x, &sql, c, "s");
	}
	if (soft)
	{
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		d->quote_ident(&sql, SINK_DELETED_COL);
		buf_puts(&sql, " = FALSE, ");
		d->quote_ident(&sql, SINK_DELETED_AT_COL);
		buf_puts(&sql, " = NULL");
	}
	buf_puts(&sql, "\nWHEN NOT MATCHED THEN INSERT (");
	sink_column_list(d, &sql, t, NULL);
	buf_puts(&sql, ")\nVALUES (");
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(&sql, ", ");
		staged_value(x, &sql, &t->cols[i], "s");
	}
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
}

/*
 * After a snapshot apply the target holds exactly the staged rows (with
 * soft deletes: plus the rows staging lacks, marked deleted).  Rows gone
 * from the source are dealt with first, so that the upsert never meets a
 * row it is about to remove.
 */
void
sink_apply_snapshot_sql(const sink_sql *x, strlist *script,
						const table_def *t, const char *staging)
{
	const sink_dialect *d = x->d;
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;
	buf			sql = BUF_INIT;
	const table_column **keys;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	d->quote_ident(&stg, staging);

	if (!merge_keyed(t))
	{
		/* no key: the snapshot replaces the table */
		buf_printf(&sql, "DELETE FROM %s", target.data);
		strlist_push(script, buf_detach(&sql));
		insert_all(x, script, t, target.data, stg.data);
		goto done;
	}

	keys = key_columns(t);
	if (t->deletes == DELETES_SOFT)
	{
		buf_printf(&sql, "UPDATE %s SET ", target.data);
		d->quote_ident(&sql, SINK_DELETED_COL);
		buf_puts(&sql, " = TRUE, ");
		d->quote_ident(&sql, SINK_DELETED_AT_COL);
		buf_printf(&sql, " = %s", x->now);
		where_not_staged(x, &sql, keys, t->nkeys, target.data, stg.data, true);
	}
	else
	{
		buf_printf(&sql, "DELETE FROM %s", target.data);
		where_not_staged(x, &sql, keys, t->nkeys, target.data, stg.data, false);
	}
	strlist_push(script, buf_detach(&sql));

	if (x->merge)
		merge_statement(x, script, t, keys, target.data, stg.data);
	else
	{
		/* replace every staged key's row, then insert them all */
		buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target.data, stg.data);
		key_match(x, &sql, keys, t->nkeys, target.data, stg.data);
		strlist_push(script, buf_detach(&sql));
		insert_all(x, script, t, target.data, stg.data);
	}
	free(keys);

done:
	buf_free(&target);
	buf_free(&stg);
}

static const char *const state_cols[] = {
	"job", "source_table", "target_table", "kind", "lsn", "rows", "load_id", "loaded_at"
};

#define NSTATE_COLS ((int) (sizeof(state_cols) / sizeof(state_cols[0])))

void
sink_state_create_sql(const sink_sql *x, strlist *script,
					  const char *schema, const char *table)
{
	const sink_dialect *d = x->d;
	buf			sql = BUF_INIT;

	buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sink_qualified(d, &sql, schema, table);
	buf_puts(&sql, " (");
	for (int i = 0; i < NSTATE_COLS; i++)
	{
		const char *name = state_cols[i];

		buf_puts(&sql, "\n\t");
		d->quote_ident(&sql, name);
		if (strcmp(name, "rows") == 0)
			buf_puts(&sql, " BIGINT");
		else if (strcmp(name, "loaded_at") == 0)
			buf_printf(&sql, " %s NOT NULL", x->tstz_type);
		else
		{
			buf_printf(&sql, " %s", x->text_type);
			if (strcmp(name, "lsn") != 0 && strcmp(name, "load_id") != 0)
				buf_puts(&sql, " NOT NULL");
		}
		buf_putc(&sql, ',');
	}
	buf_puts(&sql, "\n\tPRIMARY KEY (");
	d->quote_ident(&sql, "job");
	buf_puts(&sql, ", ");
	d->quote_ident(&sql, "source_table");
	buf_puts(&sql, ")\n)");
	strlist_push(script, buf_detach(&sql));
}

/* A text literal, or a NULL of the state table's text type. */
static void
text_or_null(const sink_sql *x, buf *out, const char *value, bool typed_null)
{
	if (value != NULL)
		x->d->quote_literal(out, value);
	else if (typed_null)
		buf_printf(out, "CAST(NULL AS %s)", x->text_type);
	else
		buf_puts(out, "NULL");
}

/* The values of row in state_cols order, loaded_at being x->now. */
static void
state_values(const sink_sql *x, buf *out, const sink_state_row *row, bool named)
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
			buf_puts(out, x->now);
		else
			text_or_null(x, out, text[i], named);
		if (named)
		{
			buf_puts(out, " AS ");
			x->d->quote_ident(out, name);
		}
	}
}

/* One row per (job, source_table): the row of the latest load replaces any older one. */
void
sink_state_record_sql(const sink_sql *x, strlist *script,
					  const char *schema, const char *table,
					  const sink_state_row *row)
{
	const sink_dialect *d = x->d;
	buf			st = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_qualified(d, &st, schema, table);
	if (x->merge)
	{
		buf_printf(&sql, "MERGE INTO %s AS t\nUSING (SELECT ", st.data);
		state_values(x, &sql, row, true);
		buf_puts(&sql, ") AS s\nON ");
		column_ref(d, &sql, "t", "job");
		buf_puts(&sql, " = ");
		column_ref(d, &sql, "s", "job");
		buf_puts(&sql, " AND ");
		column_ref(d, &sql, "t", "source_table");
		buf_puts(&sql, " = ");
		column_ref(d, &sql, "s", "source_table");
		buf_puts(&sql, "\nWHEN MATCHED THEN UPDATE SET ");
		for (int i = 2; i < NSTATE_COLS; i++)
		{
			if (i > 2)
				buf_puts(&sql, ", ");
			d->quote_ident(&sql, state_cols[i]);
			buf_puts(&sql, " = ");
			column_ref(d, &sql, "s", state_cols[i]);
		}
		buf_puts(&sql, "\nWHEN NOT MATCHED THEN INSERT (");
		for (int i = 0; i < NSTATE_COLS; i++)
		{
			if (i > 0)
				buf_puts(&sql, ", ");
			d->quote_ident(&sql, state_cols[i]);
		}
		buf_puts(&sql, ")\nVALUES (");
		for (int i = 0; i < NSTATE_COLS; i++)
		{
			if (i > 0)
				buf_puts(&sql, ", ");
			column_ref(d, &sql, "s", state_cols[i]);
		}
		buf_putc(&sql, ')');
		strlist_push(script, buf_detach(&sql));
	}
	else
	{
		buf_printf(&sql, "DELETE FROM %s\nWHERE ", st.data);
		d->quote_ident(&sql, "job");
		buf_puts(&sql, " = ");
		d->quote_literal(&sql, row->job);
		buf_puts(&sql, " AND ");
		d->quote_ident(&sql, "source_table");
		buf_puts(&sql, " = ");
		d->quote_literal(&sql, row->source_table);
		strlist_push(script, buf_detach(&sql));

		buf_printf(&sql, "INSERT INTO %s (", st.data);
		for (int i = 0; i < NSTATE_COLS; i++)
		{
			if (i > 0)
				buf_puts(&sql, ", ");
			d->quote_ident(&sql, state_cols[i]);
		}
		buf_puts(&sql, ")\nVALUES (");
		state_values(x, &sql, row, false);
		buf_putc(&sql, ')');
		strlist_push(script, buf_detach(&sql));
	}
	buf_free(&st);
}

void
sink_state_query_sql(const sink_sql *x, buf *out, const char *schema,
					 const char *table, const char *job)
{
	const sink_dialect *d = x->d;
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
			d->quote_ident(&col, name);
			x->utc_text(out, col.data);
			buf_puts(out, " AS ");
		}
		d->quote_ident(out, name);
		buf_puts(out, ", ");
	}
	d->quote_ident(out, "load_id");
	buf_puts(out, "\nFROM ");
	sink_qualified(d, out, schema, table);
	buf_puts(out, "\nWHERE ");
	d->quote_ident(out, "job");
	buf_puts(out, " = ");
	d->quote_literal(out, job);
	buf_puts(out, "\nORDER BY ");
	d->quote_ident(out, "source_table");
	buf_free(&col);
}
