/*
 * test_backoff.c - delays stay within [min, min(max, min*2^(n-1))].
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/backoff.h"

static void
test_attempt_zero_is_immediate(void **state)
{
	(void)state;
	assert_int_equal(backoff_delay_ms(250, 30000, 0, 12345), 0);
	assert_int_equal(backoff_cap_ms(250, 30000, 0), 0);
}

static void
test_cap_doubles_then_saturates(void **state)
{
	(void)state;
	assert_int_equal(backoff_cap_ms(250, 30000, 1), 250);
	assert_int_equal(backoff_cap_ms(250, 30000, 2), 500);
	assert_int_equal(backoff_cap_ms(250, 30000, 3), 1000);
	assert_int_equal(backoff_cap_ms(250, 30000, 8), 30000);
	assert_int_equal(backoff_cap_ms(250, 30000, UINT32_MAX), 30000);
	/* Large values do not overflow into small delays. */
	assert_int_equal(backoff_cap_ms(UINT64_MAX / 2 + 1, UINT64_MAX, 3),
			 UINT64_MAX);
	/* max below min: min wins, never a zero delay. */
	assert_int_equal(backoff_cap_ms(500, 100, 4), 500);
}

static void
test_full_jitter_bounds(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 42);
	for (uint32_t attempt = 1; attempt < 40; attempt++) {
		uint64_t cap = backoff_cap_ms(100, 10000, attempt);

		for (int k = 0; k < 1000; k++) {
			uint64_t d = backoff_delay_ms(100, 10000, attempt, rng_next(&r));

			assert_in_range(d, 100, cap);
		}
	}
	/* The ends of the interval are reachable. */
	assert_int_equal(backoff_delay_ms(100, 10000, 3, 0), 100);
	assert_int_equal(backoff_delay_ms(100, 10000, 3, 300), 400);
}

static void
test_jitter_spreads(void **state)
{
	struct rng r;
	uint64_t lo = UINT64_MAX, hi = 0;

	(void)state;
	rng_seed(&r, 7);
	for (int k = 0; k < 1000; k++) {
		uint64_t d = backoff_delay_ms(1000, 64000, 7, rng_next(&r));

		lo = d < lo ? d : lo;
		hi = d > hi ? d : hi;
	}
	/* 1000 draws over [1000, 64000] cover most of it. */
	assert_true(lo < 5000);
	assert_true(hi > 60000);
}

static void
test_rng_zero_seed(void **state)
{
	struct rng r;

	(void)state;
	rng_seed(&r, 0);
	assert_true(rng_next(&r) != 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attempt_zero_is_immediate),
		cmocka_unit_test(test_cap_doubles_then_saturates),
		cmocka_unit_test(test_full_jitter_bounds),
		cmocka_unit_test(test_jitter_spreads),
		cmocka_unit_test(test_rng_zero_seed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
