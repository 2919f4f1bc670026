/*
 * test_deadlines.c - timers as data: the next one, and taking the due.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/deadlines.h"

static void
test_none_armed(void **state)
{
	struct deadlines d = { 0 };

	(void)state;
	assert_int_equal(deadlines_next(&d), 0);
	assert_int_equal(deadlines_take_due(&d, UINT64_MAX), DL_COUNT);
}

static void
test_the_earliest_comes_first_and_is_disarmed(void **state)
{
	struct deadlines d = { 0 };

	(void)state;
	deadlines_set(&d, DL_CLOSE, 500);
	deadlines_set(&d, DL_CONNECT, 300);
	deadlines_set(&d, DL_DRAIN, 900);
	assert_int_equal(deadlines_next(&d), 300);
	assert_int_equal(deadlines_take_due(&d, 299), DL_COUNT);
	assert_int_equal(deadlines_take_due(&d, 600), DL_CONNECT);
	assert_int_equal(deadlines_take_due(&d, 600), DL_CLOSE);
	assert_int_equal(deadlines_take_due(&d, 600), DL_COUNT);
	assert_int_equal(deadlines_next(&d), 900);
}

static void
test_ties_go_in_enum_order_and_zero_disarms(void **state)
{
	struct deadlines d = { 0 };

	(void)state;
	deadlines_set(&d, DL_HEARTBEAT, 100);
	deadlines_set(&d, DL_RETRY, 100);
	assert_int_equal(deadlines_take_due(&d, 100), DL_RETRY);
	deadlines_set(&d, DL_HEARTBEAT, 0);
	assert_int_equal(deadlines_next(&d), 0);
	assert_string_equal(deadline_name(DL_STABLE), "stable");
	assert_string_equal(deadline_name(DL_COUNT), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none_armed),
		cmocka_unit_test(test_the_earliest_comes_first_and_is_disarmed),
		cmocka_unit_test(test_ties_go_in_enum_order_and_zero_disarms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
