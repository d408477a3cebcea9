/*
 * incremental.h
 *    Incremental loads (mode = incremental): the high-water marks that bound
 *    each load, and the arithmetic of transaction IDs that xmin mode needs.
 *
 * A table is loaded incrementally by a cursor column, which the
 * application moves on every insert and update (updated_at), or by xmin,
 * the ID of the transaction that wrote each row version.  Each load
 * records its high-water mark in the warehouse's state table, in the
 * transaction that loads the rows:
 *   cursor mode: the largest cursor value the load's snapshot saw, as text
 *     ("" while the table has none); the next load reads the rows whose
 *     cursor is at least that minus lookback;
 *   xmin mode: the load's snapshot itself, as pg_current_snapshot() prints
 *     it ("xmin:xmax:xip,..."); the next load reads every row written by a
 *     transaction not visible to it.
 * Nothing here speaks to the source: source.h reads the marks and builds
 * the source's predicates from them.
 */
#ifndef WHARF_INCREMENTAL_H
#define WHARF_INCREMENTAL_H

#include <stdbool.h>
#include <stdint.h>

/* cursor = xmin: no column, transaction snapshots */
#define INCR_XMIN "xmin"

struct table_def;

/*
 * Whether a load of t compares keys to find deletes: a load of changed
 * rows (changed), of a table that follows deletes, whose mark counts loads
 * loads since the last comparison, due every reconcile_every loads.  A full
 * load mirrors the source, deletes included, and needs none.
 */
extern bool incr_reconciles(const struct table_def *t, bool changed, int64_t loads);

/*
 * The 32-bit transaction IDs a row's xmin may hold to have been written by
 * a transaction with a 64-bit ID (epoch and xid, as xid8) in [from, to]:
 * one range, or two when the window crosses an epoch (the 32-bit counter
 * wrapped), each [lo, hi] inclusive.  The special IDs 0 to 2 (invalid,
 * bootstrap, frozen) are in neither: no transaction of a load's window has
 * them.
 */
typedef struct incr_xid_window
{
	int			n;
	uint32_t	lo[2];
	uint32_t	hi[2];
} incr_xid_window;

/*
 * Largest window incr_xid_window takes: 2^31 transactions.  Any row not
 * frozen was written less than that many transactions ago (Postgres
 * freezes rows well before the counter could wrap onto them), so its
 * 32-bit xmin names one transaction of the window; older, frozen rows may
 * land in it too, and are read again, which the merge by key makes
 * harmless.
 */
#define INCR_XID_WINDOW_MAX (UINT64_C(1) << 31)

/*
 * The window [from, to]: false when it is empty (to < from) or wider than
 * INCR_XID_WINDOW_MAX, where a full load must be done instead.
 */
extern bool incr_xid_window_of(uint64_t from, uint64_t to, incr_xid_window *out);

/*
 * The rows a load under snapshot now reads after a load under prev (both
 * pg_current_snapshot()'s text): those written by a transaction from
 * prev's xmin on (any of them may have been running then: the in-progress
 * list names top-level transactions only, and a row written in a
 * subtransaction carries the subtransaction's ID, which is above its
 * parent's) and below now's xmax (now sees none from there on), into *w;
 * an empty window when nothing was written since.  False, with *why, when
 * no window bounds them and a full load must be done: a mark that is no
 * snapshot, a transaction counter behind the mark (another server), or a
 * window wider than INCR_XID_WINDOW_MAX.
 */
extern bool incr_xmin_bounds(const char *prev, const char *now, incr_xid_window *w,
							 const char **why);

/*
 * The xmin and xmax of a snapshot as pg_current_snapshot() prints it
 * ("xmin:xmax:xip1,xip2,..."); false when text is not one.
 */
extern bool incr_snapshot_parse(const char *text, uint64_t *xmin, uint64_t *xmax);

#endif
