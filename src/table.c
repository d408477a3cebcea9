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
}
