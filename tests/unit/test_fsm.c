/*
 * test_fsm.c - every state/event pair of the connection state machine,
 * then the sequences that matter (reconnect storms, shutdown paths).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/fsm.h"

/* Machines in each state, as the glue would have left them. */
static struct fsm
in_state(enum fsm_state s, bool stopping, bool drained)
{
	struct fsm m = { .state = s, .stopping = stopping, .drained = drained };

	return m;
}

struct row {
	enum fsm_state from;
	enum fsm_event ev;
	enum fsm_state to;
	unsigned actions;
};

#define SOCKET_TIMERS (ACT_CANCEL_CONNECT_TIMER | ACT_CANCEL_STABLE_TIMER | \
		       ACT_CANCEL_CLOSE_TIMER | ACT_CANCEL_PING_TIMERS)
#define OPEN_TIMERS (ACT_CANCEL_STABLE_TIMER | ACT_CANCEL_PING_TIMERS)

/* The full table for a machine that is not stopping. */
static const struct row running[] = {
	/* idle */
	{ FSM_IDLE, EV_CONNECT, FSM_CONNECTING,
	  ACT_CANCEL_RETRY_TIMER | ACT_OPEN_SOCKET | ACT_ARM_CONNECT_TIMER },
	{ FSM_IDLE, EV_CONNECT_TIMEOUT, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_ESTABLISHED, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_CONNECT_FAILED, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_PEER_CLOSED, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_SOCKET_GONE, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_STABLE, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_SHUTDOWN, FSM_IDLE, ACT_ARM_DRAIN_TIMER },
	{ FSM_IDLE, EV_QUEUE_DRAINED, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_DRAIN_TIMEOUT, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_CLOSE_TIMEOUT, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_RESTART, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_PEER_DEAD, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_MESSAGE_TOO_BIG, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_FENCE, FSM_IDLE, ACT_CANCEL_RETRY_TIMER },
	{ FSM_IDLE, EV_RESUME, FSM_IDLE, 0 },
	/* connecting */
	{ FSM_CONNECTING, EV_CONNECT, FSM_CONNECTING, ACT_REFUSED },
	{ FSM_CONNECTING, EV_CONNECT_TIMEOUT, FSM_CLOSING,
	  ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_ESTABLISHED, FSM_OPEN,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ARM_STABLE_TIMER | ACT_ARM_PING_TIMER |
	  ACT_START_SENDING },
	{ FSM_CONNECTING, EV_CONNECT_FAILED, FSM_CLOSING,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_PEER_CLOSED, FSM_CLOSING,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_SOCKET_GONE, FSM_IDLE,
	  SOCKET_TIMERS | ACT_ARM_RETRY_TIMER },
	{ FSM_CONNECTING, EV_STABLE, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_SHUTDOWN, FSM_CONNECTING, ACT_ARM_DRAIN_TIMER },
	{ FSM_CONNECTING, EV_QUEUE_DRAINED, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_DRAIN_TIMEOUT, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_CLOSE_TIMEOUT, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_RESTART, FSM_CLOSING,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_PEER_DEAD, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_MESSAGE_TOO_BIG, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_FENCE, FSM_CLOSING,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_RESUME, FSM_CONNECTING, 0 },
	/* open */
	{ FSM_OPEN, EV_CONNECT, FSM_OPEN, ACT_REFUSED },
	{ FSM_OPEN, EV_CONNECT_TIMEOUT, FSM_OPEN, 0 },
	{ FSM_OPEN, EV_ESTABLISHED, FSM_OPEN, 0 },
	{ FSM_OPEN, EV_CONNECT_FAILED, FSM_CLOSING,
	  OPEN_TIMERS | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_PEER_CLOSED, FSM_CLOSING,
	  OPEN_TIMERS | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_SOCKET_GONE, FSM_IDLE, SOCKET_TIMERS | ACT_ARM_RETRY_TIMER },
	{ FSM_OPEN, EV_STABLE, FSM_OPEN, ACT_RESET_BACKOFF },
	{ FSM_OPEN, EV_SHUTDOWN, FSM_OPEN, ACT_ARM_DRAIN_TIMER },
	{ FSM_OPEN, EV_QUEUE_DRAINED, FSM_OPEN, 0 },
	{ FSM_OPEN, EV_DRAIN_TIMEOUT, FSM_OPEN, 0 },
	{ FSM_OPEN, EV_CLOSE_TIMEOUT, FSM_OPEN, 0 },
	{ FSM_OPEN, EV_RESTART, FSM_CLOSING,
	  OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_PEER_DEAD, FSM_CLOSING,
	  OPEN_TIMERS | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_MESSAGE_TOO_BIG, FSM_CLOSING,
	  OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_FENCE, FSM_CLOSING,
	  OPEN_TIMERS | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_RESUME, FSM_OPEN, 0 },
	/* closing */
	{ FSM_CLOSING, EV_CONNECT, FSM_CLOSING, ACT_REFUSED },
	{ FSM_CLOSING, EV_CONNECT_TIMEOUT, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_ESTABLISHED, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_CONNECT_FAILED, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_PEER_CLOSED, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_SOCKET_GONE, FSM_IDLE, SOCKET_TIMERS | ACT_ARM_RETRY_TIMER },
	{ FSM_CLOSING, EV_STABLE, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_SHUTDOWN, FSM_CLOSING, ACT_ARM_DRAIN_TIMER },
	{ FSM_CLOSING, EV_QUEUE_DRAINED, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_DRAIN_TIMEOUT, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_CLOSE_TIMEOUT, FSM_CLOSING, ACT_ABORT_SOCKET },
	{ FSM_CLOSING, EV_RESTART, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_PEER_DEAD, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_MESSAGE_TOO_BIG, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_FENCE, FSM_CLOSING, ACT_ABORT_SOCKET },
	{ FSM_CLOSING, EV_RESUME, FSM_CLOSING, 0 },
};

/* While stopping, with the queue not yet drained. */
static const struct row stopping[] = {
	{ FSM_IDLE, EV_CONNECT, FSM_CONNECTING,
	  ACT_CANCEL_RETRY_TIMER | ACT_OPEN_SOCKET | ACT_ARM_CONNECT_TIMER },
	{ FSM_IDLE, EV_SHUTDOWN, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_QUEUE_DRAINED, FSM_IDLE, ACT_CANCEL_RETRY_TIMER | ACT_EXIT },
	{ FSM_IDLE, EV_DRAIN_TIMEOUT, FSM_IDLE, ACT_CANCEL_RETRY_TIMER | ACT_EXIT },
	{ FSM_CONNECTING, EV_SHUTDOWN, FSM_CONNECTING, 0 },
	{ FSM_CONNECTING, EV_QUEUE_DRAINED, FSM_CLOSING,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_DRAIN_TIMEOUT, FSM_CLOSING,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_CONNECTING, EV_ESTABLISHED, FSM_OPEN,
	  ACT_CANCEL_CONNECT_TIMER | ACT_ARM_STABLE_TIMER | ACT_ARM_PING_TIMER |
	  ACT_START_SENDING },
	{ FSM_OPEN, EV_SHUTDOWN, FSM_OPEN, 0 },
	{ FSM_OPEN, EV_QUEUE_DRAINED, FSM_CLOSING,
	  OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_DRAIN_TIMEOUT, FSM_CLOSING,
	  OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER },
	{ FSM_OPEN, EV_PEER_DEAD, FSM_CLOSING,
	  OPEN_TIMERS | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER },
	{ FSM_CLOSING, EV_QUEUE_DRAINED, FSM_CLOSING, 0 },
	{ FSM_CLOSING, EV_SOCKET_GONE, FSM_IDLE, SOCKET_TIMERS | ACT_ARM_RETRY_TIMER },
};

/* Stopping and drained: only the way out is left. */
static const struct row drained[] = {
	{ FSM_IDLE, EV_CONNECT, FSM_IDLE, ACT_REFUSED },
	{ FSM_IDLE, EV_QUEUE_DRAINED, FSM_IDLE, 0 },
	{ FSM_IDLE, EV_DRAIN_TIMEOUT, FSM_IDLE, 0 },
	{ FSM_CLOSING, EV_CONNECT, FSM_CLOSING, ACT_REFUSED },
	{ FSM_CLOSING, EV_SOCKET_GONE, FSM_IDLE, SOCKET_TIMERS | ACT_EXIT },
	{ FSM_CLOSING, EV_CLOSE_TIMEOUT, FSM_CLOSING, ACT_ABORT_SOCKET },
	{ FSM_CLOSING, EV_DRAIN_TIMEOUT, FSM_CLOSING, 0 },
};

static void
check_rows(const struct row *rows, size_t n, bool stop, bool drain)
{
	for (size_t k = 0; k < n; k++) {
		struct fsm m = in_state(rows[k].from, stop, drain);
		struct fsm_output out = fsm_step(&m, rows[k].ev);

		if (out.new_state != rows[k].to || out.actions != rows[k].actions ||
		    m.state != rows[k].to || out.old_state != rows[k].from)
			fail_msg("row %zu: %s + %s: got %s actions %#x, want %s %#x",
				 k, fsm_state_name(rows[k].from),
				 fsm_event_name(rows[k].ev),
				 fsm_state_name(out.new_state), out.actions,
				 fsm_state_name(rows[k].to), rows[k].actions);
	}
}

static void
test_every_pair_while_running(void **state)
{
	(void)state;
	/* The table must cover the whole product, nothing left out. */
	assert_int_equal(sizeof(running) / sizeof(running[0]),
			 FSM_STATE_COUNT * FSM_EVENT_COUNT);
	for (int s = 0; s < FSM_STATE_COUNT; s++)
		for (int e = 0; e < FSM_EVENT_COUNT; e++)
			assert_int_equal(running[s * FSM_EVENT_COUNT + e].ev, e);
	check_rows(running, sizeof(running) / sizeof(running[0]), false, false);
}

static void
test_pairs_while_stopping(void **state)
{
	(void)state;
	check_rows(stopping, sizeof(stopping) / sizeof(stopping[0]), true, false);
}

static void
test_pairs_once_drained(void **state)
{
	(void)state;
	check_rows(drained, sizeof(drained) / sizeof(drained[0]), true, true);
}

/*
 * Standing by (fenced): the socket ends without a retry, no connect is
 * taken, and EV_RESUME connects at once from idle.
 */
static void
test_fenced_stands_by_until_resumed(void **state)
{
	static const struct row held[] = {
		{ FSM_IDLE, EV_CONNECT, FSM_IDLE, ACT_REFUSED },
		{ FSM_IDLE, EV_RESUME, FSM_CONNECTING,
		  ACT_CANCEL_RETRY_TIMER | ACT_OPEN_SOCKET | ACT_ARM_CONNECT_TIMER },
		{ FSM_CLOSING, EV_SOCKET_GONE, FSM_IDLE, SOCKET_TIMERS },
		{ FSM_CLOSING, EV_CONNECT, FSM_CLOSING, ACT_REFUSED },
		{ FSM_CLOSING, EV_RESUME, FSM_CLOSING, 0 },
		{ FSM_OPEN, EV_RESUME, FSM_OPEN, 0 },
	};
	struct fsm m = in_state(FSM_OPEN, false, false);
	struct fsm_output out;

	(void)state;
	for (size_t k = 0; k < sizeof(held) / sizeof(held[0]); k++) {
		m = in_state(held[k].from, false, false);
		m.held = true;
		out = fsm_step(&m, held[k].ev);
		assert_int_equal(out.new_state, held[k].to);
		assert_int_equal(out.actions, held[k].actions);
	}
	/* A fenced close is no failure; resumed after a gone socket, the
	 * next socket gone retries again as usual. */
	m = in_state(FSM_OPEN, false, false);
	m.failures = 2;
	fsm_step(&m, EV_FENCE);
	out = fsm_step(&m, EV_SOCKET_GONE);
	assert_int_equal(m.state, FSM_IDLE);
	assert_int_equal(m.failures, 2);
	assert_false(out.actions & ACT_ARM_RETRY_TIMER);
	fsm_step(&m, EV_RESUME);
	assert_int_equal(m.state, FSM_CONNECTING);
	out = fsm_step(&m, EV_SOCKET_GONE);
	assert_true(out.actions & ACT_ARM_RETRY_TIMER);
	/* Resumed while the fenced socket still closes: the retry follows. */
	m = in_state(FSM_OPEN, false, false);
	fsm_step(&m, EV_FENCE);
	fsm_step(&m, EV_RESUME);
	out = fsm_step(&m, EV_SOCKET_GONE);
	assert_true(out.actions & ACT_ARM_RETRY_TIMER);
	/* Stopping while fenced: drained, it exits from idle. */
	m = in_state(FSM_IDLE, false, false);
	fsm_step(&m, EV_FENCE);
	fsm_step(&m, EV_SHUTDOWN);
	out = fsm_step(&m, EV_QUEUE_DRAINED);
	assert_true(out.actions & ACT_EXIT);
}

static void
test_close_codes(void **state)
{
	struct fsm m = in_state(FSM_OPEN, true, false);
	struct fsm_output out = fsm_step(&m, EV_QUEUE_DRAINED);

	(void)state;
	assert_int_equal(out.close_code, FSM_CLOSE_GOING_AWAY);
	m = in_state(FSM_OPEN, false, false);
	out = fsm_step(&m, EV_RESTART);
	assert_int_equal(out.close_code, FSM_CLOSE_NORMAL);
	m = in_state(FSM_OPEN, false, false);
	out = fsm_step(&m, EV_MESSAGE_TOO_BIG);
	assert_int_equal(out.close_code, FSM_CLOSE_TOO_BIG);
}

/* Only IDLE opens a socket, and IDLE is entered only when one is gone. */
static void
test_never_two_sockets(void **state)
{
	static const enum fsm_event storm[] = {
		EV_CONNECT, EV_CONNECT, EV_CONNECT_FAILED, EV_CONNECT,
		EV_CONNECT_TIMEOUT, EV_CONNECT, EV_CLOSE_TIMEOUT, EV_CONNECT,
		EV_SOCKET_GONE, EV_CONNECT, EV_ESTABLISHED, EV_CONNECT,
		EV_PEER_CLOSED, EV_CONNECT, EV_RESTART, EV_CONNECT,
		EV_SOCKET_GONE, EV_SOCKET_GONE, EV_CONNECT, EV_CONNECT,
	};
	struct fsm m = { 0 };
	int sockets = 0;

	(void)state;
	for (size_t k = 0; k < sizeof(storm) / sizeof(storm[0]); k++) {
		struct fsm_output out = fsm_step(&m, storm[k]);

		if (out.actions & ACT_OPEN_SOCKET)
			sockets++;
		if (storm[k] == EV_SOCKET_GONE && out.old_state != FSM_IDLE)
			sockets--;
		assert_in_range(sockets, 0, 1);
	}
}

static void
test_backoff_attempts_grow_and_reset(void **state)
{
	struct fsm m = { 0 };
	struct fsm_output out;

	(void)state;
	for (uint32_t k = 1; k <= 3; k++) {
		fsm_step(&m, EV_CONNECT);
		fsm_step(&m, EV_CONNECT_FAILED);
		out = fsm_step(&m, EV_SOCKET_GONE);
		assert_true(out.actions & ACT_ARM_RETRY_TIMER);
		assert_int_equal(out.attempt, k);
	}
	fsm_step(&m, EV_CONNECT);
	fsm_step(&m, EV_ESTABLISHED);
	/* Open but not yet stable: failures are remembered. */
	assert_int_equal(m.failures, 3);
	out = fsm_step(&m, EV_STABLE);
	assert_true(out.actions & ACT_RESET_BACKOFF);
	assert_int_equal(m.failures, 0);
	fsm_step(&m, EV_PEER_CLOSED);
	out = fsm_step(&m, EV_SOCKET_GONE);
	assert_int_equal(out.attempt, 1);
}

static void
test_restart_reconnects_without_delay(void **state)
{
	struct fsm m = { .state = FSM_OPEN, .failures = 5 };
	struct fsm_output out;

	(void)state;
	fsm_step(&m, EV_RESTART);
	out = fsm_step(&m, EV_SOCKET_GONE);
	assert_true(out.actions & ACT_ARM_RETRY_TIMER);
	assert_int_equal(out.attempt, 0);
	assert_false(m.restart);
	assert_int_equal(m.failures, 5);
}

static void
test_shutdown_while_open_drains_then_exits(void **state)
{
	struct fsm m = { .state = FSM_OPEN };
	struct fsm_output out;

	(void)state;
	out = fsm_step(&m, EV_SHUTDOWN);
	assert_int_equal(out.actions, ACT_ARM_DRAIN_TIMER);
	out = fsm_step(&m, EV_SHUTDOWN);	/* a second signal changes nothing */
	assert_int_equal(out.actions, 0);
	out = fsm_step(&m, EV_QUEUE_DRAINED);
	assert_int_equal(out.new_state, FSM_CLOSING);
	assert_true(out.actions & ACT_SEND_CLOSE);
	out = fsm_step(&m, EV_PEER_CLOSED);
	assert_int_equal(out.actions, 0);
	out = fsm_step(&m, EV_SOCKET_GONE);
	assert_int_equal(out.new_state, FSM_IDLE);
	assert_true(out.actions & ACT_EXIT);
	assert_false(out.actions & ACT_ARM_RETRY_TIMER);
}

static void
test_shutdown_when_peer_dies_during_drain(void **state)
{
	struct fsm m = { .state = FSM_OPEN };
	struct fsm_output out;

	(void)state;
	fsm_step(&m, EV_SHUTDOWN);
	fsm_step(&m, EV_PEER_CLOSED);
	out = fsm_step(&m, EV_SOCKET_GONE);
	/* Messages still queued: try again until the drain time is up. */
	assert_true(out.actions & ACT_ARM_RETRY_TIMER);
	out = fsm_step(&m, EV_DRAIN_TIMEOUT);
	assert_true(out.actions & ACT_EXIT);
}

static void
test_names(void **state)
{
	(void)state;
	for (int s = 0; s < FSM_STATE_COUNT; s++)
		assert_non_null(fsm_state_name(s));
	for (int e = 0; e < FSM_EVENT_COUNT; e++)
		assert_non_null(fsm_event_name(e));
	assert_string_equal(fsm_state_name(FSM_CLOSING), "closing");
	assert_string_equal(fsm_state_name(FSM_STATE_COUNT), "?");
	assert_string_equal(fsm_event_name(FSM_EVENT_COUNT), "?");
}

/* Attempts walk the addresses from the first, by consecutive failures. */
static void
test_the_first_attempt_dials_the_first_address(void **state)
{
	struct fsm m = { 0 };
	struct fsm_output out;

	(void)state;
	out = fsm_step(&m, EV_CONNECT);
	assert_true(out.actions & ACT_OPEN_SOCKET);
	assert_int_equal(fsm_address(&m, 2), 0);
	fsm_step(&m, EV_CONNECT_FAILED);
	fsm_step(&m, EV_SOCKET_GONE);
	fsm_step(&m, EV_CONNECT);
	assert_int_equal(fsm_address(&m, 2), 1);
	fsm_step(&m, EV_CONNECT_FAILED);
	fsm_step(&m, EV_SOCKET_GONE);
	fsm_step(&m, EV_CONNECT);
	assert_int_equal(fsm_address(&m, 2), 0);
	/* Open long enough, then lost: one failure, so the next address. */
	fsm_step(&m, EV_ESTABLISHED);
	fsm_step(&m, EV_STABLE);
	fsm_step(&m, EV_PEER_CLOSED);
	fsm_step(&m, EV_SOCKET_GONE);
	assert_int_equal(m.failures, 1);
	fsm_step(&m, EV_CONNECT);
	assert_int_equal(fsm_address(&m, 3), 1);
	assert_int_equal(fsm_address(&m, 1), 0);
	assert_int_equal(fsm_address(&m, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair_while_running),
		cmocka_unit_test(test_pairs_while_stopping),
		cmocka_unit_test(test_pairs_once_drained),
		cmocka_unit_test(test_fenced_stands_by_until_resumed),
		cmocka_unit_test(test_close_codes),
		cmocka_unit_test(test_never_two_sockets),
		cmocka_unit_test(test_backoff_attempts_grow_and_reset),
		cmocka_unit_test(test_restart_reconnects_without_delay),
		cmocka_unit_test(test_shutdown_while_open_drains_then_exits),
		cmocka_unit_test(test_shutdown_when_peer_dies_during_drain),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_the_first_attempt_dials_the_first_address),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
