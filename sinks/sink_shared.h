/*
 * sink_shared.h
 *    Private to sinks/: the statement builders the dialects share.
 *
 * The dialects differ mostly in types, quoting and COPY; DDL, the apply
 * statements and the state table are the same SQL but for the words a
 * sink_dialect carries.  Everything here is written once in sink.c.
 */
#ifndef WHARF_SINK_SHARED_H
#define WHARF_SINK_SHARED_H

#include <stdbool.h>

#include "buf.h"
#include "sink.h"
#include "table.h"

/* The columns wharf adds to a table with soft deletes. */
#define SINK_DELETED_COL	"_wharf_deleted"
#define SINK_DELETED_AT_COL	"_wharf_deleted_at"

/* Literals and shell words. */
extern void sink_quote_literal_std(buf *out, const char *value);
extern void sink_quote_literal_backslash(buf *out, const char *value);
extern void sink_shell_quote(buf *out, const char *word);

/* utc_text for Postgres and Redshift: TO_CHAR(ref AT TIME ZONE 'UTC', ...). */
extern void sink_utc_text_at_time_zone(buf *out, const char *ref);

/*
 * A numeric column in a warehouse whose decimals hold 38 digits with a scale
 * of at most 37 (Snowflake NUMBER, Redshift DECIMAL).  Returns false when the
 * scale does not fit; render tells how values must be checked.
 */
typedef struct sink_decimal
{
	int			precision;
	int			scale;
	col_render	render;
} sink_decimal;

extern bool sink_decimal_of(const table_column *c, sink_decimal *out);
/* The same, reporting a scale that does not fit, naming table and column. */
extern bool sink_decimal_type(const table_def *t, const table_column *c,
							  const char *warehouse, sink_decimal *out);
/* What the snowflake and redshift dialects stage a column as. */
extern col_render sink_render_json_numeric(const table_column *c);
/* Reports a column a dialect cannot hold. */
extern void sink_report_column(const table_def *t, const table_column *c,
							   const char *warehouse, const char *why);
/* Reports a column whose type a dialect cannot change. */
extern void sink_report_widen(const table_def *t, const table_column *c,
							  const char *warehouse, const char *why);

/*
 * The staging table's columns as COPY lists them: with LOAD_CHANGES the four
 * change columns of sink.h first, then the table's.
 */
extern void sink_staging_column_list(const sink_dialect *d, buf *out,
									 const table_def *t, load_kind kind);

/* Statement builders. */
extern void sink_create_schema_sql(const sink_dialect *d, strlist *script,
								   const char *schema);
extern bool sink_create_table_sql(const sink_dialect *d, strlist *script,
								  const table_def *t);
extern bool sink_create_staging_sql(const sink_dialect *d, strlist *script,
									const table_def *t, const char *staging,
									load_kind kind);
extern void sink_apply_sql(const sink_dialect *d, strlist *script,
						   const table_def *t, const char *staging, load_kind kind);
extern void sink_add_column_sql(const sink_dialect *d, strlist *ddl, strlist *dml, const table_def *t,
								const table_column *c, const char *default_value);
extern void sink_rename_column_sql(const sink_dialect *d, strlist *script, const table_def *t,
								   const char *from, const table_column *c);
extern bool sink_reset_column_sql(const sink_dialect *d, strlist *ddl, strlist *dml,
								  const table_def *t, const table_column *c, const char *value);
/*
 * ALTER TABLE target ALTER COLUMN c <verb> <type>, and with using_cast
 * USING c::<type> (Postgres), type being the dialect's type for c.
 */
extern bool sink_alter_column_type_sql(const sink_dialect *d, strlist *script,
									   const table_def *t, const table_column *c,
									   const char *verb, bool using_cast);
extern void sink_state_create_sql(const sink_dialect *d, strlist *script,
								  const char *schema, const char *table);
extern void sink_state_record_sql(const sink_dialect *d, strlist *script,
								  const char *schema, const char *table,
								  const sink_state_row *row);
extern void sink_state_forget_sql(const sink_dialect *d, strlist *script,
								  const char *schema, const char *table, const char *job,
								  const char *kind, const char *prefix);
extern void sink_state_query_sql(const sink_dialect *d, buf *out,
								 const char *schema, const char *table,
								 const char *job);

/*
 * column_from_type_name for warehouses whose information_schema names are
 * not Postgres': a type change is then told apart by the stream only.
 */
extern bool sink_type_name_unknown(const char *data_type, table_column *out);

/* UPDATE target SET the columns = NULL for every key the batch inserts or updates. */
extern void sink_clear_columns_sql(const sink_dialect *d, strlist *script, const table_def *t,
								   const char *staging, const char *const *columns, int ncolumns);
extern void sink_drop_cancelled_sql(const sink_dialect *d, strlist *script, const char *staging);

#endif
