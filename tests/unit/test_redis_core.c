/*
 * test_redis_core.c - every state/event pair of the Redis subscription's
 * state machine, then the stories that matter: a Redis that refuses, one
 * that accepts and never answers, one that confirms SUBSCRIBE and fails
 * at once, a stopped one caught by PING's deadline, and shutdown from
 * every state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/redis_core.h"

/* [redis] defaults, with a password (one setup command), two channels. */
static const struct redis_core_params P = {
	.connect_timeout_ms = 3000,
	.backoff = { .min_ms = 250, .max_ms = 30000 },
	.backoff_reset_ms = 10000,
	.ping_interval_ms = 10000,
	.ping_timeout_ms = 5000,
	.resolve = true,
	.setup = 1,
	.subscriptions = 2,
};

#define T0 1000		/* when each machine was brought to its state */
#define T1 1100		/* when the event of a table row arrives */

static struct redis_output
feed(struct redis_core *c, enum redis_event ev, uint64_t now, uint64_t random)
{
	struct redis_input in = { .ev = ev, .now = now, .random = random,
				  .count = 2, .why = "boom" };
	struct redis_output out;

	redis_core_step(c, &in, &out);
	return out;
}

static struct redis_output
at(struct redis_core *c, enum redis_event ev, uint64_t now)
{
	return feed(c, ev, now, 0);
}

/* A machine in state s, as the glue would have brought it there at T0. */
static struct redis_core
in_state(enum redis_state s)
{
	struct redis_core c;

	redis_core_init(&c, &P);
	if (s == RC_DOWN) {
		at(&c, REV_START, T0);
		at(&c, REV_FAILED, T0);		/* retry at T0 + 250 */
		return c;
	}
	at(&c, REV_START, T0);
	if (s == RC_CONNECTING)
		return c;
	at(&c, REV_RESOLVED, T0);
	at(&c, REV_CONNECTED, T0);
	if (s == RC_AUTHENTICATING)
		return c;
	at(&c, REV_SETUP_DONE, T0);
	if (s == RC_SUBSCRIBING)
		return c;
	at(&c, REV_CONFIRMED, T0);
	at(&c, REV_CONFIRMED, T0);
	if (s == RC_SUBSCRIBED)
		return c;
	at(&c, REV_STOP, T0);
	return c;
}

#define KEEP UINT64_MAX		/* the deadline is what it was */

struct row {
	enum redis_state from;
	enum redis_event ev;
	enum redis_state to;
	unsigned actions;
	uint64_t deadline;	/* absolute, 0 = none, or KEEP */
};

#define GONE_RESOLVING (RACT_CANCEL_RESOLVE | RACT_CLOSE)

static const struct row table[] = {
	/* down, after one failure at T0: the retry is due at T0 + 250 */
	{ RC_DOWN, REV_START, RC_CONNECTING, RACT_RESOLVE, T1 + 3000 },
	{ RC_DOWN, REV_RESOLVED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_CONNECTED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_SETUP_DONE, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_SETUP_REFUSED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_CONFIRMED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_FAILED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_PONG, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_TICK, RC_CONNECTING, RACT_RESOLVE, T0 + 250 + 3000 },
	{ RC_DOWN, REV_SUBS_CHANGED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_UPDATE_FAILED, RC_DOWN, 0, KEEP },
	{ RC_DOWN, REV_RESTART, RC_DOWN, 0, T1 },
	{ RC_DOWN, REV_STOP, RC_STOPPED, 0, 0 },
	/* connecting: resolving, the attempt bounded at T0 + 3000 */
	{ RC_CONNECTING, REV_START, RC_CONNECTING, 0, KEEP },
	{ RC_CONNECTING, REV_RESOLVED, RC_CONNECTING, RACT_OPEN, KEEP },
	{ RC_CONNECTING, REV_CONNECTED, RC_AUTHENTICATING, 0, KEEP },
	{ RC_CONNECTING, REV_SETUP_DONE, RC_CONNECTING, 0, KEEP },
	{ RC_CONNECTING, REV_SETUP_REFUSED, RC_CONNECTING, RACT_HANG_UP, KEEP },
	{ RC_CONNECTING, REV_CONFIRMED, RC_CONNECTING, 0, KEEP },
	{ RC_CONNECTING, REV_FAILED, RC_DOWN,
	  GONE_RESOLVING | RACT_REPORT, T1 + 250 },
	{ RC_CONNECTING, REV_PONG, RC_CONNECTING, 0, KEEP },
	{ RC_CONNECTING, REV_TICK, RC_DOWN,
	  GONE_RESOLVING | RACT_REPORT, T0 + 3000 + 250 },
	{ RC_CONNECTING, REV_SUBS_CHANGED, RC_DOWN, GONE_RESOLVING, T1 },
	{ RC_CONNECTING, REV_UPDATE_FAILED, RC_CONNECTING, 0, KEEP },
	{ RC_CONNECTING, REV_RESTART, RC_DOWN, GONE_RESOLVING, T1 },
	{ RC_CONNECTING, REV_STOP, RC_STOPPED, GONE_RESOLVING, 0 },
	/* authenticating: AUTH sent, not answered */
	{ RC_AUTHENTICATING, REV_START, RC_AUTHENTICATING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_RESOLVED, RC_AUTHENTICATING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_CONNECTED, RC_AUTHENTICATING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_SETUP_DONE, RC_SUBSCRIBING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_SETUP_REFUSED, RC_AUTHENTICATING,
	  RACT_HANG_UP, KEEP },
	{ RC_AUTHENTICATING, REV_CONFIRMED, RC_AUTHENTICATING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_FAILED, RC_DOWN,
	  RACT_CLOSE | RACT_REPORT, T1 + 250 },
	{ RC_AUTHENTICATING, REV_PONG, RC_AUTHENTICATING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_TICK, RC_DOWN,
	  RACT_CLOSE | RACT_REPORT, T0 + 3000 + 250 },
	{ RC_AUTHENTICATING, REV_SUBS_CHANGED, RC_DOWN, RACT_CLOSE, T1 },
	{ RC_AUTHENTICATING, REV_UPDATE_FAILED, RC_AUTHENTICATING, 0, KEEP },
	{ RC_AUTHENTICATING, REV_RESTART, RC_DOWN, RACT_CLOSE, T1 },
	{ RC_AUTHENTICATING, REV_STOP, RC_STOPPED, RACT_CLOSE, 0 },
	/* subscribing: two subscriptions, neither confirmed */
	{ RC_SUBSCRIBING, REV_START, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_RESOLVED, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_CONNECTED, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_SETUP_DONE, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_SETUP_REFUSED, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_CONFIRMED, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_FAILED, RC_DOWN,
	  RACT_CLOSE | RACT_REPORT, T1 + 250 },
	{ RC_SUBSCRIBING, REV_PONG, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_TICK, RC_DOWN,
	  RACT_CLOSE | RACT_REPORT, T0 + 3000 + 250 },
	{ RC_SUBSCRIBING, REV_SUBS_CHANGED, RC_DOWN, RACT_CLOSE, T1 },
	{ RC_SUBSCRIBING, REV_UPDATE_FAILED, RC_SUBSCRIBING, 0, KEEP },
	{ RC_SUBSCRIBING, REV_RESTART, RC_DOWN, RACT_CLOSE, T1 },
	{ RC_SUBSCRIBING, REV_STOP, RC_STOPPED, RACT_CLOSE, 0 },
	/* subscribed at T0: backoff reset and first PING both at T0 + 10 s */
	{ RC_SUBSCRIBED, REV_START, RC_SUBSCRIBED, 0, KEEP },
	{ RC_SUBSCRIBED, REV_RESOLVED, RC_SUBSCRIBED, 0, KEEP },
	{ RC_SUBSCRIBED, REV_CONNECTED, RC_SUBSCRIBED, 0, KEEP },
	{ RC_SUBSCRIBED, REV_SETUP_DONE, RC_SUBSCRIBED, 0, KEEP },
	{ RC_SUBSCRIBED, REV_SETUP_REFUSED, RC_SUBSCRIBED, 0, KEEP },
	{ RC_SUBSCRIBED, REV_CONFIRMED, RC_SUBSCRIBED, 0, KEEP },
	{ RC_SUBSCRIBED, REV_FAILED, RC_DOWN,
	  RACT_CLOSE | RACT_CMD_CLOSE | RACT_REPORT, T1 + 250 },
	{ RC_SUBSCRIBED, REV_PONG, RC_SUBSCRIBED, 0, KEEP },
	/* On a tie the backoff reset comes first; the PING is due at once. */
	{ RC_SUBSCRIBED, REV_TICK, RC_SUBSCRIBED, RACT_HEALTHY, T0 + 10000 },
	{ RC_SUBSCRIBED, REV_SUBS_CHANGED, RC_SUBSCRIBED, RACT_UPDATE_SUBS, KEEP },
	{ RC_SUBSCRIBED, REV_UPDATE_FAILED, RC_DOWN,
	  RACT_CLOSE | RACT_CMD_CLOSE, T1 },
	{ RC_SUBSCRIBED, REV_RESTART, RC_DOWN, RACT_CLOSE | RACT_CMD_CLOSE, T1 },
	{ RC_SUBSCRIBED, REV_STOP, RC_STOPPED,
	  RACT_DRAIN | RACT_CLOSE | RACT_CMD_DISABLE, 0 },
	/* stopped: for good */
	{ RC_STOPPED, REV_START, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_RESOLVED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_CONNECTED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_SETUP_DONE, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_SETUP_REFUSED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_CONFIRMED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_FAILED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_PONG, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_TICK, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_SUBS_CHANGED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_UPDATE_FAILED, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_RESTART, RC_STOPPED, 0, 0 },
	{ RC_STOPPED, REV_STOP, RC_STOPPED, 0, 0 },
};

static void
test_every_state_event_pair(void **state)
{
	(void)state;
	/* The table has one row per pair, in order. */
	assert_int_equal(sizeof(table) / sizeof(table[0]),
			 RC_STATE_COUNT * REV_COUNT);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct row *r = &table[i];
		struct redis_core c = in_state(r->from);
		uint64_t before = redis_core_deadline(&c);
		uint64_t now = r->ev == REV_TICK && before != 0 ? before : T1;
		struct redis_output out = at(&c, r->ev, now);

		assert_int_equal(r->from, i / REV_COUNT);
		assert_int_equal(r->ev, i % REV_COUNT);
		if (c.state != r->to || out.actions != r->actions ||
		    out.deadline != (r->deadline == KEEP ? before : r->deadline))
			fail_msg("%s + %s: got %s, actions %#x, deadline %llu; "
				 "want %s, %#x, %llu",
				 redis_state_name(r->from), redis_event_name(r->ev),
				 redis_state_name(c.state), out.actions,
				 (unsigned long long)out.deadline,
				 redis_state_name(r->to), r->actions,
				 (unsigned long long)(r->deadline == KEEP ? before :
						      r->deadline));
		/* A change of state is reported, and only then. */
		assert_int_equal(out.ntrans > 0, r->from != r->to);
		if (out.ntrans > 0) {
			assert_int_equal(out.trans[0].from, r->from);
			assert_int_equal(out.trans[out.ntrans - 1].to, r->to);
		}
	}
}

static void
test_names(void **state)
{
	(void)state;
	for (int s = 0; s < RC_STATE_COUNT; s++)
		assert_string_not_equal(redis_state_name((enum redis_state)s), "?");
	for (int e = 0; e < REV_COUNT; e++)
		assert_string_not_equal(redis_event_name((enum redis_event)e), "?");
	assert_string_equal(redis_state_name(RC_SUBSCRIBED), "subscribed");
	assert_string_equal(redis_state_name(RC_STATE_COUNT), "?");
}

/* Run the timer until `until`: every deadline up to it is handled. */
static unsigned
run_until(struct redis_core *c, uint64_t until)
{
	unsigned actions = 0;

	for (uint64_t d; (d = redis_core_deadline(c)) != 0 && d <= until;)
		actions |= at(c, REV_TICK, d).actions;
	return actions;
}

/* Bring a fresh attempt (started by START or the retry) to subscribed. */
static void
subscribe(struct redis_core *c, uint64_t now)
{
	struct redis_output out;

	assert_int_equal(c->state, RC_CONNECTING);
	assert_true(at(c, REV_RESOLVED, now).actions & RACT_OPEN);
	at(c, REV_CONNECTED, now);
	at(c, REV_SETUP_DONE, now);
	at(c, REV_CONFIRMED, now);
	out = at(c, REV_CONFIRMED, now);
	assert_int_equal(c->state, RC_SUBSCRIBED);
	assert_int_equal(out.actions, RACT_CMD_ENABLE | RACT_ANNOUNCE);
	assert_string_equal(out.trans[0].why, "all subscriptions confirmed");
}

static void
test_a_redis_that_refuses_backs_off_and_turns_addresses(void **state)
{
	struct redis_core c;
	struct redis_output out;
	uint64_t now = T0, cap;

	(void)state;
	redis_core_init(&c, &P);
	out = at(&c, REV_START, now);
	assert_int_equal(out.actions, RACT_RESOLVE);
	assert_int_equal(out.ntrans, 1);
	assert_string_equal(out.trans[0].why, "connecting");
	assert_int_equal(out.trans[0].failures, 0);	/* logged at info */
	for (uint32_t n = 1; n <= 12; n++) {
		/* Two addresses: the first attempt dials the first, then turns. */
		out = at(&c, REV_RESOLVED, now);
		assert_int_equal(out.address, (n - 1) % 2);
		cap = 250ull << (n - 1) < 30000 ? 250ull << (n - 1) : 30000;
		/* The largest delay the jitter can give. */
		out = feed(&c, REV_FAILED, now, cap - 250);
		assert_int_equal(c.state, RC_DOWN);
		assert_int_equal(out.actions, GONE_RESOLVING | RACT_REPORT);
		assert_string_equal(out.why, "boom");
		assert_int_equal(out.failures, n);
		assert_int_equal(out.retry_in_ms, cap);
		assert_int_equal(out.deadline, now + cap);
		/* While failing, state changes are logged quietly. */
		assert_int_equal(out.trans[0].failures, n);
		/* Nothing happens before the delay is over. */
		assert_int_equal(at(&c, REV_TICK, now + cap - 1).actions, 0);
		now += cap;
		out = at(&c, REV_TICK, now);
		assert_int_equal(c.state, RC_CONNECTING);
		assert_int_equal(out.actions, RACT_RESOLVE);
		assert_int_equal(out.trans[0].failures, n);
	}
}

static void
test_a_redis_that_accepts_and_never_answers_is_cut_off(void **state)
{
	struct redis_core c;
	struct redis_output out;

	(void)state;
	redis_core_init(&c, &P);
	at(&c, REV_START, T0);
	at(&c, REV_RESOLVED, T0 + 5);
	at(&c, REV_CONNECTED, T0 + 6);
	assert_int_equal(c.state, RC_AUTHENTICATING);
	/* The deadline of the whole attempt, from its start. */
	assert_int_equal(redis_core_deadline(&c), T0 + 3000);
	out = at(&c, REV_TICK, T0 + 3000);
	assert_int_equal(c.state, RC_DOWN);
	assert_int_equal(out.actions, RACT_CLOSE | RACT_REPORT);
	assert_string_equal(out.why, "no answer within 3000ms");
	assert_string_equal(out.trans[0].why, "no answer within 3000ms");
	/* Again, and again: each attempt is cut off the same way. */
	for (int i = 0; i < 3; i++) {
		uint64_t start = redis_core_deadline(&c);

		at(&c, REV_TICK, start);
		assert_int_equal(c.state, RC_CONNECTING);
		at(&c, REV_RESOLVED, start);
		at(&c, REV_CONNECTED, start);
		at(&c, REV_SETUP_DONE, start + 1);
		at(&c, REV_CONFIRMED, start + 2);	/* one of two */
		out = at(&c, REV_TICK, start + 3000);
		assert_int_equal(c.state, RC_DOWN);
		assert_int_equal(out.failures, (uint32_t)i + 2);
	}
}

static void
test_flapping_subscription_never_resets_the_backoff(void **state)
{
	struct redis_core c;
	struct redis_output out;
	uint64_t now = T0;

	(void)state;
	redis_core_init(&c, &P);
	at(&c, REV_START, now);
	/* Confirmed, then nonsense at once: twelve times. */
	for (uint32_t n = 1; n <= 12; n++) {
		subscribe(&c, now);
		/* The largest jitter backoff_max allows. */
		out = feed(&c, REV_FAILED, now + 5, 30000 - 250);
		assert_int_equal(out.failures, n);
		assert_int_equal(out.actions,
				 RACT_CLOSE | RACT_CMD_CLOSE | RACT_REPORT);
		now = out.deadline;
		/* The delay grows to backoff_max and stays there. */
		assert_true(out.retry_in_ms <= 30000);
		if (n >= 8)
			assert_int_equal(out.retry_in_ms, 30000);
		assert_int_equal(run_until(&c, now), RACT_RESOLVE);
	}
	/* Up for just under backoff_reset: still not healthy. */
	subscribe(&c, now);
	assert_int_equal(run_until(&c, now + 9999) & RACT_HEALTHY, 0);
	out = at(&c, REV_FAILED, now + 9999);
	assert_int_equal(out.failures, 13);
	now = out.deadline;
	run_until(&c, now);
	/* Up for backoff_reset: the failures are forgotten, once. */
	subscribe(&c, now);
	assert_true(run_until(&c, now + 10000) & RACT_HEALTHY);
	assert_int_equal(c.retry.failures, 0);
	out = at(&c, REV_FAILED, now + 10001);
	assert_int_equal(out.failures, 1);
	assert_int_equal(out.retry_in_ms, 250);
}

static void
test_healthy_reports_what_it_forgot(void **state)
{
	struct redis_core c = in_state(RC_SUBSCRIBED);
	struct redis_output out;

	(void)state;
	c.retry.failures = 5;
	out = at(&c, REV_TICK, T0 + 10000);
	assert_int_equal(out.actions, RACT_HEALTHY);
	assert_int_equal(out.failures, 5);
	assert_int_equal(c.retry.failures, 0);
}

static void
test_a_stopped_redis_is_caught_by_the_ping_deadline(void **state)
{
	struct redis_core c = in_state(RC_SUBSCRIBED);
	struct redis_output out;

	(void)state;
	/* First PING at T0 + 10 s; answered. */
	assert_true(run_until(&c, T0 + 10000) & RACT_PING);
	assert_int_equal(c.pong_by, T0 + 15000);
	at(&c, REV_PONG, T0 + 10002);
	assert_int_equal(c.pong_by, 0);
	assert_int_equal(redis_core_deadline(&c), T0 + 20000);
	/* SIGSTOP at T0 + 10.5 s: the next PING is never answered. */
	out = at(&c, REV_TICK, T0 + 20000);
	assert_int_equal(out.actions, RACT_PING);
	assert_int_equal(redis_core_deadline(&c), T0 + 25000);
	out = at(&c, REV_TICK, T0 + 25000);
	assert_int_equal(c.state, RC_DOWN);
	assert_int_equal(out.actions, RACT_CLOSE | RACT_CMD_CLOSE | RACT_REPORT);
	assert_string_equal(out.why, "no answer to PING within 5000ms");
	/* Within ping_interval + ping_timeout of the last sign of life. */
	assert_true(T0 + 25000 - (T0 + 10002) <= 10000 + 5000);
}

static void
test_unanswered_pings_keep_one_deadline(void **state)
{
	struct redis_core_params p = P;
	struct redis_core c;

	(void)state;
	p.ping_interval_ms = 1000;
	redis_core_init(&c, &p);
	at(&c, REV_START, T0);
	subscribe(&c, T0);
	/* A PING every second; the deadline stays that of the first. */
	for (int i = 1; i <= 4; i++) {
		assert_int_equal(at(&c, REV_TICK, T0 + 1000 * i).actions, RACT_PING);
		assert_int_equal(c.pong_by, T0 + 1000 + 5000);
	}
	run_until(&c, T0 + 6000);
	assert_int_equal(c.state, RC_DOWN);
}

static void
test_no_ping_when_the_interval_is_zero(void **state)
{
	struct redis_core_params p = P;
	struct redis_core c;

	(void)state;
	p.ping_interval_ms = 0;
	redis_core_init(&c, &p);
	at(&c, REV_START, T0);
	subscribe(&c, T0);
	assert_int_equal(c.ping_at, 0);
	assert_int_equal(run_until(&c, T0 + 3600000), RACT_HEALTHY);
	assert_int_equal(redis_core_deadline(&c), 0);
	assert_int_equal(c.state, RC_SUBSCRIBED);
}

static void
test_shutdown_in_each_state(void **state)
{
	static const unsigned released[RC_STATE_COUNT] = {
		[RC_DOWN] = 0,
		[RC_CONNECTING] = RACT_CANCEL_RESOLVE | RACT_CLOSE,
		[RC_AUTHENTICATING] = RACT_CLOSE,
		[RC_SUBSCRIBING] = RACT_CLOSE,
		/* read what is there; the command connection stays, closed to new */
		[RC_SUBSCRIBED] = RACT_DRAIN | RACT_CLOSE | RACT_CMD_DISABLE,
		[RC_STOPPED] = 0,
	};

	(void)state;
	for (int s = 0; s < RC_STATE_COUNT; s++) {
		struct redis_core c = in_state((enum redis_state)s);
		struct redis_output out = at(&c, REV_STOP, T1);

		assert_int_equal(c.state, RC_STOPPED);
		assert_int_equal(out.actions, released[s]);
		assert_int_equal(out.deadline, 0);
		if (s != RC_STOPPED)
			assert_string_equal(out.trans[0].why, "shutdown");
		/* Nothing brings it back, and no deadline ever fires. */
		for (int e = 0; e < REV_COUNT; e++) {
			out = at(&c, (enum redis_event)e, T1 + 100000);
			assert_int_equal(out.actions, 0);
			assert_int_equal(out.ntrans, 0);
		}
		assert_int_equal(redis_core_deadline(&c), 0);
	}
}

static void
test_restart_starts_over_without_counting_a_failure(void **state)
{
	struct redis_core c = in_state(RC_SUBSCRIBED);
	struct redis_output out;

	(void)state;
	c.retry.failures = 3;
	out = at(&c, REV_RESTART, T1);
	assert_int_equal(c.state, RC_DOWN);
	assert_string_equal(out.trans[0].why, "configuration reloaded");
	assert_int_equal(out.trans[0].failures, 0);
	assert_int_equal(c.retry.failures, 0);
	/* On the next turn of the loop, with the new configuration. */
	assert_int_equal(out.deadline, T1);
	out = at(&c, REV_TICK, T1);
	assert_int_equal(c.state, RC_CONNECTING);
	assert_int_equal(out.actions, RACT_RESOLVE);
	out = at(&c, REV_RESOLVED, T1);
	assert_int_equal(out.address, 0);
}

static void
test_new_parameters_apply_to_the_next_attempt(void **state)
{
	struct redis_core c = in_state(RC_SUBSCRIBED);
	struct redis_core_params p = P;

	(void)state;
	at(&c, REV_SUBS_CHANGED, T1);	/* live: the difference is sent */
	p.subscriptions = 3;
	p.setup = 0;
	p.connect_timeout_ms = 500;
	redis_core_set_params(&c, &p);
	/* A reload's new subscription confirmed: nothing is due. */
	assert_int_equal(at(&c, REV_CONFIRMED, T1).actions, 0);
	at(&c, REV_RESTART, T1);
	at(&c, REV_TICK, T1);
	assert_int_equal(redis_core_deadline(&c), T1 + 500);
	at(&c, REV_RESOLVED, T1);
	at(&c, REV_CONNECTED, T1);
	assert_int_equal(c.state, RC_SUBSCRIBING);	/* no AUTH */
	at(&c, REV_CONFIRMED, T1);
	at(&c, REV_CONFIRMED, T1);
	assert_int_equal(c.state, RC_SUBSCRIBING);
	at(&c, REV_CONFIRMED, T1);
	assert_int_equal(c.state, RC_SUBSCRIBED);
}

static void
test_a_unix_socket_is_opened_without_resolving(void **state)
{
	struct redis_core_params p = P;
	struct redis_core c;
	struct redis_output out;

	(void)state;
	p.resolve = false;
	redis_core_init(&c, &p);
	out = at(&c, REV_START, T0);
	assert_int_equal(out.actions, RACT_OPEN);
	assert_int_equal(out.address, 0);
	/* A stray answer opens nothing more. */
	assert_int_equal(at(&c, REV_RESOLVED, T0).actions, 0);
	/* A failure closes it; there is no query to cancel. */
	out = at(&c, REV_FAILED, T0);
	assert_int_equal(out.actions, RACT_CLOSE | RACT_REPORT);
}

static void
test_refused_auth_hangs_up_and_counts_a_failure(void **state)
{
	struct redis_core c = in_state(RC_AUTHENTICATING);
	struct redis_output out;

	(void)state;
	out = at(&c, REV_SETUP_REFUSED, T1);
	assert_int_equal(out.actions, RACT_HANG_UP);
	assert_int_equal(c.state, RC_AUTHENTICATING);
	/* Redis answers SUBSCRIBE with NOAUTH and hiredis disconnects. */
	out = at(&c, REV_FAILED, T1 + 1);
	assert_int_equal(c.state, RC_DOWN);
	assert_int_equal(out.failures, 1);
}

static void
test_the_whole_way_up_is_logged_step_by_step(void **state)
{
	static const enum redis_state way[] = {
		RC_DOWN, RC_CONNECTING, RC_AUTHENTICATING,
		RC_SUBSCRIBING, RC_SUBSCRIBED,
	};
	struct redis_core_params p = P;
	struct redis_core c;
	struct redis_output out;
	size_t k = 0;

	(void)state;
	p.subscriptions = 1;
	redis_core_init(&c, &p);
	for (enum redis_event e = REV_START; e <= REV_CONFIRMED; e++) {
		out = at(&c, e, T0);
		for (size_t i = 0; i < out.ntrans; i++, k++) {
			assert_int_equal(out.trans[i].from, way[k]);
			assert_int_equal(out.trans[i].to, way[k + 1]);
		}
	}
	assert_int_equal(k, 4);
	/* Without AUTH nor SELECT, and nothing to wait for: all at once. */
	p.setup = 0;
	p.subscriptions = 0;
	p.resolve = false;
	redis_core_init(&c, &p);
	at(&c, REV_START, T0);
	out = at(&c, REV_CONNECTED, T0);
	assert_int_equal(out.ntrans, 2);
	assert_int_equal(c.state, RC_SUBSCRIBED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_event_pair),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_a_redis_that_refuses_backs_off_and_turns_addresses),
		cmocka_unit_test(test_a_redis_that_accepts_and_never_answers_is_cut_off),
		cmocka_unit_test(test_flapping_subscription_never_resets_the_backoff),
		cmocka_unit_test(test_healthy_reports_what_it_forgot),
		cmocka_unit_test(test_a_stopped_redis_is_caught_by_the_ping_deadline),
		cmocka_unit_test(test_unanswered_pings_keep_one_deadline),
		cmocka_unit_test(test_no_ping_when_the_interval_is_zero),
		cmocka_unit_test(test_shutdown_in_each_state),
		cmocka_unit_test(test_restart_starts_over_without_counting_a_failure),
		cmocka_unit_test(test_new_parameters_apply_to_the_next_attempt),
		cmocka_unit_test(test_a_unix_socket_is_opened_without_resolving),
		cmocka_unit_test(test_refused_auth_hangs_up_and_counts_a_failure),
		cmocka_unit_test(test_the_whole_way_up_is_logged_step_by_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
