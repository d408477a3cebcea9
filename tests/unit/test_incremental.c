/*
 * test_incremental.c
 *    The transaction-ID arithmetic of xmin mode (incremental.h): 64-bit
 *    windows projected onto the 32-bit xmin a row carries, inside one epoch
 *    and across a wraparound of the counter, and the snapshot text that
 *    holds a mark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "incremental.h"

#define EPOCH(e) ((uint64_t) (e) << 32)

/* Whether a row whose 32-bit xmin is x falls in window w. */
static bool
in_window(const incr_xid_window *w, uint32_t x)
{
	for (int i = 0; i < w->n; i++)
		if (x >= w->lo[i] && x <= w->hi[i])
			return true;
	return false;
}

static void
test_one_epoch(void **state)
{
	incr_xid_window w;

	(void) state;
	assert_true(incr_xid_window_of(1000, 2000, &w));
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lo[0], 1000);
	assert_int_equal(w.hi[0], 2000);

	/* a later epoch: only the low 32 bits count */
	assert_true(incr_xid_window_of(EPOCH(5) + 7, EPOCH(5) + 70000, &w));
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lo[0], 7);
	assert_int_equal(w.hi[0], 70000);

	/* one transaction */
	assert_true(incr_xid_window_of(EPOCH(1) + 42, EPOCH(1) + 42, &w));
	assert_true(in_window(&w, 42));
	assert_false(in_window(&w, 41));
	assert_false(in_window(&w, 43));
}

static void
test_wraparound(void **state)
{
	incr_xid_window w;
	uint64_t	from = EPOCH(2) + UINT32_MAX - 99;	/* 100 before the wrap */
	uint64_t	to = EPOCH(3) + 500;				/* the next epoch's start */

	(void) state;
	assert_true(incr_xid_window_of(from, to, &w));
	assert_int_equal(w.n, 2);
	assert_int_equal(w.lo[0], UINT32_MAX - 99);
	assert_int_equal(w.hi[0], UINT32_MAX);
	/* the counter skips the special IDs 0 to 2 when it wraps */
	assert_int_equal(w.lo[1], 3);
	assert_int_equal(w.hi[1], 500);

	/* every transaction of the window is found, its 32-bit xid being x mod 2^32 */
	for (uint64_t x = from; x <= to; x++)
		if ((uint32_t) x >= 3)
			assert_true(in_window(&w, (uint32_t) x));
	/* and none before or after it */
	assert_false(in_window(&w, UINT32_MAX - 100));
	assert_false(in_window(&w, 501));
	assert_false(in_window(&w, 0));
	assert_false(in_window(&w, 1));
	assert_false(in_window(&w, 2));	/* FrozenTransactionId */

	/* a window that starts right at the wrap */
	assert_true(incr_xid_window_of(EPOCH(3) + 0, EPOCH(3) + 10, &w));
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lo[0], 3);
	assert_int_equal(w.hi[0], 10);

	/* one that ends right after it, before any normal ID */
	assert_true(incr_xid_window_of(EPOCH(3) - 5, EPOCH(3) + 1, &w));
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lo[0], UINT32_MAX - 4);
	assert_int_equal(w.hi[0], UINT32_MAX);
}

static void
test_limits(void **state)
{
	incr_xid_window w;

	(void) state;
	/* backwards: another server, or a restored one */
	assert_false(incr_xid_window_of(2000, 1000, &w));
	/* 2^31 transactions or more: the 32-bit xmin no longer tells them apart */
	assert_false(incr_xid_window_of(EPOCH(1), EPOCH(1) + INCR_XID_WINDOW_MAX, &w));
	assert_true(incr_xid_window_of(EPOCH(1), EPOCH(1) + INCR_XID_WINDOW_MAX - 1, &w));
	assert_true(incr_xid_window_of(EPOCH(1) + UINT32_MAX - 10,
								   EPOCH(1) + UINT32_MAX - 10 + INCR_XID_WINDOW_MAX - 1, &w));
	assert_int_equal(w.n, 2);
}

static void
test_snapshot_text(void **state)
{
	uint64_t	xmin,
				xmax;

	(void) state;
	assert_true(incr_snapshot_parse("740:745:740,742", &xmin, &xmax));
	assert_true(xmin == 740 && xmax == 745);
	assert_true(incr_snapshot_parse("34130:34130:", &xmin, &xmax));
	assert_true(xmin == 34130 && xmax == 34130);
	/* xid8 values past the first epoch */
	assert_true(incr_snapshot_parse("12884901900:12884901950:12884901901", &xmin, &xmax));
	assert_true(xmin == EPOCH(3) + 12 && xmax == EPOCH(3) + 62);
	assert_false(incr_snapshot_parse("", &xmin, &xmax));
	assert_false(incr_snapshot_parse("2026-12-03 10:00:00+00", &xmin, &xmax));
	assert_false(incr_snapshot_parse("745:740:", &xmin, &xmax));
	assert_false(incr_snapshot_parse("740:745", &xmin, &xmax));
	assert_false(incr_snapshot_parse(NULL, &xmin, &xmax));
}

static void
test_xmin_bounds(void **state)
{
	incr_xid_window w;
	const char *why = NULL;

	(void) state;
	/* nothing written since the last load: an empty window, not a full load */
	assert_true(incr_xmin_bounds("142353:142353:", "142353:142353:", &w, &why));
	assert_int_equal(w.n, 0);
	/* from the last snapshot's xmin (its in-progress transaction 740) to now's xmax */
	assert_true(incr_xmin_bounds("740:745:740,742", "800:810:", &w, &why));
	assert_int_equal(w.n, 1);
	assert_int_equal(w.lo[0], 740);
	assert_int_equal(w.hi[0], 809);
	/* across a wraparound, in xid8 terms */
	assert_true(incr_xmin_bounds("8589934590:8589934595:", "8589934600:8589934610:", &w, &why));
	assert_int_equal(w.n, 2);
	assert_int_equal(w.lo[0], UINT32_MAX - 1);
	assert_int_equal(w.hi[0], UINT32_MAX);
	assert_int_equal(w.lo[1], 3);
	assert_int_equal(w.hi[1], 8589934609 - EPOCH(2));
	/* full loads, each with its reason */
	assert_false(incr_xmin_bounds("2026-12-03", "800:810:", &w, &why));
	assert_non_null(strstr(why, "no snapshot"));
	assert_false(incr_xmin_bounds("800:810:", "700:705:", &w, &why));
	assert_non_null(strstr(why, "behind the mark"));
	assert_false(incr_xmin_bounds("800:810:", "4294968000:4294968000:", &w, &why));
	assert_non_null(strstr(why, "32-bit xmin"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_epoch),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_snapshot_text),
		cmocka_unit_test(test_xmin_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
