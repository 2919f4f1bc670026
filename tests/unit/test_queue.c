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

/*
 * A write that fails leaves its run queued: peeking again gives the same
 * frames, byte for byte, for the next connection to send.
 */
static void
test_unconsumed_run_stays_unchanged(void **state)
{
	struct queue q;
	struct queue_run a, b;
	unsigned char copy[256];

	(void)state;
	queue_init(&q, 100, 1 << 20, OVERFLOW_DROP_OLDEST);
	push_str(&q, "first", QUEUE_OK);
	push_str(&q, "second", QUEUE_OK);
	assert_true(queue_peek_run(&q, 1 << 20, &a));
	assert_true(a.len <= sizeof(copy));
	memcpy(copy, a.data, a.len);
	assert_true(queue_peek_run(&q, 1 << 20, &b));
	assert_int_equal(b.count, 2);
	assert_int_equal(b.len, a.len);
	assert_memory_equal(b.data, copy, a.len);
	assert_int_equal(q.count, 2);
	expect_head(&q, "first");
	expect_head(&q, "second");
	queue_free(&q);
}

/* A push that needs a fresh chunk while eviction frees the old ones. */
static void
test_eviction_across_chunks(void **state)
{
	static unsigned char big[100000];
	struct queue q;
	unsigned char out[100000];
	unsigned op;
	size_t ev;

	(void)state;
	/* Room for two big frames by bytes: each push evicts the oldest. */
	queue_init(&q, 100, 2 * sizeof(big), OVERFLOW_DROP_OLDEST);
	for (int k = 0; k < 10; k++) {
		big[0] = (unsigned char)k;
		assert_int_equal(queue_push(&q, big, sizeof(big), true, key, &ev),
				 k < 2 ? QUEUE_OK : QUEUE_EVICTED);
		assert_int_equal(q.count, k < 2 ? (size_t)k + 1 : 2);
	}
	assert_int_equal(q.dropped, 8);
	assert_int_equal(take_head(&q, out, sizeof(out), &op), sizeof(big));
	assert_int_equal(out[0], 8);
	assert_int_equal(take_head(&q, out, sizeof(out), &op), sizeof(big));
	assert_int_equal(out[0], 9);
	queue_free(&q);
}

/* A run never crosses from one chunk into the next. */
static void
test_run_stops_at_chunk_end(void **state)
{
	static unsigned char msg[1000];
	struct queue q;
	struct queue_run run;
	size_t ev, total = 0, runs = 0, frames = 0;

	(void)state;
	queue_init(&q, 100000, (size_t)1 << 30, OVERFLOW_DROP_OLDEST);
	/* 1008-byte frames: 260 fill a chunk, the 261st starts the next. */
	for (int k = 0; k < 600; k++)
		queue_push(&q, msg, sizeof(msg), true, key, &ev);
	while (queue_peek_run(&q, (size_t)1 << 30, &run)) {
		assert_true(run.len <= QUEUE_CHUNK_SIZE);
		assert_int_equal(run.len, run.count * (sizeof(msg) + 8));
		total += run.len;
		frames += run.count;
		runs++;
		queue_consume(&q, &run);
	}
	assert_int_equal(frames, 600);
	assert_int_equal(runs, 3);
	assert_int_equal(total, 600 * (sizeof(msg) + 8));
	assert_int_equal(q.bytes, 0);
	queue_free(&q);
}

/*
 * Random operations against a plain model (an array of message ids):
 * every frame taken out is the model's next one, whole and unmasked
 * right, and the counts always agree.
 */
struct model {
	uint32_t id[4096];
	size_t len[4096];
	size_t head, n;
};

static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static size_t
random_len(uint64_t *s)
{
	switch (rnd(s) % 10) {
	case 0:
		return (size_t)(rnd(s) % (3 * QUEUE_CHUNK_SIZE));
	case 1:
		return (size_t)(rnd(s) % 70000);
	default:
		return (size_t)(rnd(s) % 300);
	}
}

static void
check_frame(const unsigned char *p, size_t avail, uint32_t id, size_t len)
{
	struct ws_frame_info f;
	unsigned char first[4], last;

	assert_true(ws_frame_parse(p, avail, &f));
	assert_int_equal(f.payload_len, len);
	assert_true(f.header_len + len <= avail);
	if (len >= 4) {
		ws_mask(first, p + f.header_len, 4, p + f.header_len - 4);
		assert_memory_equal(first, &id, 4);
	}
	if (len > 4) {
		last = p[f.header_len + len - 1] ^ p[f.header_len - 4 + ((len - 1) & 3)];
		assert_int_equal(last, (unsigned char)(id * 7 + len));
	}
}

/*
 * Push a message of random length marked with id (check_frame() reads
 * the marks); true when it was queued, with its length and how many
 * older messages it evicted.
 */
static bool
push_marked(struct queue *q, unsigned char *src, uint64_t *s, uint32_t id,
	    size_t *len, size_t *evicted)
{
	enum queue_result r;

	*len = random_len(s);
	if (*len >= 4)
		memcpy(src, &id, 4);
	if (*len > 4)
		src[*len - 1] = (unsigned char)(id * 7 + *len);
	r = queue_push(q, src, *len, true, key, evicted);
	return r == QUEUE_OK || r == QUEUE_EVICTED;
}

static void
model_add(struct model *m, uint32_t id, size_t len)
{
	m->id[(m->head + m->n) % 4096] = id;
	m->len[(m->head + m->n) % 4096] = len;
	m->n++;
}

static void
test_random_against_model(void **state)
{
	unsigned char *src = malloc(3 * QUEUE_CHUNK_SIZE);
	static struct model m;

	(void)state;
	assert_non_null(src);
	for (uint64_t seed = 1; seed <= 20; seed++) {
		uint64_t s = seed * 0x9e3779b97f4a7c15ull;
		struct queue q;
		uint32_t next_id = 0;
		size_t bytes = 0;

		memset(&m, 0, sizeof(m));
		queue_init(&q, 1 + rnd(&s) % 300, 1 + rnd(&s) % (4 * QUEUE_CHUNK_SIZE),
			   rnd(&s) & 1 ? OVERFLOW_DROP_NEWEST : OVERFLOW_DROP_OLDEST);
		for (int op = 0; op < 1500; op++) {
			uint64_t what = rnd(&s) % 100;

			if (what < 60) {
				uint32_t id = next_id++;
				size_t len, ev;

				if (push_marked(&q, src, &s, id, &len, &ev)) {
					for (size_t k = 0; k < ev; k++) {
						bytes -= m.len[m.head % 4096];
						m.head++;
						m.n--;
					}
					model_add(&m, id, len);
					bytes += len;
				}
			} else if (what < 90) {
				struct queue_run run;
				size_t off = 0;

				if (!queue_peek_run(&q, 1 + rnd(&s) % (512 * 1024), &run)) {
					assert_int_equal(m.n, 0);
					continue;
				}
				assert_true(run.count >= 1 && run.count <= m.n);
				for (size_t k = 0; k < run.count; k++) {
					size_t i = (m.head + k) % 4096;
					struct ws_frame_info f;

					check_frame(run.data + off, run.len - off, m.id[i], m.len[i]);
					ws_frame_parse(run.data + off, run.len - off, &f);
					off += f.header_len + f.payload_len;
				}
				assert_int_equal(off, run.len);
				queue_consume(&q, &run);
				for (size_t k = 0; k < run.count; k++) {
					bytes -= m.len[m.head % 4096];
					m.head++;
					m.n--;
				}
			} else if (what < 95) {
				queue_pop(&q);
				if (m.n > 0) {
					bytes -= m.len[m.head % 4096];
					m.head++;
					m.n--;
				}
			} else {
				size_t dropped = queue_set_limits(&q, 1 + rnd(&s) % 300,
					1 + rnd(&s) % (4 * QUEUE_CHUNK_SIZE),
					rnd(&s) & 1 ? OVERFLOW_DROP_NEWEST : OVERFLOW_DROP_OLDEST);

				for (size_t k = 0; k < dropped; k++) {
					bytes -= m.len[m.head % 4096];
					m.head++;
					m.n--;
				}
			}
			assert_int_equal(q.count, m.n);
			assert_int_equal(q.bytes, bytes);
			assert_true(q.count <= q.max_count && q.bytes <= q.max_bytes);
		}
		queue_free(&q);
	}
	free(src);
}

/* The model's head leaves (popped, evicted or confirmed). */
static void
model_pop(struct model *m, size_t *bytes, size_t *sent, uint64_t *head_seq)
{
	*bytes -= m->len[m->head % 4096];
	m->head++;
	m->n--;
	(*head_seq)++;
	if (*sent > 0)
		(*sent)--;
}

/*
 * The confirmation window against a model: runs are written (kept until
 * confirmed), confirmed below a sequence number, rewound when the
 * connection is lost, while pushes evict and limits change.  The frames
 * peeked are always the first unsent ones, in order, resent unchanged.
 */
static void
test_confirm_window_against_model(void **state)
{
	unsigned char *src = malloc(3 * QUEUE_CHUNK_SIZE);
	static struct model m;

	(void)state;
	assert_non_null(src);
	for (uint64_t seed = 1; seed <= 30; seed++) {
		uint64_t s = seed * 0x2545f4914f6cdd1dull;
		struct queue q;
		uint32_t next_id = 0;
		size_t bytes = 0, sent = 0, resent = 0;
		uint64_t head_seq = 0;

		memset(&m, 0, sizeof(m));
		queue_init(&q, 1 + rnd(&s) % 300, 1 + rnd(&s) % (4 * QUEUE_CHUNK_SIZE),
			   rnd(&s) & 1 ? OVERFLOW_DROP_NEWEST : OVERFLOW_DROP_OLDEST);
		for (int op = 0; op < 2000; op++) {
			uint64_t what = rnd(&s) % 100;

			if (what < 50) {
				uint32_t id = next_id++;
				size_t len, ev;

				if (push_marked(&q, src, &s, id, &len, &ev)) {
					for (size_t k = 0; k < ev; k++)
						model_pop(&m, &bytes, &sent, &head_seq);
					model_add(&m, id, len);
					bytes += len;
				}
			} else if (what < 80) {
				struct queue_run run;
				size_t off = 0;

				if (!queue_peek_run(&q, 1 + rnd(&s) % (512 * 1024), &run)) {
					assert_int_equal(m.n, sent);
					continue;
				}
				assert_true(run.count >= 1 && run.count <= m.n - sent);
				for (size_t k = 0; k < run.count; k++) {
					size_t i = (m.head + sent + k) % 4096;
					struct ws_frame_info f;

					check_frame(run.data + off, run.len - off, m.id[i], m.len[i]);
					ws_frame_parse(run.data + off, run.len - off, &f);
					off += f.header_len + f.payload_len;
				}
				assert_int_equal(off, run.len);
				queue_mark_sent(&q, &run);
				sent += run.count;
			} else if (what < 92) {
				/* A pong: anything up to a little past what was sent. */
				uint64_t upto = head_seq + rnd(&s) % (sent + 3);
				size_t want = 0, got;

				while (want < sent && head_seq + want < upto)
					want++;
				got = queue_confirm(&q, upto);
				assert_int_equal(got, want);
				for (size_t k = 0; k < got; k++)
					model_pop(&m, &bytes, &sent, &head_seq);
			} else if (what < 96) {
				assert_int_equal(queue_rewind(&q), sent);
				resent += sent;
				sent = 0;
			} else {
				size_t dropped = queue_set_limits(&q, 1 + rnd(&s) % 300,
					1 + rnd(&s) % (4 * QUEUE_CHUNK_SIZE),
					rnd(&s) & 1 ? OVERFLOW_DROP_NEWEST : OVERFLOW_DROP_OLDEST);

				for (size_t k = 0; k < dropped; k++)
					model_pop(&m, &bytes, &sent, &head_seq);
			}
			assert_int_equal(q.count, m.n);
			assert_int_equal(q.bytes, bytes);
			assert_int_equal(q.unconfirmed, sent);
			assert_int_equal(q.head_seq, head_seq);
			assert_int_equal(queue_sent_seq(&q), head_seq + sent);
			assert_int_equal(queue_unsent(&q), m.n - sent);
		}
		assert_true(resent > 0);
		queue_free(&q);
	}
	free(src);
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
		cmocka_unit_test(test_unconsumed_run_stays_unchanged),
		cmocka_unit_test(test_eviction_across_chunks),
		cmocka_unit_test(test_run_stops_at_chunk_end),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_confirm_window_against_model),
		cmocka_unit_test(test_many_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
