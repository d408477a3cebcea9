/*
 * snowflake.c
 *    The Snowflake dialect.
 *
 * COPY INTO reads the parts from the stage's S3 folder through a storage
 * integration, naming each part.  A COPY transformation cannot read an
 * external location (only a named stage), so values Snowflake cannot parse
 * from Postgres text land in VARCHAR staging columns and are converted by
 * the apply statements: bytea's \x hex (TO_BINARY), json and arrays
 * (PARSE_JSON), float's Infinity (Snowflake spells it inf), and
 * timestamptz.  Dates, times and timestamps without a zone load directly:
 * AUTO detection reads Postgres' ISO output.  A timestamptz is staged as
 * the source session writes it, in UTC with an hours-only offset
 * ('2024-01-01 10:00:00.5+00', source/conn.c sets TimeZone=UTC), a shape
 * the documented AUTO formats do not show (they spell offsets TZH:TZM or
 * TZHTZM; "If no matching format is found, Snowflake returns an error",
 * date-time-input-output; dialect review, finding 13), so the apply
 * completes the offset to '+00:00' before converting.  String literals
 * treat backslash as an escape, so it is doubled as well as the quote.
 *
 * DDL commits the open transaction, so the apply statements create nothing.
 * ADD COLUMN takes only a bare literal of the column's type as a DEFAULT,
 * never with IF NOT EXISTS, and that default can never be dropped: the
 * existing rows of an added column get their value from an UPDATE instead.
 * ALTER COLUMN ... SET DATA TYPE only grows a text length or a NUMBER's
 * precision; a new scale is a rebuild of the column (sink_widen_column).
 */
#include "sink.h"

#include <stdbool.h>
#include <string.h>

#include "sink_shared.h"

/* COPY INTO takes at most this many names in FILES = (...). */
#define SF_MAX_FILES 1000

/* name(n), or a plain VARCHAR without a length */
static const char *
sf_length(const table_column *c, const char *name, buf *out)
{
	if (c->length > 0)
		buf_printf(out, "%s(%d)", name, c->length);
	else
		buf_puts(out, "VARCHAR");
	return NULL;
}

/* name(p); Postgres' time and timestamp precision defaults to microseconds */
static const char *
sf_precision(const table_column *c, const char *name, buf *out)
{
	buf_printf(out, "%s(%d)", name, c->time_precision >= 0 ? c->time_precision : 6);
	return NULL;
}

/* Any array is ARRAY (array_type). */
static const sink_type sf_types[COL_NKINDS] = {
	[COL_BOOL] = {.name = "BOOLEAN"},
	[COL_INT2] = {.name = "SMALLINT"},
	[COL_INT4] = {.name = "INTEGER"},
	[COL_INT8] = {.name = "BIGINT"},
	[COL_NUMERIC] = {.name = "NUMBER", .sized = sink_sized_decimal},
	[COL_FLOAT4] = {.name = "FLOAT"},
	[COL_FLOAT8] = {.name = "FLOAT"},
	[COL_MONEY] = {.name = "VARCHAR"},	/* locale-formatted text, e.g. $1,234.50 */
	[COL_TEXT] = {.name = "VARCHAR"},
	[COL_VARCHAR] = {.name = "VARCHAR", .sized = sf_length},
	[COL_CHAR] = {.name = "CHAR", .sized = sf_length},
	[COL_DATE] = {.name = "DATE"},
	[COL_TIME] = {.name = "TIME", .sized = sf_precision},
	[COL_TIMETZ] = {.name = "VARCHAR"},
	[COL_TIMESTAMP] = {.name = "TIMESTAMP_NTZ", .sized = sf_precision},
	[COL_TIMESTAMPTZ] = {.name = "TIMESTAMP_TZ", .sized = sf_precision},
	[COL_INTERVAL] = {.name = "VARCHAR"},
	[COL_BYTEA] = {.name = "BINARY"},
	[COL_UUID] = {.name = "VARCHAR(36)"},
	[COL_JSON] = {.name = "VARIANT"},
	[COL_JSONB] = {.name = "VARIANT"},
	[COL_XML] = {.name = "VARCHAR"},
	[COL_INET] = {.name = "VARCHAR"},
	[COL_CIDR] = {.name = "VARCHAR"},
	[COL_MACADDR] = {.name = "VARCHAR"},
	[COL_MACADDR8] = {.name = "VARCHAR"},
	[COL_BIT] = {.name = "VARCHAR"},
	[COL_VARBIT] = {.name = "VARCHAR"},
	[COL_RANGE] = {.name = "VARCHAR"},
	[COL_ENUM] = {.name = "VARCHAR"},
	[COL_OTHER] = {.name = "VARCHAR"},
};

/* Staged as text, converted by sf_staged_value. */
static bool
sf_staged_type(const table_column *c, buf *out)
{
	if (!c->is_array && c->kind != COL_BYTEA && c->kind != COL_JSON &&
		c->kind != COL_JSONB && c->kind != COL_FLOAT4 && c->kind != COL_FLOAT8 &&
		c->kind != COL_TIMESTAMPTZ)
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
	else if (c->kind == COL_TIMESTAMPTZ)
		buf_printf(out, "TO_TIMESTAMP_TZ(%s || ':00')", ref);
	else
		buf_puts(out, ref);
}

/* A timestamptz literal holds the staged text: completed as staged values are. */
static bool
sf_literal_value(buf *out, const table_column *c, const char *literal)
{
	if (c->is_array || c->kind != COL_TIMESTAMPTZ)
		return false;
	sf_staged_value(out, c, literal);
	return true;
}

static void
sf_utc_text(buf *out, const char *ref)
{
	buf_printf(out, "TO_VARCHAR(CONVERT_TIMEZONE('UTC', %s), 'YYYY-MM-DD HH24:MI:SS') || '+00'", ref);
}

/*
 * An integration named like a plain identifier is written as one, so that
 * Snowflake folds it as it did when the integration was created unquoted;
 * any other name is quoted.
 */
static void
sf_integration_name(const sink_dialect *d, buf *out, const char *name)
{
	bool		plain = (name[0] >= 'A' && name[0] <= 'Z') ||
		(name[0] >= 'a' && name[0] <= 'z') || name[0] == '_';

	for (const char *p = name + 1; plain && *p; p++)
		plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '$';
	if (plain)
		buf_puts(out, name);
	else
		sink_quote_ident(d, out, name);
}

/*
 * The staged CSV: NULL is an empty unquoted field (EMPTY_FIELD_AS_NULL),
 * "" an empty string; nothing is escaped but the doubled quote, and no
 * string stands for NULL.  The staging table's columns are the file's, in
 * order (a change batch's four change columns first), so no column list is
 * needed (the standard load syntax has none).
 */
static void
sf_copy_staging(const sink_dialect *d, strlist *script, const table_def *t,
				const char *into, load_kind kind,
				const sink_files *files, const sink_options *opt)
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
		buf_puts(&sql, into);
		buf_puts(&sql, "\nFROM ");
		sink_quote_literal(d, &sql, files->folder_url);
		if (opt != NULL && opt->storage_integration != NULL)
		{
			buf_puts(&sql, "\nSTORAGE_INTEGRATION = ");
			sf_integration_name(d, &sql, opt->storage_integration);
		}
		buf_puts(&sql, "\nFILES = (");
		for (int i = first; i < end; i++)
		{
			if (i > first)
				buf_puts(&sql, ", ");
			sink_quote_literal(d, &sql, files->part_names[i]);
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

/*
 * Values Snowflake cannot hold, refused before the load (include/table.h;
 * dialect review, findings 7 and 15):
 *
 * - JSON numbers (json, jsonb, and arrays of numeric or of composite and
 *   JSON values, staged as JSON for PARSE_JSON): "numbers in scientific
 *   notation or that cannot be stored as fixed-point decimals due to range
 *   or scale limitations are stored as DOUBLE" (PARSE_JSON, usage notes),
 *   rounded without an error.  A fixed-point decimal is NUMBER(38, s) with
 *   s <= 37; any other number must be one a DOUBLE holds exactly
 *   (json_exact_numbers).  Arrays of floats are left alone: their JSON is
 *   the float's own shortest exact text, which a DOUBLE reads back.
 * - TIME: "All TIME values must be between 00:00:00 and
 *   23:59:59.999999999" (Date & time data types): Postgres' 24:00:00 is
 *   refused.
 * - Dates and timestamps: "For DATE and TIMESTAMP data, Snowflake
 *   recommends using years between 1582 and 9999.  Snowflake accepts some
 *   years outside this range" (the same page), and what COPY reads is
 *   Postgres' text through DATE_FORMAT = 'YYYY-MM-DD' and TIMESTAMP_FORMAT
 *   = AUTO, which errors on what it cannot match ("If no matching format
 *   is found, Snowflake returns an error", date-time input): a year BC
 *   ("0044-03-15 BC"), a five-digit year and infinity cannot be read, and
 *   are refused; earlier years AD load, as the note allows.
 */
#define SF_MAX_YEAR 9999

static col_render
sf_column_render(const table_column *c)
{
	col_render	r = sink_render_json_numeric(c);

	r.warehouse = "snowflake";
	if (c->is_array ? (c->kind == COL_NUMERIC || c->kind == COL_OTHER ||
					   c->kind == COL_JSON || c->kind == COL_JSONB)
		: (c->kind == COL_JSON || c->kind == COL_JSONB))
		r.json_exact_numbers = true;
	else if (c->is_array)
		;
	else if (c->kind == COL_TIME)
		r.no_time_24 = true;
	else if (c->kind == COL_DATE || c->kind == COL_TIMESTAMP || c->kind == COL_TIMESTAMPTZ)
	{
		r.no_infinity = true;
		r.no_bc = true;
		r.max_year = SF_MAX_YEAR;
	}
	return r;
}

static bool
sf_type_is(const char *type, const char *name)
{
	size_t		n = strlen(name);

	return strncmp(type, name, n) == 0 && (type[n] == '\0' || type[n] == '(');
}

/*
 * A column as NUMBER(p,s): every integer type is NUMBER(38,0) ("BIGINT in
 * Snowflake is an alias for NUMBER(38,0)", Snowflake's SnowConvert data
 * type references); false for other kinds.
 */
static bool
sf_number(const table_column *c, int *precision, int *scale)
{
	sink_decimal dec;

	if (c->is_array)
		return false;
	if (c->kind == COL_INT2 || c->kind == COL_INT4 || c->kind == COL_INT8)
	{
		*precision = 38;
		*scale = 0;
		return true;
	}
	if (c->kind != COL_NUMERIC)
		return false;
	/* a NUMBER(p,s) of the catalog comes back as itself */
	sink_decimal_of(c, &dec);
	*precision = dec.precision;
	*scale = dec.scale;
	return true;
}

/* The catalog shows every NUMBER as data_type NUMBER with its precision and scale. */
static bool
sf_column_from_type_name(const char *data_type, table_column *out)
{
	if (strcmp(data_type, "NUMBER") != 0)
		return false;
	memset(out, 0, sizeof(*out));
	out->kind = COL_NUMERIC;
	out->precision = out->scale = out->length = out->time_precision = -1;
	return true;
}

static void
sf_held_shape(const table_column *c, table_column *out)
{
	int			precision;
	int			scale;

	if (!sf_number(c, &precision, &scale))
		return;
	out->kind = COL_NUMERIC;
	out->precision = precision;
	out->scale = scale;
}

/*
 * SET DATA TYPE takes NUMBER and text types.  ARRAY, VARIANT and FLOAT
 * already hold any wider value of their kind, a NUMBER of a larger
 * precision and the same scale any value of a smaller one: nothing to do.
 * A NUMBER's scale cannot change ("Change the scale of a number column",
 * among the unsupported actions of ALTER TABLE ... ALTER COLUMN; dialect
 * review, finding 6), nor its precision shrink: a new scale is a rebuild,
 * the column copied into one of the new type, except for a key column,
 * which is refused.
 */
static sink_widen
sf_widen_check(const table_def *t, const table_column *was, const table_column *c,
			   const char *type)
{
	static const char *const alterable[] = {"VARCHAR", "CHAR"};
	static const char *const holds_all[] = {"ARRAY", "VARIANT", "FLOAT"};
	int			was_p;
	int			was_s;
	int			p;
	int			s;

	for (size_t i = 0; i < sizeof(holds_all) / sizeof(holds_all[0]); i++)
		if (sf_type_is(type, holds_all[i]))
			return SINK_WIDEN_HELD;
	if (sf_number(c, &p, &s))
	{
		if (was == NULL || !sf_number(was, &was_p, &was_s))
			return SINK_WIDEN_ALTER;
		if (s == was_s)
			return p > was_p ? SINK_WIDEN_ALTER : SINK_WIDEN_HELD;
		if (c->key_pos > 0)
		{
			sink_report_widen(t, c, "snowflake", "a NUMBER's scale cannot change, and a key "
							  "column is not rebuilt: reload the table");
			return SINK_WIDEN_REFUSED;
		}
		return SINK_WIDEN_REBUILD;
	}
	for (size_t i = 0; i < sizeof(alterable) / sizeof(alterable[0]); i++)
		if (sf_type_is(type, alterable[i]))
			return SINK_WIDEN_ALTER;
	sink_report_widen(t, c, "snowflake", "only a NUMBER's precision or scale or a text length can grow");
	return SINK_WIDEN_REFUSED;
}

const sink_dialect sink_snowflake = {
	.name = "snowflake",
	/*
	 * An external location is "'s3://<bucket>[/<path>]' [ { STORAGE_INTEGRATION
	 * = <integration_name> } | { CREDENTIALS = ( ... ) } ]" (COPY INTO); with
	 * neither, a private bucket cannot be read (dialect review, finding 10).
	 * A storage integration "allows users to avoid supplying credentials
	 * when ... loading" (CREATE STORAGE INTEGRATION): wharf puts no keys
	 * into SQL, so it needs one.
	 */
	.needs_storage_integration = true,
	/* DDL commits the open transaction */
	.transactional_ddl = false,
	.merge = true,
	/* ADD COLUMN IF NOT EXISTS, but never with a DEFAULT (see above) */
	/* DELETE, which is certainly DML: the manual does not say whether TRUNCATE is */
	.truncate_in_transaction = false,
	.copy_column_list = false,
	.add_if_not_exists = true,
	.literal_backslash = true,
	/*
	 * "Unquoted object identifiers ... are stored and resolved as uppercase
	 * characters", a quoted one keeps its case (Identifier requirements):
	 * a name a Postgres user writes unquoted lands as the upper-case name
	 * a Snowflake user writes unquoted ([warehouse] keep_case = true keeps
	 * it as written).  Identifiers hold up to 255 characters.
	 */
	.fold = SINK_FOLD_UPPER,
	.ident_max = 255,
	.temp_create = "TEMPORARY",
	/*
	 * "Temporary tables only exist within the session in which they were
	 * created and persist only for the remainder of the session"
	 * (tables-temp-transient): CREATE OR REPLACE, one DDL statement.
	 */
	.temp_replace = true,
	.temp_schema = NULL,
	/*
	 * "temporary tables belong to a specified database and schema"
	 * (tables-temp-transient): unqualified, the session's current schema,
	 * which wharf never sets; in the target's schema, where it creates
	 * tables (dialect review, finding 11).
	 */
	.temp_in_target_schema = true,
	.text_type = "VARCHAR",
	.tstz_type = "TIMESTAMP_TZ",
	.long_text_type = "VARCHAR",
	.now = "CONVERT_TIMEZONE('UTC', CURRENT_TIMESTAMP())",
	.session_setup = NULL,		/* now names its zone; staged times carry theirs */
	.widen_verb = "SET DATA TYPE",
	.widen_using = false,
	.types = sf_types,
	.array_type = "ARRAY",

	.column_type = NULL,
	.column_render = sf_column_render,
	.widen_check = sf_widen_check,
	.held_shape = sf_held_shape,
	.column_from_type_name = sf_column_from_type_name,
	.copy_staging = sf_copy_staging,
	.staged_type = sf_staged_type,
	.staged_value = sf_staged_value,
	.literal_value = sf_literal_value,
	.utc_text = sf_utc_text,
};
