/*
 * test_heartbeat.c - pings falling due, and the deadline for a sign of life.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/heartbeat.h"

static void
test_no_pings_no_deadlines(void **state)
{
	struct heartbeat l;

	(void)state;
	heartbeat_start(&l, 1000, 0, 500);
	assert_int_equal(heartbeat_next(&l), 0);
	assert_int_equal(heartbeat_tick(&l, 999999), HEARTBEAT_NOTHING_DUE);
	assert_false(heartbeat_ping_due(&l));
}

static void
test_a_ping_each_interval_answered(void **state)
{
	struct heartbeat l;

	(void)state;
	heartbeat_start(&l, 1000, 300, 100);
	assert_int_equal(heartbeat_next(&l), 1300);
	assert_int_equal(heartbeat_tick(&l, 1299), HEARTBEAT_NOTHING_DUE);
	assert_int_equal(heartbeat_tick(&l, 1300), HEARTBEAT_PING_DUE);
	assert_true(heartbeat_ping_due(&l));
	heartbeat_ping_written(&l, 1310);
	assert_false(heartbeat_ping_due(&l));
	assert_int_equal(heartbeat_next(&l), 1410);	/* the deadline first */
	heartbeat_sign_of_life(&l);
	assert_int_equal(heartbeat_next(&l), 1600);	/* then the next ping */
	assert_int_equal(heartbeat_tick(&l, 1600), HEARTBEAT_PING_DUE);
}

static void
test_silence_after_a_ping_is_death(void **state)
{
	struct heartbeat l;

	(void)state;
	heartbeat_start(&l, 0, 1000, 1000);
	assert_int_equal(heartbeat_tick(&l, 1000), HEARTBEAT_PING_DUE);
	heartbeat_ping_written(&l, 1000);
	assert_int_equal(heartbeat_next(&l), 2000);
	/* The next ping falls due at 2000 too: death outranks it. */
	assert_int_equal(heartbeat_tick(&l, 2000), HEARTBEAT_DEAD);
	assert_int_equal(heartbeat_tick(&l, 2000), HEARTBEAT_PING_DUE);
}

static void
test_one_deadline_per_unanswered_ping(void **state)
{
	struct heartbeat l;

	(void)state;
	heartbeat_start(&l, 0, 100, 1000);
	assert_int_equal(heartbeat_tick(&l, 100), HEARTBEAT_PING_DUE);
	heartbeat_ping_written(&l, 100);
	assert_int_equal(heartbeat_tick(&l, 200), HEARTBEAT_PING_DUE);
	heartbeat_ping_written(&l, 200);
	/* Still the first ping's deadline, not pushed back. */
	assert_int_equal(l.alive_by, 1100);
}

static void
test_stopped_nothing_falls_due(void **state)
{
	struct heartbeat l;

	(void)state;
	heartbeat_start(&l, 0, 100, 50);
	assert_int_equal(heartbeat_tick(&l, 100), HEARTBEAT_PING_DUE);
	heartbeat_ping_written(&l, 100);
	heartbeat_stop(&l);
	assert_int_equal(heartbeat_next(&l), 0);
	assert_false(heartbeat_ping_due(&l));
	assert_int_equal(heartbeat_tick(&l, 100000), HEARTBEAT_NOTHING_DUE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_pings_no_deadlines),
		cmocka_unit_test(test_a_ping_each_interval_answered),
		cmocka_unit_test(test_silence_after_a_ping_is_death),
		cmocka_unit_test(test_one_deadline_per_unanswered_ping),
		cmocka_unit_test(test_stopped_nothing_falls_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
