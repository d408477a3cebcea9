/*
 * snowflake.c
 *    The Snowflake dialect.
 *
 * COPY INTO reads the parts from the stage's S3 folder through a storage
 * integration, naming each part.  A COPY transformation cannot read an
 * external location (only a named stage), so values Snowflake cannot parse
 * from Postgres text land in VARCHAR staging columns and are converted by
 * the apply statements: bytea's \x hex (TO_BINARY), json and arrays
 * (PARSE_JSON), and float's Infinity (Snowflake spells it inf).  Dates,
 * times and timestamps load directly: AUTO detection reads Postgres' ISO
 * output, '2024-01-01 10:00:00.5+00' included.  String literals treat
 * backslash as an escape, so it is doubled as well as the quote.
 *
 * DDL commits the open transaction, so the apply statements create nothing.
 * ADD COLUMN takes only a bare literal of the column's type as a DEFAULT,
 * never with IF NOT EXISTS, and that default can never be dropped: the
 * existing rows of an added column get their value from an UPDATE instead.
 * ALTER COLUMN ... SET DATA TYPE only grows a text length or a NUMBER's
 * precision.
 */
#include "sink.h"

#include <stdbool.h>
#include <string.h>

#include "sink_shared.h"

/* COPY INTO takes at most this many names in FILES = (...). */
#define SF_MAX_FILES 1000

/* Postgres' time and timestamp precision defaults to microseconds. */
static int
sf_time_precision(const table_column *c)
{
	return c->time_precision >= 0 ? c->time_precision : 6;
}

static bool
sf_column_type(const table_def *t, const table_column *c, buf *out)
{
	sink_decimal dec;

	if (c->is_array)
	{
		buf_puts(out, "ARRAY");
		return true;
	}
	switch (c->kind)
	{
		case COL_BOOL:
			buf_puts(out, "BOOLEAN");
			break;
		case COL_INT2:
			buf_puts(out, "SMALLINT");
			break;
		case COL_INT4:
			buf_puts(out, "INTEGER");
			break;
		case COL_INT8:
			buf_puts(out, "BIGINT");
			break;
		case COL_NUMERIC:
			if (!sink_decimal_type(t, c, "snowflake", &dec))
				return false;
			buf_printf(out, "NUMBER(%d,%d)", dec.precision, dec.scale);
			break;
		case COL_FLOAT4:
		case COL_FLOAT8:
			buf_puts(out, "FLOAT");
			break;
		case COL_VARCHAR:
			if (c->length > 0)
				buf_printf(out, "VARCHAR(%d)", c->length);
			else
				buf_puts(out, "VARCHAR");
			break;
		case COL_CHAR:
			if (c->length > 0)
				buf_printf(out, "CHAR(%d)", c->length);
			else
				buf_puts(out, "VARCHAR");
			break;
		case COL_DATE:
			buf_puts(out, "DATE");
			break;
		case COL_TIME:
			buf_printf(out, "TIME(%d)", sf_time_precision(c));
			break;
		case COL_TIMESTAMP:
			buf_printf(out, "TIMESTAMP_NTZ(%d)", sf_time_precision(c));
			break;
		case COL_TIMESTAMPTZ:
			buf_printf(out, "TIMESTAMP_TZ(%d)", sf_time_precision(c));
			break;
		case COL_BYTEA:
			buf_puts(out, "BINARY");
			break;
		case COL_UUID:
			buf_puts(out, "VARCHAR(36)");
			break;
		case COL_JSON:
		case COL_JSONB:
			buf_puts(out, "VARIANT");
			break;
		case COL_TEXT:
		case COL_MONEY:			/* locale-formatted text, e.g. $1,234.50 */
		case COL_TIMETZ:
		case COL_INTERVAL:
		case COL_XML:
		case COL_INET:
		case COL_CIDR:
		case COL_MACADDR:
		case COL_MACADDR8:
		case COL_BIT:
		case COL_VARBIT:
		case COL_RANGE:
		case COL_ENUM:
		case COL_OTHER:
			buf_puts(out, "VARCHAR");
			break;
	}
	return true;
}

/* Staged as text, converted by sf_staged_value. */
static bool
sf_staged_type(const table_column *c, buf *out)
{
	if (!c->is_array && c->kind != COL_BYTEA && c->kind != COL_JSON &&
		c->kind != COL_JSONB && c->kind != COL_FLOAT4 && c->kind != COL_FLOAT8)
		return false;
	buf_puts(out, "VARCHAR");
	return true;
}

static void
sf_staged_value(buf *out, const table_column *c, const char *ref)
{
	if (c->is_array)
		buf_printf(out, "TO_ARRAY(PARSE_JSON(%s))", ref);
	else if (c->kind == COL_BYTEA)
		buf_printf(out, "TO_BINARY(SUBSTR(%s, 3), 'HEX')", ref);
	else if (c->kind == COL_JSON || c->kind == COL_JSONB)
		/* json keeps duplicate keys; 'd' keeps the last, as jsonb does */
		buf_printf(out, "PARSE_JSON(%s, 'd')", ref);
	else if (c->kind == COL_FLOAT4 || c->kind == COL_FLOAT8)
		buf_printf(out, "TO_DOUBLE(REPLACE(%s, 'Infinity', 'inf'))", ref);
	else
		buf_puts(out, ref);
}

static void
sf_utc_text(buf *out, const char *ref)
{
	buf_printf(out, "TO_VARCHAR(CONVERT_TIMEZONE('UTC', %s), 'YYYY-MM-DD HH24:MI:SS') || '+00'", ref);
}

static void
sf_create_schema(strlist *script, const char *schema)
{
	sink_create_schema_sql(&sink_snowflake, script, schema);
}

static bool
sf_create_table(strlist *script, const table_def *t)
{
	return sink_create_table_sql(&sink_snowflake, script, t);
}

static bool
sf_create_staging(strlist *script, const table_def *t, const char *staging, load_kind kind)
{
	return sink_create_staging_sql(&sink_snowflake, script, t, staging, kind);
}

/*
 * An integration named like a plain identifier is written as one, so that
 * Snowflake folds it as it did when the integration was created unquoted;
 * any other name is quoted.
 */
static void
sf_integration_name(buf *out, const char *name)
{
	bool		plain = (name[0] >= 'A' && name[0] <= 'Z') ||
		(name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';

	for (const char *p = name + 1; plain && *p; p++)
		plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '$';
	if (plain)
		buf_puts(out, name);
	else
		sink_quote_ident_ansi(out, name);
}

/*
 * The staged CSV: NULL is an empty unquoted field (EMPTY_FIELD_AS_NULL),
 * "" an empty string; nothing is escaped but the doubled quote, and no
 * string stands for NULL.  The staging table's columns are the file's, in
 * order (a change batch's four change columns first), so no column list is
 * needed (the standard load syntax has none).
 */
static void
sf_copy_staging(strlist *script, const table_def *t, const char *staging,
				load_kind kind, const sink_files *files, const sink_options *opt)
{
	buf			sql = BUF_INIT;

	(void) t;
	(void) kind;
	for (int first = 0; first < files->nparts; first += SF_MAX_FILES)
	{
		int			end = first + SF_MAX_FILES;

		if (end > files->nparts)
			end = files->nparts;
		buf_puts(&sql, "COPY INTO ");
		sink_quote_ident_ansi(&sql, staging);
		buf_puts(&sql, "\nFROM ");
		sink_quote_literal_backslash(&sql, files->folder_url);
		if (opt != NULL && opt->storage_integration != NULL)
		{
			buf_puts(&sql, "\nSTORAGE_INTEGRATION = ");
			sf_integration_name(&sql, opt->storage_integration);
		}
		buf_puts(&sql, "\nFILES = (");
		for (int i = first; i < end; i++)
		{
			if (i > first)
				buf_puts(&sql, ", ");
			sink_quote_literal_backslash(&sql, files->part_names[i]);
		}
		buf_puts(&sql, ")\nFILE_FORMAT = (TYPE = CSV COMPRESSION = GZIP"
				 " FIELD_DELIMITER = ',' SKIP_HEADER = 0"
				 " FIELD_OPTIONALLY_ENCLOSED_BY = '\"' ESCAPE = NONE"
				 " ESCAPE_UNENCLOSED_FIELD = NONE EMPTY_FIELD_AS_NULL = TRUE"
				 " NULL_IF = () TRIM_SPACE = FALSE"
				 " ERROR_ON_COLUMN_COUNT_MISMATCH = TRUE"
				 " REPLACE_INVALID_CHARACTERS = FALSE ENCODING = 'UTF8'"
				 " DATE_FORMAT = 'YYYY-MM-DD' TIME_FORMAT = AUTO"
				 " TIMESTAMP_FORMAT = AUTO)"
				 "\nON_ERROR = ABORT_STATEMENT"
				 "\nPURGE = FALSE"
				 "\nFORCE = TRUE");
		strlist_push(script, buf_detach(&sql));
	}
}

static void
sf_apply(strlist *script, const table_def *t, const char *staging, load_kind kind)
{
	sink_apply_sql(&sink_snowflake, script, t, staging, kind);
}

static void
sf_add_column(strlist *ddl, strlist *dml, const table_def *t, const table_column *c,
			  const char *default_value)
{
	sink_add_column_sql(&sink_snowflake, ddl, dml, t, c, default_value);
}

static bool
sf_type_is(const char *type, const char *name)
{
	size_t		n = strlen(name);

	return strncmp(type, name, n) == 0 && (type[n] == '\0' || type[n] == '(');
}

/*
 * SET DATA TYPE takes NUMBER (SMALLINT and the like are NUMBER(38,0)) and
 * text types.  ARRAY, VARIANT and FLOAT already hold any wider value of
 * their kind: nothing to do.  A NUMBER's scale cannot change: the
 * warehouse refuses that statement.
 */
static bool
sf_widen_column(strlist *script, const table_def *t, const table_column *c)
{
	static const char *const alterable[] = {
		"NUMBER", "SMALLINT", "INTEGER", "BIGINT", "VARCHAR", "CHAR"
	};
	static const char *const holds_all[] = {"ARRAY", "VARIANT", "FLOAT"};
	buf			type = BUF_INIT;
	bool		ok = false;
	bool		done = false;

	if (!sf_column_type(t, c, &type))
		done = true;
	for (size_t i = 0; !done && i < sizeof(holds_all) / sizeof(holds_all[0]); i++)
		if (sf_type_is(type.data, holds_all[i]))
			ok = done = true;
	for (size_t i = 0; !done && i < sizeof(alterable) / sizeof(alterable[0]); i++)
		if (sf_type_is(type.data, alterable[i]))
		{
			ok = sink_alter_column_type_sql(&sink_snowflake, script, t, c, "SET DATA TYPE", false);
			done = true;
		}
	if (!done)
		sink_report_widen(t, c, "snowflake",
						  "only a NUMBER's precision or a text length can grow");
	buf_free(&type);
	return ok;
}

static void
sf_state_create(strlist *script, const char *schema, const char *table)
{
	sink_state_create_sql(&sink_snowflake, script, schema, table);
}

static void
sf_state_record(strlist *script, const char *schema, const char *table,
				const sink_state_row *row)
{
	sink_state_record_sql(&sink_snowflake, script, schema, table, row);
}

static void
sf_state_forget(strlist *script, const char *schema, const char *table, const char *job,
			   const char *kind, const char *prefix)
{
	sink_state_forget_sql(&sink_snowflake, script, schema, table, job, kind, prefix);
}

static void
sf_state_query(buf *out, const char *schema, const char *table, const char *job)
{
	sink_state_query_sql(&sink_snowflake, out, schema, table, job);
}

static void
sf_rename_column(strlist *script, const table_def *t, const char *from, const table_column *c)
{
	sink_rename_column_sql(&sink_snowflake, script, t, from, c);
}

static bool
sf_reset_column(strlist *ddl, strlist *dml, const table_def *t, const table_column *c,
				const char *value)
{
	return sink_reset_column_sql(&sink_snowflake, ddl, dml, t, c, value);
}

static void
sf_drop_cancelled(strlist *script, const char *staging)
{
	sink_drop_cancelled_sql(&sink_snowflake, script, staging);
}

static void
sf_clear_columns(strlist *script, const table_def *t, const char *staging,
				 const char *const *columns, int ncolumns)
{
	sink_clear_columns_sql(&sink_snowflake, script, t, staging, columns, ncolumns);
}

const sink_dialect sink_snowflake = {
	.name = "snowflake",
	.transactional_ddl = false,
	.merge = true,
	.temp_create = "TEMPORARY",
	/*
	 * "Temporary tables only exist within the session in which they were
	 * created and persist only for the remainder of the session"
	 * (tables-temp-transient): CREATE OR REPLACE, one DDL statement.
	 */
	.temp_replace = true,
	.temp_schema = NULL,
	.text_type = "VARCHAR",
	.tstz_type = "TIMESTAMP_TZ",
	.now = "CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())",
	.long_text_type = "VARCHAR",
	.add_if_not_exists = true,
	.staged_type = sf_staged_type,
	.staged_value = sf_staged_value,
	.utc_text = sf_utc_text,
	.quote_ident = sink_quote_ident_ansi,
	.quote_literal = sink_quote_literal_backslash,
	.column_type = sf_column_type,
	.column_render = sink_render_json_numeric,
	.create_schema = sf_create_schema,
	.create_table = sf_create_table,
	.create_staging = sf_create_staging,
	.copy_staging = sf_copy_staging,
	.apply = sf_apply,
	.add_column = sf_add_column,
	.widen_column = sf_widen_column,
	.rename_column = sf_rename_column,
	.reset_column = sf_reset_column,
	.clear_columns = sf_clear_columns,
	.drop_cancelled = sf_drop_cancelled,
	.column_from_type_name = sink_type_name_unknown,
	.state_create = sf_state_create,
	.state_record = sf_state_record,
	.state_forget = sf_state_forget,
	.state_query = sf_state_query,
};
