/*
 * test_rx_budget.c - the flood decision, fed counters and times.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/rx_budget.h"

static void
test_due_only_once_a_window_unless_throttled(void **state)
{
	struct rx_budget b;

	(void)state;
	rx_budget_start(&b, 1000, 0, 0);
	assert_false(rx_budget_due(&b, 1000));
	assert_false(rx_budget_due(&b, 1000 + RX_WINDOW_MS - 1));
	assert_true(rx_budget_due(&b, 1000 + RX_WINDOW_MS));
	b.throttled = true;
	assert_true(rx_budget_due(&b, 1001));
}

static void
test_data_never_counts_as_overhead(void **state)
{
	struct rx_budget b;
	uint64_t over = 0;

	(void)state;
	rx_budget_start(&b, 0, 0, 0);
	/* 100 MB of data in a window, with its allowance: read on. */
	assert_int_equal(rx_budget_check(&b, RX_WINDOW_MS, 100000000, 100000000, 5000,
					 &over), RX_READ);
	/* The budget itself is fine too (the 5000 waiting were data). */
	assert_int_equal(rx_budget_check(&b, 2 * RX_WINDOW_MS,
					 100000000 + RX_OVERHEAD_BUDGET, 100005000, 0,
					 &over), RX_READ);
	/* Before the window ends, nothing is judged. */
	assert_int_equal(rx_budget_check(&b, 2 * RX_WINDOW_MS + 1, 900000000, 100000000,
					 0, &over), RX_READ);
}

/*
 * A server that sends data faster than the loop reads it: what waits in
 * the socket at the window's end is not overhead (it was, before: 40 MB
 * of 1 KiB messages then crawled in at the throttled rate).  It is
 * judged once read, as the data it is.
 */
static void
test_data_waiting_in_the_socket_is_not_overhead(void **state)
{
	struct rx_budget b;
	uint64_t over = 0, t = RX_WINDOW_MS;

	(void)state;
	rx_budget_start(&b, 0, 0, 0);
	assert_int_equal(rx_budget_check(&b, t, 10000000, 1000000, 9000000, &over),
			 RX_READ);
	assert_int_equal(rx_budget_check(&b, 2 * t, 20000000, 12000000, 8000000, &over),
			 RX_READ);
	assert_int_equal(rx_budget_check(&b, 3 * t, 20000000, 20000000, 0, &over),
			 RX_READ);
	assert_false(b.throttled);
	/* Control frames, once read, still count. */
	assert_int_equal(rx_budget_check(&b, 4 * t, 20000000 + RX_OVERHEAD_BUDGET + 1 +
					 3000, 20000000, 3000, &over), RX_FLOOD);
	assert_int_equal(over, RX_OVERHEAD_BUDGET + 1);
}

static void
test_a_control_flood_throttles_until_the_socket_is_empty(void **state)
{
	struct rx_budget b;
	uint64_t over = 0, t = RX_WINDOW_MS;

	(void)state;
	rx_budget_start(&b, 0, 0, 0);
	assert_int_equal(rx_budget_check(&b, t, RX_OVERHEAD_BUDGET + 1 + 65536, 0, 65536,
					 &over), RX_FLOOD);
	assert_int_equal(over, RX_OVERHEAD_BUDGET + 1);
	assert_true(b.throttled);
	/* A burst of turns that leave bytes behind, then a pause; again. */
	for (int pause = 0; pause < 3; pause++) {
		for (int i = 1; i < RX_BURST; i++)
			assert_int_equal(rx_budget_check(&b, t + 100 * (uint64_t)pause,
							 RX_OVERHEAD_BUDGET, 0, 65536,
							 &over), RX_READ);
		assert_int_equal(rx_budget_check(&b, t + 100 * (uint64_t)pause,
						 RX_OVERHEAD_BUDGET, 0, 65536, &over),
				 RX_PAUSE);
		assert_true(b.throttled);
	}
	/* A read that empties it: normal again, with a fresh window. */
	assert_int_equal(rx_budget_check(&b, t + 1000, 50000, 0, 0, &over), RX_READ);
	assert_false(b.throttled);
	assert_false(rx_budget_due(&b, t + 1000 + RX_WINDOW_MS - 1));
	/* Within budget since then: stays normal. */
	assert_int_equal(rx_budget_check(&b, t + 1000 + RX_WINDOW_MS, 50100, 0, 0, &over),
			 RX_READ);
}

static void
test_a_failing_connection_is_throttled_at_once(void **state)
{
	struct rx_budget b;
	uint64_t over = 0;

	(void)state;
	rx_budget_start(&b, 0, 0, 0);
	rx_budget_throttle(&b);
	assert_true(rx_budget_due(&b, 1));
	for (int i = 1; i < RX_BURST; i++)
		assert_int_equal(rx_budget_check(&b, 1, 0, 0, 100, &over), RX_READ);
	assert_int_equal(rx_budget_check(&b, 1, 0, 0, 100, &over), RX_PAUSE);
}

static void
test_counters_that_go_back_start_afresh(void **state)
{
	struct rx_budget b;
	uint64_t over = 0;

	(void)state;
	rx_budget_start(&b, 0, 1000000, 1000000);
	assert_int_equal(rx_budget_check(&b, RX_WINDOW_MS, 10, 10, 0, &over), RX_READ);
	assert_int_equal(rx_budget_check(&b, 2 * RX_WINDOW_MS, 20, 20, 0, &over), RX_READ);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_due_only_once_a_window_unless_throttled),
		cmocka_unit_test(test_data_never_counts_as_overhead),
		cmocka_unit_test(test_data_waiting_in_the_socket_is_not_overhead),
		cmocka_unit_test(test_a_control_flood_throttles_until_the_socket_is_empty),
		cmocka_unit_test(test_a_failing_connection_is_throttled_at_once),
		cmocka_unit_test(test_counters_that_go_back_start_afresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
