/*
 * test_queue.c - order, bounds by count and bytes, both overflow
 * policies, headroom, and that every loss is counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/queue.h"

static void
push_str(struct queue *q, const char *s, enum queue_result want)
{
	size_t ev;

	assert_int_equal(queue_push(q, s, strlen(s), false, &ev), want);
}

static void
expect_head(struct queue *q, const char *s)
{
	struct queue_msg *m = queue_peek(q);

	assert_non_null(m);
	assert_int_equal(m->len, strlen(s));
	assert_memory_equal(queue_payload(q, m), s, m->len);
	queue_pop(q);
}

static void
test_fifo_order(void **state)
{
	struct queue q;
	char buf[16];

	(void)state;
	queue_init(&q, 1000, 1 << 20, OVERFLOW_DROP_OLDEST, 16);
	for (int k = 0; k < 100; k++) {
		snprintf(buf, sizeof(buf), "m%d", k);
		push_str(&q, buf, QUEUE_OK);
	}
	assert_int_equal(q.count, 100);
	for (int k = 0; k < 100; k++) {
		snprintf(buf, sizeof(buf), "m%d", k);
		expect_head(&q, buf);
	}
	assert_null(queue_peek(&q));
	assert_int_equal(q.bytes, 0);
	queue_pop(&q);	/* popping an empty queue is harmless */
	queue_free(&q);
}

static void
test_drop_oldest_by_count(void **state)
{
	struct queue q;
	size_t ev;

	(void)state;
	queue_init(&q, 3, 1 << 20, OVERFLOW_DROP_OLDEST, 0);
	push_str(&q, "a", QUEUE_OK);
	push_str(&q, "b", QUEUE_OK);
	push_str(&q, "c", QUEUE_OK);
	assert_int_equal(queue_push(&q, "d", 1, false, &ev), QUEUE_EVICTED);
	assert_int_equal(ev, 1);
	assert_int_equal(q.dropped, 1);
	expect_head(&q, "b");
	expect_head(&q, "c");
	expect_head(&q, "d");
	queue_free(&q);
}

static void
test_drop_oldest_by_bytes(void **state)
{
	struct queue q;
	size_t ev;

	(void)state;
	queue_init(&q, 100, 10, OVERFLOW_DROP_OLDEST, 0);
	push_str(&q, "1234", QUEUE_OK);
	push_str(&q, "5678", QUEUE_OK);
	/* 8 + 6 > 10: both old ones must go for 6 bytes to fit. */
	assert_int_equal(queue_push(&q, "abcdef", 6, false, &ev), QUEUE_EVICTED);
	assert_int_equal(ev, 1);
	assert_int_equal(q.bytes, 10);
	assert_int_equal(queue_push(&q, "xyzxyzxyz", 9, true, &ev), QUEUE_EVICTED);
	assert_int_equal(ev, 2);
	assert_int_equal(q.count, 1);
	assert_true(queue_peek(&q)->binary);
	assert_int_equal(q.dropped, 3);
	queue_free(&q);
}

static void
test_drop_newest(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 2, 1 << 20, OVERFLOW_DROP_NEWEST, 0);
	push_str(&q, "a", QUEUE_OK);
	push_str(&q, "b", QUEUE_OK);
	push_str(&q, "c", QUEUE_REJECTED);
	assert_int_equal(q.dropped, 1);
	expect_head(&q, "a");
	push_str(&q, "d", QUEUE_OK);
	expect_head(&q, "b");
	expect_head(&q, "d");
	queue_free(&q);
}

static void
test_too_large_is_refused_not_evicting(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 10, 4, OVERFLOW_DROP_OLDEST, 0);
	push_str(&q, "ab", QUEUE_OK);
	push_str(&q, "abcde", QUEUE_TOO_LARGE);
	/* The queued message survived the oversized one. */
	assert_int_equal(q.count, 1);
	assert_int_equal(q.dropped, 1);
	push_str(&q, "", QUEUE_OK);	/* empty messages are messages too */
	assert_int_equal(q.count, 2);
	queue_free(&q);
}

static void
test_headroom_is_reserved(void **state)
{
	struct queue q;
	struct queue_msg *m;
	size_t ev;

	(void)state;
	queue_init(&q, 10, 100, OVERFLOW_DROP_OLDEST, 16);
	queue_push(&q, "hello", 5, false, &ev);
	m = queue_peek(&q);
	assert_ptr_equal(queue_payload(&q, m), m->buf + 16);
	/* The headroom is writable without touching the payload. */
	memset(m->buf, 0xaa, 16);
	assert_memory_equal(queue_payload(&q, m), "hello", 5);
	queue_free(&q);
}

static void
test_set_limits_evicts_and_counts(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 10, 100, OVERFLOW_DROP_OLDEST, 0);
	for (int k = 0; k < 5; k++)
		push_str(&q, "x", QUEUE_OK);
	assert_int_equal(queue_set_limits(&q, 2, 100, OVERFLOW_DROP_NEWEST), 3);
	assert_int_equal(q.count, 2);
	assert_int_equal(q.dropped, 3);
	push_str(&q, "y", QUEUE_REJECTED);
	queue_free(&q);
}

static void
test_many_messages(void **state)
{
	struct queue q;
	size_t ev;
	uint32_t v;

	(void)state;
	queue_init(&q, 100000, 1 << 30, OVERFLOW_DROP_OLDEST, 16);
	for (uint32_t k = 0; k < 150000; k++)
		queue_push(&q, &k, sizeof(k), true, &ev);
	assert_int_equal(q.count, 100000);
	assert_int_equal(q.dropped, 50000);
	memcpy(&v, queue_payload(&q, queue_peek(&q)), sizeof(v));
	assert_int_equal(v, 50000);
	queue_free(&q);
	assert_int_equal(q.count, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fifo_order),
		cmocka_unit_test(test_drop_oldest_by_count),
		cmocka_unit_test(test_drop_oldest_by_bytes),
		cmocka_unit_test(test_drop_newest),
		cmocka_unit_test(test_too_large_is_refused_not_evicting),
		cmocka_unit_test(test_headroom_is_reserved),
		cmocka_unit_test(test_set_limits_evicts_and_counts),
		cmocka_unit_test(test_many_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
