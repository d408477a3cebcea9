/*
 * csv.h
 *    The staged CSV encoding: RFC 4180 fields as Postgres' COPY ... CSV
 *    writes and reads them, and as Snowflake and Redshift load them.
 *
 * NULL is an empty unquoted field; an empty string is "".  A field is
 * quoted when it is empty or holds a comma, a quote, CR, LF, a backslash, or
 * leading or trailing white space, or would read back as the end-of-data
 * marker \. ; quotes inside are doubled.  Nothing else is escaped, so any
 * byte sequence (all of Unicode, NUL-free text of any length) round-trips.
 *
 * For a warehouse whose COPY reads an empty field and "" alike, NULL is
 * staged as COL_NULL_MARKER (table.h), unquoted, instead: no value reads as it, as
 * a value holding a backslash is always quoted (and Postgres' own COPY
 * ... CSV, NULL '\N' quotes a value equal to its NULL string).
 */
#ifndef WHARF_CSV_H
#define WHARF_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* Appends one field (with a leading comma unless first). */
extern void csv_field(buf *out, bool first, const char *value, size_t len);
extern void csv_null(buf *out, bool first);
/* NULL as marker (NULL: as csv_null; see COL_NULL_MARKER in table.h). */
extern void csv_null_as(buf *out, bool first, const char *marker);
extern void csv_end_row(buf *out);

/*
 * Reads one field of a row starting at *pos in data[0..len): for tests and
 * for reading staged files back.  Sets *is_null, appends the value to out,
 * advances *pos past the field and its delimiter, and sets *end_of_row.
 * Returns false on malformed input.
 */
extern bool csv_read_field(const char *data, size_t len, size_t *pos,
						   buf *out, bool *is_null, bool *end_of_row);

#endif
