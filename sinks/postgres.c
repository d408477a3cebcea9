/*
 * postgres.c
 *    The Postgres dialect: a Postgres database standing in for a warehouse.
 *
 * Columns keep the source's exact types.  The server reads each staged part
 * itself, one COPY ... FROM PROGRAM per part, fetching a presigned URL with
 * curl or reading a local file; the command is a shell word list inside a
 * SQL literal, quoted for both.  Literals assume standard_conforming_strings
 * (the default since 9.1): only ' is special.  MERGE needs Postgres 15.
 */
#include <string.h>

#include "sink.h"

#include "sink_shared.h"

/*
 * format_type() output of a pg_catalog type, such as
 * 'timestamp(3) with time zone', 'character varying(20)[]', '"char"' or
 * 'numeric(5,-2)'.  It goes into DDL as it is, so it must look like one: a
 * minus sign only starts a number, never a comment.
 */
static bool
pg_type_is_plain(const char *type)
{
	if (type[0] == '\0')
		return false;
	for (const char *p = type; *p; p++)
	{
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			strchr(" _(),[]\"", *p) != NULL)
			continue;
		if (*p == '-' && p > type && (p[-1] == '(' || p[-1] == ',') &&
			p[1] >= '0' && p[1] <= '9')
			continue;
		return false;
	}
	return true;
}

/* The type of a column the catalog gave no pg_catalog spelling for. */
static void
pg_kind_type(const table_column *c, buf *out)
{
	int			p = c->time_precision;

	switch (c->kind)
	{
		case COL_BOOL:
			buf_puts(out, "boolean");
			break;
		case COL_INT2:
			buf_puts(out, "smallint");
			break;
		case COL_INT4:
			buf_puts(out, "integer");
			break;
		case COL_INT8:
			buf_puts(out, "bigint");
			break;
		case COL_NUMERIC:
			if (c->precision >= 0)
				buf_printf(out, "numeric(%d,%d)", c->precision, c->scale);
			else
				buf_puts(out, "numeric");
			break;
		case COL_FLOAT4:
			buf_puts(out, "real");
			break;
		case COL_FLOAT8:
			buf_puts(out, "double precision");
			break;
		case COL_MONEY:
			buf_puts(out, "money");
			break;
		case COL_VARCHAR:
			if (c->length >= 0)
				buf_printf(out, "character varying(%d)", c->length);
			else
				buf_puts(out, "character varying");
			break;
		case COL_CHAR:
			if (c->length >= 0)
				buf_printf(out, "character(%d)", c->length);
			else
				buf_puts(out, "bpchar");
			break;
		case COL_DATE:
			buf_puts(out, "date");
			break;
		case COL_TIME:
		case COL_TIMETZ:
			buf_puts(out, "time");
			if (p >= 0)
				buf_printf(out, "(%d)", p);
			buf_puts(out, c->kind == COL_TIME ? " without time zone" : " with time zone");
			break;
		case COL_TIMESTAMP:
		case COL_TIMESTAMPTZ:
			buf_puts(out, "timestamp");
			if (p >= 0)
				buf_printf(out, "(%d)", p);
			buf_puts(out, c->kind == COL_TIMESTAMP ? " without time zone" : " with time zone");
			break;
		case COL_INTERVAL:
			buf_puts(out, "interval");
			break;
		case COL_BYTEA:
			buf_puts(out, "bytea");
			break;
		case COL_UUID:
			buf_puts(out, "uuid");
			break;
		case COL_JSON:
			buf_puts(out, "json");
			break;
		case COL_JSONB:
			buf_puts(out, "jsonb");
			break;
		case COL_XML:
			buf_puts(out, "xml");
			break;
		case COL_INET:
			buf_puts(out, "inet");
			break;
		case COL_CIDR:
			buf_puts(out, "cidr");
			break;
		case COL_MACADDR:
			buf_puts(out, "macaddr");
			break;
		case COL_MACADDR8:
			buf_puts(out, "macaddr8");
			break;
		case COL_BIT:
		case COL_VARBIT:
			buf_puts(out, c->kind == COL_BIT ? "bit" : "bit varying");
			if (c->length >= 0)
				buf_printf(out, "(%d)", c->length);
			break;
		case COL_TEXT:
		case COL_RANGE:
		case COL_ENUM:
		case COL_OTHER:
			/* user types need not exist in the warehouse: their text does */
			buf_puts(out, "text");
			break;
	}
	if (c->is_array)
		buf_puts(out, "[]");
}

static bool
pg_column_type(const table_def *t, const table_column *c, buf *out)
{
	if (c->pg_type == NULL)
	{
		pg_kind_type(c, out);
		return true;
	}
	if (!pg_type_is_plain(c->pg_type))
	{
		sink_report_column(t, c, "postgres", "its type name is not a plain pg_catalog type");
		return false;
	}
	buf_puts(out, c->pg_type);
	return true;
}

/*
 * COPY staging (cols) FROM PROGRAM '<fetch part | gunzip>' WITH (FORMAT csv),
 * per part; a change batch's columns start with the four change columns.
 */
static void
pg_copy_staging(const sink_dialect *d, strlist *script, const table_def *t,
				const char *staging, load_kind kind,
				const sink_files *files, const sink_options *opt)
{
	buf			cmd = BUF_INIT;
	buf			sql = BUF_INIT;

	(void) opt;
	for (int i = 0; i < files->nparts; i++)
	{
		buf_reset(&cmd);
		if (files->fetch_is_url)
		{
			buf_puts(&cmd, "curl -sSf --retry 3 ");
			sink_shell_quote(&cmd, files->part_fetch[i]);
			buf_puts(&cmd, " | gzip -dc");
		}
		else
		{
			buf_puts(&cmd, "gzip -dc ");
			sink_shell_quote(&cmd, files->part_fetch[i]);
		}
		buf_puts(&sql, "COPY ");
		sink_quote_ident(d, &sql, staging);
		buf_puts(&sql, " (");
		sink_staging_column_list(d, &sql, t, kind);
		buf_puts(&sql, ")\nFROM PROGRAM ");
		sink_quote_literal(d, &sql, cmd.data);
		buf_puts(&sql, "\nWITH (FORMAT csv)");
		strlist_push(script, buf_detach(&sql));
	}
	buf_free(&cmd);
}

/* Postgres names its own types in information_schema.columns.data_type. */
static bool
pg_column_from_type_name(const char *data_type, table_column *out)
{
	static const struct
	{
		const char *name;
		col_kind	kind;
	}			names[] = {
		{"boolean", COL_BOOL}, {"smallint", COL_INT2}, {"integer", COL_INT4},
		{"bigint", COL_INT8}, {"numeric", COL_NUMERIC}, {"real", COL_FLOAT4},
		{"double precision", COL_FLOAT8}, {"money", COL_MONEY}, {"text", COL_TEXT},
		{"character varying", COL_VARCHAR}, {"character", COL_CHAR}, {"date", COL_DATE},
		{"time without time zone", COL_TIME}, {"time with time zone", COL_TIMETZ},
		{"timestamp without time zone", COL_TIMESTAMP},
		{"timestamp with time zone", COL_TIMESTAMPTZ}, {"interval", COL_INTERVAL},
		{"bytea", COL_BYTEA}, {"uuid", COL_UUID}, {"json", COL_JSON}, {"jsonb", COL_JSONB},
		{"xml", COL_XML}, {"inet", COL_INET}, {"cidr", COL_CIDR}, {"macaddr", COL_MACADDR},
		{"macaddr8", COL_MACADDR8}, {"bit", COL_BIT}, {"bit varying", COL_VARBIT},
	};

	memset(out, 0, sizeof(*out));
	out->precision = out->scale = out->length = out->time_precision = -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(data_type, names[i].name) == 0)
		{
			out->kind = names[i].kind;
			return true;
		}
	return false;				/* ARRAY, USER-DEFINED, ranges: cannot tell */
}

const sink_dialect sink_postgres = {
	.name = "postgres",
	.transactional_ddl = true,
	.merge = true,
	.add_if_not_exists = true,
	.literal_backslash = false,
	.temp_create = "TEMP",
	.temp_replace = false,
	.temp_schema = "pg_temp",
	.text_type = "TEXT",
	.tstz_type = "TIMESTAMPTZ",
	.long_text_type = "TEXT",
	.now = "CURRENT_TIMESTAMP",
	/* Postgres changes any type: ALTER COLUMN c TYPE t USING c::t */
	.widen_verb = "TYPE",
	.widen_using = true,

	.column_type = pg_column_type,
	.column_render = NULL,		/* every value as its text */
	.widen_check = NULL,
	.column_from_type_name = pg_column_from_type_name,
	.copy_staging = pg_copy_staging,
	.staged_type = NULL,
	.staged_value = NULL,
	.literal_value = NULL,
	.utc_text = sink_utc_text_at_time_zone,
};
