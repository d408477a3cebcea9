/*
 * guard.h
 *    Values a warehouse cannot hold, refused before the load: the checks of
 *    a column's render (table.h) on one value's text, as the change stream
 *    stages it, and the words that name the limits in a message.
 *
 * The snapshot makes the same checks in its COPY query (snapshot.c), so a
 * value stops a load the same way whichever path brings it.
 */
#ifndef WHARF_GUARD_H
#define WHARF_GUARD_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "table.h"

/* Whether r guards any value of column c: false for most columns. */
extern bool guard_any(const table_column *c, const col_render *r);

/*
 * Whether v[0..len), column c's value as Postgres writes it (pgoutput's
 * text), is one the warehouse holds by r.
 */
extern bool guard_value_fits(const table_column *c, const col_render *r,
							 const char *v, size_t len);

/*
 * The pieces, for tests: a numeric's text within r's digits; JSON text
 * whose string members are at most max_string bytes once unescaped (0: any)
 * and, with exact_numbers, whose numbers a warehouse keeps exactly (see
 * json_exact_numbers in table.h); one JSON number's text.
 */
extern bool guard_numeric_fits(const char *v, size_t len, const col_render *r);
extern bool guard_json_fits(const char *v, size_t len, int64_t max_string, bool exact_numbers);
extern bool guard_json_number_exact(const char *v, size_t len);

/* Appends the limits r sets on column c, for messages: "at most ...". */
extern void guard_limits_text(const table_column *c, const col_render *r, buf *out);

/* Appends a short, printable prefix of v (at most about 40 bytes), quoted. */
extern void guard_value_prefix(const char *v, size_t len, buf *out);

#endif
