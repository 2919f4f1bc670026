/*
 * test_status.c - the STATUS= line for each situation, and the JSON of
 * the state-change events.
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

/* In a fleet: a standby says who leads; a leader says its term. */
static void
test_fleet_roles(void **state)
{
	struct conn_snapshot s = snap(FSM_IDLE);
	char buf[200];

	(void)state;
	s.role = "standby";
	s.holder = "host-b:4242";
	status_line(&s, "subscribed", buf, sizeof(buf));
	assert_string_equal(buf, "standby (lease held by host-b:4242)");
	s.holder = "";
	status_line(&s, "connecting", buf, sizeof(buf));
	assert_string_equal(buf, "standby (lease held by nobody yet); redis connecting");
	s = snap(FSM_OPEN);
	s.role = "leader";
	s.term = 7;
	status_line(&s, "subscribed", buf, sizeof(buf));
	assert_string_equal(buf, "open to wss://push.example.com:443/socket, 0 sent, "
			    "0 dropped; fleet leader, term 7");
	/* Cut short, it stays a string. */
	status_line(&s, "subscribed", buf, 20);
	assert_int_equal(strlen(buf), 19);
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

static void
test_event_json_escapes(void **state)
{
	struct conn_snapshot s = snap(FSM_CONNECTING);
	char buf[1200];

	(void)state;
	s.since = 1700000000;
	s.last_error = "HTTP 503 \"busy\" at C:\\x\n\tnext";
	assert_true(status_event_json(&s, "connecting", "open", buf, sizeof(buf)));
	assert_string_equal(buf,
		"{\"state\":\"connecting\",\"previous\":\"open\","
		"\"since\":1700000000,"
		"\"url\":\"wss://push.example.com:443/socket\","
		"\"last_error\":\"HTTP 503 \\\"busy\\\" at C:\\\\x\\u000a\\u0009next\"}");
	/* Too small for the object: refused, not cut in the middle. */
	assert_false(status_event_json(&s, "connecting", "open", buf, 40));
}

/* A long error is cut before an escape or a UTF-8 sequence, not inside. */
static void
test_event_json_cuts_whole_characters(void **state)
{
	struct conn_snapshot s = snap(FSM_IDLE);
	char err[1000], buf[1200];
	const char *p, *end;

	(void)state;
	/* '"', then U+20AC, then U+00E9: 6 bytes, over and over. */
	memset(err, 0, sizeof(err));
	for (size_t i = 0; i + 6 < sizeof(err); i += 6)
		memcpy(err + i, "\"\xe2\x82\xac\xc3\xa9", 6);
	s.last_error = err;
	assert_true(status_event_json(&s, "idle", "open", buf, sizeof(buf)));
	p = strstr(buf, "\"last_error\":\"") + strlen("\"last_error\":\"");
	end = buf + strlen(buf) - 2;	/* before the closing quote and brace */
	assert_string_equal(end, "\"}");
	/* Every quote inside is escaped; every sequence is whole. */
	for (; p < end; p++) {
		if (*p == '"')
			assert_int_equal(p[-1], '\\');
		if ((unsigned char)*p == 0xe2) {
			assert_true(p + 3 <= end);
			assert_memory_equal(p, "\xe2\x82\xac", 3);
			p += 2;
		} else if ((unsigned char)*p == 0xc3) {
			assert_true(p + 2 <= end);
			assert_int_equal((unsigned char)p[1], 0xa9);
			p++;
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fleet_roles),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_event_json_escapes),
		cmocka_unit_test(test_event_json_cuts_whole_characters),
		cmocka_unit_test(test_waiting_to_retry),
		cmocka_unit_test(test_connecting_and_closing),
		cmocka_unit_test(test_stopping_and_truncation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
