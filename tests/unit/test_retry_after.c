/*
 * test_retry_after.c - both forms of Retry-After, and what is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/retry_after.h"

#define HOUR_MS (3600ull * 1000)
/* Sun, 06 Nov 1994 08:49:37 GMT */
#define RFC_EXAMPLE 784111777

static void
test_delay_seconds(void **state)
{
	(void)state;
	assert_int_equal(retry_after_ms("120", 0, HOUR_MS), 120000);
	assert_int_equal(retry_after_ms("0", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms(" 5 ", 0, HOUR_MS), 5000);
	/* Absurd values wait the cap, and never overflow into short waits. */
	assert_int_equal(retry_after_ms("86400", 0, HOUR_MS), HOUR_MS);
	assert_int_equal(retry_after_ms("99999999999999999999999999", 0, HOUR_MS),
			 HOUR_MS);
}

static void
test_http_date(void **state)
{
	(void)state;
	assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
					RFC_EXAMPLE - 30, HOUR_MS), 30000);
	/* In the past, or now: no wait. */
	assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
					RFC_EXAMPLE, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
					RFC_EXAMPLE + 5, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT",
					RFC_EXAMPLE - 86400, HOUR_MS), HOUR_MS);
}

static void
test_malformed(void **state)
{
	(void)state;
	assert_int_equal(retry_after_ms("", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("-5", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("5s", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("1.5", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("tomorrow", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 UTC", 0, HOUR_MS), 0);
	assert_int_equal(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT x", 0, HOUR_MS), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delay_seconds),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
