/*
 * columns.c
 *    The one catalog question wharf asks a warehouse: which columns a
 *    target table has.  Every dialect answers it through the standard
 *    information_schema, so it is written once.  Names are looked up as
 *    the warehouse stored them.
 */
#include "sink.h"

/* The name as the catalog holds it (the dialect's fold), as a literal. */
static void
stored_literal(const sink_dialect *d, buf *out, const char *name)
{
	buf			stored = BUF_INIT;

	sink_stored_name(d, &stored, name);
	sink_quote_literal(d, out, stored.data ? stored.data : "");
	buf_free(&stored);
}

void
sink_target_columns_query(const sink_dialect *d, buf *out, const char *schema,
						  const char *table)
{
	buf_puts(out, "SELECT column_name, data_type, character_maximum_length, numeric_precision, "
			 "numeric_scale, datetime_precision FROM information_schema.columns WHERE table_schema = ");
	stored_literal(d, out, schema);
	buf_puts(out, " AND table_name = ");
	stored_literal(d, out, table);
	buf_puts(out, " ORDER BY ordinal_position");
}

void
sink_target_columns_query_many(const sink_dialect *d, buf *out, const table_def *const *tables,
							   int n)
{
	buf_puts(out, "SELECT table_schema, table_name, column_name, data_type, character_maximum_length, "
			 "numeric_precision, numeric_scale, datetime_precision FROM information_schema.columns WHERE ");
	for (int i = 0; i < n; i++)
	{
		buf_puts(out, i > 0 ? "\n   OR " : "");
		buf_puts(out, "table_schema = ");
		stored_literal(d, out, tables[i]->target_schema);
		buf_puts(out, " AND table_name = ");
		stored_literal(d, out, tables[i]->target_name);
	}
	buf_puts(out, "\nORDER BY table_schema, table_name, ordinal_position");
}
