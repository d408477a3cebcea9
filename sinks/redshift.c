/*
 * redshift.c
 *    The Redshift dialect.
 *
 * COPY reads the parts the stage's manifest lists.  Redshift lengths are
 * bytes, so a character length n becomes 4n bytes (its CHAR holds single
 * bytes only, so every character type becomes VARCHAR).  Its VARBYTE loads
 * from bare hex, not Postgres' \x form, so bytea is staged as VARCHAR and
 * converted by the apply statements.  Its MERGE takes no conditions, and
 * CURRENT_TIMESTAMP runs on the leader node only: the apply deletes and
 * inserts, and times come from SYSDATE (the transaction's start, in the
 * session's time zone, which wharf sets to UTC).
 * String literals treat backslash as an escape, so it is doubled as well as
 * the quote.  Quoted identifiers still fold to lower case unless the
 * session enables enable_case_sensitive_identifier.
 *
 * Schema changes: ADD COLUMN has no IF NOT EXISTS, and a default it sets can
 * never be dropped (there is no ALTER COLUMN ... DROP DEFAULT) and forbids
 * any later ALTER COLUMN ... TYPE, so the existing rows of an added column
 * get their value from an UPDATE instead (Redshift DDL is transactional: it
 * commits with the batch).  ALTER COLUMN ... TYPE only grows a VARCHAR, not
 * of a primary key column, and not inside a transaction block; a number
 * whose type grows is rebuilt (sink_widen_column).
 */
#include "sink.h"

#include <stdbool.h>
#include <string.h>

#include "sink_shared.h"

#define RS_MAX_VARCHAR	65535	/* bytes */
#define RS_TEXT			"VARCHAR(65535)"	/* the longest VARCHAR: any text */

/* VARCHAR for n characters of up to 4 UTF-8 bytes each. */
static const char *
rs_chars(const table_column *c, const char *name, buf *out)
{
	long		bytes = c->length > 0 ? 4L * c->length : RS_MAX_VARCHAR;

	buf_printf(out, "%s(%ld)", name, bytes < RS_MAX_VARCHAR ? bytes : (long) RS_MAX_VARCHAR);
	return NULL;
}

/* Any array is SUPER (array_type). */
static const sink_type rs_types[COL_NKINDS] = {
	[COL_BOOL] = {.name = "BOOLEAN"},
	[COL_INT2] = {.name = "SMALLINT"},
	[COL_INT4] = {.name = "INTEGER"},
	[COL_INT8] = {.name = "BIGINT"},
	[COL_NUMERIC] = {.name = "DECIMAL", .sized = sink_sized_decimal},
	[COL_FLOAT4] = {.name = "REAL"},
	[COL_FLOAT8] = {.name = "DOUBLE PRECISION"},
	[COL_MONEY] = {.name = RS_TEXT},
	[COL_TEXT] = {.name = RS_TEXT},
	[COL_VARCHAR] = {.name = "VARCHAR", .sized = rs_chars},
	[COL_CHAR] = {.name = "VARCHAR", .sized = rs_chars},
	[COL_DATE] = {.name = "DATE"},
	[COL_TIME] = {.name = "TIME"},
	[COL_TIMETZ] = {.name = "TIMETZ"},
	[COL_TIMESTAMP] = {.name = "TIMESTAMP"},
	[COL_TIMESTAMPTZ] = {.name = "TIMESTAMPTZ"},
	[COL_INTERVAL] = {.name = RS_TEXT},
	[COL_BYTEA] = {.name = "VARBYTE(1024000)"},	/* the longest VARBYTE */
	[COL_UUID] = {.name = "VARCHAR(36)"},
	[COL_JSON] = {.name = "SUPER"},
	[COL_JSONB] = {.name = "SUPER"},
	[COL_XML] = {.name = RS_TEXT},
	[COL_INET] = {.name = RS_TEXT},
	[COL_CIDR] = {.name = RS_TEXT},
	[COL_MACADDR] = {.name = RS_TEXT},
	[COL_MACADDR8] = {.name = RS_TEXT},
	[COL_BIT] = {.name = RS_TEXT},
	[COL_VARBIT] = {.name = RS_TEXT},
	[COL_RANGE] = {.name = RS_TEXT},
	[COL_ENUM] = {.name = RS_TEXT},
	[COL_OTHER] = {.name = RS_TEXT},
};

/* bytea is staged as its \x hex text (so at most 32766 bytes fit). */
static bool
rs_staged_type(const table_column *c, buf *out)
{
	if (c->is_array || c->kind != COL_BYTEA)
		return false;
	buf_puts(out, RS_TEXT);
	return true;
}

static void
rs_staged_value(buf *out, const table_column *c, const char *ref)
{
	if (!c->is_array && c->kind == COL_BYTEA)
		buf_printf(out, "TO_VARBYTE(SUBSTRING(%s FROM 3), 'hex')", ref);
	else
		buf_puts(out, ref);
}

/* Values of SUPER columns are JSON text: parsed, not cast (a cast makes a SUPER string). */
static bool
rs_literal_value(buf *out, const table_column *c, const char *literal)
{
	if (!c->is_array && c->kind != COL_JSON && c->kind != COL_JSONB)
		return false;
	buf_printf(out, "JSON_PARSE(%s)", literal);
	return true;
}

/*
 * NULL and the empty string stay apart through a marker: Redshift's COPY
 * reads an empty CHAR/VARCHAR field as an empty string, and with EMPTYASNULL
 * as NULL, a quoted "" included (dialect review, finding 4), so neither
 * keeps both.  NULL is staged as COL_NULL_MARKER unquoted instead (every
 * column's render says so: the snapshot's COPY writes NULL '\N', the change
 * rows the same), and "NULL AS 'null_string' loads fields that match
 * null_string as NULL" (COPY, data conversion parameters); a value equal
 * to the marker is always quoted (csv.h).  TIMEFORMAT 'auto' reads
 * Postgres' '2024-01-01 10:00:00.5+00'; dates are ISO, the default format.
 * Invalid UTF-8 is an error (no ACCEPTINVCHARS).  Statistics and compression
 * analysis are pointless for a staging table.  A change batch's files start
 * with the four change columns, as its staging table does.
 */
static void
rs_copy_staging(const sink_dialect *d, strlist *script, const table_def *t,
				const char *into, load_kind kind,
				const sink_files *files, const sink_options *opt)
{
	buf			sql = BUF_INIT;

	if (files->nparts == 0)
		return;					/* nothing staged: the staging table stays empty */
	buf_puts(&sql, "COPY ");
	buf_puts(&sql, into);
	buf_puts(&sql, " (");
	sink_staging_column_list(d, &sql, t, kind);
	buf_puts(&sql, ")\nFROM ");
	sink_quote_literal(d, &sql, files->manifest_url);
	buf_puts(&sql, "\nIAM_ROLE ");
	if (opt != NULL && opt->iam_role != NULL)
		sink_quote_literal(d, &sql, opt->iam_role);
	else
		buf_puts(&sql, "default");
	buf_puts(&sql, "\nMANIFEST");
	if (opt != NULL && opt->region != NULL)
	{
		buf_puts(&sql, "\nREGION ");
		sink_quote_literal(d, &sql, opt->region);
	}
	buf_puts(&sql, "\nFORMAT AS CSV\nGZIP\nNULL AS ");
	sink_quote_literal(d, &sql, COL_NULL_MARKER);
	buf_puts(&sql, "\nTIMEFORMAT 'auto'\nCOMPUPDATE OFF\nSTATUPDATE OFF");
	strlist_push(script, buf_detach(&sql));
}

/*
 * Values Redshift cannot hold, refused before the load (include/table.h;
 * dialect review, findings 8, 9, 14, 15):
 *
 * - Text in VARCHAR(65535): "The maximum length of a VARCHAR is 65535
 *   bytes" ("65535 bytes for VARCHAR", Character types), so a value whose
 *   staged text is longer fails the COPY.  That is every type staged as
 *   RS_TEXT whose text can be that long (text, xml, bit strings, ranges,
 *   other types; enum labels, inet, macaddr, money, interval and uuid
 *   cannot), character types of more than 65535/4 characters, and bytea,
 *   whose staging column is VARCHAR(65535) holding its \x hex text: at most
 *   32766 bytes of bytea.
 * - SUPER (json, jsonb, arrays), loaded from CSV: "SUPER objects larger
 *   than 1MB can only be ingested from the following file formats:
 *   Parquet, JSON, TEXT" (SUPER type), so not from CSV; 1MB is taken as
 *   1,000,000 bytes, the smaller reading.  And "an individual value within
 *   a SUPER object is limited to the maximum length of the corresponding
 *   Amazon Redshift type.  For example, a single string value loaded to
 *   SUPER is limited to the maximum VARCHAR length of 65535 bytes"
 *   (Limitations, SUPER; 16,000,000 bytes only with the cluster parameter
 *   enable_large_strings_opt_in, which wharf does not assume).
 * - REAL and DOUBLE PRECISION: Numeric types describes them as IEEE 754
 *   formats with "a range of around 1E-37 to 1E+37" and "1E-307 to
 *   1E+308" and says nothing of NaN or Infinity, in literals or in COPY
 *   (nor do the data conversion parameters): undocumented, so Postgres'
 *   NaN, Infinity and -Infinity are refused, as for numeric.
 * - Dates and timestamps: Datetime types gives "4713 BC to 294276 AD" for
 *   DATE, TIMESTAMP and TIMESTAMPTZ, but what COPY reads is Postgres' text.
 *   DATE columns take the default DATEFORMAT 'YYYY-MM-DD' (DATEFORMAT and
 *   TIMEFORMAT strings: a YYYY, no era), and TIMEFORMAT 'auto' documents
 *   BC only as "Jan-08-95 BC", not Postgres' "0044-03-15 BC": years BC and
 *   years past 9999 (five digits) are refused, as is infinity (outside
 *   every range).  TIME holds "00:00:00 to 24:00:00", so 24:00:00 loads.
 * - A row: "The maximum size of a single input row from any source is 4
 *   MB" (COPY), taken as 4,000,000 bytes; the stage writer checks it.
 */
#define RS_SUPER_CSV_MAX	1000000	/* bytes of one SUPER value from CSV */
#define RS_MAX_ROW			4000000	/* bytes of one COPY input row */
#define RS_MAX_YEAR			9999

static bool
rs_text_can_outgrow(const table_column *c)
{
	switch (c->kind)
	{
		case COL_TEXT:
		case COL_XML:
		case COL_BIT:
		case COL_VARBIT:
		case COL_RANGE:
		case COL_OTHER:
		case COL_BYTEA:
			return true;
		case COL_VARCHAR:
		case COL_CHAR:
			return c->length <= 0 || 4L * c->length > RS_MAX_VARCHAR;
		default:
			return false;
	}
}

/* As the other warehouses render values, NULL staged as the marker (above). */
static col_render
rs_column_render(const table_column *c)
{
	col_render	r = sink_render_json_numeric(c);

	r.null_as = COL_NULL_MARKER;
	r.warehouse = "redshift";
	if (c->is_array || c->kind == COL_JSON || c->kind == COL_JSONB)
	{
		r.max_bytes = RS_SUPER_CSV_MAX;
		r.max_bytes_in = "SUPER loaded from CSV";
		r.max_json_string = RS_MAX_VARCHAR;
	}
	else if (rs_text_can_outgrow(c))
	{
		r.max_bytes = RS_MAX_VARCHAR;
		r.max_bytes_in = c->kind == COL_BYTEA ? "VARCHAR(65535) as \\x hex text" : RS_TEXT;
	}
	else if (c->kind == COL_FLOAT4 || c->kind == COL_FLOAT8)
		r.no_special = true;
	else if (c->kind == COL_DATE || c->kind == COL_TIMESTAMP || c->kind == COL_TIMESTAMPTZ)
	{
		r.no_infinity = true;
		r.no_bc = true;
		r.max_year = RS_MAX_YEAR;
	}
	return r;
}

/* A column as DECIMAL(p,s) or an integer type; false for other kinds. */
static bool
rs_exact(const table_column *c, int *precision, int *scale)
{
	sink_decimal dec;

	if (c->is_array)
		return false;
	*scale = 0;
	switch (c->kind)
	{
		case COL_INT2:
			*precision = 5;
			return true;
		case COL_INT4:
			*precision = 10;
			return true;
		case COL_INT8:
			*precision = 19;
			return true;
		case COL_NUMERIC:
			sink_decimal_of(c, &dec);
			*precision = dec.precision;
			*scale = dec.scale;
			return true;
		default:
			return false;
	}
}

/* Its catalog names the integer types and numeric as Postgres does. */
static bool
rs_column_from_type_name(const char *data_type, table_column *out)
{
	static const struct
	{
		const char *name;
		col_kind	kind;
	}			names[] = {
		{"smallint", COL_INT2}, {"integer", COL_INT4}, {"bigint", COL_INT8}, {"numeric", COL_NUMERIC}
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(data_type, names[i].name) == 0)
		{
			memset(out, 0, sizeof(*out));
			out->kind = names[i].kind;
			out->precision = out->scale = out->length = out->time_precision = -1;
			return true;
		}
	return false;
}

static void
rs_held_shape(const table_column *c, table_column *out)
{
	int			precision;
	int			scale;

	if (c->kind == COL_NUMERIC && rs_exact(c, &precision, &scale))
	{
		out->precision = precision;
		out->scale = scale;
	}
}

/*
 * ALTER COLUMN ... TYPE grows a VARCHAR only, not of a key column (ALTER
 * TABLE); SUPER holds any JSON.  An integer or DECIMAL column whose type
 * must change is rebuilt (sink_widen_column), a key column refused; one
 * of the same scale and a precision at least as large holds the values
 * already.
 */
static sink_widen
rs_widen_check(const table_def *t, const table_column *was, const table_column *c,
			   const char *type)
{
	int			was_p;
	int			was_s;
	int			p;
	int			s;

	if (strcmp(type, "SUPER") == 0)
		return SINK_WIDEN_HELD;
	if (rs_exact(c, &p, &s))
	{
		if (was != NULL && rs_exact(was, &was_p, &was_s) && s == was_s && p <= was_p &&
			(was->kind == COL_NUMERIC) == (c->kind == COL_NUMERIC))
			return SINK_WIDEN_HELD;
		if (c->key_pos > 0)
		{
			sink_report_widen(t, c, "redshift", "a key column's type cannot change: reload the table");
			return SINK_WIDEN_REFUSED;
		}
		return SINK_WIDEN_REBUILD;
	}
	if (strncmp(type, "VARCHAR(", 8) != 0)
	{
		sink_report_widen(t, c, "redshift", "only a VARCHAR's length or a number's type can grow");
		return SINK_WIDEN_REFUSED;
	}
	if (c->key_pos > 0)
	{
		sink_report_widen(t, c, "redshift", "a primary key column cannot be altered");
		return SINK_WIDEN_REFUSED;
	}
	return SINK_WIDEN_ALTER;
}

const sink_dialect sink_redshift = {
	.name = "redshift",
	.max_row_bytes = RS_MAX_ROW,
	.transactional_ddl = true,
	/* its MERGE takes no conditions: the apply deletes and inserts */
	.merge = false,
	/* "TRUNCATE commits the transaction in which it is run" (TRUNCATE) */
	.truncate_in_transaction = false,
	.copy_column_list = true,
	.add_if_not_exists = false,
	.literal_backslash = true,
	/*
	 * "ASCII letters in delimited identifiers are case-insensitive and are
	 * folded to lowercase"; a name is at most 127 bytes (Names and
	 * identifiers).  wharf does not set enable_case_sensitive_identifier:
	 * every reader of the tables would have to.
	 */
	.fold = SINK_FOLD_LOWER,
	.ident_max = 127,
	.temp_create = "TEMP",
	/*
	 * "A temporary table is automatically dropped at the end of the session
	 * in which it was created" (CREATE TABLE): replaced by DROP TABLE IF
	 * EXISTS; temporary tables are found before permanent ones of a name.
	 */
	.temp_replace = false,
	.temp_schema = NULL,
	/* its temporary tables live in a schema of the session's own */
	.temp_in_target_schema = false,
	.text_type = "VARCHAR(1024)",
	.tstz_type = "TIMESTAMPTZ",
	.long_text_type = RS_TEXT,
	.now = "(SYSDATE AT TIME ZONE 'UTC')",
	/*
	 * "SYSDATE returns the current date and time in the current session
	 * time zone (UTC by default)" (SYSDATE): a user's or a parameter
	 * group's timezone would shift every stamp now makes; the session is
	 * set to UTC (SET timezone) so that SYSDATE is UTC (dialect review,
	 * finding 12).
	 */
	.session_setup = "SET timezone TO 'UTC'",
	.widen_verb = "TYPE",
	.widen_using = false,
	.types = rs_types,
	.array_type = "SUPER",

	.column_type = NULL,
	.column_render = rs_column_render,
	.widen_check = rs_widen_check,
	.held_shape = rs_held_shape,
	.column_from_type_name = rs_column_from_type_name,
	.copy_staging = rs_copy_staging,
	.staged_type = rs_staged_type,
	.staged_value = rs_staged_value,
	.literal_value = rs_literal_value,
	.utc_text = sink_utc_text_at_time_zone,
};
