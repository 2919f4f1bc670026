/*
 * test_inbound_queue.c - the server's messages waiting for Redis: the
 * bounds count what is queued and what is in flight, by messages and by
 * bytes, exactly at the limit; the newest is dropped when full; a
 * message goes at once only when none waits and the window has room;
 * order kept; every answer counted by kind; a lowered bound keeps what
 * waits; and, through a long random run, received = forwarded + dropped
 * + pending at every step.  The metrics text, exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/inbound_queue.h"

static uint64_t
dropped(const struct inbound_queue *q)
{
	uint64_t n = 0;

	for (int i = 0; i < INBOUND_DROPS; i++)
		n += q->stats.dropped[i];
	return n;
}

static void
check_accounts(const struct inbound_queue *q)
{
	assert_int_equal(q->stats.received,
			 q->stats.forwarded + dropped(q) + inbound_queue_pending(q));
}

static void
clear(struct inbound_queue *q)
{
	while (inbound_queue_head(q) != NULL)
		inbound_queue_discard_head(q);
	assert_int_equal(q->queued, 0);
	assert_int_equal(q->queued_bytes, 0);
}

/* Take a message as the glue does: at once if it may, else queued. */
static bool
take(struct inbound_queue *q, const char *s, bool redis_up)
{
	size_t len = strlen(s);

	if (!inbound_queue_admit(q, len))
		return false;
	if (redis_up && inbound_queue_direct(q))
		inbound_queue_sent(q, len);
	else
		inbound_queue_push(q, s, len, false, 0, NULL);
	return true;
}

static void
test_bounds_count_queued_and_in_flight(void **state)
{
	struct inbound_queue q;

	(void)state;
	inbound_queue_init(&q, 3, 10);
	assert_true(take(&q, "aaaa", true));	/* in flight */
	assert_true(take(&q, "bbbb", false));	/* queued */
	assert_int_equal(inbound_queue_pending(&q), 2);
	assert_int_equal(inbound_queue_pending_bytes(&q), 8);
	assert_false(take(&q, "ccc", false));	/* 11 bytes: over */
	assert_true(take(&q, "cc", false));	/* 10: exactly */
	assert_false(take(&q, "", false));	/* 4 messages: over */
	assert_int_equal(q.stats.dropped[INBOUND_FULL], 2);
	check_accounts(&q);
	clear(&q);
	/* Larger than the byte bound: never fits, even with nothing waiting. */
	inbound_queue_init(&q, 3, 10);
	assert_false(take(&q, "elevenbytes", true));
	assert_int_equal(q.stats.dropped[INBOUND_FULL], 1);
	check_accounts(&q);
}

static void
test_direct_only_when_nothing_waits(void **state)
{
	struct inbound_queue q;
	const struct inbound_item *it;

	(void)state;
	inbound_queue_init(&q, 100000, 1 << 20);
	assert_true(inbound_queue_direct(&q));
	for (int i = 0; i < INBOUND_WINDOW; i++)
		assert_true(take(&q, "x", true));
	assert_int_equal(q.in_flight, INBOUND_WINDOW);
	/* The window is full: the next ones wait, and none may go. */
	assert_false(inbound_queue_direct(&q));
	assert_true(take(&q, "first", true));
	assert_true(take(&q, "second", true));
	assert_null(inbound_queue_next(&q));
	inbound_queue_answered(&q, 1, INBOUND_ACCEPTED);
	/* Room again, but one waits: it goes first. */
	assert_false(inbound_queue_direct(&q));
	it = inbound_queue_next(&q);
	assert_non_null(it);
	assert_memory_equal(it->data, "first", 5);
	inbound_queue_next_sent(&q);
	assert_null(inbound_queue_next(&q));	/* the window again */
	inbound_queue_answered(&q, 1, INBOUND_ACCEPTED);
	it = inbound_queue_next(&q);
	assert_memory_equal(it->data, "second", 6);
	assert_int_equal(it->len, 6);
	inbound_queue_next_sent(&q);
	assert_null(inbound_queue_head(&q));
	assert_true(q.tail == NULL && q.queued == 0 && q.queued_bytes == 0);
	assert_int_equal(q.in_flight_bytes, INBOUND_WINDOW - 2 + 11);
	check_accounts(&q);
}

static void
test_answers_are_counted_by_kind(void **state)
{
	struct inbound_queue q;

	(void)state;
	inbound_queue_init(&q, 10, 100);
	for (int i = 0; i < 4; i++)
		assert_true(take(&q, "abc", true));
	inbound_queue_answered(&q, 3, INBOUND_ACCEPTED);
	inbound_queue_answered(&q, 3, INBOUND_ERROR);
	inbound_queue_answered(&q, 3, INBOUND_GONE);
	inbound_queue_too_big(&q);
	assert_int_equal(q.stats.received, 5);
	assert_int_equal(q.stats.forwarded, 1);
	assert_int_equal(q.stats.dropped[INBOUND_REFUSED], 1);
	assert_int_equal(q.stats.dropped[INBOUND_LOST], 1);
	assert_int_equal(q.stats.dropped[INBOUND_TOO_BIG], 1);
	assert_int_equal(inbound_queue_pending(&q), 1);
	assert_int_equal(inbound_queue_pending_bytes(&q), 3);
	check_accounts(&q);
	/* An answer for nothing in flight changes nothing. */
	inbound_queue_answered(&q, 3, INBOUND_ACCEPTED);
	inbound_queue_answered(&q, 3, INBOUND_ACCEPTED);
	assert_int_equal(q.stats.forwarded, 2);
	check_accounts(&q);
}

/* A reload lowers the bounds: what waits stays; new ones wait for room. */
static void
test_lowered_bounds_keep_what_waits(void **state)
{
	struct inbound_queue q;

	(void)state;
	inbound_queue_init(&q, 100, 1000);
	for (int i = 0; i < 10; i++)
		assert_true(take(&q, "0123456789", false));
	inbound_queue_limits(&q, 5, 20);
	assert_int_equal(q.queued, 10);
	assert_false(take(&q, "a", false));
	inbound_queue_limits(&q, 100, 50);
	assert_false(take(&q, "a", false));	/* 100 bytes wait, 50 allowed */
	for (int i = 0; i < 6; i++)
		inbound_queue_next_sent(&q);
	for (int i = 0; i < 6; i++)
		inbound_queue_answered(&q, 10, INBOUND_ACCEPTED);
	assert_true(take(&q, "0123456789", false));	/* 50 */
	assert_false(take(&q, "a", false));
	assert_int_equal(q.stats.dropped[INBOUND_FULL], 3);
	check_accounts(&q);
	clear(&q);
}

/*
 * Order, bounds and accounts through a long random run: messages come,
 * go to Redis, and are answered in any order (a cluster's nodes answer
 * independently), each in any of the three ways.
 */
static void
test_random_run_keeps_order_and_accounts(void **state)
{
	enum { MAX = 500, MAX_BYTES = 8000 };
	struct inbound_queue q;
	uint64_t *admitted = calloc(200000, sizeof(*admitted));
	size_t *flying = calloc(INBOUND_WINDOW, sizeof(*flying));
	size_t n_admitted = 0, n_sent = 0, n_flying = 0;
	unsigned seed = 12345;
	char msg[32];

	(void)state;
	assert_true(admitted != NULL && flying != NULL);
	inbound_queue_init(&q, MAX, MAX_BYTES);
	for (uint64_t step = 0; step < 200000; step++) {
		int r = rand_r(&seed) % 10;

		if (r < 5) {
			/* A number, padded to a random length (up to 99). */
			int len = snprintf(msg, sizeof(msg), "%llu",
					   (unsigned long long)step);

			len += rand_r(&seed) % (int)(sizeof(msg) - 1 - (size_t)len);
			memset(msg + strlen(msg), '.', (size_t)len - strlen(msg));
			msg[len] = '\0';
			if (inbound_queue_admit(&q, (size_t)len)) {
				inbound_queue_push(&q, msg, (size_t)len, false, 0, NULL);
				admitted[n_admitted++] = step;
			}
		} else if (r < 8 && inbound_queue_next(&q) != NULL) {
			const struct inbound_item *it = inbound_queue_next(&q);

			/* In the order they came. */
			assert_int_equal(strtoull((const char *)it->data, NULL, 10),
					 admitted[n_sent++]);
			flying[n_flying++] = it->len;
			inbound_queue_next_sent(&q);
		} else if (n_flying > 0) {
			size_t k = (size_t)rand_r(&seed) % n_flying;

			inbound_queue_answered(&q, flying[k],
					       (enum inbound_answer)(r % 3));
			flying[k] = flying[--n_flying];
		}
		assert_int_equal(q.in_flight, n_flying);
		assert_true(inbound_queue_pending(&q) <= MAX);
		assert_true(inbound_queue_pending_bytes(&q) <= MAX_BYTES);
		check_accounts(&q);
	}
	assert_true(q.stats.dropped[INBOUND_FULL] > 0);
	assert_true(q.stats.forwarded > 0);
	clear(&q);
	free(admitted);
	free(flying);
}

static void
test_metrics_text(void **state)
{
	static const char want[] =
		"# HELP wspushd_inbound_messages_total Messages the server sent, "
		"taken while [inbound] is on.\n"
		"# TYPE wspushd_inbound_messages_total counter\n"
		"wspushd_inbound_messages_total 5\n"
		"# HELP wspushd_inbound_forwarded_total The server's messages "
		"Redis accepted (PUBLISH or XADD answered).\n"
		"# TYPE wspushd_inbound_forwarded_total counter\n"
		"wspushd_inbound_forwarded_total 1\n"
		"# HELP wspushd_inbound_dropped_total The server's messages that "
		"did not reach Redis, by reason.\n"
		"# TYPE wspushd_inbound_dropped_total counter\n"
		"wspushd_inbound_dropped_total{reason=\"full\"} 1\n"
		"wspushd_inbound_dropped_total{reason=\"too_big\"} 1\n"
		"wspushd_inbound_dropped_total{reason=\"refused\"} 0\n"
		"wspushd_inbound_dropped_total{reason=\"lost\"} 0\n"
		"# HELP wspushd_inbound_pending The server's messages waiting for "
		"Redis: queued, or sent and not answered.\n"
		"# TYPE wspushd_inbound_pending gauge\n"
		"wspushd_inbound_pending 2\n"
		"# HELP wspushd_inbound_pending_bytes Their bytes.\n"
		"# TYPE wspushd_inbound_pending_bytes gauge\n"
		"wspushd_inbound_pending_bytes 6\n";
	struct inbound_queue q;
	char buf[2048];

	(void)state;
	inbound_queue_init(&q, 2, 100);
	assert_true(take(&q, "one", true));
	inbound_queue_answered(&q, 3, INBOUND_ACCEPTED);
	assert_true(take(&q, "two..", false));
	inbound_queue_too_big(&q);
	assert_true(take(&q, "x", false));
	assert_false(take(&q, "y", false));	/* 2 wait: full */
	assert_int_equal(inbound_queue_metrics(&q, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(inbound_queue_metrics(&q, buf, 10), strlen(want));
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(inbound_queue_metrics(&q, NULL, 0), strlen(want));
	clear(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bounds_count_queued_and_in_flight),
		cmocka_unit_test(test_direct_only_when_nothing_waits),
		cmocka_unit_test(test_answers_are_counted_by_kind),
		cmocka_unit_test(test_lowered_bounds_keep_what_waits),
		cmocka_unit_test(test_random_run_keeps_order_and_accounts),
		cmocka_unit_test(test_metrics_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
