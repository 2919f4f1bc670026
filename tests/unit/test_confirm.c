/*
 * test_confirm.c - the confirmation window's rules: when a ping is
 * wanted, what a Pong may confirm (only numbers a ping carried, only
 * forward), at most once, and the ping payload.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/confirm.h"

static uint64_t
pong(struct confirm *k, uint64_t seq)
{
	unsigned char b[CONFIRM_PING_BYTES];

	confirm_encode(seq, b);
	return confirm_pong(k, b, sizeof(b));
}

static void
test_payload_round_trip(void **state)
{
	unsigned char b[CONFIRM_PING_BYTES];
	uint64_t v;

	(void)state;
	confirm_encode(0x0102030405060708ull, b);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[7], 8);
	assert_true(confirm_decode(b, sizeof(b), &v));
	assert_int_equal(v, 0x0102030405060708ull);
	assert_false(confirm_decode(b, 7, &v));
	assert_false(confirm_decode(b, 9, &v));
	assert_false(confirm_decode(NULL, 8, &v));
}

static void
test_ping_wanted_only_for_what_no_ping_followed(void **state)
{
	struct confirm k;

	(void)state;
	confirm_start(&k, 100, 50);
	assert_false(confirm_wants_ping(&k, 1000, false));	/* nothing written */
	assert_int_equal(confirm_next(&k), 0);
	confirm_written(&k, 60);
	assert_true(confirm_pending(&k));
	/* Nothing else to write, nothing awaited: at once. */
	assert_true(confirm_wants_ping(&k, 1000, false));
	assert_int_equal(confirm_ping_sent(&k, 1000), 60);
	assert_false(confirm_wants_ping(&k, 1000, false));	/* covered */
	confirm_written(&k, 70);
	/* A ping is awaited: the next waits for the interval... */
	assert_false(confirm_wants_ping(&k, 1050, false));
	assert_int_equal(confirm_next(&k), 1100);
	assert_true(confirm_wants_ping(&k, 1100, true));
	/* ...or for the Pong, then goes at once. */
	assert_int_equal(pong(&k, 60), 60);
	assert_true(confirm_wants_ping(&k, 1060, false));
	/* While writing goes on, only at the interval. */
	assert_false(confirm_wants_ping(&k, 1060, true));
	/* A deadline asked for is not armed again until the ping goes. */
	confirm_asked(&k);
	assert_int_equal(confirm_next(&k), 0);
	confirm_ping_sent(&k, 1100);
	assert_int_equal(k.pinged, 70);
	assert_false(k.asked);
}

static void
test_pong_confirms_only_forward_and_only_ours(void **state)
{
	struct confirm k;

	(void)state;
	confirm_start(&k, 100, 10);
	confirm_written(&k, 20);
	confirm_ping_sent(&k, 1);
	confirm_written(&k, 30);
	assert_int_equal(pong(&k, 25), 0);	/* no ping carried 25 yet */
	assert_int_equal(pong(&k, 10), 0);	/* nothing new */
	assert_int_equal(pong(&k, 20), 20);
	assert_int_equal(pong(&k, 20), 0);	/* stale */
	confirm_ping_sent(&k, 2);
	assert_int_equal(pong(&k, 15), 0);	/* backwards */
	assert_int_equal(pong(&k, 30), 30);
	assert_false(confirm_pending(&k));
}

static void
test_at_most_once_confirms_nothing(void **state)
{
	struct confirm k;

	(void)state;
	confirm_start(&k, 0, 0);
	confirm_written(&k, 9);
	assert_false(confirm_pending(&k));
	assert_false(confirm_wants_ping(&k, 5000, false));
	assert_int_equal(confirm_next(&k), 0);
	confirm_ping_sent(&k, 1);
	assert_int_equal(pong(&k, 9), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_payload_round_trip),
		cmocka_unit_test(test_ping_wanted_only_for_what_no_ping_followed),
		cmocka_unit_test(test_pong_confirms_only_forward_and_only_ours),
		cmocka_unit_test(test_at_most_once_confirms_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
