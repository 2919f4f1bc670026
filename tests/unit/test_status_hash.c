/*
 * test_status_hash.c - the status hash never contradicts itself: state
 * as the status line says it, attempts and reconnects counted from
 * attempts, the last error kept with its time, every field there.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/fsm.h"
#include "wspushd/status_hash.h"

static const char *
get(const struct status_hash *h, const char *field)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->field[i], field) == 0)
			return h->value[i];
	return NULL;
}

static struct conn_snapshot
snap(enum fsm_state st)
{
	struct conn_snapshot s;

	memset(&s, 0, sizeof(s));
	s.state = st;
	s.state_name = fsm_state_name(st);
	s.endpoint = "ws://h:80/";
	s.last_error = "";
	return s;
}

static const struct status_extra X = {
	.redis_state = "subscribed", .inputs = "1 channel(s), 0 pattern(s), "
	"0 stream(s)", .version = "1.2.3", .uptime_s = 61, .pid = 42,
	.now = 1700000000, .last_error = "connection refused",
	.last_error_at = 1699999990,
};

static void
test_waiting_to_retry_is_connecting_everywhere(void **state)
{
	struct conn_snapshot s = snap(FSM_IDLE);
	struct status_hash h;

	(void)state;
	s.retry_in_ms = 2100;
	s.stats.attempts = 8;
	s.attempt = 8;		/* conn_snapshot() copies it from the stats */
	s.last_error = "connection refused";
	status_hash_build(&s, &X, &h);
	assert_string_equal(get(&h, "state"), "connecting");
	assert_non_null(strstr(get(&h, "status"), "connecting (attempt 9"));
	assert_string_equal(get(&h, "attempts"), "8");
	assert_string_equal(get(&h, "reconnects"), "7");
	/* Idle with nothing scheduled (stood by, say) stays idle. */
	s.retry_in_ms = 0;
	status_hash_build(&s, &X, &h);
	assert_string_equal(get(&h, "state"), "idle");
	s.stopping = true;
	status_hash_build(&s, &X, &h);
	assert_string_equal(get(&h, "state"), "stopping");
}

static void
test_every_field(void **state)
{
	static const char *const fields[] = {
		"state", "status", "since", "url", "received", "sent", "dropped",
		"queued", "attempts", "reconnects", "last_error", "last_error_at",
		"redis", "inputs", "uptime", "version", "pid", "updated",
	};
	struct conn_snapshot s = snap(FSM_OPEN);
	struct status_hash h;

	(void)state;
	s.stats.received = 12;
	s.stats.sent = 10;
	s.stats.dropped_overflow = 1;
	s.stats.dropped_fenced = 1;
	s.stats.attempts = 1;
	status_hash_build(&s, &X, &h);
	for (size_t i = 0; i < sizeof(fields) / sizeof(*fields); i++)
		if (get(&h, fields[i]) == NULL)
			fail_msg("no field %s", fields[i]);
	assert_string_equal(get(&h, "received"), "12");
	assert_string_equal(get(&h, "dropped"), "2");
	assert_string_equal(get(&h, "reconnects"), "0");
	/* Open again: the last error is still there, with its time. */
	assert_string_equal(get(&h, "last_error"), "connection refused");
	assert_string_equal(get(&h, "last_error_at"), "1699999990");
	assert_string_equal(get(&h, "uptime"), "61");
	assert_string_equal(get(&h, "version"), "1.2.3");
	assert_null(get(&h, "role"));
	assert_null(get(&h, "streams"));
	s.role = "leader";
	s.term = 3;
	s.holder = "h:1";
	s.streams = "s: 1 read";
	status_hash_build(&s, &X, &h);
	assert_string_equal(get(&h, "term"), "3");
	assert_string_equal(get(&h, "streams"), "s: 1 read");
	assert_true(h.n <= STATUS_HASH_MAX);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waiting_to_retry_is_connecting_everywhere),
		cmocka_unit_test(test_every_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
