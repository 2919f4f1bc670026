/*
 * test_greeting.c - the on-open messages owed first on every connection,
 * the queue held until the server answers or the wait is over, and the
 * application heartbeat only after a quiet interval, never while
 * messages flow; state by state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/greeting.h"

/* Nothing said, nothing awaited: the queue flows at once. */
static void
test_plain_connection_is_ready(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 0, 0, 0);
	assert_int_equal(g.phase, GREET_CLOSED);
	assert_false(greeting_queue_open(&g));
	greeting_start(&g, 1000);
	assert_false(greeting_hello_due(&g));
	assert_true(greeting_queue_open(&g));
	assert_int_equal(greeting_next(&g), 0);
	assert_int_equal(greeting_tick(&g, 999999), GREETING_NOTHING);
	assert_false(greeting_beat_due(&g));
}

/* On-open messages first, on every connection; the queue after them. */
static void
test_hello_on_every_connection(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 2, 0, 0);
	for (int conn = 0; conn < 3; conn++) {
		greeting_start(&g, 1000 + (uint64_t)conn * 100);
		assert_int_equal(g.phase, GREET_HELLO);
		assert_true(greeting_hello_due(&g));
		assert_false(greeting_queue_open(&g));
		/* A server's welcome before our login opens nothing. */
		assert_false(greeting_heard(&g));
		assert_false(greeting_queue_open(&g));
		greeting_hello_written(&g, 1001 + (uint64_t)conn * 100);
		assert_false(greeting_hello_due(&g));
		assert_true(greeting_queue_open(&g));
		greeting_stop(&g);
		assert_false(greeting_queue_open(&g));
		assert_false(greeting_hello_due(&g));
	}
}

/* The queue waits for the server's answer... */
static void
test_wait_ends_with_the_answer(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 1, 300, 0);
	greeting_start(&g, 1000);
	greeting_hello_written(&g, 1010);
	assert_int_equal(g.phase, GREET_WAITING);
	assert_false(greeting_queue_open(&g));
	assert_int_equal(greeting_next(&g), 1310);
	assert_int_equal(greeting_tick(&g, 1200), GREETING_NOTHING);
	assert_true(greeting_heard(&g));
	assert_true(greeting_queue_open(&g));
	assert_int_equal(greeting_next(&g), 0);
	/* A second answer changes nothing. */
	assert_false(greeting_heard(&g));
	assert_true(greeting_queue_open(&g));
}

/* ... or for on_open_wait, whichever comes first. */
static void
test_wait_ends_at_its_deadline(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 1, 300, 0);
	greeting_start(&g, 1000);
	greeting_hello_written(&g, 1000);
	assert_int_equal(greeting_tick(&g, 1299), GREETING_NOTHING);
	assert_false(greeting_queue_open(&g));
	assert_int_equal(greeting_tick(&g, 1300), GREETING_QUEUE_OPENS);
	assert_true(greeting_queue_open(&g));
	assert_int_equal(greeting_tick(&g, 1301), GREETING_NOTHING);
}

/* A wait without on-open messages: for a server that speaks first. */
static void
test_wait_without_hello(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 0, 500, 0);
	greeting_start(&g, 2000);
	assert_false(greeting_hello_due(&g));
	assert_int_equal(g.phase, GREET_WAITING);
	assert_int_equal(greeting_next(&g), 2500);
	greeting_heard(&g);
	assert_true(greeting_queue_open(&g));
}

/* A heartbeat after a quiet interval, not while messages flow. */
static void
test_heartbeat_only_when_quiet(void **state)
{
	struct greeting g;
	uint64_t t;

	(void)state;
	greeting_init(&g, 0, 0, 1000);
	greeting_start(&g, 0);
	assert_int_equal(greeting_next(&g), 1000);
	/* Messages every 400 ms: the deadline moves, nothing falls due. */
	for (t = 400; t <= 4000; t += 400) {
		assert_int_equal(greeting_tick(&g, t), GREETING_NOTHING);
		greeting_wrote(&g, t);
		assert_int_equal(greeting_next(&g), t + 1000);
	}
	/* Quiet: due at 5000, once, until written. */
	assert_int_equal(greeting_tick(&g, 4999), GREETING_NOTHING);
	assert_int_equal(greeting_tick(&g, 5000), GREETING_BEAT_DUE);
	assert_true(greeting_beat_due(&g));
	assert_int_equal(greeting_next(&g), 0);
	assert_int_equal(greeting_tick(&g, 5100), GREETING_NOTHING);
	greeting_beat_written(&g, 5200);
	assert_false(greeting_beat_due(&g));
	assert_int_equal(greeting_next(&g), 6200);
	/* A message written while one is owed makes it unnecessary. */
	assert_int_equal(greeting_tick(&g, 6200), GREETING_BEAT_DUE);
	greeting_wrote(&g, 6300);
	assert_false(greeting_beat_due(&g));
	assert_int_equal(greeting_next(&g), 7300);
}

/* No heartbeat before the greeting is done, nor once closed. */
static void
test_heartbeat_waits_for_ready(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 1, 2000, 500);
	greeting_start(&g, 0);
	assert_int_equal(greeting_next(&g), 0);		/* HELLO: nothing timed */
	assert_int_equal(greeting_tick(&g, 10000), GREETING_NOTHING);
	greeting_hello_written(&g, 10000);
	assert_int_equal(greeting_next(&g), 12000);	/* the wait, not a beat */
	assert_int_equal(greeting_tick(&g, 11000), GREETING_NOTHING);
	assert_false(greeting_beat_due(&g));
	greeting_heard(&g);
	/* Quiet since the on-open messages went. */
	assert_int_equal(greeting_next(&g), 10500);
	assert_int_equal(greeting_tick(&g, 11000), GREETING_BEAT_DUE);
	greeting_stop(&g);
	assert_false(greeting_beat_due(&g));
	assert_int_equal(greeting_next(&g), 0);
	greeting_wrote(&g, 12000);			/* closed: ignored */
	assert_int_equal(g.phase, GREET_CLOSED);
}

/* A reload that turns the heartbeat off drops one that is owed. */
static void
test_settings_change(void **state)
{
	struct greeting g;

	(void)state;
	greeting_init(&g, 0, 0, 100);
	greeting_start(&g, 0);
	assert_int_equal(greeting_tick(&g, 100), GREETING_BEAT_DUE);
	greeting_set(&g, 0, 0, 0);
	assert_false(greeting_beat_due(&g));
	assert_int_equal(greeting_next(&g), 0);
	assert_true(greeting_queue_open(&g));
	greeting_set(&g, 0, 0, 300);
	assert_int_equal(greeting_next(&g), 300);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_connection_is_ready),
		cmocka_unit_test(test_hello_on_every_connection),
		cmocka_unit_test(test_wait_ends_with_the_answer),
		cmocka_unit_test(test_wait_ends_at_its_deadline),
		cmocka_unit_test(test_wait_without_hello),
		cmocka_unit_test(test_heartbeat_only_when_quiet),
		cmocka_unit_test(test_heartbeat_waits_for_ready),
		cmocka_unit_test(test_settings_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
