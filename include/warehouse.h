/*
 * warehouse.h
 *    The warehouse session over ODBC: connect, run statements inside one
 *    transaction, read small results.
 *
 * Autocommit is off: nothing is visible until wh_commit.  Every failure is
 * reported with the driver's diagnostics and the start of the statement; a
 * lost connection (SQLSTATE 08xxx, 57P01-57P03, HYT00/HYT01) and a
 * connection refused by a server down or starting are also noted as an
 * outage of the warehouse (outage.h).
 */
#ifndef WHARF_WAREHOUSE_H
#define WHARF_WAREHOUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

typedef struct wh_session wh_session;

/* A small result set: all values as text (NULL for SQL NULL), row-major. */
typedef struct wh_result
{
	int			nrows;
	int			ncols;
	char	  **values;			/* nrows * ncols */
} wh_result;

extern bool wh_connect(const char *connstr, wh_session **out);
extern void wh_disconnect(wh_session *s);
/* Runs one statement; *rows gets the affected row count if not NULL. */
extern bool wh_exec(wh_session *s, const char *sql, int64_t *rows);
/*
 * Runs one statement outside any transaction block, committed as it runs
 * (autocommit on for it), after committing what the session has open:
 * schema work, which Redshift runs only so for ALTER COLUMN ... TYPE.
 */
extern bool wh_exec_alone(wh_session *s, const char *sql);
extern bool wh_query(wh_session *s, const char *sql, wh_result *out);
extern bool wh_commit(wh_session *s);
extern bool wh_rollback(wh_session *s);
extern void wh_result_free(wh_result *r);
extern const char *wh_value(const wh_result *r, int row, int col);

#endif
