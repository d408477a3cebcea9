/*
 * sink.c
 *    The dialect registry and everything the dialects share: identifier and
 *    literal quoting, column lists, the numeric mapping of 38-digit
 *    warehouses, and the statement builders for DDL, COPY, a snapshot's
 *    and an incremental load's apply.  A change batch's apply is in
 *    changes.c, schema changes in alter.c, the state table in state.c.
 *
 * A dialect file supplies its sink_dialect: the words and traits in which
 * its SQL differs, its type map, its COPY and the few other hooks.  The
 * statements are built here once, reading it.
 */
#include "sink.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "log.h"
#include "sink_shared.h"

#define DECIMAL_DIGITS	38		/* NUMBER / DECIMAL precision limit */
#define DECIMAL_SCALE	37		/* ... and scale limit */

/* The registry (sink.h), in dialect_list.h's order. */
const sink_dialect *const sink_dialects[] = {
#define SINK_DIALECT(symbol) &symbol,
#include "dialect_list.h"
#undef SINK_DIALECT
	NULL
};

const sink_dialect *
sink_dialect_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (int i = 0; sink_dialects[i] != NULL; i++)
		if (strcmp(sink_dialects[i]->name, name) == 0)
			return sink_dialects[i];
	return NULL;
}

/* Whether ident is what a Postgres user writes unquoted: [a-z_][a-z0-9_$]*. */
static bool
sink_plain_lower(const char *ident)
{
	if (!((*ident >= 'a' && *ident <= 'z') || *ident == '_'))
		return false;
	for (const char *p = ident; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
			return false;
	return true;
}

void
sink_stored_name(const sink_dialect *d, buf *out, const char *ident)
{
	bool		upper;

	if (ident == NULL)
		return;
	upper = d->fold == SINK_FOLD_UPPER && sink_plain_lower(ident);
	for (const char *p = ident; *p; p++)
	{
		char		ch = *p;

		if (d->fold == SINK_FOLD_LOWER && ch >= 'A' && ch <= 'Z')
			ch = (char) (ch - 'A' + 'a');
		else if (upper && ch >= 'a' && ch <= 'z')
			ch = (char) (ch - 'a' + 'A');
		buf_putc(out, ch);
	}
}

/* name as d stores it; owned by the caller. */
static char *
sink_stored_dup(const sink_dialect *d, const char *name)
{
	buf			stored = BUF_INIT;

	sink_stored_name(d, &stored, name);
	return stored.data ? buf_detach(&stored) : xstrdup("");
}

bool
sink_same_name(const sink_dialect *d, const char *a, const char *b)
{
	char	   *fa = sink_stored_dup(d, a);
	char	   *fb = sink_stored_dup(d, b);
	bool		same = strcmp(fa, fb) == 0;

	free(fa);
	free(fb);
	return same;
}

/* The columns wharf adds to a table of t's, as the change staging has them. */
static const char *const sink_own_columns[] = {
	SINK_CHANGE_LSN, SINK_CHANGE_SEQ, SINK_CHANGE_OP, SINK_CHANGE_UNCHANGED,
	SINK_DELETED_COL, SINK_DELETED_AT_COL
};

static bool
sink_name_fits(const sink_dialect *d, const table_def *t, const char *what, const char *name)
{
	char	   *display;

	if (name == NULL || strlen(name) <= (size_t) d->ident_max)
		return true;
	display = table_display_name(t);
	log_error("table %s: %s \"%s\" is %zu bytes long; %s identifiers hold at most %d",
			  display, what, name, strlen(name), d->name, d->ident_max);
	free(display);
	return false;
}

/*
 * The metadata columns' names (stored as d stores them) against t's
 * columns (stored), the columns wharf adds for soft deletes, and each
 * other.  The change columns' names (_wharf_lsn, _wharf_op) are free: they
 * are staging's, never the target's.
 */
static bool
sink_check_meta_names(const sink_dialect *d, const table_def *t, const char *const *stored,
					  const char *display)
{
	static const char *const keys[3] = {"synced_at_column", "lsn_column", "op_column"};
	char	   *own[2] = {sink_stored_dup(d, SINK_DELETED_COL), sink_stored_dup(d, SINK_DELETED_AT_COL)};
	size_t		nown = 2;
	const char *names[3];
	char	   *meta[3] = {NULL, NULL, NULL};
	bool		ok = true;

	sink_meta_names(t, names);
	for (int m = 0; m < 3; m++)
	{
		if (names[m] == NULL)
			continue;
		meta[m] = sink_stored_dup(d, names[m]);
		ok = sink_name_fits(d, t, "column", names[m]) && ok;
		for (int i = 0; i < t->ncols; i++)
			if (strcmp(meta[m], stored[i]) == 0)
			{
				log_error("table %s: column \"%s\" has the name that [warehouse] %s gives a "
						  "metadata column: name that column otherwise", display,
						  t->cols[i].name, keys[m]);
				ok = false;
			}
		for (size_t k = 0; k < nown; k++)
			if (strcmp(meta[m], own[k]) == 0)
			{
				log_error("[warehouse] %s: \"%s\" is the name of a column wharf adds itself: "
						  "choose another", keys[m], names[m]);
				ok = false;
			}
		for (int k = 0; k < m; k++)
			if (meta[k] != NULL && strcmp(meta[m], meta[k]) == 0)
			{
				log_error("[warehouse] %s and %s name one column \"%s\": choose two names",
						  keys[k], keys[m], names[m]);
				ok = false;
			}
	}
	for (int m = 0; m < 3; m++)
		free(meta[m]);
	free(own[0]);
	free(own[1]);
	return ok;
}

/*
 * Redshift: "ASCII letters in delimited identifiers are case-insensitive
 * and are folded to lowercase" (Names and identifiers), and a name is at
 * most 127 bytes; Snowflake: a quoted identifier keeps its case, one
 * unquoted "is stored and resolved as uppercase characters" (Identifier
 * requirements), up to 255 characters.  So two source names may be one
 * warehouse name.
 */
bool
sink_check_names(const sink_dialect *d, const table_def *t)
{
	enum
	{
		NOWN = sizeof(sink_own_columns) / sizeof(sink_own_columns[0])
	};
	bool		ok = sink_name_fits(d, t, "warehouse schema", t->target_schema) &&
		sink_name_fits(d, t, "warehouse table", t->target_name);
	char	  **stored = xcalloc((size_t) t->ncols + 1, sizeof(char *));
	char	   *own[NOWN];
	char	   *display = table_display_name(t);

	/* each name folded once, then compared */
	for (size_t k = 0; k < NOWN; k++)
		own[k] = sink_stored_dup(d, sink_own_columns[k]);
	for (int i = 0; i < t->ncols; i++)
	{
		const char *name = t->cols[i].name;

		stored[i] = sink_stored_dup(d, name);
		ok = sink_name_fits(d, t, "column", name) && ok;
		for (int k = 0; k < i; k++)
			if (strcmp(stored[i], stored[k]) == 0)
			{
				log_error("table %s: columns \"%s\" and \"%s\" are one column \"%s\" in %s, "
						  "which folds identifiers: rename one at the source",
						  display, t->cols[k].name, name, stored[i], d->name);
				ok = false;
			}
		for (size_t k = 0; k < NOWN; k++)
			if (strcmp(stored[i], own[k]) == 0)
			{
				log_error("table %s: column \"%s\" has the name of a column wharf adds "
						  "itself (\"%s\"): rename it at the source", display, name,
						  sink_own_columns[k]);
				ok = false;
			}
	}
	ok = sink_check_meta_names(d, t, (const char *const *) stored, display) && ok;
	for (int i = 0; i < t->ncols; i++)
		free(stored[i]);
	for (size_t k = 0; k < NOWN; k++)
		free(own[k]);
	free(stored);
	free(display);
	return ok;
}

/* "ident" as the dialect stores it, with any " doubled. */
void
sink_quote_ident(const sink_dialect *d, buf *out, const char *ident)
{
	buf			stored = BUF_INIT;

	sink_stored_name(d, &stored, ident);
	buf_putc(out, '"');
	for (const char *p = stored.data ? stored.data : ""; *p; p++)
	{
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
	buf_free(&stored);
}

void
sink_staging_ref(const sink_dialect *d, buf *out, const table_def *t, const char *staging)
{
	sink_qualified(d, out, d->temp_in_target_schema ? t->target_schema : NULL, staging);
}

/* 'value', any ' doubled, and any \\ too where the dialect takes it as an escape. */
void
sink_quote_literal(const sink_dialect *d, buf *out, const char *value)
{
	buf_putc(out, '\'');
	for (const char *p = value; *p; p++)
	{
		if (*p == '\'' || (d->literal_backslash && *p == '\\'))
			buf_putc(out, *p);
		buf_putc(out, *p);
	}
	buf_putc(out, '\'');
}

void
sink_qualified(const sink_dialect *d, buf *out, const char *schema, const char *name)
{
	if (schema != NULL)
	{
		sink_quote_ident(d, out, schema);
		buf_putc(out, '.');
	}
	sink_quote_ident(d, out, name);
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
		sink_quote_ident(d, out, t->cols[i].name);
	}
}

bool
sink_column_type(const sink_dialect *d, const table_def *t, const table_column *c, buf *out)
{
	if (d->column_type != NULL)
		return d->column_type(d, t, c, out);
	return sink_type_map(d, t, c, out);
}

bool
sink_type_map(const sink_dialect *d, const table_def *t, const table_column *c, buf *out)
{
	const sink_type *type = &d->types[c->kind];
	const char *why;

	if (c->is_array && d->array_type != NULL)
	{
		buf_puts(out, d->array_type);
		return true;
	}
	if (type->sized == NULL)
		buf_puts(out, type->name);
	else if ((why = type->sized(c, type->name, out)) != NULL)
	{
		sink_report_column(t, c, d->name, why);
		return false;
	}
	if (c->is_array)
		buf_puts(out, "[]");
	return true;
}

/*
 * WHARF_TEST_GUARDS=DIALECT (test builds only, WHARF_TEST_SWITCHES): the guards of that dialect on the
 * columns of this one, so that the Postgres stand-in warehouse runs both
 * enforcement points, the snapshot's query and the change stream's checks,
 * end to end with another warehouse's limits.
 */
const sink_dialect *
sink_guards_dialect(const sink_dialect *d)
{
#ifdef WHARF_TEST_SWITCHES
	const char *name = getenv("WHARF_TEST_GUARDS");
	const sink_dialect *g = name != NULL && name[0] != '\0' ? sink_dialect_by_name(name) : NULL;

	return g != NULL ? g : d;
#else
	return d;
#endif
}

col_render
sink_column_render(const sink_dialect *d, const table_column *c)
{
	col_render	r = COL_RENDER_TEXT;
	const sink_dialect *g = sink_guards_dialect(d);

	if (d->column_render != NULL)
		r = d->column_render(c);
	if (g != d)
	{
		col_render	text = COL_RENDER_TEXT;
		col_render	lim = g->column_render != NULL ? g->column_render(c) : text;

		lim.as_json = r.as_json;
		lim.null_as = r.null_as;
		if (c->is_array && !r.as_json)
		{
			/* its JSON limits mean nothing for an array staged as array text */
			lim.max_bytes = 0;
			lim.max_json_string = 0;
			lim.json_exact_numbers = false;
		}
		r = lim;
	}
	r.guarded = guard_any(c, &r);
	return r;
}

bool
sink_column_from_type_name(const sink_dialect *d, const char *data_type, table_column *out)
{
	return d->column_from_type_name != NULL && d->column_from_type_name(data_type, out);
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

void
sink_report_column(const table_def *t, const table_column *c,
				   const char *warehouse, const char *why)
{
	char	   *name = table_display_name(t);

	log_error("table %s, column \"%s\": %s cannot hold it: %s",
			  name, c->name, warehouse, why);
	free(name);
}

void
sink_report_widen(const table_def *t, const table_column *c,
				  const char *warehouse, const char *why)
{
	char	   *name = table_display_name(t);

	log_error("table %s, column \"%s\": %s cannot change the column's type: %s",
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

/* NAME(p,s) by sink_decimal_of. */
const char *
sink_sized_decimal(const table_column *c, const char *name, buf *out)
{
	sink_decimal dec;

	if (!sink_decimal_of(c, &dec))
		return "numeric scales above 37 do not fit its decimals";
	buf_printf(out, "%s(%d,%d)", name, dec.precision, dec.scale);
	return NULL;
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
const table_column **
sink_key_columns(const table_def *t)
{
	const table_column **keys = xcalloc((size_t) t->nkeys, sizeof(*keys));

	for (int pos = 1; pos <= t->nkeys; pos++)
	{
		keys[pos - 1] = table_key_column(t, pos);
		if (keys[pos - 1] == NULL)
			WHARF_BUG("table %s.%s: no key column at position %d", t->schema, t->name, pos);
	}
	return keys;
}

void
sink_create_schema(const sink_dialect *d, strlist *script, const char *schema)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "CREATE SCHEMA IF NOT EXISTS ");
	sink_quote_ident(d, &sql, schema);
	strlist_push(script, buf_detach(&sql));
}

/*
 * The metadata columns (sink.h): their names in t, NULL when off, in the
 * order synced_at, lsn, op.
 */
void
sink_meta_names(const table_def *t, const char *names[3])
{
	names[0] = t->synced_at_col;
	names[1] = t->lsn_col;
	names[2] = t->op_col;
}

bool
sink_has_meta(const table_def *t)
{
	return t->synced_at_col != NULL || t->lsn_col != NULL || t->op_col != NULL;
}

/* ", <name> <type>" of each metadata column t has. */
static void
meta_definitions(const sink_dialect *d, buf *out, const table_def *t)
{
	const char *names[3];
	const char *types[3] = {d->tstz_type, "BIGINT", "VARCHAR(1)"};

	sink_meta_names(t, names);
	for (int i = 0; i < 3; i++)
		if (names[i] != NULL)
		{
			buf_puts(out, ",\n\t");
			sink_quote_ident(d, out, names[i]);
			buf_printf(out, " %s", types[i]);
		}
}

/* ", <name>" of each metadata column t has: the rest of a column list. */
void
sink_meta_column_list(const sink_dialect *d, buf *out, const table_def *t)
{
	const char *names[3];

	sink_meta_names(t, names);
	for (int i = 0; i < 3; i++)
		if (names[i] != NULL)
		{
			buf_puts(out, ", ");
			sink_quote_ident(d, out, names[i]);
		}
}

/*
 * ", <value>" of each metadata column t has (the rest of an INSERT's
 * values), or with set ", <name> = <value>" (the rest of an UPDATE's SET):
 * the warehouse's current time, lsn and op (SQL expressions).  lead, when
 * not NULL, goes before the first instead of ", " (a SET begun by them).
 */
static void
meta_values(const sink_dialect *d, buf *out, const table_def *t, const char *lsn,
			const char *op, bool set, const char *lead)
{
	const char *names[3];
	const char *values[3] = {d->now, lsn, op};

	sink_meta_names(t, names);
	for (int i = 0; i < 3; i++)
		if (names[i] != NULL)
		{
			buf_puts(out, lead ? lead : ", ");
			lead = NULL;
			if (set)
			{
				sink_quote_ident(d, out, names[i]);
				buf_puts(out, " = ");
			}
			buf_puts(out, values[i]);
		}
}

/*
 * A snapshot's rows: op 'S', and the snapshot's LSN (pg_lsn text, NULL for
 * a snapshot tied to no stream) as a number.
 */
static void
meta_snapshot_values(const sink_dialect *d, buf *out, const table_def *t, const char *lsn,
					 bool set, const char *lead)
{
	unsigned int hi;
	unsigned int lo;
	char		number[32];

	if (lsn != NULL && sscanf(lsn, "%X/%X", &hi, &lo) == 2)
		snprintf(number, sizeof(number), "%llu",
				 (unsigned long long) (((uint64_t) hi << 32) | lo));
	else
		snprintf(number, sizeof(number), "NULL");
	meta_values(d, out, t, number, "'S'", set, lead);
}

/*
 * A change's rows (rel a resolved change, or a staged one): its commit LSN,
 * and its operation, 'I' for an insert, 'U' for an update (a key change
 * included).
 */
void
sink_meta_change_values(const sink_dialect *d, buf *out, const table_def *t, const char *rel,
				   bool set, const char *lead)
{
	buf			lsn = BUF_INIT;
	buf			op = BUF_INIT;

	buf_printf(&lsn, "%s.", rel);
	sink_quote_ident(d, &lsn, SINK_CHANGE_LSN);
	buf_printf(&op, "CASE WHEN %s.", rel);
	sink_quote_ident(d, &op, SINK_CHANGE_OP);
	buf_puts(&op, " = 'I' THEN 'I' ELSE 'U' END");
	meta_values(d, out, t, lsn.data, op.data, set, lead);
	buf_free(&lsn);
	buf_free(&op);
}

bool
sink_create_table(const sink_dialect *d, strlist *script, const table_def *t)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_puts(&sql, " (");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		buf_puts(&sql, i > 0 ? ",\n\t" : "\n\t");
		sink_quote_ident(d, &sql, c->name);
		buf_putc(&sql, ' ');
		if (!sink_column_type(d, t, c, &sql))
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
		sink_quote_ident(d, &sql, SINK_DELETED_COL);
		buf_puts(&sql, " BOOLEAN NOT NULL DEFAULT FALSE,\n\t");
		sink_quote_ident(d, &sql, SINK_DELETED_AT_COL);
		buf_printf(&sql, " %s", d->tstz_type);
	}
	meta_definitions(d, &sql, t);
	if (merge_keyed(t))
	{
		const table_column **keys = sink_key_columns(t);

		buf_puts(&sql, ",\n\tPRIMARY KEY (");
		for (int k = 0; k < t->nkeys; k++)
		{
			if (k > 0)
				buf_puts(&sql, ", ");
			sink_quote_ident(d, &sql, keys[k]->name);
		}
		buf_putc(&sql, ')');
		free(keys);
	}
	buf_puts(&sql, "\n)");
	strlist_push(script, buf_detach(&sql));
	return true;
}

/* The columns a change batch stages before the table's, in order. */
const char *const sink_change_cols[SINK_NCHANGE_COLS] = {
	SINK_CHANGE_LSN, SINK_CHANGE_SEQ, SINK_CHANGE_OP, SINK_CHANGE_UNCHANGED
};


void
sink_staging_column_list(const sink_dialect *d, buf *out, const table_def *t, load_kind kind)
{
	if (kind != LOAD_SNAPSHOT)
		for (int i = 0; i < SINK_NCHANGE_COLS; i++)
		{
			sink_quote_ident(d, out, sink_change_cols[i]);
			buf_puts(out, ", ");
		}
	sink_column_list(d, out, t, NULL);
}

bool
sink_create_staging(const sink_dialect *d, strlist *script,
					const table_def *t, const char *staging, load_kind kind)
{
	buf			sql = BUF_INIT;

	buf_printf(&sql, "CREATE %s%s TABLE ", d->temp_replace ? "OR REPLACE " : "", d->temp_create);
	sink_staging_ref(d, &sql, t, staging);
	buf_puts(&sql, " (");
	if (kind != LOAD_SNAPSHOT)
	{
		const char *types[SINK_NCHANGE_COLS] = {"BIGINT", "BIGINT", d->text_type, d->long_text_type};

		for (int i = 0; i < SINK_NCHANGE_COLS; i++)
		{
			buf_puts(&sql, "\n\t");
			sink_quote_ident(d, &sql, sink_change_cols[i]);
			buf_printf(&sql, " %s,", types[i]);
		}
	}
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		buf_puts(&sql, i > 0 ? ",\n\t" : "\n\t");
		sink_quote_ident(d, &sql, c->name);
		buf_putc(&sql, ' ');
		if (d->staged_type != NULL && d->staged_type(c, &sql))
			continue;
		if (!sink_column_type(d, t, c, &sql))
		{
			buf_free(&sql);
			return false;
		}
	}
	buf_puts(&sql, "\n)");
	if (!d->temp_replace)
	{
		buf			drop = BUF_INIT;

		buf_puts(&drop, "DROP TABLE IF EXISTS ");
		if (d->temp_schema)
		{
			buf_puts(&drop, d->temp_schema);
			buf_putc(&drop, '.');
		}
		sink_staging_ref(d, &drop, t, staging);
		strlist_push(script, buf_detach(&drop));
	}
	strlist_push(script, buf_detach(&sql));
	return true;
}

void
sink_copy_staging(const sink_dialect *d, strlist *script, const table_def *t,
				  const char *staging, load_kind kind,
				  const sink_files *files, const sink_options *opt)
{
	buf			into = BUF_INIT;

	sink_staging_ref(d, &into, t, staging);
	d->copy_staging(d, script, t, into.data, kind, files, opt);
	buf_free(&into);
}

static void insert_all(const sink_dialect *d, strlist *script, const table_def *t,
					   const char *target, const char *staging, const char *lsn);

bool
sink_copies_direct(const sink_dialect *d, const table_def *t)
{
	buf			scratch = BUF_INIT;
	/* the metadata columns are filled by the INSERT from staging */
	bool		direct = (d->copy_column_list || t->deletes != DELETES_SOFT) && !sink_has_meta(t);

	for (int i = 0; direct && i < t->ncols; i++)
	{
		buf_reset(&scratch);
		direct = d->staged_type == NULL || !d->staged_type(&t->cols[i], &scratch);
	}
	buf_free(&scratch);
	return direct;
}

void
sink_copy_target(const sink_dialect *d, strlist *script, const table_def *t,
				 const sink_files *files, const sink_options *opt)
{
	buf			into = BUF_INIT;

	sink_qualified(d, &into, t->target_schema, t->target_name);
	d->copy_staging(d, script, t, into.data, LOAD_SNAPSHOT, files, opt);
	buf_free(&into);
}

void
sink_empty_target(const sink_dialect *d, strlist *script, const table_def *t)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, d->truncate_in_transaction ? "TRUNCATE TABLE " : "DELETE FROM ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	strlist_push(script, buf_detach(&sql));
}

void
sink_insert_staged(const sink_dialect *d, strlist *script, const table_def *t,
				   const char *staging, const char *lsn)
{
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_staging_ref(d, &stg, t, staging);
	insert_all(d, script, t, target.data, stg.data, lsn);
	buf_free(&target);
	buf_free(&stg);
}

/* Appends column c of relation rel (a quoted name or alias) as a reference. */
void
sink_column_ref(const sink_dialect *d, buf *out, const char *rel, const char *col)
{
	buf_puts(out, rel);
	buf_putc(out, '.');
	sink_quote_ident(d, out, col);
}

/* Appends staged column c of rel, converted to its target type. */
void
sink_staged_value(const sink_dialect *d, buf *out, const table_column *c, const char *rel)
{
	buf			ref = BUF_INIT;

	sink_column_ref(d, &ref, rel, c->name);
	if (d->staged_value != NULL)
		d->staged_value(out, c, ref.data);
	else
		buf_puts(out, ref.data);
	buf_free(&ref);
}

/* Column c of rel: a staged value converted, or one converted already. */
void
sink_value_of(const sink_dialect *d, buf *out, const table_column *c, const char *rel, bool converted)
{
	if (converted)
		sink_column_ref(d, out, rel, c->name);
	else
		sink_staged_value(d, out, c, rel);
}

/* Every column of rel, converted, separated by commas: the values of an INSERT. */
void
sink_values_of(const sink_dialect *d, buf *out, const table_def *t, const char *rel, bool converted)
{
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		sink_value_of(d, out, &t->cols[i], rel, converted);
	}
}

void
sink_staged_values(const sink_dialect *d, buf *out, const table_def *t, const char *rel)
{
	sink_values_of(d, out, t, rel, false);
}

/* target.k1 = rel.k1 AND ..., rel's values converted or converted already */
void
sink_key_match_of(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
			 const char *target, const char *rel, bool converted)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, " AND ");
		sink_column_ref(d, out, target, keys[k]->name);
		buf_puts(out, " = ");
		sink_value_of(d, out, keys[k], rel, converted);
	}
}

/* target.k1 = staged.k1 AND ... */
void
sink_key_match(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		  const char *target, const char *staged)
{
	sink_key_match_of(d, out, keys, nkeys, target, staged, false);
}

/*
 * INSERT INTO target (cols) SELECT <converted s.cols> FROM staging AS s,
 * a snapshot's rows (of the snapshot at lsn, or NULL)
 */
static void
insert_all(const sink_dialect *d, strlist *script, const table_def *t,
		   const char *target, const char *staging, const char *lsn)
{
	buf			sql = BUF_INIT;

	buf_printf(&sql, "INSERT INTO %s (", target);
	sink_column_list(d, &sql, t, NULL);
	sink_meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nSELECT ");
	sink_staged_values(d, &sql, t, "s");
	meta_snapshot_values(d, &sql, t, lsn, false, NULL);
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
where_not_staged(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
				 const char *target, const char *staging, bool live_only)
{
	buf_puts(out, "\nWHERE ");
	if (live_only)
	{
		sink_column_ref(d, out, target, SINK_DELETED_COL);
		buf_puts(out, " = FALSE\n  AND ");
	}
	buf_printf(out, "NOT EXISTS (SELECT 1 FROM %s AS s WHERE ", staging);
	sink_key_match(d, out, keys, nkeys, target, "s");
	buf_putc(out, ')');
}

/*
 * The rows of target (t's) whose key staging lacks: deleted, or with soft
 * deletes marked (the live ones).
 */
static void
remove_not_staged(const sink_dialect *d, strlist *script, const table_def *t,
				  const table_column **keys, int nkeys, const char *target, const char *staging)
{
	buf			sql = BUF_INIT;

	if (t->deletes == DELETES_SOFT)
	{
		buf_printf(&sql, "UPDATE %s SET ", target);
		sink_quote_ident(d, &sql, SINK_DELETED_COL);
		buf_puts(&sql, " = TRUE, ");
		sink_quote_ident(d, &sql, SINK_DELETED_AT_COL);
		buf_printf(&sql, " = %s", d->now);
		where_not_staged(d, &sql, keys, nkeys, target, staging, true);
	}
	else
	{
		buf_printf(&sql, "DELETE FROM %s", target);
		where_not_staged(d, &sql, keys, nkeys, target, staging, false);
	}
	strlist_push(script, buf_detach(&sql));
}

static void
merge_statement(const sink_dialect *d, strlist *script, const table_def *t,
				const table_column **keys, const char *target, const char *staging,
				const char *lsn)
{
	bool		soft = t->deletes == DELETES_SOFT;
	bool		first = true;
	buf			sql = BUF_INIT;

	buf_printf(&sql, "MERGE INTO %s AS t\nUSING %s AS s\nON ", target, staging);
	sink_key_match(d, &sql, keys, t->nkeys, "t", "s");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		first = false;
		sink_quote_ident(d, &sql, c->name);
		buf_puts(&sql, " = ");
		sink_staged_value(d, &sql, c, "s");
	}
	if (soft)
	{
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		sink_quote_ident(d, &sql, SINK_DELETED_COL);
		buf_puts(&sql, " = FALSE, ");
		sink_quote_ident(d, &sql, SINK_DELETED_AT_COL);
		buf_puts(&sql, " = NULL");
		first = false;
	}
	meta_snapshot_values(d, &sql, t, lsn, true, first ? "\nWHEN MATCHED THEN UPDATE SET " : NULL);
	buf_puts(&sql, "\nWHEN NOT MATCHED THEN INSERT (");
	sink_column_list(d, &sql, t, NULL);
	sink_meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nVALUES (");
	sink_staged_values(d, &sql, t, "s");
	meta_snapshot_values(d, &sql, t, lsn, false, NULL);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
}

/*
 * After a snapshot apply the target holds exactly the staged rows (with
 * soft deletes: plus the rows staging lacks, marked deleted).  Rows gone
 * from the source are dealt with first, so that the upsert never meets a
 * row it is about to remove.
 */
static void
apply_snapshot(const sink_dialect *d, strlist *script,
			   const table_def *t, const char *staging, const char *lsn)
{
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;
	buf			sql = BUF_INIT;
	const table_column **keys;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_staging_ref(d, &stg, t, staging);

	if (!merge_keyed(t))
	{
		/* no key: the snapshot replaces the table */
		buf_printf(&sql, "DELETE FROM %s", target.data);
		strlist_push(script, buf_detach(&sql));
		insert_all(d, script, t, target.data, stg.data, lsn);
		goto done;
	}

	keys = sink_key_columns(t);
	remove_not_staged(d, script, t, keys, t->nkeys, target.data, stg.data);

	if (d->merge)
		merge_statement(d, script, t, keys, target.data, stg.data, lsn);
	else
	{
		/* replace every staged key's row, then insert them all */
		buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target.data, stg.data);
		sink_key_match(d, &sql, keys, t->nkeys, target.data, stg.data);
		strlist_push(script, buf_detach(&sql));
		insert_all(d, script, t, target.data, stg.data, lsn);
	}
	free(keys);

done:
	buf_free(&target);
	buf_free(&stg);
}

void
sink_apply_snapshot(const sink_dialect *d, strlist *script, const table_def *t,
					const char *staging, const char *lsn)
{
	apply_snapshot(d, script, t, staging, lsn);
}

void
sink_apply_upsert(const sink_dialect *d, strlist *script, const table_def *t,
				  const char *staging)
{
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;
	const table_column **keys = sink_key_columns(t);

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_staging_ref(d, &stg, t, staging);
	if (d->merge)
		merge_statement(d, script, t, keys, target.data, stg.data, NULL);
	else
	{
		buf			sql = BUF_INIT;

		/* replace every staged key's row, then insert them all */
		buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target.data, stg.data);
		sink_key_match(d, &sql, keys, t->nkeys, target.data, stg.data);
		strlist_push(script, buf_detach(&sql));
		insert_all(d, script, t, target.data, stg.data, NULL);
	}
	free(keys);
	buf_free(&target);
	buf_free(&stg);
}

void
sink_reconcile(const sink_dialect *d, strlist *script, const table_def *t,
			   const table_def *keys_def, const char *staging)
{
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;
	const table_column **keys = sink_key_columns(keys_def);

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_staging_ref(d, &stg, keys_def, staging);
	remove_not_staged(d, script, t, keys, keys_def->nkeys, target.data, stg.data);
	free(keys);
	buf_free(&target);
	buf_free(&stg);
}
