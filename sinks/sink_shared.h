/*
 * sink_shared.h
 *    Private to sinks/: what the dialect files share besides sink.h.
 *
 * The dialects differ mostly in types and COPY; DDL, the apply statements
 * and the state table are the same SQL but for the words a sink_dialect
 * carries, and are built in sink.c for all of them.  What is here: the
 * dialects' declarations (from the registry's list), and for the hooks a
 * dialect file writes, the staging column list its COPY names, the decimal
 * mapping of the 38-digit warehouses, and the error reports.
 */
#ifndef WHARF_SINK_SHARED_H
#define WHARF_SINK_SHARED_H

#include <stdbool.h>

#include "buf.h"
#include "sink.h"
#include "table.h"

/* Every dialect, each defined in its own file (see dialect_list.h). */
#define SINK_DIALECT(symbol) extern const sink_dialect symbol;
#include "dialect_list.h"
#undef SINK_DIALECT

/* One POSIX shell word: 'word', each ' written as '\''. */
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
/* A sink_type's sized for such a decimal: name(precision,scale). */
extern const char *sink_sized_decimal(const table_column *c, const char *name, buf *out);
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

#endif
