/*
 * test_retry.c - delays, floors and the choice of address.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/retry.h"

static const struct retry_policy P = { .min_ms = 100, .max_ms = 2000 };

static void
test_no_failure_no_delay(void **state)
{
	struct retry r = { 0 };

	(void)state;
	assert_int_equal(retry_delay_ms(&r, &P, 12345), 0);
}

static void
test_delays_grow_within_the_policy(void **state)
{
	struct retry r = { 0 };

	(void)state;
	for (uint32_t n = 1; n <= 10; n++) {
		uint64_t cap = 100ull << (n - 1) < 2000 ? 100ull << (n - 1) : 2000;

		retry_failed(&r);
		assert_int_equal(r.failures, n);
		/* The smallest and the largest the jitter can give. */
		assert_int_equal(retry_delay_ms(&r, &P, 0), 100);
		assert_int_equal(retry_delay_ms(&r, &P, cap - 100), cap);
	}
	retry_reset(&r);
	assert_int_equal(retry_delay_ms(&r, &P, 7), 0);
}

static void
test_a_floor_raises_one_delay(void **state)
{
	struct retry r = { 0 };

	(void)state;
	retry_failed(&r);
	retry_set_floor(&r, 5000);
	retry_set_floor(&r, 3000);	/* the larger request stands */
	assert_int_equal(retry_delay_ms(&r, &P, 0), 5000);
	/* Used up: the next delay is the backoff again. */
	assert_int_equal(retry_delay_ms(&r, &P, 0), 100);
	/* A floor applies even to a reconnect that would be immediate. */
	retry_reset(&r);
	retry_set_floor(&r, 2000);
	assert_int_equal(retry_delay_ms(&r, &P, 0), 2000);
}

static void
test_addresses_are_walked_from_the_first(void **state)
{
	struct retry r = { 0 };

	(void)state;
	/* The first attempt dials the first address, then each in turn. */
	assert_int_equal(retry_address(&r, 3), 0);
	retry_failed(&r);
	assert_int_equal(retry_address(&r, 3), 1);
	retry_failed(&r);
	assert_int_equal(retry_address(&r, 3), 2);
	retry_failed(&r);
	assert_int_equal(retry_address(&r, 3), 0);
	assert_int_equal(retry_address(&r, 1), 0);
	assert_int_equal(retry_address(&r, 0), 0);
	retry_reset(&r);
	assert_int_equal(retry_address(&r, 3), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_failure_no_delay),
		cmocka_unit_test(test_delays_grow_within_the_policy),
		cmocka_unit_test(test_a_floor_raises_one_delay),
		cmocka_unit_test(test_addresses_are_walked_from_the_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
