/*
 * sink_shared.h
 *    Private to sinks/: what the dialect files share besides sink.h.
 *
 * The dialects differ mostly in types and COPY; DDL, the apply statements
 * and the state table are the same SQL but for the words a sink_dialect
 * carries, and are built in sink.c, changes.c, alter.c and state.c for all
 * of them.  What is here: the
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

/* The columns wharf adds to a table with soft deletes. */
#define SINK_DELETED_COL	"_wharf_deleted"
#define SINK_DELETED_AT_COL	"_wharf_deleted_at"

/*
 * The pieces of statements that sink.c, changes.c, alter.c and state.c
 * share.  sink_key_columns: t's key columns in key order (caller frees the
 * array).  sink_column_ref: rel.col.  sink_staged_value: staged column c
 * of rel converted to its target type (sink_value_of: or, when converted,
 * as it is); sink_values_of and sink_staged_values: every column of t so.
 * sink_key_match: target.k1 = <staged.k1> AND ...  The metadata columns
 * (sink.h): whether t has any, their names in the order synced_at, lsn, op
 * (NULL when off), ", <name>" of each for a column list, and their values
 * in a change batch's apply from rel.
 */
extern const table_column **sink_key_columns(const table_def *t);
extern void sink_column_ref(const sink_dialect *d, buf *out, const char *rel, const char *col);
extern void sink_staged_value(const sink_dialect *d, buf *out, const table_column *c,
							  const char *rel);
extern void sink_value_of(const sink_dialect *d, buf *out, const table_column *c,
						  const char *rel, bool converted);
extern void sink_values_of(const sink_dialect *d, buf *out, const table_def *t,
						   const char *rel, bool converted);
extern void sink_staged_values(const sink_dialect *d, buf *out, const table_def *t,
							   const char *rel);
extern void sink_key_match_of(const sink_dialect *d, buf *out, const table_column **keys,
							  int nkeys, const char *target, const char *rel, bool converted);
extern void sink_key_match(const sink_dialect *d, buf *out, const table_column **keys,
						   int nkeys, const char *target, const char *staged);
extern bool sink_has_meta(const table_def *t);
extern void sink_meta_names(const table_def *t, const char *names[3]);
extern void sink_meta_column_list(const sink_dialect *d, buf *out, const table_def *t);
extern void sink_meta_change_values(const sink_dialect *d, buf *out, const table_def *t,
									const char *rel, bool set, const char *lead);

/* The columns a change batch stages before the table's, in order (sink.h). */
#define SINK_NCHANGE_COLS 4
extern const char *const sink_change_cols[SINK_NCHANGE_COLS];

#endif
