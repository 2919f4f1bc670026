/*
 * test_wsock.c - the one socket's life: every state against every step,
 * then the stories (a clean close, a Close never answered, a server that
 * never closes TCP, a drop in each phase).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "wspushd/wsock.h"

enum step { CLOSE, DROP, WRITABLE, PEER_CLOSE, CLOSED, DESTROYED, FIN_DONE,
	    FAILED_EARLY, STEP_COUNT };

static unsigned
run(struct wsock *w, enum step s)
{
	switch (s) {
	case CLOSE: return wsock_close(w, 1001);
	case DROP: return wsock_drop(w);
	case WRITABLE: return wsock_writable(w);
	case PEER_CLOSE: wsock_peer_close(w); return 0;
	case CLOSED: return wsock_closed(w);
	case DESTROYED: return wsock_destroyed(w);
	case FIN_DONE: return wsock_fin_done(w);
	case FAILED_EARLY: return wsock_failed_early(w);
	default: return 0;
	}
}

struct row {
	enum wsock_state from;
	enum step step;
	enum wsock_state to;
	unsigned actions;
};

#define N WSOCK_NOTHING
static const struct row table[] = {
	{ WSOCK_NONE, CLOSE, WSOCK_NONE, N },
	{ WSOCK_NONE, DROP, WSOCK_NONE, N },
	{ WSOCK_NONE, WRITABLE, WSOCK_NONE, N },
	{ WSOCK_NONE, PEER_CLOSE, WSOCK_NONE, N },
	{ WSOCK_NONE, CLOSED, WSOCK_NONE, N },
	{ WSOCK_NONE, DESTROYED, WSOCK_NONE, N },
	{ WSOCK_NONE, FIN_DONE, WSOCK_NONE, N },
	{ WSOCK_NONE, FAILED_EARLY, WSOCK_NONE, N },

	{ WSOCK_RESOLVING, CLOSE, WSOCK_RESOLVING, N },
	{ WSOCK_RESOLVING, DROP, WSOCK_NONE, WSOCK_CANCEL_QUERY | WSOCK_GONE },
	{ WSOCK_RESOLVING, WRITABLE, WSOCK_RESOLVING, N },
	{ WSOCK_RESOLVING, PEER_CLOSE, WSOCK_RESOLVING, N },
	{ WSOCK_RESOLVING, CLOSED, WSOCK_RESOLVING, N },
	{ WSOCK_RESOLVING, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_RESOLVING, FIN_DONE, WSOCK_RESOLVING, N },
	{ WSOCK_RESOLVING, FAILED_EARLY, WSOCK_NONE, WSOCK_GONE },

	{ WSOCK_CONNECTING, CLOSE, WSOCK_CONNECTING, N },
	{ WSOCK_CONNECTING, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_CONNECTING, WRITABLE, WSOCK_CONNECTING, N },
	{ WSOCK_CONNECTING, PEER_CLOSE, WSOCK_CONNECTING, N },
	{ WSOCK_CONNECTING, CLOSED, WSOCK_ENDED, N },
	{ WSOCK_CONNECTING, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_CONNECTING, FIN_DONE, WSOCK_CONNECTING, N },
	{ WSOCK_CONNECTING, FAILED_EARLY, WSOCK_NONE, WSOCK_GONE },

	{ WSOCK_UPGRADING, CLOSE, WSOCK_UPGRADING, N },
	{ WSOCK_UPGRADING, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_UPGRADING, WRITABLE, WSOCK_UPGRADING, N },
	{ WSOCK_UPGRADING, PEER_CLOSE, WSOCK_UPGRADING, N },
	{ WSOCK_UPGRADING, CLOSED, WSOCK_ENDED, N },
	{ WSOCK_UPGRADING, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_UPGRADING, FIN_DONE, WSOCK_UPGRADING, N },
	{ WSOCK_UPGRADING, FAILED_EARLY, WSOCK_UPGRADING, N },

	{ WSOCK_OPEN, CLOSE, WSOCK_CLOSE_OWED, WSOCK_WANT_WRITE },
	{ WSOCK_OPEN, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_OPEN, WRITABLE, WSOCK_OPEN, WSOCK_WRITE_DATA },
	{ WSOCK_OPEN, PEER_CLOSE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_OPEN, CLOSED, WSOCK_ENDED, N },
	{ WSOCK_OPEN, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_OPEN, FIN_DONE, WSOCK_OPEN, N },
	{ WSOCK_OPEN, FAILED_EARLY, WSOCK_OPEN, N },

	{ WSOCK_CLOSE_OWED, CLOSE, WSOCK_CLOSE_OWED, N },
	{ WSOCK_CLOSE_OWED, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_CLOSE_OWED, WRITABLE, WSOCK_CLOSE_SENT, WSOCK_WRITE_CLOSE },
	{ WSOCK_CLOSE_OWED, PEER_CLOSE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_CLOSE_OWED, CLOSED, WSOCK_ENDED, N },
	{ WSOCK_CLOSE_OWED, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_CLOSE_OWED, FIN_DONE, WSOCK_CLOSE_OWED, N },
	{ WSOCK_CLOSE_OWED, FAILED_EARLY, WSOCK_CLOSE_OWED, N },

	{ WSOCK_CLOSE_SENT, CLOSE, WSOCK_CLOSE_SENT, N },
	{ WSOCK_CLOSE_SENT, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_CLOSE_SENT, WRITABLE, WSOCK_CLOSE_SENT, N },	/* never twice */
	{ WSOCK_CLOSE_SENT, PEER_CLOSE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_CLOSE_SENT, CLOSED, WSOCK_FIN_WAIT, WSOCK_START_FIN_WAIT },
	{ WSOCK_CLOSE_SENT, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_CLOSE_SENT, FIN_DONE, WSOCK_CLOSE_SENT, N },
	{ WSOCK_CLOSE_SENT, FAILED_EARLY, WSOCK_CLOSE_SENT, N },

	{ WSOCK_CLOSE_SEEN, CLOSE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_CLOSE_SEEN, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_CLOSE_SEEN, WRITABLE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_CLOSE_SEEN, PEER_CLOSE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_CLOSE_SEEN, CLOSED, WSOCK_FIN_WAIT, WSOCK_START_FIN_WAIT },
	{ WSOCK_CLOSE_SEEN, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_CLOSE_SEEN, FIN_DONE, WSOCK_CLOSE_SEEN, N },
	{ WSOCK_CLOSE_SEEN, FAILED_EARLY, WSOCK_CLOSE_SEEN, N },

	{ WSOCK_DROPPING, CLOSE, WSOCK_DROPPING, N },
	{ WSOCK_DROPPING, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_DROPPING, WRITABLE, WSOCK_DROPPING, N },
	{ WSOCK_DROPPING, PEER_CLOSE, WSOCK_DROPPING, N },
	{ WSOCK_DROPPING, CLOSED, WSOCK_DROPPING, N },	/* nobody to wait for */
	{ WSOCK_DROPPING, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_DROPPING, FIN_DONE, WSOCK_DROPPING, N },
	{ WSOCK_DROPPING, FAILED_EARLY, WSOCK_DROPPING, N },

	{ WSOCK_ENDED, CLOSE, WSOCK_ENDED, N },
	{ WSOCK_ENDED, DROP, WSOCK_DROPPING, WSOCK_KILL },
	{ WSOCK_ENDED, WRITABLE, WSOCK_ENDED, N },
	{ WSOCK_ENDED, PEER_CLOSE, WSOCK_ENDED, N },
	{ WSOCK_ENDED, CLOSED, WSOCK_ENDED, N },
	{ WSOCK_ENDED, DESTROYED, WSOCK_NONE, WSOCK_GONE },
	{ WSOCK_ENDED, FIN_DONE, WSOCK_ENDED, N },
	{ WSOCK_ENDED, FAILED_EARLY, WSOCK_ENDED, N },

	{ WSOCK_FIN_WAIT, CLOSE, WSOCK_FIN_WAIT, N },
	{ WSOCK_FIN_WAIT, DROP, WSOCK_FIN_WAIT, WSOCK_KILL },	/* wsi not yet destroyed */
	{ WSOCK_FIN_WAIT, WRITABLE, WSOCK_FIN_WAIT, N },
	{ WSOCK_FIN_WAIT, PEER_CLOSE, WSOCK_FIN_WAIT, N },
	{ WSOCK_FIN_WAIT, CLOSED, WSOCK_FIN_WAIT, N },
	{ WSOCK_FIN_WAIT, DESTROYED, WSOCK_FIN_WAIT, N },	/* the FIN is awaited */
	{ WSOCK_FIN_WAIT, FIN_DONE, WSOCK_ENDED, N },	/* destroy still to come */
	{ WSOCK_FIN_WAIT, FAILED_EARLY, WSOCK_FIN_WAIT, N },
};

static void
test_every_state_against_every_step(void **state)
{
	(void)state;
	assert_int_equal(sizeof(table) / sizeof(table[0]),
			 (size_t)WSOCK_STATE_COUNT * STEP_COUNT);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct wsock w = { .state = table[i].from };
		unsigned a = run(&w, table[i].step);

		if (w.state != table[i].to || a != table[i].actions)
			fail_msg("row %zu: %s, step %d: got %s / 0x%x, want %s / 0x%x",
				 i, wsock_state_name(table[i].from), table[i].step,
				 wsock_state_name(w.state), a,
				 wsock_state_name(table[i].to), table[i].actions);
	}
}

static void
test_a_clean_close_waits_for_the_servers_fin(void **state)
{
	struct wsock w = { 0 };

	(void)state;
	wsock_attempt(&w);
	assert_true(wsock_live(&w));
	wsock_connecting(&w);
	wsock_upgrading(&w);
	wsock_open(&w);
	assert_true(wsock_carrying(&w));
	assert_int_equal(wsock_close(&w, 1001), WSOCK_WANT_WRITE);
	assert_false(wsock_carrying(&w));
	assert_int_equal(wsock_writable(&w), WSOCK_WRITE_CLOSE);
	assert_int_equal(w.close_code, 1001);
	wsock_peer_close(&w);
	assert_int_equal(wsock_closed(&w), WSOCK_START_FIN_WAIT);
	/* Destroyed first, FIN later: gone only at the FIN. */
	assert_int_equal(wsock_destroyed(&w), WSOCK_NOTHING);
	assert_true(wsock_live(&w));
	assert_int_equal(wsock_drop(&w), WSOCK_END_FIN_WAIT);
	assert_int_equal(wsock_fin_done(&w), WSOCK_GONE);
	assert_false(wsock_live(&w));
}

static void
test_a_close_never_answered_is_dropped_without_a_fin_wait(void **state)
{
	struct wsock w = { 0 };

	(void)state;
	wsock_attempt(&w);
	wsock_connecting(&w);
	wsock_open(&w);
	wsock_close(&w, 1000);
	assert_int_equal(wsock_writable(&w), WSOCK_WRITE_CLOSE);
	/* close_timeout: the glue drops it. */
	assert_int_equal(wsock_drop(&w), WSOCK_KILL);
	assert_int_equal(wsock_closed(&w), WSOCK_NOTHING);
	assert_int_equal(wsock_destroyed(&w), WSOCK_GONE);
}

static void
test_a_server_that_closes_first_is_waited_for(void **state)
{
	struct wsock w = { 0 };

	(void)state;
	wsock_attempt(&w);
	wsock_connecting(&w);
	wsock_open(&w);
	wsock_peer_close(&w);
	/* Our own Close is no longer owed: lws answers the server's. */
	assert_int_equal(wsock_close(&w, 1001), WSOCK_NOTHING);
	assert_int_equal(wsock_closed(&w), WSOCK_START_FIN_WAIT);
	/* The server never closes TCP: the FIN wait's own deadline ends it. */
	assert_int_equal(wsock_fin_done(&w), WSOCK_NOTHING);
	assert_int_equal(wsock_destroyed(&w), WSOCK_GONE);
}

static void
test_failures_before_a_socket_end_the_attempt(void **state)
{
	struct wsock w = { 0 };

	(void)state;
	wsock_attempt(&w);
	assert_int_equal(wsock_failed_early(&w), WSOCK_GONE);
	wsock_attempt(&w);
	wsock_connecting(&w);
	assert_int_equal(wsock_failed_early(&w), WSOCK_GONE);
	/* Once lws destroyed it, a late report changes nothing. */
	wsock_attempt(&w);
	wsock_connecting(&w);
	assert_int_equal(wsock_destroyed(&w), WSOCK_GONE);
	assert_int_equal(wsock_failed_early(&w), WSOCK_NOTHING);
}

static void
test_phases_for_the_log(void **state)
{
	struct wsock w = { 0 };

	(void)state;
	wsock_attempt(&w);
	assert_string_equal(wsock_phase(&w, false, false), "DNS resolution");
	wsock_connecting(&w);
	assert_string_equal(wsock_phase(&w, false, false), "the TCP connect");
	assert_string_equal(wsock_phase(&w, true, true), "the TLS handshake");
	assert_string_equal(wsock_phase(&w, false, true), "the HTTP upgrade");
	wsock_upgrading(&w);
	assert_string_equal(wsock_phase(&w, true, true), "the HTTP upgrade");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_state_against_every_step),
		cmocka_unit_test(test_a_clean_close_waits_for_the_servers_fin),
		cmocka_unit_test(test_a_close_never_answered_is_dropped_without_a_fin_wait),
		cmocka_unit_test(test_a_server_that_closes_first_is_waited_for),
		cmocka_unit_test(test_failures_before_a_socket_end_the_attempt),
		cmocka_unit_test(test_phases_for_the_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
