/*
 * test_queue.c - order, bounds by count and bytes, both overflow
 * policies, every loss counted, and the frames the queue stores: each
 * one a valid masked frame, runs contiguous and bounded, chunks reused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/queue.h"
#include "wspushd/ws_frame.h"

static const unsigned char key[4] = { 0x37, 0xfa, 0x21, 0x3d };

static void
push_str(struct queue *q, const char *s, enum queue_result want)
{
	size_t ev;

	assert_int_equal(queue_push(q, s, strlen(s), false, key, &ev), want);
}

/* Take the head frame off, unmasked: its payload into out, opcode back. */
static size_t
take_head(struct queue *q, unsigned char *out, size_t cap, unsigned *opcode)
{
	struct queue_run run;
	struct ws_frame_info f;

	assert_true(queue_peek_run(q, 1, &run));
	assert_int_equal(run.count, 1);
	assert_true(ws_frame_parse(run.data, run.len, &f));
	assert_true(f.fin);
	assert_true(f.masked);
	assert_int_equal(f.header_len + f.payload_len, run.len);
	assert_true(f.payload_len <= cap);
	ws_mask(out, run.data + f.header_len, f.payload_len,
		run.data + f.header_len - 4);
	*opcode = f.opcode;
	queue_consume(q, &run);
	return f.payload_len;
}

static void
expect_head(struct queue *q, const char *s)
{
	unsigned char buf[256];
	unsigned op;
	size_t n = take_head(q, buf, sizeof(buf), &op);

	assert_int_equal(op, WS_OPCODE_TEXT);
	assert_int_equal(n, strlen(s));
	assert_memory_equal(buf, s, n);
}

static void
test_fifo_order(void **state)
{
	struct queue q;
	struct queue_run run;
	char buf[16];

	(void)state;
	queue_init(&q, 1000, 1 << 20, OVERFLOW_DROP_OLDEST);
	for (int k = 0; k < 100; k++) {
		snprintf(buf, sizeof(buf), "m%d", k);
		push_str(&q, buf, QUEUE_OK);
	}
	assert_int_equal(q.count, 100);
	for (int k = 0; k < 100; k++) {
		snprintf(buf, sizeof(buf), "m%d", k);
		expect_head(&q, buf);
	}
	assert_false(queue_peek_run(&q, 1 << 20, &run));
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
	queue_init(&q, 3, 1 << 20, OVERFLOW_DROP_OLDEST);
	push_str(&q, "a", QUEUE_OK);
	push_str(&q, "b", QUEUE_OK);
	push_str(&q, "c", QUEUE_OK);
	assert_int_equal(queue_push(&q, "d", 1, false, key, &ev), QUEUE_EVICTED);
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
	unsigned char buf[16];
	unsigned op;
	size_t ev;

	(void)state;
	queue_init(&q, 100, 10, OVERFLOW_DROP_OLDEST);
	push_str(&q, "1234", QUEUE_OK);
	push_str(&q, "5678", QUEUE_OK);
	/* 8 + 6 > 10: the oldest must go for 6 bytes to fit. */
	assert_int_equal(queue_push(&q, "abcdef", 6, false, key, &ev), QUEUE_EVICTED);
	assert_int_equal(ev, 1);
	assert_int_equal(q.bytes, 10);
	assert_int_equal(queue_push(&q, "xyzxyzxyz", 9, true, key, &ev),
			 QUEUE_EVICTED);
	assert_int_equal(ev, 2);
	assert_int_equal(q.count, 1);
	assert_int_equal(q.dropped, 3);
	assert_int_equal(take_head(&q, buf, sizeof(buf), &op), 9);
	assert_int_equal(op, WS_OPCODE_BINARY);
	assert_memory_equal(buf, "xyzxyzxyz", 9);
	queue_free(&q);
}

static void
test_drop_newest(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 2, 1 << 20, OVERFLOW_DROP_NEWEST);
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
	queue_init(&q, 10, 4, OVERFLOW_DROP_OLDEST);
	push_str(&q, "ab", QUEUE_OK);
	push_str(&q, "abcde", QUEUE_TOO_LARGE);
	/* The queued message survived the oversized one. */
	assert_int_equal(q.count, 1);
	assert_int_equal(q.dropped, 1);
	push_str(&q, "", QUEUE_OK);	/* empty messages are messages too */
	assert_int_equal(q.count, 2);
	expect_head(&q, "ab");
	expect_head(&q, "");
	queue_free(&q);
}

static void
test_set_limits_evicts_and_counts(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q, 10, 100, OVERFLOW_DROP_OLDEST);
	for (int k = 0; k < 5; k++)
		push_str(&q, "x", QUEUE_OK);
	assert_int_equal(queue_set_limits(&q, 2, 100, OVERFLOW_DROP_NEWEST), 3);
	assert_int_equal(q.count, 2);
	assert_int_equal(q.dropped, 3);
	push_str(&q, "y", QUEUE_REJECTED);
	queue_free(&q);
}

/* A run is whole frames, back to back, within the byte bound. */
static void
test_runs_are_contiguous_and_bounded(void **state)
{
	struct queue q;
	struct queue_run run;
	struct ws_frame_info f;
	size_t off = 0, frames = 0;

	(void)state;
	queue_init(&q, 1000, 1 << 20, OVERFLOW_DROP_OLDEST);
	for (int k = 0; k < 100; k++)
		push_str(&q, "0123456789", QUEUE_OK);	/* 16-byte frames */
	assert_true(queue_peek_run(&q, 100, &run));
	assert_int_equal(run.count, 6);
	assert_int_equal(run.len, 96);
	assert_int_equal(run.payload, 60);
	while (off < run.len) {
		assert_true(ws_frame_parse(run.data + off, run.len - off, &f));
		off += f.header_len + f.payload_len;
		frames++;
	}
	assert_int_equal(off, run.len);
	assert_int_equal(frames, run.count);
	queue_consume(&q, &run);
	assert_int_equal(q.count, 94);
	assert_int_equal(q.bytes, 940);
	/* A frame larger than the bound still comes out, alone. */
	queue_free(&q);
	queue_init(&q, 10, 1 << 20, OVERFLOW_DROP_OLDEST);
	push_str(&q, "0123456789", QUEUE_OK);
	assert_true(queue_peek_run(&q, 4, &run));
	assert_int_equal(run.count, 1);
	queue_free(&q);
}

/* Frame headers of all three length forms, and order across chunks. */
static void
test_large_frames_and_chunks(void **state)
{
	static const size_t sizes[] = { 125, 126, 65535, 65536,
					QUEUE_CHUNK_SIZE, 3 * QUEUE_CHUNK_SIZE };
	size_t n = sizeof(sizes) / sizeof(sizes[0]);
	unsigned char *src = malloc(3 * QUEUE_CHUNK_SIZE);
	unsigned char *out = malloc(3 * QUEUE_CHUNK_SIZE);
	struct queue q;
	unsigned op;

	(void)state;
	assert_non_null(src);
	assert_non_null(out);
	for (size_t i = 0; i < 3 * QUEUE_CHUNK_SIZE; i++)
		src[i] = (unsigned char)(i * 7 + 1);
	queue_init(&q, 1000, (size_t)1 << 30, OVERFLOW_DROP_OLDEST);
	for (int round = 0; round < 3; round++) {
		size_t ev;

		for (size_t k = 0; k < n; k++) {
			src[0] = (unsigned char)k;
			assert_int_equal(queue_push(&q, src, sizes[k], true,
						    key, &ev), QUEUE_OK);
		}
		for (size_t k = 0; k < n; k++) {
			assert_int_equal(take_head(&q, out, 3 * QUEUE_CHUNK_SIZE,
						   &op), sizes[k]);
			assert_int_equal(out[0], k);
			assert_memory_equal(out + 1, src + 1, sizes[k] - 1);
		}
		assert_int_equal(q.count, 0);
		assert_int_equal(q.bytes, 0);
	}
	/* An empty queue whose only chunk is too small for the next frame. */
	push_str(&q, "x", QUEUE_OK);
	expect_head(&q, "x");
	{
		size_t ev;

		assert_int_equal(queue_push(&q, src, 2 * QUEUE_CHUNK_SIZE, true,
					    key, &ev), QUEUE_OK);
	}
	push_str(&q, "after", QUEUE_OK);
	assert_int_equal(take_head(&q, out, 3 * QUEUE_CHUNK_SIZE, &op),
			 2 * QUEUE_CHUNK_SIZE);
	expect_head(&q, "after");
	queue_free(&q);
	free(src);
	free(out);
}

static void
test_many_messages(void **state)
{
	struct queue q;
	unsigned char buf[8];
	unsigned op;
	size_t ev;
	uint32_t v;

	(void)state;
	queue_init(&q, 100000, 1 << 30, OVERFLOW_DROP_OLDEST);
	for (uint32_t k = 0; k < 150000; k++)
		queue_push(&q, &k, sizeof(k), true, key, &ev);
	assert_int_equal(q.count, 100000);
	assert_int_equal(q.dropped, 50000);
	assert_int_equal(take_head(&q, buf, sizeof(buf), &op), sizeof(v));
	memcpy(&v, buf, sizeof(v));
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
		cmocka_unit_test(test_set_limits_evicts_and_counts),
		cmocka_unit_test(test_runs_are_contiguous_and_bounded),
		cmocka_unit_test(test_large_frames_and_chunks),
		cmocka_unit_test(test_many_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
