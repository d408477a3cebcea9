/*
 * table.c
 *    Small helpers over the neutral table description.
 */
#include "table.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* Appends name, double-quoted when it is not a plain lower-case identifier. */
static void
display_ident(buf *out, const char *name)
{
	bool		plain = name[0] != '\0' && !isdigit((unsigned char) name[0]);

	for (const char *p = name; *p && plain; p++)
		if (!(islower((unsigned char) *p) || isdigit((unsigned char) *p) || *p == '_'))
			plain = false;
	if (plain)
	{
		buf_puts(out, name);
		return;
	}
	buf_putc(out, '"');
	for (const char *p = name; *p; p++)
	{
		if (*p == '"')
			buf_putc(out, '"');
		buf_putc(out, *p);
	}
	buf_putc(out, '"');
}

char *
table_display_name(const table_def *t)
{
	buf			b = BUF_INIT;

	display_ident(&b, t->schema);
	buf_putc(&b, '.');
	display_ident(&b, t->name);
	return buf_detach(&b);
}

char *
table_target_display_name(const table_def *t)
{
	table_def	target = *t;

	target.schema = t->target_schema;
	target.name = t->target_name;
	return table_display_name(&target);
}

const table_column *
table_key_column(const table_def *t, int pos)
{
	for (int i = 0; i < t->ncols; i++)
		if (t->cols[i].key_pos == pos)
			return &t->cols[i];
	return NULL;
}

void
table_def_free_columns(table_def *t)
{
	for (int i = 0; i < t->ncols; i++)
	{
		free(t->cols[i].name);
		free(t->cols[i].pg_type);
	}
	free(t->cols);
	t->cols = NULL;
	t->ncols = 0;
	t->nkeys = 0;
}

void
table_def_free(table_def *t)
{
	table_def_free_columns(t);
	free(t->schema);
	free(t->name);
	free(t->target_schema);
	free(t->target_name);
	t->schema = t->name = t->target_schema = t->target_name = NULL;
	for (int i = 0; i < t->nexcluded; i++)
		free(t->excluded[i]);
	free(t->excluded);
	t->excluded = NULL;
	t->nexcluded = 0;
}

bool
table_column_excluded(const table_def *t, const char *name)
{
	for (int i = 0; i < t->nexcluded; i++)
		if (strcmp(t->excluded[i], name) == 0)
			return true;
	return false;
}

void
table_def_copy(const table_def *src, table_def *dst)
{
	*dst = *src;
	dst->schema = src->schema ? xstrdup(src->schema) : NULL;
	dst->name = src->name ? xstrdup(src->name) : NULL;
	dst->target_schema = src->target_schema ? xstrdup(src->target_schema) : NULL;
	dst->target_name = src->target_name ? xstrdup(src->target_name) : NULL;
	dst->excluded = src->nexcluded ? xcalloc((size_t) src->nexcluded, sizeof(char *)) : NULL;
	for (int i = 0; i < src->nexcluded; i++)
		dst->excluded[i] = xstrdup(src->excluded[i]);
	dst->cols = xcalloc((size_t) (src->ncols ? src->ncols : 1), sizeof(table_column));
	for (int i = 0; i < src->ncols; i++)
	{
		dst->cols[i] = src->cols[i];
		dst->cols[i].name = xstrdup(src->cols[i].name);
		dst->cols[i].pg_type = src->cols[i].pg_type ? xstrdup(src->cols[i].pg_type) : NULL;
	}
}

/*
 * Whether a column going from type a to type b needs no more than a wider
 * warehouse type (every value of a is a value of b, text unchanged).
 */
bool
table_column_widens(const table_column *a, const table_column *b)
{
	if (a->is_array != b->is_array)
		return false;
	switch (a->kind)
	{
		case COL_INT2:
			return b->kind == COL_INT4 || b->kind == COL_INT8 || b->kind == COL_NUMERIC;
		case COL_INT4:
			return b->kind == COL_INT8 || b->kind == COL_NUMERIC;
		case COL_INT8:
			return b->kind == COL_NUMERIC && (b->precision < 0 || b->precision - b->scale >= 19);
		case COL_FLOAT4:
			return b->kind == COL_FLOAT8;
		case COL_NUMERIC:
			return b->kind == COL_NUMERIC &&
				(b->precision < 0 ||
				 (a->precision >= 0 && b->scale >= a->scale &&
				  b->precision - b->scale >= a->precision - a->scale));
		case COL_VARCHAR:
		case COL_CHAR:
			return b->kind == COL_TEXT ||
				(b->kind == COL_VARCHAR && (b->length < 0 || (a->length >= 0 && b->length >= a->length)));
		case COL_TIMESTAMP:
			return b->kind == COL_TIMESTAMP && (b->time_precision < 0 || b->time_precision >= a->time_precision);
		case COL_VARBIT:
			return b->kind == COL_VARBIT && (b->length < 0 || b->length >= a->length);
		default:
			return false;
	}
}

void
table_partitions_free(table_partitions *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->items[i].name);
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

void
table_partitions_copy(const table_partitions *src, table_partitions *dst)
{
	dst->n = src->n;
	dst->items = xcalloc((size_t) (src->n ? src->n : 1), sizeof(table_partition));
	for (int i = 0; i < src->n; i++)
	{
		dst->items[i] = src->items[i];
		dst->items[i].name = xstrdup(src->items[i].name);
	}
}

void
table_def_keys(const table_def *t, const col_render *renders, table_def *keys,
			   col_render **key_renders)
{
	table_def	none = *t;

	none.ncols = 0;
	none.nexcluded = 0;
	none.read_where = NULL;
	table_def_copy(&none, keys);
	free(keys->cols);
	keys->cols = xcalloc((size_t) (t->nkeys ? t->nkeys : 1), sizeof(table_column));
	if (renders)
		*key_renders = xcalloc((size_t) (t->nkeys ? t->nkeys : 1), sizeof(col_render));
	for (int pos = 1; pos <= t->nkeys; pos++)
		for (int i = 0; i < t->ncols; i++)
			if (t->cols[i].key_pos == pos)
			{
				table_column *k = &keys->cols[keys->ncols];

				*k = t->cols[i];
				k->name = xstrdup(t->cols[i].name);
				k->pg_type = t->cols[i].pg_type ? xstrdup(t->cols[i].pg_type) : NULL;
				if (renders)
					(*key_renders)[keys->ncols] = renders[i];
				keys->ncols++;
			}
}
