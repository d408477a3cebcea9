/*
 * sink_sql_dump.c
 *    Test helper: prints the statements a dialect builds for a table shape
 *    given on the command line, so that shell tests can run them against a
 *    real database without the rest of wharf.
 *
 * usage: sink_sql_dump [options] TARGET COLUMN...
 *   TARGET    schema.name or name of the warehouse table
 *   COLUMN    name:type[:key], type spelled as Postgres' format_type() does;
 *             key columns form the key in the order given
 *   --dialect NAME   a dialect of the registry (sink_dialects); default postgres
 *   --append         append mode (default: merge)
 *   --soft           soft deletes (default: hard)
 *   --moved          with apply: LOAD_CHANGES_MOVED (rows may hold key changes 'K')
 *   --staging NAME   staging table (default: wharf_staging_1)
 *   --what WHAT      create (CREATE TABLE), staging (the LOAD_CHANGES staging
 *                    table), apply (LOAD_CHANGES apply, the default),
 *                    add-column or widen (of the last COLUMN)
 *   --default VALUE  with add-column: the value existing rows get
 * Statements are printed each followed by ";" and a newline.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sink.h"
#include "table.h"

static void
usage(void)
{
	fprintf(stderr, "usage: sink_sql_dump [--dialect D] [--append] [--soft] [--moved] [--staging NAME]\n"
			"       [--what create|staging|apply|add-column|widen] [--default VALUE]\n"
			"       TARGET name:type[:key]...\n");
	exit(2);
}

/* Fills kind, length, precision and scale from a format_type() spelling. */
static void
guess_kind(table_column *c, const char *type)
{
	static const struct
	{
		const char *prefix;
		col_kind	kind;
	}			kinds[] = {
		{"smallint", COL_INT2}, {"integer", COL_INT4}, {"bigint", COL_INT8},
		{"numeric", COL_NUMERIC}, {"real", COL_FLOAT4}, {"double precision", COL_FLOAT8},
		{"boolean", COL_BOOL}, {"text", COL_TEXT}, {"character varying", COL_VARCHAR},
		{"character", COL_CHAR}, {"date", COL_DATE},
		{"timestamp with time zone", COL_TIMESTAMPTZ}, {"timestamp", COL_TIMESTAMP},
		{"bytea", COL_BYTEA}, {"uuid", COL_UUID}, {"jsonb", COL_JSONB}, {"json", COL_JSON},
	};
	const char *paren = strchr(type, '(');
	size_t		len = strlen(type);

	c->kind = COL_OTHER;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strncmp(type, kinds[i].prefix, strlen(kinds[i].prefix)) == 0)
		{
			c->kind = kinds[i].kind;
			break;
		}
	c->is_array = len > 2 && strcmp(type + len - 2, "[]") == 0;
	if (paren != NULL)
	{
		if (c->kind == COL_NUMERIC)
		{
			c->precision = atoi(paren + 1);
			c->scale = strchr(paren, ',') ? atoi(strchr(paren, ',') + 1) : 0;
		}
		else
			c->length = atoi(paren + 1);
	}
}

int
main(int argc, char **argv)
{
	const sink_dialect *d = sink_dialect_by_name("postgres");
	const char *staging = "wharf_staging_1";
	const char *what = "apply";
	load_kind	kind = LOAD_CHANGES;
	const char *default_value = NULL;
	table_def	t = {0};
	strlist		script = {0};
	int			i = 1;
	int			nkeys = 0;
	bool		ok = true;
	char	   *dot;

	t.mode = MODE_MERGE;
	t.deletes = DELETES_HARD;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++)
	{
		if (strcmp(argv[i], "--append") == 0)
			t.mode = MODE_APPEND;
		else if (strcmp(argv[i], "--soft") == 0)
			t.deletes = DELETES_SOFT;
		else if (strcmp(argv[i], "--moved") == 0)
			kind = LOAD_CHANGES_MOVED;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--dialect") == 0)
		{
			d = sink_dialect_by_name(argv[++i]);
			if (d == NULL)
				usage();
		}
		else if (strcmp(argv[i], "--staging") == 0)
			staging = argv[++i];
		else if (strcmp(argv[i], "--what") == 0)
			what = argv[++i];
		else if (strcmp(argv[i], "--default") == 0)
			default_value = argv[++i];
		else
			usage();
	}
	if (argc - i < 2)
		usage();
	t.target_name = argv[i++];
	dot = strchr(t.target_name, '.');
	if (dot != NULL)
	{
		t.target_schema = xstrndup(t.target_name, (size_t) (dot - t.target_name));
		t.target_name = dot + 1;
	}
	t.schema = t.target_schema;
	t.name = t.target_name;
	t.ncols = argc - i;
	t.cols = xcalloc((size_t) t.ncols, sizeof(table_column));
	for (int k = 0; k < t.ncols; k++, i++)
	{
		table_column *c = &t.cols[k];
		char	   *spec = xstrdup(argv[i]);
		char	   *colon = strchr(spec, ':');
		size_t		len = strlen(spec);

		if (colon == NULL)
			usage();
		*colon = '\0';
		if (len > 4 && strcmp(spec + len - 4, ":key") == 0)
		{
			spec[len - 4] = '\0';
			c->key_pos = ++nkeys;
			c->not_null = true;
		}
		c->name = spec;
		c->pg_type = colon + 1;
		c->precision = c->scale = c->length = c->time_precision = -1;
		guess_kind(c, c->pg_type);
	}
	t.nkeys = nkeys;

	if (strcmp(what, "create") == 0)
		ok = sink_create_table(d, &script, &t);
	else if (strcmp(what, "staging") == 0)
		ok = sink_create_staging(d, &script, &t, staging, LOAD_CHANGES);
	else if (strcmp(what, "apply") == 0)
		sink_apply(d, &script, &t, staging, kind);
	else if (strcmp(what, "add-column") == 0)
		sink_add_column(d, &script, &script, &t, &t.cols[t.ncols - 1], default_value);
	else if (strcmp(what, "widen") == 0)
		ok = sink_widen_column(d, &script, &t, NULL, &t.cols[t.ncols - 1]);
	else
		usage();
	for (int k = 0; k < script.n; k++)
		printf("%s;\n", script.items[k]);
	strlist_free(&script);
	for (int k = 0; k < t.ncols; k++)
		free(t.cols[k].name);	/* the spec copy; pg_type points into it */
	free(t.cols);
	if (dot != NULL)
		free(t.target_schema);
	return ok ? 0 : 1;
}
