/*
 * fuzz_resp.c - libFuzzer target for the RESP guard (resp_guard.h).
 *
 * Whatever bytes arrive, the guard promises that what it passes on is
 * well-formed RESP within the limits.  Checked here, so a silent misparse
 * is reported like a crash:
 *   - the same input split at any point gives the same output, events
 *     and verdict as in one piece;
 *   - what was passed, fed to a fresh guard, passes unchanged and whole,
 *     with nothing skipped: the output is a stream of complete replies
 *     (plus one reply in progress), and every string in it fits;
 *   - a "done" follows every reply that had a skip, never more often;
 *   - hiredis' own reader, fed what was passed, finds no error, never
 *     holds more than the limits allow, and, in pub/sub mode, every
 *     array reply it builds has the shape hiredis' pub/sub code asserts
 *     (the reader is the oracle: the guard promises what it accepts).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "wspushd/resp_guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

#define OUT_MAX (1 << 16)

struct seen {
	char out[OUT_MAX + 8];
	size_t len;
	size_t skips, done;
	bool skipped;		/* a skip since the last done */
};

static int
pass(void *arg, const char *d, size_t n)
{
	struct seen *s = arg;

	CHECK(s->len + n <= OUT_MAX);
	memcpy(s->out + s->len, d, n);
	s->len += n;
	return 0;
}

static int
skipping(void *arg, uint64_t len)
{
	struct seen *s = arg;

	(void)len;
	s->skips++;
	s->skipped = true;
	return 0;
}

static int
done(void *arg)
{
	struct seen *s = arg;

	/* A reply is done only if something in it was skipped. */
	CHECK(s->skipped);
	s->skipped = false;
	s->done++;
	return 0;
}

static const struct resp_guard_sink sink = {
	.pass = pass, .skipping = skipping, .done = done,
};

static struct resp_limits lim = {
	.max_bulk = 32, .max_reply = 64, .max_line = 48,
	.max_elements = 16, .max_depth = 4, .max_name = 24,
};

/* The shape hiredis 0.14's __redisGetSubscribeCallback() asserts. */
static void
check_pubsub_shape(const redisReply *r)
{
	const char *kind;

	if (r->type != REDIS_REPLY_ARRAY)
		return;
	CHECK(r->elements >= 2);
	CHECK(r->element[0]->type == REDIS_REPLY_STRING);
	CHECK(r->element[1]->type == REDIS_REPLY_STRING);
	kind = r->element[0]->str;
	if (strcasecmp(kind, "unsubscribe") == 0 || strcasecmp(kind, "punsubscribe") == 0) {
		CHECK(r->elements >= 3);
		CHECK(r->element[2]->type == REDIS_REPLY_INTEGER);
	}
}

/* hiredis' reader takes what was passed without complaint. */
static void
oracle(const struct seen *s)
{
	redisReader *rd = redisReaderCreate();
	void *reply;

	CHECK(rd != NULL);
	CHECK(redisReaderFeed(rd, s->out, s->len) == REDIS_OK);
	for (;;) {
		CHECK(redisReaderGetReply(rd, &reply) == REDIS_OK);
		if (reply == NULL)
			break;
		if (lim.pubsub)
			check_pubsub_shape(reply);
		freeReplyObject(reply);
	}
	redisReaderFree(rd);
}

static enum resp_guard_result
run(const uint8_t *data, size_t size, size_t cut, struct seen *s)
{
	struct resp_guard g;
	enum resp_guard_result r;

	memset(s, 0, sizeof(*s));
	resp_guard_init(&g, &lim);
	r = resp_guard_feed(&g, (const char *)data, cut, &sink, s);
	if (r == RESP_GUARD_OK)
		r = resp_guard_feed(&g, (const char *)data + cut, size - cut, &sink, s);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seen whole, split, again;
	enum resp_guard_result r1, r2, r3;
	size_t cut;

	if (size < 1 || size > OUT_MAX / 2)
		return 0;
	/* The first byte picks the mode and the split point; the rest is the stream. */
	lim.pubsub = data[0] & 1;
	cut = (data[0] >> 1) % size;
	data++;
	size--;
	if (cut > size)
		cut = size;

	r1 = run(data, size, size, &whole);
	r2 = run(data, size, cut, &split);
	CHECK(r1 == r2);
	if (r1 == RESP_GUARD_OK) {
		CHECK(whole.len == split.len);
		CHECK(memcmp(whole.out, split.out, whole.len) == 0);
		CHECK(whole.skips == split.skips && whole.done == split.done);
	}
	/* Passed on is a prefix of valid RESP: it goes through unchanged. */
	r3 = run((const uint8_t *)whole.out, whole.len, whole.len, &again);
	CHECK(r3 == RESP_GUARD_OK);
	CHECK(again.len == whole.len);
	CHECK(memcmp(again.out, whole.out, whole.len) == 0);
	CHECK(again.skips == 0);
	oracle(&whole);
	return 0;
}
