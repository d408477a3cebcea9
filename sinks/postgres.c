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

/* name(p,s), or name alone when unconstrained */
static const char *
pg_numeric(const table_column *c, const char *name, buf *out)
{
	buf_puts(out, name);
	if (c->precision >= 0)
		buf_printf(out, "(%d,%d)", c->precision, c->scale);
	return NULL;
}

/* name(n), or name alone when unbounded */
static const char *
pg_length(const table_column *c, const char *name, buf *out)
{
	buf_puts(out, name);
	if (c->length >= 0)
		buf_printf(out, "(%d)", c->length);
	return NULL;
}

/* character(n); bpchar (unbounded) without a length */
static const char *
pg_char(const table_column *c, const char *name, buf *out)
{
	if (c->length >= 0)
		buf_printf(out, "%s(%d)", name, c->length);
	else
		buf_puts(out, "bpchar");
	return NULL;
}

/* time(p) with time zone, timestamp without time zone, ... */
static const char *
pg_zoned(const table_column *c, const char *name, buf *out)
{
	buf_puts(out, name);
	if (c->time_precision >= 0)
		buf_printf(out, "(%d)", c->time_precision);
	buf_puts(out, c->kind == COL_TIME || c->kind == COL_TIMESTAMP ?
			 " without time zone" : " with time zone");
	return NULL;
}

/* The types of columns the catalog gave no pg_catalog spelling for. */
static const sink_type pg_types[COL_NKINDS] = {
	[COL_BOOL] = {.name = "boolean"},
	[COL_INT2] = {.name = "smallint"},
	[COL_INT4] = {.name = "integer"},
	[COL_INT8] = {.name = "bigint"},
	[COL_NUMERIC] = {.name = "numeric", .sized = pg_numeric},
	[COL_FLOAT4] = {.name = "real"},
	[COL_FLOAT8] = {.name = "double precision"},
	[COL_MONEY] = {.name = "money"},
	[COL_TEXT] = {.name = "text"},
	[COL_VARCHAR] = {.name = "character varying", .sized = pg_length},
	[COL_CHAR] = {.name = "character", .sized = pg_char},
	[COL_DATE] = {.name = "date"},
	[COL_TIME] = {.name = "time", .sized = pg_zoned},
	[COL_TIMETZ] = {.name = "time", .sized = pg_zoned},
	[COL_TIMESTAMP] = {.name = "timestamp", .sized = pg_zoned},
	[COL_TIMESTAMPTZ] = {.name = "timestamp", .sized = pg_zoned},
	[COL_INTERVAL] = {.name = "interval"},
	[COL_BYTEA] = {.name = "bytea"},
	[COL_UUID] = {.name = "uuid"},
	[COL_JSON] = {.name = "json"},
	[COL_JSONB] = {.name = "jsonb"},
	[COL_XML] = {.name = "xml"},
	[COL_INET] = {.name = "inet"},
	[COL_CIDR] = {.name = "cidr"},
	[COL_MACADDR] = {.name = "macaddr"},
	[COL_MACADDR8] = {.name = "macaddr8"},
	[COL_BIT] = {.name = "bit", .sized = pg_length},
	[COL_VARBIT] = {.name = "bit varying", .sized = pg_length},
	/* user types need not exist in the warehouse: their text does */
	[COL_RANGE] = {.name = "text"},
	[COL_ENUM] = {.name = "text"},
	[COL_OTHER] = {.name = "text"},
};

/*
 * Columns keep the source's exact type: the catalog's spelling where it
 * gave one, else the type map.
 */
static bool
pg_column_type(const sink_dialect *d, const table_def *t, const table_column *c, buf *out)
{
	if (c->pg_type == NULL)
		return sink_type_map(d, t, c, out);
	if (!pg_type_is_plain(c->pg_type))
	{
		sink_report_column(t, c, d->name, "its type name is not a plain pg_catalog type");
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
				const char *into, load_kind kind,
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
			/*
			 * A pipelined snapshot fetches parts while others upload: the
			 * fetch rides out an outage of the store as the uploads do
			 * (refused connections included), up to about 30 s.
			 */
			buf_puts(&cmd, "curl -sSf --retry 5 --retry-connrefused ");
			sink_shell_quote(&cmd, files->part_fetch[i]);
			buf_puts(&cmd, " | gzip -dc");
		}
		else
		{
			buf_puts(&cmd, "gzip -dc ");
			sink_shell_quote(&cmd, files->part_fetch[i]);
		}
		buf_puts(&sql, "COPY ");
		buf_puts(&sql, into);
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
	/* TRUNCATE takes effect at commit, and rolls back with the load */
	.truncate_in_transaction = true,
	/* COPY ... FROM PROGRAM, a part each (pg_copy_staging) */
	.copies_each_part = true,
	.copy_column_list = true,
	.add_if_not_exists = true,
	.literal_backslash = false,
	/* quoted names keep their case; NAMEDATALEN - 1 bytes */
	.fold = SINK_FOLD_NONE,
	.ident_max = 63,
	.temp_create = "TEMP",
	.temp_replace = false,
	.temp_schema = "pg_temp",
	.temp_in_target_schema = false,
	.text_type = "TEXT",
	.tstz_type = "TIMESTAMPTZ",
	.long_text_type = "TEXT",
	.now = "CURRENT_TIMESTAMP",
	.session_setup = NULL,		/* CURRENT_TIMESTAMP is an instant in any time zone */
	/* Postgres changes any type: ALTER COLUMN c TYPE t USING c::t */
	.widen_verb = "TYPE",
	.widen_using = true,
	.types = pg_types,
	.array_type = NULL,			/* element[] */

	.column_type = pg_column_type,
	.column_render = NULL,		/* every value as its text */
	.widen_check = NULL,
	.held_shape = NULL,
	.column_from_type_name = pg_column_from_type_name,
	.copy_staging = pg_copy_staging,
	.staged_type = NULL,
	.staged_value = NULL,
	.literal_value = NULL,
	.utc_text = sink_utc_text_at_time_zone,
};
