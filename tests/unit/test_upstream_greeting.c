/*
 * test_upstream_greeting.c - the upstream core with on-open messages, a
 * wait for the server's answer and an application heartbeat
 * (greeting.h), on every connection: the on-open messages before any
 * queued message, the queue held until the answer (or the wait's end),
 * a close instead of an answer counted as a failure with backoff, and
 * the heartbeat only after a quiet interval.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/upstream_core.h"
#include "upstream_feed.h"

static struct upstream_params
params(uint32_t hellos, uint64_t wait_ms, uint64_t beat_ms)
{
	struct upstream_params p = {
		.connect_timeout_ms = 3000,
		.backoff = { .min_ms = 250, .max_ms = 30000 },
		.backoff_reset_ms = 10000,
		.close_timeout_ms = 2000,
		.drain_timeout_ms = 5000,
		.fin_timeout_ms = 0,
		.ping_interval_ms = 0,
		.pong_timeout_ms = 5000,
		.max_message_bytes = 1024,
		.on_open_count = hellos,
		.on_open_wait_ms = wait_ms,
		.heartbeat_interval_ms = beat_ms,
	};

	return p;
}

/* An event, with messages waiting (unsent) or not. */
static struct upstream_output
ev(struct upstream_core *c, enum upstream_event e, uint64_t now, bool unsent)
{
	return feed(c, (struct upstream_input){ .ev = e, .now = now,
		.unsent = unsent, .queue_empty = !unsent, .count = 1,
		.final = true, .len = 4 });
}

static struct upstream_output
open_at(struct upstream_core *c, uint64_t now, bool unsent)
{
	ev(c, UEV_START, now, unsent);
	ev(c, UEV_RESOLVED, now, unsent);
	ev(c, UEV_UPGRADING, now, unsent);
	return ev(c, UEV_ESTABLISHED, now, unsent);
}

/* On every connection: the on-open messages first, then the queue. */
static void
test_hello_first_on_every_connection(void **state)
{
	struct upstream_core c;
	struct upstream_params p = params(2, 0, 0);
	struct upstream_output out;
	uint64_t now = 1000;

	(void)state;
	upstream_core_init(&c, &p);
	ev(&c, UEV_START, now, false);
	for (int conn = 0; conn < 3; conn++) {
		ev(&c, UEV_RESOLVED, now, false);
		ev(&c, UEV_UPGRADING, now, false);
		/* Asked to write even with nothing queued. */
		out = ev(&c, UEV_ESTABLISHED, now, false);
		assert_true(out.actions & UACT_WANT_WRITE);
		out = ev(&c, UEV_WRITABLE, now, true);
		assert_true(out.actions & UACT_WRITE_HELLO);
		assert_true(out.actions & UACT_WRITE_DATA);
		/* Once per connection. */
		out = ev(&c, UEV_WRITABLE, now + 1, true);
		assert_false(out.actions & UACT_WRITE_HELLO);
		assert_true(out.actions & UACT_WRITE_DATA);
		/* The server goes: the next connection says it again. */
		ev(&c, UEV_CLOSED, now + 2, true);
		out = ev(&c, UEV_DESTROYED, now + 2, true);
		assert_int_equal(c.fsm.state, FSM_IDLE);
		now = out.deadline;
		ev(&c, UEV_TICK, now, true);
		assert_int_equal(c.fsm.state, FSM_CONNECTING);
	}
}

/* The queue waits for the server's answer; the answer lets it go. */
static void
test_queue_waits_for_the_answer(void **state)
{
	struct upstream_core c;
	struct upstream_params p = params(1, 300, 0);
	struct upstream_output out;

	(void)state;
	upstream_core_init(&c, &p);
	open_at(&c, 1000, true);
	out = ev(&c, UEV_WRITABLE, 1000, true);
	assert_true(out.actions & UACT_WRITE_HELLO);
	assert_false(out.actions & UACT_WRITE_DATA);
	assert_int_equal(out.deadline, 1300);
	out = ev(&c, UEV_WRITABLE, 1100, true);
	assert_false(out.actions & (UACT_WRITE_HELLO | UACT_WRITE_DATA));
	out = ev(&c, UEV_RECEIVED, 1200, true);		/* the answer */
	assert_true(out.actions & UACT_WANT_WRITE);
	out = ev(&c, UEV_WRITABLE, 1201, true);
	assert_true(out.actions & UACT_WRITE_DATA);
	assert_false(out.actions & UACT_WRITE_HELLO);
}

/* No answer: the queue goes at on_open_wait. */
static void
test_queue_goes_when_the_wait_is_over(void **state)
{
	struct upstream_core c;
	struct upstream_params p = params(1, 300, 0);
	struct upstream_output out;

	(void)state;
	upstream_core_init(&c, &p);
	open_at(&c, 1000, true);
	ev(&c, UEV_WRITABLE, 1000, true);
	out = ev(&c, UEV_TICK, 1300, true);
	assert_true(out.actions & UACT_WANT_WRITE);
	out = ev(&c, UEV_WRITABLE, 1300, true);
	assert_true(out.actions & UACT_WRITE_DATA);
}

/* A server that closes instead of answering: a failure, with backoff. */
static void
test_close_instead_of_answer_backs_off(void **state)
{
	struct upstream_core c;
	struct upstream_params p = params(1, 5000, 0);
	struct upstream_output out;
	uint64_t now = 1000, last_delay = 0;

	(void)state;
	upstream_core_init(&c, &p);
	for (int i = 0; i < 6; i++) {
		if (i == 0)
			open_at(&c, now, true);
		else {
			ev(&c, UEV_TICK, now, true);
			ev(&c, UEV_RESOLVED, now, true);
			ev(&c, UEV_UPGRADING, now, true);
			ev(&c, UEV_ESTABLISHED, now, true);
		}
		ev(&c, UEV_WRITABLE, now, true);
		feed(&c, (struct upstream_input){ .ev = UEV_PEER_CLOSE,
			.now = now + 10, .code = 4001, .unsent = true });
		ev(&c, UEV_CLOSED, now + 10, true);
		out = ev(&c, UEV_DESTROYED, now + 10, true);
		assert_int_equal(c.fsm.state, FSM_IDLE);
		assert_int_equal(c.fsm.failures, (uint32_t)i + 1);
		assert_true(out.deadline > now + 10);
		/* Never sooner than the last: the backoff only grows. */
		assert_true(out.deadline - (now + 10) + 1 >= last_delay / 2);
		last_delay = out.deadline - (now + 10);
		now = out.deadline;
	}
}

/* The heartbeat: after a quiet interval, never while messages flow. */
static void
test_heartbeat_only_when_quiet(void **state)
{
	struct upstream_core c;
	struct upstream_params p = params(0, 0, 1000);
	struct upstream_output out;
	uint64_t t;

	(void)state;
	upstream_core_init(&c, &p);
	open_at(&c, 0, false);
	assert_int_equal(upstream_core_deadline(&c), 1000);
	for (t = 300; t <= 3000; t += 300) {
		out = ev(&c, UEV_WRITABLE, t, true);
		assert_false(out.actions & UACT_WRITE_BEAT);
		feed(&c, (struct upstream_input){ .ev = UEV_WRITTEN, .now = t,
			.queue_empty = true, .sent_seq = t });
		assert_int_equal(upstream_core_deadline(&c), t + 1000);
	}
	/* A write of nothing (only a ping went) does not count. */
	feed(&c, (struct upstream_input){ .ev = UEV_WRITTEN, .now = 3500,
		.queue_empty = true, .sent_seq = 3000 });
	assert_int_equal(upstream_core_deadline(&c), 4000);
	out = ev(&c, UEV_TICK, 4000, false);
	assert_true(out.actions & UACT_WANT_WRITE);
	out = ev(&c, UEV_WRITABLE, 4001, false);
	assert_true(out.actions & UACT_WRITE_BEAT);
	assert_int_equal(out.deadline, 5001);
	out = ev(&c, UEV_WRITABLE, 4002, false);
	assert_false(out.actions & UACT_WRITE_BEAT);
	/* Closed: no heartbeat deadline is left armed. */
	ev(&c, UEV_CLOSED, 4100, false);
	out = ev(&c, UEV_DESTROYED, 4100, false);
	assert_int_equal(c.timers.at[DL_GREETING], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_first_on_every_connection),
		cmocka_unit_test(test_queue_waits_for_the_answer),
		cmocka_unit_test(test_queue_goes_when_the_wait_is_over),
		cmocka_unit_test(test_close_instead_of_answer_backs_off),
		cmocka_unit_test(test_heartbeat_only_when_quiet),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
