/*
 * test_status.c - the STATUS= line for each situation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/fsm.h"
#include "wspushd/status.h"

static struct conn_snapshot
snap(enum fsm_state st)
{
	struct conn_snapshot s;

	memset(&s, 0, sizeof(s));
	s.state = st;
	s.endpoint = "wss://push.example.com:443/socket";
	s.last_error = "";
	return s;
}

static void
test_open(void **state)
{
	struct conn_snapshot s = snap(FSM_OPEN);
	char buf[200];

	(void)state;
	s.stats.sent = 12034;
	s.stats.dropped_overflow = 2;
	s.stats.dropped_oversize = 1;
	status_line(&s, "subscribed", buf, sizeof(buf));
	assert_string_equal(buf, "open to wss://push.example.com:443/socket, "
			    "12034 sent, 3 dropped");
	status_line(&s, "connecting", buf, sizeof(buf));
	assert_string_equal(buf, "open to wss://push.example.com:443/socket, "
			    "12034 sent, 3 dropped; redis connecting");
}

static void
test_waiting_to_retry(void **state)
{
	struct conn_snapshot s = snap(FSM_IDLE);
	char buf[200];

	(void)state;
	s.attempt = 3;
	s.retry_in_ms = 2149;
	s.last_error = "connection refused";
	status_line(&s, "subscribed", buf, sizeof(buf));
	assert_string_equal(buf, "connecting (attempt 4, next in 2.1s): "
			    "connection refused");
}

static void
test_connecting_and_closing(void **state)
{
	struct conn_snapshot s = snap(FSM_CONNECTING);
	char buf[200];

	(void)state;
	s.attempt = 1;
	status_line(&s, "subscribed", buf, sizeof(buf));
	assert_string_equal(buf, "connecting (attempt 1)");
	s = snap(FSM_CLOSING);
	s.last_error = "no pong within 10000ms of a ping";
	status_line(&s, "subscribed", buf, sizeof(buf));
	assert_string_equal(buf, "closing: no pong within 10000ms of a ping");
}

static void
test_stopping_and_truncation(void **state)
{
	struct conn_snapshot s = snap(FSM_OPEN);
	char buf[16];

	(void)state;
	s.stopping = true;
	s.queued = 7;
	status_line(&s, "stopped", buf, sizeof(buf));
	assert_string_equal(buf, "stopping: 7 que");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_waiting_to_retry),
		cmocka_unit_test(test_connecting_and_closing),
		cmocka_unit_test(test_stopping_and_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
