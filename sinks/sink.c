/*
 * sink.c
 *    The dialect registry and everything the dialects share: identifier and
 *    literal quoting, column lists, the numeric mapping of 38-digit
 *    warehouses, and the statement builders for DDL, snapshot and change
 *    apply, schema changes and the state table.
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

/* The columns wharf adds to a table with soft deletes. */
#define SINK_DELETED_COL	"_wharf_deleted"
#define SINK_DELETED_AT_COL	"_wharf_deleted_at"

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
 * Redshift: "ASCII letters in delimited identifiers are case-insensitive
 * and are folded to lowercase" (Names and identifiers), and a name is at
 * most 127 bytes; Snowflake: a quoted identifier keeps its case, one
 * unquoted "is stored and resolved as uppercase characters" (Identifier
 * requirements), up to 255 characters.  So two source names may be one
 * warehouse name.
 */
static void meta_names(const table_def *t, const char *names[3]);

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

	meta_names(t, names);
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
 * WHARF_TEST_GUARDS=DIALECT (tests only): the guards of that dialect on the
 * columns of this one, so that the Postgres stand-in warehouse runs both
 * enforcement points, the snapshot's query and the change stream's checks,
 * end to end with another warehouse's limits.
 */
const sink_dialect *
sink_guards_dialect(const sink_dialect *d)
{
	const char *name = getenv("WHARF_TEST_GUARDS");
	const sink_dialect *g = name != NULL && name[0] != '\0' ? sink_dialect_by_name(name) : NULL;

	return g != NULL ? g : d;
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
static const table_column **
key_columns(const table_def *t)
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
static void
meta_names(const table_def *t, const char *names[3])
{
	names[0] = t->synced_at_col;
	names[1] = t->lsn_col;
	names[2] = t->op_col;
}

static bool
has_meta(const table_def *t)
{
	return t->synced_at_col != NULL || t->lsn_col != NULL || t->op_col != NULL;
}

/* ", <name> <type>" of each metadata column t has. */
static void
meta_definitions(const sink_dialect *d, buf *out, const table_def *t)
{
	const char *names[3];
	const char *types[3] = {d->tstz_type, "BIGINT", "VARCHAR(1)"};

	meta_names(t, names);
	for (int i = 0; i < 3; i++)
		if (names[i] != NULL)
		{
			buf_puts(out, ",\n\t");
			sink_quote_ident(d, out, names[i]);
			buf_printf(out, " %s", types[i]);
		}
}

/* ", <name>" of each metadata column t has: the rest of a column list. */
static void
meta_column_list(const sink_dialect *d, buf *out, const table_def *t)
{
	const char *names[3];

	meta_names(t, names);
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

	meta_names(t, names);
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
static void
meta_change_values(const sink_dialect *d, buf *out, const table_def *t, const char *rel,
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
		const table_column **keys = key_columns(t);

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
static const char *const change_cols[] = {
	SINK_CHANGE_LSN, SINK_CHANGE_SEQ, SINK_CHANGE_OP, SINK_CHANGE_UNCHANGED
};

#define NCHANGE_COLS ((int) (sizeof(change_cols) / sizeof(change_cols[0])))

void
sink_staging_column_list(const sink_dialect *d, buf *out, const table_def *t, load_kind kind)
{
	if (kind != LOAD_SNAPSHOT)
		for (int i = 0; i < NCHANGE_COLS; i++)
		{
			sink_quote_ident(d, out, change_cols[i]);
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
		const char *types[NCHANGE_COLS] = {"BIGINT", "BIGINT", d->text_type, d->long_text_type};

		for (int i = 0; i < NCHANGE_COLS; i++)
		{
			buf_puts(&sql, "\n\t");
			sink_quote_ident(d, &sql, change_cols[i]);
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
	bool		direct = (d->copy_column_list || t->deletes != DELETES_SOFT) && !has_meta(t);

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
static void
column_ref(const sink_dialect *d, buf *out, const char *rel, const char *col)
{
	buf_puts(out, rel);
	buf_putc(out, '.');
	sink_quote_ident(d, out, col);
}

/* Appends staged column c of rel, converted to its target type. */
static void
staged_value(const sink_dialect *d, buf *out, const table_column *c, const char *rel)
{
	buf			ref = BUF_INIT;

	column_ref(d, &ref, rel, c->name);
	if (d->staged_value != NULL)
		d->staged_value(out, c, ref.data);
	else
		buf_puts(out, ref.data);
	buf_free(&ref);
}

/* Column c of rel: a staged value converted, or one converted already. */
static void
value_of(const sink_dialect *d, buf *out, const table_column *c, const char *rel, bool converted)
{
	if (converted)
		column_ref(d, out, rel, c->name);
	else
		staged_value(d, out, c, rel);
}

/* Every column of rel, converted, separated by commas: the values of an INSERT. */
static void
values_of(const sink_dialect *d, buf *out, const table_def *t, const char *rel, bool converted)
{
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		value_of(d, out, &t->cols[i], rel, converted);
	}
}

static void
staged_values(const sink_dialect *d, buf *out, const table_def *t, const char *rel)
{
	values_of(d, out, t, rel, false);
}

/* target.k1 = rel.k1 AND ..., rel's values converted or converted already */
static void
key_match_of(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
			 const char *target, const char *rel, bool converted)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, " AND ");
		column_ref(d, out, target, keys[k]->name);
		buf_puts(out, " = ");
		value_of(d, out, keys[k], rel, converted);
	}
}

/* target.k1 = staged.k1 AND ... */
static void
key_match(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		  const char *target, const char *staged)
{
	key_match_of(d, out, keys, nkeys, target, staged, false);
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
	meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nSELECT ");
	staged_values(d, &sql, t, "s");
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
		column_ref(d, out, target, SINK_DELETED_COL);
		buf_puts(out, " = FALSE\n  AND ");
	}
	buf_printf(out, "NOT EXISTS (SELECT 1 FROM %s AS s WHERE ", staging);
	key_match(d, out, keys, nkeys, target, "s");
	buf_putc(out, ')');
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
	key_match(d, &sql, keys, t->nkeys, "t", "s");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		first = false;
		sink_quote_ident(d, &sql, c->name);
		buf_puts(&sql, " = ");
		staged_value(d, &sql, c, "s");
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
	meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nVALUES (");
	staged_values(d, &sql, t, "s");
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

	keys = key_columns(t);
	if (t->deletes == DELETES_SOFT)
	{
		buf_printf(&sql, "UPDATE %s SET ", target.data);
		sink_quote_ident(d, &sql, SINK_DELETED_COL);
		buf_puts(&sql, " = TRUE, ");
		sink_quote_ident(d, &sql, SINK_DELETED_AT_COL);
		buf_printf(&sql, " = %s", d->now);
		where_not_staged(d, &sql, keys, t->nkeys, target.data, stg.data, true);
	}
	else
	{
		buf_printf(&sql, "DELETE FROM %s", target.data);
		where_not_staged(d, &sql, keys, t->nkeys, target.data, stg.data, false);
	}
	strlist_push(script, buf_detach(&sql));

	if (d->merge)
		merge_statement(d, script, t, keys, target.data, stg.data, lsn);
	else
	{
		/* replace every staged key's row, then insert them all */
		buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target.data, stg.data);
		key_match(d, &sql, keys, t->nkeys, target.data, stg.data);
		strlist_push(script, buf_detach(&sql));
		insert_all(d, script, t, target.data, stg.data, lsn);
	}
	free(keys);

done:
	buf_free(&target);
	buf_free(&stg);
}

/*
 * Change batches (LOAD_CHANGES).  The statements below apply one batch of
 * staged changes; the caller runs them in one transaction with the rest of
 * the load.  Their meaning, whatever order the rows were staged in:
 *
 *   1. A truncate ('T') empties the target (soft deletes: marks every live
 *      row deleted), and only the changes after the batch's last truncate,
 *      by (_wharf_lsn, _wharf_seq), count from then on.
 *   2. Per key, the last change by (_wharf_lsn, _wharf_seq) wins.
 *   3. A column the winner staged as an unchanged TOASTed value takes its
 *      value from the latest earlier insert or update of that key (after
 *      the truncate) that carried one; failing that the target's value
 *      stays (a new row gets NULL).  Deletes carry the key only and never
 *      provide values.  A key change ('K', LOAD_CHANGES_MOVED) carries
 *      every column: its unchanged ones are the old key's as they were
 *      just before it (see moved_changes).
 *   4. A winning delete deletes (soft: marks) the row; a winning insert or
 *      update replaces the row's columns (soft: unmarking it), or inserts
 *      it.  A delete of a key the target lacks does nothing.
 *
 * Step 3 needs window functions only.  For column c, seen_c counts the rows
 * of the key so far, in batch order, that carried c; the rows sharing a key
 * and a seen_c then begin with the one whose value of c they should use,
 * which FIRST_VALUE over (key, seen_c) reads back.  Redshift wants an
 * explicit frame on FIRST_VALUE and on any aggregate with an ORDER BY, so
 * every window here has one.
 *
 * The MERGE dialects (Postgres, Snowflake) apply the resolved winners with
 * one MERGE whose source is that query, needing no temporary object
 * (Snowflake would commit the transaction on creating one).  Redshift's
 * MERGE takes no conditions: it resolves the winners and the target's kept
 * values into a temporary table named after the staging table, so that the
 * batches of several tables can share one transaction, then deletes and
 * inserts, as its snapshot apply does.
 */

#define WINDOW_FRAME "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"

/* rel.k1, rel.k2, ... */
static void
key_list(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		 const char *rel)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, ", ");
		column_ref(d, out, rel, keys[k]->name);
	}
}

/* rel.lsn, rel.seq, ascending or descending: batch order. */
static void
change_order(const sink_dialect *d, buf *out, const char *rel, bool desc)
{
	column_ref(d, out, rel, SINK_CHANGE_LSN);
	if (desc)
		buf_puts(out, " DESC");
	buf_puts(out, ", ");
	column_ref(d, out, rel, SINK_CHANGE_SEQ);
	if (desc)
		buf_puts(out, " DESC");
}

/* An identifier wharf derives from a column's 1-based ordinal, such as "_wharf_seen_3". */
static void
ordinal_ident(const sink_dialect *d, buf *out, const char *prefix, int ordinal)
{
	char	   *name = xasprintf("%s%d", prefix, ordinal);

	sink_quote_ident(d, out, name);
	free(name);
}

static void
ordinal_ref(const sink_dialect *d, buf *out, const char *rel, const char *prefix, int ordinal)
{
	buf_printf(out, "%s.", rel);
	ordinal_ident(d, out, prefix, ordinal);
}

#define SEEN_PREFIX	"_wharf_seen_"
#define HAS_PREFIX	"_wharf_has_"
#define RANK_COL	"_wharf_rank"
#define TRUNC_LSN	"_wharf_truncate_lsn"
#define TRUNC_SEQ	"_wharf_truncate_seq"
#define OLD_PREFIX	"_wharf_old_"

/* target.k1 = rel.k1 AND ... (both already of the target's types) */
static void
key_equal(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		  const char *target, const char *rel)
{
	for (int k = 0; k < nkeys; k++)
	{
		if (k > 0)
			buf_puts(out, " AND ");
		column_ref(d, out, target, keys[k]->name);
		buf_puts(out, " = ");
		column_ref(d, out, rel, keys[k]->name);
	}
}

/* rel.op = 'X' (or <> with negate) */
static void
op_is(const sink_dialect *d, buf *out, const char *rel, const char *op, bool negate)
{
	column_ref(d, out, rel, SINK_CHANGE_OP);
	buf_printf(out, " %s '%s'", negate ? "<>" : "=", op);
}

/* EXISTS (SELECT 1 FROM staging AS x WHERE x.op = 'T') */
static void
batch_truncates(const sink_dialect *d, buf *out, const char *stg)
{
	buf_printf(out, "EXISTS (SELECT 1 FROM %s AS x WHERE ", stg);
	op_is(d, out, "x", "T", false);
	buf_putc(out, ')');
}

/*
 * seen_i of column i (ordinal) in rel's rows, counting those that carry it:
 *   COUNT(CASE WHEN [rel.op = 'K' OR] (rel.op IN ops AND <i not unchanged>) THEN 1 END)
 *     OVER (PARTITION BY <key> ORDER BY <batch order> <frame>) AS seen_i
 */
static void
seen_count(const sink_dialect *d, buf *out, const table_column **keys, int nkeys,
		   int ordinal, const char *ops, bool key_change_carries)
{
	buf_puts(out, "COUNT(CASE WHEN ");
	if (key_change_carries)
	{
		op_is(d, out, "s", "K", false);
		buf_puts(out, " OR (");
	}
	column_ref(d, out, "s", SINK_CHANGE_OP);
	buf_printf(out, " IN %s AND (", ops);
	column_ref(d, out, "s", SINK_CHANGE_UNCHANGED);
	buf_printf(out, " IS NULL OR POSITION(',%d,' IN ", ordinal);
	column_ref(d, out, "s", SINK_CHANGE_UNCHANGED);
	buf_puts(out, ") = 0)");
	if (key_change_carries)
		buf_putc(out, ')');
	buf_puts(out, " THEN 1 END) OVER (PARTITION BY ");
	key_list(d, out, keys, nkeys, "s");
	buf_puts(out, " ORDER BY ");
	change_order(d, out, "s", false);
	buf_puts(out, " " WINDOW_FRAME ") AS ");
	ordinal_ident(d, out, SEEN_PREFIX, ordinal);
}

/*
 * FROM staging AS s, only its rows after the batch's last truncate (all
 * of them without one; without the subqueries when truncates says the
 * rows hold none), each line starting with ind:
 *   FROM staging AS s CROSS JOIN (<the last truncate's position, one row>) AS tp
 *   WHERE s.op <> 'T' AND <s after tp>
 */
static void
after_truncate(const sink_dialect *d, buf *out, const char *stg, const char *ind, bool truncates)
{
	if (!truncates)
	{
		/* no truncate among the rows: all of them */
		buf_printf(out, "\n%sFROM %s AS s", ind, stg);
		return;
	}
	buf_printf(out, "\n%sFROM %s AS s\n%sCROSS JOIN (SELECT MAX(x.", ind, stg, ind);
	sink_quote_ident(d, out, SINK_CHANGE_LSN);
	buf_puts(out, ") AS ");
	sink_quote_ident(d, out, TRUNC_LSN);
	buf_puts(out, ", MAX(x.");
	sink_quote_ident(d, out, SINK_CHANGE_SEQ);
	buf_puts(out, ") AS ");
	sink_quote_ident(d, out, TRUNC_SEQ);
	buf_printf(out, "\n%s\tFROM %s AS x\n%s\tWHERE ", ind, stg, ind);
	op_is(d, out, "x", "T", false);
	buf_puts(out, " AND ");
	column_ref(d, out, "x", SINK_CHANGE_LSN);
	buf_puts(out, " = (SELECT MAX(y.");
	sink_quote_ident(d, out, SINK_CHANGE_LSN);
	buf_printf(out, ") FROM %s AS y WHERE ", stg);
	op_is(d, out, "y", "T", false);
	buf_printf(out, ")) AS tp\n%sWHERE ", ind);
	op_is(d, out, "s", "T", true);
	buf_printf(out, "\n%s  AND (", ind);
	column_ref(d, out, "tp", TRUNC_LSN);
	buf_puts(out, " IS NULL OR ");
	column_ref(d, out, "s", SINK_CHANGE_LSN);
	buf_puts(out, " > ");
	column_ref(d, out, "tp", TRUNC_LSN);
	buf_printf(out, "\n%s       OR (", ind);
	column_ref(d, out, "s", SINK_CHANGE_LSN);
	buf_puts(out, " = ");
	column_ref(d, out, "tp", TRUNC_LSN);
	buf_puts(out, " AND ");
	column_ref(d, out, "s", SINK_CHANGE_SEQ);
	buf_puts(out, " > ");
	column_ref(d, out, "tp", TRUNC_SEQ);
	buf_puts(out, "))");
}

/*
 * The batch's rows after its last truncate, with seen_c for each non-key
 * column c (ordinal i):
 *   SELECT s.<columns>, s.lsn, s.seq, s.op,
 *     COUNT(CASE WHEN <row carries c> THEN 1 END) OVER (<key, batch order>) AS seen_i
 *   FROM staging AS s CROSS JOIN (<the last truncate's position, one row>) AS tp
 *   WHERE s.op <> 'T' AND <s after tp>
 * A row carries c when it is an insert or update whose unchanged list lacks i.
 */
static void
changes_after_truncate(const sink_dialect *d, buf *out, const table_def *t,
					   const table_column **keys, const char *stg, bool complete, bool truncates)
{
	buf_puts(out, "\t\tSELECT ");
	sink_column_list(d, out, t, "s.");
	for (int i = 0; i < 3; i++)
	{
		buf_puts(out, ", ");
		column_ref(d, out, "s", change_cols[i]);
	}
	for (int i = 0; i < t->ncols && !complete; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t");
		seen_count(d, out, keys, t->nkeys, i + 1, "('I', 'U')", false);
	}
	after_truncate(d, out, stg, "\t\t", truncates);
}

/*
 * With key changes ('K' rows): the rows after the last truncate, converted
 * to the target's types, each key change's unchanged columns holding the
 * old key's values as they were just before it, that is at the delete
 * staged right before the 'K' row: the batch's latest carrier of the old
 * key, else the target's row of the old key.  Over that, seen_i as in
 * changes_after_truncate, a key change carrying every column:
 *   SELECT s.<columns>, s.lsn, s.seq, s.op,
 *     COUNT(CASE WHEN s.op = 'K' OR <s carries c> THEN 1 END) OVER (<key, batch order>) AS seen_i
 *   FROM (
 *     SELECT m.<keys>, CASE WHEN m.op = 'K' AND <i unchanged> THEN LAG(m.old_i) OVER (<batch order>)
 *       ELSE m.c END AS c, m.lsn, m.seq, m.op, m.unchanged
 *     FROM (
 *       SELECT v.<columns>, v.lsn, v.seq, v.op, v.unchanged,
 *         CASE WHEN v.seen_i > 0 THEN FIRST_VALUE(v.c) OVER (<key, seen_i, batch order>)
 *           ELSE o.c END AS old_i
 *       FROM (SELECT <converted s.columns>, s.lsn, s.seq, s.op, s.unchanged, <seen_i>
 *             FROM <after the last truncate>) AS v
 *       LEFT JOIN target AS o ON v.op = 'D' AND <o's key is v's>
 *     ) AS m
 *   ) AS s
 * A chain of such key changes (a row moved twice) would need the first
 * one resolved before the second: the change stream starts a new segment
 * before one.
 */
static void
moved_changes(const sink_dialect *d, buf *out, const table_def *t,
			  const table_column **keys, const char *stg, const char *target, bool truncates)
{
	buf_puts(out, "\t\tSELECT ");
	sink_column_list(d, out, t, "s.");
	for (int i = 0; i < 3; i++)
	{
		buf_puts(out, ", ");
		column_ref(d, out, "s", change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t");
		seen_count(d, out, keys, t->nkeys, i + 1, "('I', 'U')", true);
	}
	/* m: the key changes' unchanged columns from the old key */
	buf_puts(out, "\n\t\tFROM (\n\t\t\tSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (i > 0)
			buf_puts(out, ",\n\t\t\t\t");
		if (c->key_pos > 0)
		{
			column_ref(d, out, "m", c->name);
			continue;
		}
		buf_puts(out, "CASE WHEN ");
		op_is(d, out, "m", "K", false);
		buf_printf(out, " AND POSITION(',%d,' IN ", i + 1);
		column_ref(d, out, "m", SINK_CHANGE_UNCHANGED);
		buf_puts(out, ") > 0 THEN LAG(");
		ordinal_ref(d, out, "m", OLD_PREFIX, i + 1);
		buf_puts(out, ") OVER (ORDER BY ");
		change_order(d, out, "m", false);
		buf_puts(out, ") ELSE ");
		column_ref(d, out, "m", c->name);
		buf_puts(out, " END AS ");
		sink_quote_ident(d, out, c->name);
	}
	for (int i = 0; i < NCHANGE_COLS; i++)
	{
		buf_puts(out, ", ");
		column_ref(d, out, "m", change_cols[i]);
	}
	/* v's rows, each delete with its key's values just before it */
	buf_puts(out, "\n\t\t\tFROM (\n\t\t\t\tSELECT ");
	sink_column_list(d, out, t, "v.");
	for (int i = 0; i < NCHANGE_COLS; i++)
	{
		buf_puts(out, ", ");
		column_ref(d, out, "v", change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t\t\tCASE WHEN ");
		ordinal_ref(d, out, "v", SEEN_PREFIX, i + 1);
		buf_puts(out, " > 0 THEN FIRST_VALUE(");
		column_ref(d, out, "v", c->name);
		buf_puts(out, ") OVER (PARTITION BY ");
		key_list(d, out, keys, t->nkeys, "v");
		buf_puts(out, ", ");
		ordinal_ref(d, out, "v", SEEN_PREFIX, i + 1);
		buf_puts(out, " ORDER BY ");
		change_order(d, out, "v", false);
		buf_puts(out, " " WINDOW_FRAME ") ELSE ");
		column_ref(d, out, "o", c->name);
		buf_puts(out, " END AS ");
		ordinal_ident(d, out, OLD_PREFIX, i + 1);
	}
	/* v: the rows after the last truncate, converted, with their own seen_i */
	buf_puts(out, "\n\t\t\t\tFROM (\n\t\t\t\t\tSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		staged_value(d, out, &t->cols[i], "s");
		buf_puts(out, " AS ");
		sink_quote_ident(d, out, t->cols[i].name);
	}
	for (int i = 0; i < NCHANGE_COLS; i++)
	{
		buf_puts(out, ", ");
		column_ref(d, out, "s", change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\t\t\t\t\t");
		seen_count(d, out, keys, t->nkeys, i + 1, "('I', 'U', 'K')", false);
	}
	after_truncate(d, out, stg, "\t\t\t\t\t", truncates);
	buf_printf(out, "\n\t\t\t\t) AS v\n\t\t\t\tLEFT JOIN %s AS o ON ", target);
	op_is(d, out, "v", "D", false);
	buf_puts(out, " AND ");
	key_equal(d, out, keys, t->nkeys, "o", "v");
	buf_puts(out, "\n\t\t\t) AS m\n\t\t) AS s");
}

/* ", rel.lsn" when t has metadata columns: the winner's commit LSN goes along. */
static void
winner_lsn(const sink_dialect *d, buf *out, const table_def *t, const char *rel)
{
	if (!has_meta(t))
		return;
	buf_puts(out, ", ");
	column_ref(d, out, rel, SINK_CHANGE_LSN);
}

/*
 * The winning change of each key, its non-key columns resolved, with a flag
 * has_i telling whether column i has a value from the batch (else the
 * target's stays), staged values unconverted:
 *   SELECT b.<columns>, b.op, b.has_i... FROM (
 *     SELECT a.<keys>, a.op, ROW_NUMBER() OVER (<key, batch order desc>) AS rank,
 *       CASE WHEN a.seen_i > 0 THEN FIRST_VALUE(a.c) OVER (<key, seen_i, batch order>) END AS c,
 *       a.seen_i > 0 AS has_i ...
 *     FROM (<changes_after_truncate>) AS a
 *   ) AS b WHERE b.rank = 1
 */
static void
resolved_changes(const sink_dialect *d, buf *out, const table_def *t,
				 const table_column **keys, const char *stg, bool complete,
				 const char *moved_target, bool truncates)
{
	if (complete)
	{
		/* no unchanged values: the last change of each key is the row */
		buf_puts(out, "SELECT ");
		sink_column_list(d, out, t, "b.");
		buf_puts(out, ", ");
		column_ref(d, out, "b", SINK_CHANGE_OP);
		winner_lsn(d, out, t, "b");
		buf_puts(out, "\nFROM (\n\tSELECT ");
		sink_column_list(d, out, t, "a.");
		buf_puts(out, ", ");
		column_ref(d, out, "a", SINK_CHANGE_OP);
		winner_lsn(d, out, t, "a");
		buf_puts(out, ",\n\t\tROW_NUMBER() OVER (PARTITION BY ");
		key_list(d, out, keys, t->nkeys, "a");
		buf_puts(out, " ORDER BY ");
		change_order(d, out, "a", true);
		buf_puts(out, ") AS ");
		sink_quote_ident(d, out, RANK_COL);
		buf_puts(out, "\n\tFROM (\n");
		changes_after_truncate(d, out, t, keys, stg, true, truncates);
		buf_puts(out, "\n\t) AS a\n) AS b\nWHERE ");
		column_ref(d, out, "b", RANK_COL);
		buf_puts(out, " = 1");
		return;
	}
	buf_puts(out, "SELECT ");
	sink_column_list(d, out, t, "b.");
	buf_puts(out, ", ");
	column_ref(d, out, "b", SINK_CHANGE_OP);
	winner_lsn(d, out, t, "b");
	for (int i = 0; i < t->ncols; i++)
	{
		if (t->cols[i].key_pos > 0)
			continue;
		buf_puts(out, ", ");
		ordinal_ref(d, out, "b", HAS_PREFIX, i + 1);
	}
	buf_puts(out, "\nFROM (\n\tSELECT ");
	key_list(d, out, keys, t->nkeys, "a");
	buf_puts(out, ", ");
	column_ref(d, out, "a", SINK_CHANGE_OP);
	winner_lsn(d, out, t, "a");
	buf_puts(out, ",\n\t\tROW_NUMBER() OVER (PARTITION BY ");
	key_list(d, out, keys, t->nkeys, "a");
	buf_puts(out, " ORDER BY ");
	change_order(d, out, "a", true);
	buf_puts(out, ") AS ");
	sink_quote_ident(d, out, RANK_COL);
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(out, ",\n\t\tCASE WHEN ");
		ordinal_ref(d, out, "a", SEEN_PREFIX, i + 1);
		buf_puts(out, " > 0 THEN FIRST_VALUE(");
		column_ref(d, out, "a", c->name);
		buf_puts(out, ") OVER (PARTITION BY ");
		key_list(d, out, keys, t->nkeys, "a");
		buf_puts(out, ", ");
		ordinal_ref(d, out, "a", SEEN_PREFIX, i + 1);
		buf_puts(out, " ORDER BY ");
		change_order(d, out, "a", false);
		buf_puts(out, " " WINDOW_FRAME ") END AS ");
		sink_quote_ident(d, out, c->name);
		buf_puts(out, ",\n\t\t");
		ordinal_ref(d, out, "a", SEEN_PREFIX, i + 1);
		buf_puts(out, " > 0 AS ");
		ordinal_ident(d, out, HAS_PREFIX, i + 1);
	}
	buf_puts(out, "\n\tFROM (\n");
	if (moved_target != NULL)
		moved_changes(d, out, t, keys, stg, moved_target, truncates);
	else
		changes_after_truncate(d, out, t, keys, stg, false, truncates);
	buf_puts(out, "\n\t) AS a\n) AS b\nWHERE ");
	column_ref(d, out, "b", RANK_COL);
	buf_puts(out, " = 1");
}

/*
 * CASE WHEN rel.has_i THEN <converted rel.c> ELSE kept END; rel's values are
 * converted already with key changes (see moved_changes).
 */
static void
resolved_value(const sink_dialect *d, buf *out, const table_column *c, int ordinal,
			   const char *rel, const char *kept_rel, bool complete, bool converted)
{
	if (complete)
	{
		value_of(d, out, c, rel, converted);
		return;
	}
	buf_puts(out, "CASE WHEN ");
	ordinal_ref(d, out, rel, HAS_PREFIX, ordinal);
	buf_puts(out, " THEN ");
	value_of(d, out, c, rel, converted);
	buf_puts(out, " ELSE ");
	column_ref(d, out, kept_rel, c->name);
	buf_puts(out, " END");
}

/* SET deleted = TRUE, deleted_at = now (without SET) */
static void
mark_deleted(const sink_dialect *d, buf *out, bool deleted)
{
	sink_quote_ident(d, out, SINK_DELETED_COL);
	buf_puts(out, deleted ? " = TRUE, " : " = FALSE, ");
	sink_quote_ident(d, out, SINK_DELETED_AT_COL);
	buf_printf(out, " = %s", deleted ? d->now : "NULL");
}

static void
merge_changes(const sink_dialect *d, strlist *script, const table_def *t,
			  const table_column **keys, const char *target, const char *stg,
			  bool complete, bool moved, bool truncates)
{
	bool		soft = t->deletes == DELETES_SOFT;
	bool		first = true;
	buf			sql = BUF_INIT;

	buf_printf(&sql, "MERGE INTO %s AS t\nUSING (\n", target);
	resolved_changes(d, &sql, t, keys, stg, complete, moved ? target : NULL, truncates);
	buf_puts(&sql, "\n) AS s\nON ");
	key_match_of(d, &sql, keys, t->nkeys, "t", "s", moved);
	buf_puts(&sql, "\nWHEN MATCHED AND ");
	op_is(d, &sql, "s", "D", false);
	if (soft)
	{
		buf_puts(&sql, " THEN UPDATE SET ");
		mark_deleted(d, &sql, true);
	}
	else
		buf_puts(&sql, " THEN DELETE");
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (c->key_pos > 0)
			continue;
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		first = false;
		sink_quote_ident(d, &sql, c->name);
		buf_puts(&sql, " = ");
		resolved_value(d, &sql, c, i + 1, "s", "t", complete, moved);
	}
	if (soft)
	{
		buf_puts(&sql, first ? "\nWHEN MATCHED THEN UPDATE SET " : ", ");
		mark_deleted(d, &sql, false);
		first = false;
	}
	meta_change_values(d, &sql, t, "s", true, first ? "\nWHEN MATCHED THEN UPDATE SET " : NULL);
	buf_puts(&sql, "\nWHEN NOT MATCHED AND ");
	op_is(d, &sql, "s", "D", true);
	buf_puts(&sql, " THEN INSERT (");
	sink_column_list(d, &sql, t, NULL);
	meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nVALUES (");
	values_of(d, &sql, t, "s", moved);
	meta_change_values(d, &sql, t, "s", false, NULL);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
}

/* Without conditional MERGE: a temporary table of final rows, then DELETE and INSERT. */
static void
delete_insert_changes(const sink_dialect *d, strlist *script, const table_def *t,
					  const table_column **keys, const char *target, const char *staging,
					  const char *stg, bool complete, bool moved, bool truncates)
{
	char	   *final_name = xasprintf("%s_final", staging);
	buf			fin = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_quote_ident(d, &fin, final_name);

	/* the final rows, converted, with the target's values where the batch has none */
	buf_printf(&sql, "CREATE %s TABLE %s AS\nSELECT ", d->temp_create, fin.data);
	for (int i = 0; i < t->ncols; i++)
	{
		const table_column *c = &t->cols[i];

		if (i > 0)
			buf_puts(&sql, ",\n\t");
		if (c->key_pos > 0)
			value_of(d, &sql, c, "r", moved);
		else
			resolved_value(d, &sql, c, i + 1, "r", "t", complete, moved);
		buf_puts(&sql, " AS ");
		sink_quote_ident(d, &sql, c->name);
	}
	buf_puts(&sql, ",\n\t");
	column_ref(d, &sql, "r", SINK_CHANGE_OP);
	winner_lsn(d, &sql, t, "r");
	buf_puts(&sql, "\nFROM (\n");
	resolved_changes(d, &sql, t, keys, stg, complete, moved ? target : NULL, truncates);
	buf_printf(&sql, "\n) AS r\nLEFT JOIN %s AS t ON ", target);
	key_match_of(d, &sql, keys, t->nkeys, "t", "r", moved);
	strlist_push(script, buf_detach(&sql));

	if (t->deletes == DELETES_SOFT)
	{
		buf_printf(&sql, "UPDATE %s SET ", target);
		mark_deleted(d, &sql, true);
		buf_printf(&sql, "\nFROM %s\nWHERE ", fin.data);
		key_equal(d, &sql, keys, t->nkeys, target, fin.data);
		buf_puts(&sql, " AND ");
		op_is(d, &sql, fin.data, "D", false);
		strlist_push(script, buf_detach(&sql));
	}
	/* every row the batch replaces or (hard) deletes */
	buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target, fin.data);
	key_equal(d, &sql, keys, t->nkeys, target, fin.data);
	if (t->deletes == DELETES_SOFT)
	{
		buf_puts(&sql, " AND ");
		op_is(d, &sql, fin.data, "D", true);
	}
	strlist_push(script, buf_detach(&sql));

	buf_printf(&sql, "INSERT INTO %s (", target);
	sink_column_list(d, &sql, t, NULL);
	meta_column_list(d, &sql, t);
	buf_puts(&sql, ")\nSELECT ");
	for (int i = 0; i < t->ncols; i++)
	{
		if (i > 0)
			buf_puts(&sql, ", ");
		column_ref(d, &sql, fin.data, t->cols[i].name);
	}
	meta_change_values(d, &sql, t, fin.data, false, NULL);
	buf_printf(&sql, "\nFROM %s\nWHERE ", fin.data);
	op_is(d, &sql, fin.data, "D", true);
	strlist_push(script, buf_detach(&sql));

	buf_printf(&sql, "DROP TABLE %s", fin.data);
	strlist_push(script, buf_detach(&sql));

	free(final_name);
	buf_free(&fin);
}

/*
 * What a change apply reads its staged rows from: the segment's staging
 * table, or its rows of a bundle, under the segment's own column names:
 *   (SELECT <change columns>, b.<first> AS c1, ... FROM bundle AS b
 *    WHERE b._wharf_segment = <segment>)
 */
static void
changes_ref(const sink_dialect *d, buf *out, const table_def *t, const sink_changes *ch)
{
	if (ch->bundle == NULL)
	{
		sink_staging_ref(d, out, t, ch->staging);
		return;
	}
	buf_puts(out, "(SELECT ");
	for (int i = 0; i < NCHANGE_COLS; i++)
	{
		if (i > 0)
			buf_puts(out, ", ");
		column_ref(d, out, "b", change_cols[i]);
	}
	for (int i = 0; i < t->ncols; i++)
	{
		buf_puts(out, ", ");
		column_ref(d, out, "b", ch->bundle->cols[ch->first + i].name);
		buf_puts(out, " AS ");
		sink_quote_ident(d, out, t->cols[i].name);
	}
	buf_puts(out, " FROM ");
	sink_staging_ref(d, out, ch->bundle, ch->staging);
	buf_puts(out, " AS b WHERE ");
	column_ref(d, out, "b", SINK_BUNDLE_SEGMENT);
	buf_printf(out, " = %d)", ch->segment);
}

static void
apply_changes(const sink_dialect *d, strlist *script, const table_def *t, const sink_changes *ch)
{
	bool		complete = ch->kind == LOAD_CHANGES_COMPLETE;
	bool		moved = ch->kind == LOAD_CHANGES_MOVED;
	buf			target = BUF_INIT;
	buf			stg = BUF_INIT;
	buf			sql = BUF_INIT;
	const table_column **keys;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	changes_ref(d, &stg, t, ch);

	if (t->mode == MODE_APPEND)
	{
		/* insert-only history: the inserts, in batch order */
		buf_printf(&sql, "INSERT INTO %s (", target.data);
		sink_column_list(d, &sql, t, NULL);
		meta_column_list(d, &sql, t);
		buf_puts(&sql, ")\nSELECT ");
		staged_values(d, &sql, t, "s");
		meta_change_values(d, &sql, t, "s", false, NULL);
		buf_printf(&sql, "\nFROM %s AS s\nWHERE ", stg.data);
		op_is(d, &sql, "s", "I", false);
		buf_puts(&sql, "\nORDER BY ");
		change_order(d, &sql, "s", false);
		strlist_push(script, buf_detach(&sql));
		goto done;
	}
	/* without a key, changes could only be applied wrongly */
	if (t->nkeys <= 0)
		WHARF_BUG("table %s.%s: a merge table without a key", t->schema, t->name);
	keys = key_columns(t);

	/* a truncate in the batch: the target is emptied (marked) before the rest */
	if (ch->truncates)
	{
		if (t->deletes == DELETES_SOFT)
		{
			buf_printf(&sql, "UPDATE %s SET ", target.data);
			mark_deleted(d, &sql, true);
			buf_puts(&sql, "\nWHERE ");
			column_ref(d, &sql, target.data, SINK_DELETED_COL);
			buf_puts(&sql, " = FALSE\n  AND ");
		}
		else
			buf_printf(&sql, "DELETE FROM %s\nWHERE ", target.data);
		batch_truncates(d, &sql, stg.data);
		strlist_push(script, buf_detach(&sql));
	}

	if (d->merge)
		merge_changes(d, script, t, keys, target.data, stg.data, complete, moved, ch->truncates);
	else
		delete_insert_changes(d, script, t, keys, target.data, ch->staging, stg.data,
							  complete, moved, ch->truncates);
	free(keys);

done:
	buf_free(&target);
	buf_free(&stg);
}

void
sink_apply(const sink_dialect *d, strlist *script, const table_def *t,
		   const char *staging, load_kind kind)
{
	if (kind != LOAD_SNAPSHOT)
	{
		sink_changes ch = {.staging = staging, .kind = kind, .truncates = true};

		apply_changes(d, script, t, &ch);
	}
	else
		apply_snapshot(d, script, t, staging, NULL);
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
	const table_column **keys = key_columns(t);

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_staging_ref(d, &stg, t, staging);
	if (d->merge)
		merge_statement(d, script, t, keys, target.data, stg.data, NULL);
	else
	{
		buf			sql = BUF_INIT;

		/* replace every staged key's row, then insert them all */
		buf_printf(&sql, "DELETE FROM %s\nUSING %s\nWHERE ", target.data, stg.data);
		key_match(d, &sql, keys, t->nkeys, target.data, stg.data);
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
	buf			sql = BUF_INIT;
	const table_column **keys = key_columns(keys_def);

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_staging_ref(d, &stg, keys_def, staging);
	if (t->deletes == DELETES_SOFT)
	{
		buf_printf(&sql, "UPDATE %s SET ", target.data);
		sink_quote_ident(d, &sql, SINK_DELETED_COL);
		buf_puts(&sql, " = TRUE, ");
		sink_quote_ident(d, &sql, SINK_DELETED_AT_COL);
		buf_printf(&sql, " = %s", d->now);
		where_not_staged(d, &sql, keys, keys_def->nkeys, target.data, stg.data, true);
	}
	else
	{
		buf_printf(&sql, "DELETE FROM %s", target.data);
		where_not_staged(d, &sql, keys, keys_def->nkeys, target.data, stg.data, false);
	}
	strlist_push(script, buf_detach(&sql));
	free(keys);
	buf_free(&target);
	buf_free(&stg);
}

void
sink_apply_changes(const sink_dialect *d, strlist *script, const table_def *t,
				   const sink_changes *ch)
{
	apply_changes(d, script, t, ch);
}

void
sink_add_meta_columns(const sink_dialect *d, strlist *script, const table_def *t,
					  const bool *missing)
{
	const char *names[3];
	const char *types[3] = {d->tstz_type, "BIGINT", "VARCHAR(1)"};

	if (missing == NULL && !d->add_if_not_exists)
		return;
	meta_names(t, names);
	for (int i = 0; i < 3; i++)
		if (names[i] != NULL && (missing == NULL || missing[i]))
		{
			buf			sql = BUF_INIT;

			buf_puts(&sql, "ALTER TABLE ");
			sink_qualified(d, &sql, t->target_schema, t->target_name);
			buf_printf(&sql, " ADD COLUMN %s", d->add_if_not_exists ? "IF NOT EXISTS " : "");
			sink_quote_ident(d, &sql, names[i]);
			buf_printf(&sql, " %s", types[i]);
			strlist_push(script, buf_detach(&sql));
		}
}

/*
 * Schema changes.
 *
 * A value for the existing rows of an added column comes as its staged
 * text (for Postgres, and for every column but those staged as JSON, the
 * value's Postgres text) and is converted as a staged value would be: a
 * cast to its staged type, then the dialect's conversion.  Added columns
 * take no NOT NULL: the rows before them may not have it.
 */
static bool
literal_value(const sink_dialect *d, buf *out, const table_def *t, const table_column *c,
			  const char *text)
{
	buf			lit = BUF_INIT;
	buf			type = BUF_INIT;
	buf			cast = BUF_INIT;
	bool		staged;
	bool		ok = true;

	sink_quote_literal(d, &lit, text);
	if (d->literal_value != NULL && d->literal_value(out, c, lit.data))
		goto done;
	staged = d->staged_type != NULL && d->staged_type(c, &type);
	if (!staged && !sink_column_type(d, t, c, &type))
	{
		ok = false;
		goto done;
	}
	buf_printf(&cast, "CAST(%s AS %s)", lit.data, type.data);
	if (staged && d->staged_value != NULL)
		d->staged_value(out, c, cast.data);
	else
		buf_puts(out, cast.data);
done:
	buf_free(&lit);
	buf_free(&type);
	buf_free(&cast);
	return ok;
}

/*
 * ADD COLUMN (schema work, run before the batch's transaction), then, in
 * the transaction at the point of the change, the value the existing rows
 * get: rows the batch applies before that point, older than the column
 * too, get it as well.
 */
void
sink_add_column(const sink_dialect *d, strlist *ddl, strlist *dml, const table_def *t,
				const table_column *c, const char *default_value)
{
	buf			target = BUF_INIT;
	buf			col = BUF_INIT;
	buf			value = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_qualified(d, &target, t->target_schema, t->target_name);
	sink_quote_ident(d, &col, c->name);
	buf_printf(&sql, "ALTER TABLE %s ADD COLUMN %s%s ", target.data,
			   d->add_if_not_exists ? "IF NOT EXISTS " : "", col.data);
	/* a type the dialect cannot hold was reported: nothing to add */
	if (!sink_column_type(d, t, c, &sql) ||
		(default_value != NULL && !literal_value(d, &value, t, c, default_value)))
	{
		buf_free(&sql);
		goto done;
	}
	strlist_push(ddl, buf_detach(&sql));
	/* rows already holding a value were not added now: leave them */
	if (default_value != NULL)
	{
		buf_printf(&sql, "UPDATE %s SET %s = %s\nWHERE %s IS NULL",
				   target.data, col.data, value.data, col.data);
		strlist_push(dml, buf_detach(&sql));
	}
done:
	buf_free(&target);
	buf_free(&col);
	buf_free(&value);
}

void
sink_rename_column(const sink_dialect *d, strlist *script, const table_def *t,
				   const char *from, const table_column *c)
{
	buf			sql = BUF_INIT;

	if (sink_same_name(d, from, c->name))
		return;					/* one name in the warehouse (its fold) */
	buf_puts(&sql, "ALTER TABLE ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_puts(&sql, " RENAME COLUMN ");
	sink_quote_ident(d, &sql, from);
	buf_puts(&sql, " TO ");
	sink_quote_ident(d, &sql, c->name);
	strlist_push(script, buf_detach(&sql));
}

bool
sink_reset_column(const sink_dialect *d, strlist *ddl, strlist *dml, const table_def *t,
				  const table_column *c, const char *value)
{
	buf			sql = BUF_INIT;
	int			before;

	/* of another type, perhaps: the kept column goes, the new one comes */
	buf_puts(&sql, "ALTER TABLE ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_puts(&sql, " DROP COLUMN ");
	sink_quote_ident(d, &sql, c->name);
	strlist_push(ddl, buf_detach(&sql));
	before = ddl->n;
	sink_add_column(d, ddl, dml, t, c, value);
	return ddl->n > before;		/* nothing added: reported */
}

/*
 * ALTER TABLE target ALTER COLUMN c <widen_verb> <type> [USING c::<type>],
 * type being the dialect's type for c, where the dialect can and must.
 */
/* ALTER TABLE <t> <rest>: one statement into ddl. */
static void
alter_table(const sink_dialect *d, strlist *ddl, const table_def *t, const char *rest)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "ALTER TABLE ");
	sink_qualified(d, &sql, t->target_schema, t->target_name);
	buf_printf(&sql, " %s", rest);
	strlist_push(ddl, buf_detach(&sql));
}

/*
 * A rebuild from the step that fills the new column on (has_column), else
 * its last step: UPDATE t SET <c>__wharf_rebuild = <c>; ALTER TABLE t DROP
 * COLUMN <c>; ALTER TABLE t RENAME COLUMN <c>__wharf_rebuild TO <c>.  Each
 * runs on its own as schema work; a kill between two leaves a target whose
 * columns say which step comes next (sync finds the rebuild column at
 * start and calls this again).
 */
void
sink_widen_resume(const sink_dialect *d, strlist *ddl, const table_def *t,
				  const char *name, bool has_column)
{
	char	   *rebuild = xasprintf("%s%s", name, SINK_REBUILD_SUFFIX);
	buf			col = BUF_INIT;
	buf			tmp = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_quote_ident(d, &col, name);
	sink_quote_ident(d, &tmp, rebuild);
	if (has_column)
	{
		buf_puts(&sql, "UPDATE ");
		sink_qualified(d, &sql, t->target_schema, t->target_name);
		buf_printf(&sql, " SET %s = %s", tmp.data, col.data);
		strlist_push(ddl, buf_detach(&sql));
		buf_printf(&sql, "DROP COLUMN %s", col.data);
		alter_table(d, ddl, t, sql.data);
		buf_reset(&sql);
	}
	buf_printf(&sql, "RENAME COLUMN %s TO %s", tmp.data, col.data);
	alter_table(d, ddl, t, sql.data);
	buf_free(&sql);
	buf_free(&col);
	buf_free(&tmp);
	free(rebuild);
}

bool
sink_widen_column(const sink_dialect *d, strlist *ddl, const table_def *t,
				  const table_column *was, const table_column *c)
{
	buf			type = BUF_INIT;
	buf			sql = BUF_INIT;
	sink_widen	how;

	if (!sink_column_type(d, t, c, &type))
	{
		buf_free(&type);
		return false;
	}
	how = d->widen_check != NULL ? d->widen_check(t, was, c, type.data) : SINK_WIDEN_ALTER;
	if (how == SINK_WIDEN_ALTER)
	{
		buf_puts(&sql, "ALTER COLUMN ");
		sink_quote_ident(d, &sql, c->name);
		buf_printf(&sql, " %s %s", d->widen_verb, type.data);
		if (d->widen_using)
		{
			buf_puts(&sql, " USING ");
			sink_quote_ident(d, &sql, c->name);
			buf_printf(&sql, "::%s", type.data);
		}
		alter_table(d, ddl, t, sql.data);
	}
	else if (how == SINK_WIDEN_REBUILD)
	{
		char	   *rebuild = xasprintf("%s%s", c->name, SINK_REBUILD_SUFFIX);

		/* the new column holds no NOT NULL: a warehouse adds one only with a default */
		buf_printf(&sql, "ADD COLUMN %s", d->add_if_not_exists ? "IF NOT EXISTS " : "");
		sink_quote_ident(d, &sql, rebuild);
		buf_printf(&sql, " %s", type.data);
		alter_table(d, ddl, t, sql.data);
		sink_widen_resume(d, ddl, t, c->name, true);
		free(rebuild);
	}
	buf_free(&sql);
	buf_free(&type);
	return how != SINK_WIDEN_REFUSED;
}

void
sink_held_shape(const sink_dialect *d, const table_column *c, table_column *out)
{
	*out = *c;
	if (d->held_shape != NULL)
		d->held_shape(c, out);
}

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
			sink_quote_ident(d, &sql, state_cols[i]);
			buf_puts(&sql, " = ");
			column_ref(d, &sql, "s", state_cols[i]);
		}
		buf_puts(&sql, "\nWHEN NOT MATCHED THEN INSERT (");
		for (int i = 0; i < NSTATE_COLS; i++)
		{
			if (i > 0)
				buf_puts(&sql, ", ");
			sink_quote_ident(d, &sql, state_cols[i]);
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
		for (int i = 0; i < NSTATE_COLS; i++)
		{
			if (i > 0)
				buf_puts(&sql, ", ");
			sink_quote_ident(d, &sql, state_cols[i]);
		}
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
sink_drop_table(const sink_dialect *d, strlist *script, const char *schema, const char *name)
{
	buf			sql = BUF_INIT;

	buf_puts(&sql, "DROP TABLE IF EXISTS ");
	sink_qualified(d, &sql, schema, name);
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

/*
 * DELETE FROM staging WHERE op = 'C' OR seq IN (SELECT CAST(unchanged AS
 * BIGINT) FROM staging WHERE op = 'C'): a _wharf_seq is unique in a batch.
 */
void
sink_drop_cancelled(const sink_dialect *d, strlist *script, const table_def *t,
					const char *staging)
{
	buf			stg = BUF_INIT;
	buf			sql = BUF_INIT;

	sink_staging_ref(d, &stg, t, staging);
	buf_printf(&sql, "DELETE FROM %s\nWHERE ", stg.data);
	sink_quote_ident(d, &sql, SINK_CHANGE_OP);
	buf_puts(&sql, " = 'C' OR ");
	sink_quote_ident(d, &sql, SINK_CHANGE_SEQ);
	buf_puts(&sql, " IN (SELECT CAST(c.");
	sink_quote_ident(d, &sql, SINK_CHANGE_UNCHANGED);
	buf_printf(&sql, " AS BIGINT) FROM %s AS c WHERE ", stg.data);
	op_is(d, &sql, "c", "C", false);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
	buf_free(&stg);
}

void
sink_clear_columns(const sink_dialect *d, strlist *script, const table_def *t,
				   const char *staging, const char *const *columns, int ncolumns)
{
	sink_changes ch = {.staging = staging, .kind = LOAD_CHANGES, .truncates = true};

	sink_clear_changed(d, script, t, &ch, columns, ncolumns);
}

void
sink_clear_changed(const sink_dialect *d, strlist *script, const table_def *t,
				   const sink_changes *ch, const char *const *columns, int ncolumns)
{
	const table_column **keys;
	buf			target = BUF_INIT;
	buf			sql = BUF_INIT;

	if (ncolumns == 0 || t->mode == MODE_APPEND || t->nkeys <= 0)
		return;
	keys = key_columns(t);
	sink_qualified(d, &target, t->target_schema, t->target_name);
	buf_printf(&sql, "UPDATE %s SET ", target.data);
	for (int i = 0; i < ncolumns; i++)
	{
		if (i > 0)
			buf_puts(&sql, ", ");
		sink_quote_ident(d, &sql, columns[i]);
		buf_puts(&sql, " = NULL");
	}
	buf_puts(&sql, "\nWHERE EXISTS (SELECT 1 FROM ");
	changes_ref(d, &sql, t, ch);
	buf_puts(&sql, " AS s WHERE ");
	key_match(d, &sql, keys, t->nkeys, target.data, "s");
	buf_puts(&sql, " AND ");
	op_is(d, &sql, "s", "D", true);
	buf_putc(&sql, ')');
	strlist_push(script, buf_detach(&sql));
	free(keys);
	buf_free(&target);
}
