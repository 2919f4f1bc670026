/*
 * test_refusal.c - what an HTTP answer to the upgrade makes us say and wait.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/refusal.h"

static void
test_redirects_are_named_never_followed(void **state)
{
	struct refusal_headers h = { .location = "ws://127.0.0.2:9/elsewhere" };
	char why[200];

	(void)state;
	assert_int_equal(refusal_describe(301, &h, 0, why, sizeof(why)), 0);
	assert_string_equal(why, "server answered HTTP 301, redirect to "
			    "ws://127.0.0.2:9/elsewhere not followed");
	h.location = NULL;
	refusal_describe(302, &h, 0, why, sizeof(why));
	assert_string_equal(why, "server answered HTTP 302 (a redirect without "
			    "Location), not followed");
	h.location_too_long = true;
	refusal_describe(307, &h, 0, why, sizeof(why));
	assert_string_equal(why, "server answered HTTP 307, redirect (Location "
			    "over 1024 bytes) not followed");
}

static void
test_a_hostile_location_cannot_forge_lines(void **state)
{
	char long_loc[400], why[300];
	struct refusal_headers h = { .location = "ws://x/\r\n<3>forged\x1b[2J" };

	(void)state;
	refusal_describe(308, &h, 0, why, sizeof(why));
	assert_null(strchr(why, '\n'));
	assert_null(strchr(why, '\r'));
	assert_null(strchr(why, '\x1b'));
	assert_non_null(strstr(why, "ws://x/?" "?<3>forged?[2J"));
	/* A long one is cut, so the line stays a line. */
	memset(long_loc, 'a', sizeof(long_loc) - 1);
	long_loc[sizeof(long_loc) - 1] = '\0';
	h.location = long_loc;
	refusal_describe(301, &h, 0, why, sizeof(why));
	assert_true(strlen(why) < 200);
}

static void
test_retry_after_is_a_floor_on_429_and_503_only(void **state)
{
	struct refusal_headers h = { .retry_after = "2" };
	char why[200];

	(void)state;
	assert_int_equal(refusal_describe(503, &h, 0, why, sizeof(why)), 2000);
	assert_string_equal(why, "server answered HTTP 503, Retry-After 2s");
	assert_int_equal(refusal_describe(429, &h, 0, why, sizeof(why)), 2000);
	assert_int_equal(refusal_describe(500, &h, 0, why, sizeof(why)), 0);
	assert_string_equal(why, "server answered HTTP 500");
	h.retry_after = "99999999";
	assert_int_equal(refusal_describe(503, &h, 0, why, sizeof(why)),
			 REFUSAL_RETRY_AFTER_CAP_MS);
	h.retry_after = "soon";
	assert_int_equal(refusal_describe(503, &h, 0, why, sizeof(why)), 0);
	assert_string_equal(why, "server answered HTTP 503");
	/* A redirect with Retry-After waits only the usual backoff. */
	h.retry_after = "5";
	assert_int_equal(refusal_describe(301, &h, 0, why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redirects_are_named_never_followed),
		cmocka_unit_test(test_a_hostile_location_cannot_forge_lines),
		cmocka_unit_test(test_retry_after_is_a_floor_on_429_and_503_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
