/*
 * test_resp_guard.c - the RESP guard fed bytes, with no socket: what
 * passes, what becomes a nil, what is a protocol error, at every split
 * of the input, and against a model on random replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/resp_guard.h"

/* What the sink saw: the bytes passed, and the events between them. */
struct seen {
	char out[1 << 16];
	size_t len;
	uint64_t skipped[64];
	size_t nskipped;
	size_t done;
	size_t stop_after;	/* stop at this pass call (1-based), 0 = never */
	size_t passes;
	/* out length when each event happened, to check the order */
	size_t skip_at[64], done_at[64];
};

static int
sink_pass(void *arg, const char *data, size_t len)
{
	struct seen *s = arg;

	assert_true(s->len + len <= sizeof(s->out));
	memcpy(s->out + s->len, data, len);
	s->len += len;
	s->passes++;
	return s->stop_after != 0 && s->passes >= s->stop_after;
}

static int
sink_skipping(void *arg, uint64_t len)
{
	struct seen *s = arg;

	assert_true(s->nskipped < 64);
	s->skip_at[s->nskipped] = s->len;
	s->skipped[s->nskipped++] = len;
	return 0;
}

static int
sink_done(void *arg)
{
	struct seen *s = arg;

	assert_true(s->done < 64);
	s->done_at[s->done++] = s->len;
	return 0;
}

static const struct resp_guard_sink SINK = {
	.pass = sink_pass, .skipping = sink_skipping, .done = sink_done,
};

static const struct resp_limits LIM = {
	.max_bulk = 16, .max_reply = 40, .max_line = 32,
	.max_elements = 8, .max_depth = 3,
};

/* Feed `in` in pieces of `step` bytes (0: at once); returns the last result. */
static enum resp_guard_result
feed(struct resp_guard *g, struct seen *s, const char *in, size_t len, size_t step)
{
	enum resp_guard_result r = RESP_GUARD_OK;

	if (step == 0)
		step = len ? len : 1;
	for (size_t off = 0; off < len && r == RESP_GUARD_OK; off += step) {
		size_t n = len - off < step ? len - off : step;

		r = resp_guard_feed(g, in + off, n, &SINK, s);
	}
	return r;
}

/* Every split into two feeds, and byte by byte: the same output. */
static void
expect_all_splits(const char *in, size_t inlen, const char *want, size_t wantlen,
		  size_t nskipped, size_t ndone)
{
	static struct seen s;
	struct resp_guard g;

	for (size_t cut = 0; cut <= inlen + 1; cut++) {
		memset(&s, 0, sizeof(s));
		resp_guard_init(&g, &LIM);
		if (cut == inlen + 1) {
			assert_int_equal(feed(&g, &s, in, inlen, 1), RESP_GUARD_OK);
		} else {
			assert_int_equal(resp_guard_feed(&g, in, cut, &SINK, &s), RESP_GUARD_OK);
			assert_int_equal(resp_guard_feed(&g, in + cut, inlen - cut, &SINK, &s),
					 RESP_GUARD_OK);
		}
		assert_int_equal(s.len, wantlen);
		assert_memory_equal(s.out, want, wantlen);
		assert_int_equal(s.nskipped, nskipped);
		assert_int_equal(s.done, ndone);
	}
}

#define S(x) x, sizeof(x) - 1

static void
test_well_formed_replies_pass_unchanged(void **state)
{
	const char *in =
		"*3\r\n$9\r\nsubscribe\r\n$6\r\nevents\r\n:1\r\n"
		"*3\r\n$7\r\nmessage\r\n$6\r\nevents\r\n$5\r\nhello\r\n"
		"+PONG\r\n-ERR no such key\r\n:42\r\n:-7\r\n:0\r\n"
		":9223372036854775807\r\n:-9223372036854775808\r\n"
		"$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
		"*2\r\n*2\r\n:1\r\n:2\r\n$3\r\na\rb\r\n"
		"+a\nb\r\n";		/* a lone LF is text, as hiredis reads it */

	(void)state;
	expect_all_splits(in, strlen(in), in, strlen(in), 0, 0);
}

static void
test_oversized_bulk_becomes_nil(void **state)
{
	const char in[] =
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$17\r\n0123456789abcdefg\r\n"
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$16\r\n0123456789abcdef\r\n";
	const char want[] =
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$-1\r\n"
		"*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$16\r\n0123456789abcdef\r\n";
	static struct seen s;
	struct resp_guard g;

	(void)state;
	expect_all_splits(S(in), S(want), 1, 1);

	/* The order: the skip after what came before, done once the reply is whole. */
	memset(&s, 0, sizeof(s));
	resp_guard_init(&g, &LIM);
	assert_int_equal(feed(&g, &s, S(in), 0), RESP_GUARD_OK);
	assert_int_equal(s.skipped[0], 17);
	assert_int_equal(s.skip_at[0], strlen("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n"));
	assert_int_equal(s.done_at[0], strlen("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$-1\r\n"));
}

static void
test_reply_budget_counts_every_string(void **state)
{
	/* 7 + 16 + 16 = 39 <= 40 passes; the next 2 would make 41. */
	const char in[] = "*4\r\n$7\r\nmessage\r\n$16\r\naaaaaaaaaaaaaaaa\r\n"
			  "$16\r\nbbbbbbbbbbbbbbbb\r\n$2\r\ncc\r\n"
			  "$16\r\ndddddddddddddddd\r\n";	/* a new reply: new budget */
	const char want[] = "*4\r\n$7\r\nmessage\r\n$16\r\naaaaaaaaaaaaaaaa\r\n"
			    "$16\r\nbbbbbbbbbbbbbbbb\r\n$-1\r\n"
			    "$16\r\ndddddddddddddddd\r\n";

	(void)state;
	expect_all_splits(S(in), S(want), 1, 1);
}

static void
test_skipped_string_in_the_middle(void **state)
{
	/* A pmessage whose channel is oversized: the payload after it still passes. */
	const char in[] = "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n"
			  "$20\r\n01234567890123456789\r\n$2\r\nhi\r\n";
	const char want[] = "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$-1\r\n$2\r\nhi\r\n";

	(void)state;
	expect_all_splits(S(in), S(want), 1, 1);
}

static void
expect_error(const char *in, size_t len, const char *words)
{
	static struct seen s;
	struct resp_guard g;

	for (size_t step = 0; step <= 1; step++) {
		memset(&s, 0, sizeof(s));
		resp_guard_init(&g, &LIM);
		if (feed(&g, &s, in, len, step) != RESP_GUARD_ERROR)
			fail_msg("no error for '%.*s' (step %zu)", (int)len, in, step);
		if (strstr(g.error, words) == NULL)
			fail_msg("'%s' should say '%s'", g.error, words);
		/* It stays in error. */
		assert_int_equal(resp_guard_feed(&g, S("+OK\r\n"), &SINK, &s),
				 RESP_GUARD_ERROR);
	}
}

static void
test_protocol_errors(void **state)
{
	(void)state;
	expect_error(S("$4611686018427387904\r\n"), "impossible");
	expect_error(S("$99999999999999999999\r\n"), "malformed bulk length");
	expect_error(S("$-2\r\n"), "malformed bulk length");
	expect_error(S("$01\r\nx\r\n"), "malformed bulk length");	/* hiredis: Bad bulk string length */
	expect_error(S("*01\r\n:1\r\n"), "malformed array length");
	expect_error(S(":abc\r\n"), "malformed integer");		/* hiredis: Bad integer value */
	expect_error(S(":\r\n"), "malformed integer");
	expect_error(S(":-\r\n"), "malformed integer");
	expect_error(S(":1-\r\n"), "malformed integer");
	expect_error(S(":061\r\n"), "malformed integer");	/* string2ll() refuses these */
	expect_error(S(":00\r\n"), "malformed integer");
	expect_error(S(":-0\r\n"), "malformed integer");
	expect_error(S(":9223372036854775808\r\n"), "malformed integer");
	expect_error(S(":1\rx"), "malformed integer");
	expect_error(S("$\r\n"), "malformed bulk length");
	expect_error(S("$+5\r\n"), "malformed bulk length");
	expect_error(S("$ 5\r\n"), "malformed bulk length");
	expect_error(S("$5\rx\r\n"), "malformed bulk length");
	expect_error(S("*-2\r\n"), "malformed array length");
	expect_error(S("$000000000000000000000005\r\n"), "length header over");
	expect_error(S("!oops\r\n"), "unexpected byte 0x21");
	expect_error(S("\r\n"), "unexpected byte 0x0d");
	expect_error(S("+0123456789012345678901234567890123\r\n"), "line over 32");
	expect_error(S("+0123456789012345678901234567890123456789"), "line over 32");
	expect_error(S("*9\r\n"), "array of 9 elements");
	/* The element bound holds for the whole reply, not per array. */
	expect_error(S("*2\r\n*4\r\n:1\r\n:1\r\n:1\r\n:1\r\n*4\r\n"), "over 8 in one reply");
	expect_error(S("*1\r\n*1\r\n*1\r\n*1\r\n"), "nested deeper than 3");
	/* hiredis counts an empty array at the deepest level as nesting too. */
	expect_error(S("*1\r\n*1\r\n*1\r\n*0\r\n"), "nested deeper than 3");
	expect_error(S("*1\r\n*1\r\n*1\r\n*-1\r\n"), "nested deeper than 3");
	expect_error(S("$2\r\nabXY"), "not followed by CRLF");
	expect_error(S("$20\r\n01234567890123456789\rX"), "not followed by CRLF");
}

static void
test_limits_apply_per_reply(void **state)
{
	static struct seen s;
	struct resp_guard g;
	/* 3 replies of 4 elements: 12 in all, but never over 8 in one. */
	const char in[] = "*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n"
			  "*4\r\n:1\r\n:2\r\n:3\r\n:4\r\n";

	(void)state;
	memset(&s, 0, sizeof(s));
	resp_guard_init(&g, &LIM);
	assert_int_equal(feed(&g, &s, S(in), 0), RESP_GUARD_OK);
	assert_int_equal(s.len, sizeof(in) - 1);
}

static void
test_a_huge_skip_is_counted_not_kept(void **state)
{
	static struct seen s;
	struct resp_guard g;
	static char chunk[65536];

	(void)state;
	memset(&s, 0, sizeof(s));
	memset(chunk, 'x', sizeof(chunk));
	resp_guard_init(&g, &LIM);
	/* 1 GiB announced, streamed in 64 KiB pieces: nothing of it passes. */
	assert_int_equal(feed(&g, &s, S("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1073741824\r\n"), 0),
			 RESP_GUARD_OK);
	for (size_t i = 0; i < 16384; i++)
		assert_int_equal(resp_guard_feed(&g, chunk, sizeof(chunk), &SINK, &s),
				 RESP_GUARD_OK);
	assert_int_equal(s.done, 0);
	assert_int_equal(feed(&g, &s, S("\r\n+OK\r\n"), 0), RESP_GUARD_OK);
	assert_int_equal(s.done, 1);
	assert_int_equal(s.skipped[0], 1073741824);
	assert_int_equal(s.len, strlen("*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$-1\r\n+OK\r\n"));
	assert_memory_equal(s.out, "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$-1\r\n+OK\r\n", s.len);
}

static void
test_a_sink_can_stop_the_feed(void **state)
{
	static struct seen s;
	struct resp_guard g;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	resp_guard_init(&g, &LIM);
	assert_int_equal(resp_guard_feed(&g, S("$20\r\n01234567890123456789\r\n"),
					 &SINK, &s), RESP_GUARD_STOPPED);
}

/* ---- pub/sub shape and replies nobody asked for ----------------------- */

static const struct resp_limits PUBSUB = {
	.max_bulk = 16, .max_reply = 40, .max_line = 32, .max_elements = 8,
	.max_depth = 3, .pubsub = true, .max_name = 24,
};

static enum resp_guard_result
feed_pubsub(const char *in, size_t len, struct resp_guard *g, struct seen *s)
{
	memset(s, 0, sizeof(*s));
	resp_guard_init(g, &PUBSUB);
	return feed(g, s, in, len, 1);
}

static void
test_pubsub_shapes_hiredis_can_take(void **state)
{
	static struct seen s;
	struct resp_guard g;
	/* Names are never replaced, even over max_bulk; payloads are. */
	const char in[] =
		"*3\r\n$9\r\nsubscribe\r\n$20\r\nchannel-name-20-byte\r\n:1\r\n"
		"*3\r\n$7\r\nmessage\r\n$20\r\nchannel-name-20-byte\r\n"
		"$17\r\n0123456789abcdefg\r\n"
		"*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$17\r\nchannel-name-17-b\r\n$2\r\nhi\r\n"
		"*3\r\n$11\r\nUNSUBSCRIBE\r\n$2\r\nch\r\n:0\r\n"
		"+OK\r\n-ERR x\r\n:1\r\n$2\r\nhi\r\n*-1\r\n";
	const char want[] =
		"*3\r\n$9\r\nsubscribe\r\n$20\r\nchannel-name-20-byte\r\n:1\r\n"
		"*3\r\n$7\r\nmessage\r\n$20\r\nchannel-name-20-byte\r\n$-1\r\n"
		"*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$-1\r\n$2\r\nhi\r\n"
		"*3\r\n$11\r\nUNSUBSCRIBE\r\n$2\r\nch\r\n:0\r\n"
		"+OK\r\n-ERR x\r\n:1\r\n$2\r\nhi\r\n*-1\r\n";

	(void)state;
	assert_int_equal(feed_pubsub(S(in), &g, &s), RESP_GUARD_OK);
	assert_int_equal(s.len, sizeof(want) - 1);
	assert_memory_equal(s.out, want, s.len);
	assert_int_equal(s.nskipped, 2);
}

static void
expect_pubsub_error(const char *in, size_t len, const char *words)
{
	static struct seen s;
	struct resp_guard g;

	if (feed_pubsub(in, len, &g, &s) != RESP_GUARD_ERROR)
		fail_msg("no error for '%.*s'", (int)len, in);
	if (strstr(g.error, words) == NULL)
		fail_msg("'%s' should say '%s'", g.error, words);
}

static void
test_pubsub_shapes_that_would_abort_hiredis(void **state)
{
	(void)state;
	/* Each of these makes hiredis 0.14's pub/sub code assert or overread. */
	expect_pubsub_error(S("*1\r\n$7\r\nmessage\r\n"), "of 1 element");
	expect_pubsub_error(S("*0\r\n"), "of 0 element");
	expect_pubsub_error(S("*2\r\n:1\r\n:2\r\n"), "not a string");
	expect_pubsub_error(S("*3\r\n$7\r\nmessage\r\n:1\r\n$1\r\nx\r\n"), "not a string");
	expect_pubsub_error(S("*3\r\n*1\r\n"), "not a string");
	expect_pubsub_error(S("*3\r\n$-1\r\n"), "nil name");
	expect_pubsub_error(S("*3\r\n$7\r\nmessage\r\n$-1\r\n"), "nil name");
	expect_pubsub_error(S("*2\r\n$11\r\nunsubscribe\r\n$6\r\nevents\r\n"),
			    "without a count");
	expect_pubsub_error(S("*3\r\n$12\r\npunsubscribe\r\n$1\r\np\r\n$1\r\n0\r\n"),
			    "without a count");
	/* A name over max_name is an error, not a nil hiredis would assert on. */
	expect_pubsub_error(S("*3\r\n$7\r\nmessage\r\n$25\r\n"), "name of 25 bytes");
}

struct begins {
	struct seen s;
	char types[16];
	size_t n;
	size_t len_at[16];
	int refuse_at;		/* refuse the n-th reply (1-based), 0 = none */
};

static int
sink_begin(void *arg, char type)
{
	struct begins *b = arg;

	assert_true(b->n < 16);
	b->len_at[b->n] = b->s.len;
	b->types[b->n++] = type;
	return b->refuse_at != 0 && (int)b->n == b->refuse_at;
}

static int
begins_pass(void *arg, const char *data, size_t len)
{
	return sink_pass(&((struct begins *)arg)->s, data, len);
}

static void
test_begin_sees_every_reply_after_the_one_before(void **state)
{
	static struct begins b;
	static const struct resp_guard_sink sink = {
		.begin = sink_begin, .pass = begins_pass,
		.skipping = sink_skipping, .done = sink_done,
	};
	const char in[] = "+PONG\r\n:3\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n-ERR no\r\n";
	struct resp_guard g;

	(void)state;
	for (size_t step = 0; step <= 1; step++) {
		memset(&b, 0, sizeof(b));
		resp_guard_init(&g, &LIM);
		for (size_t off = 0; off < sizeof(in) - 1; off += step ? 1 : sizeof(in))
			assert_int_equal(resp_guard_feed(&g, in + off,
							 step ? 1 : sizeof(in) - 1,
							 &sink, &b), RESP_GUARD_OK);
		assert_int_equal(b.n, 4);
		assert_memory_equal(b.types, "+:*-", 4);
		/* Each begins once everything before it was passed. */
		assert_int_equal(b.len_at[1], strlen("+PONG\r\n"));
		assert_int_equal(b.len_at[3], strlen("+PONG\r\n:3\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"));
	}
	/* A refused reply stops the feed before any of it is passed. */
	memset(&b, 0, sizeof(b));
	b.refuse_at = 2;
	resp_guard_init(&g, &LIM);
	assert_int_equal(resp_guard_feed(&g, S(in), &sink, &b), RESP_GUARD_STOPPED);
	assert_int_equal(b.s.len, strlen("+PONG\r\n"));
}

/* ---- against a model ------------------------------------------------ */

struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *data, size_t len)
{
	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

static void
putf(struct buf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	put(b, tmp, (size_t)n);
}

struct model {
	uint64_t reply_bulk;
	size_t elements;
	size_t skips;
};

/*
 * One random element into `in`, and what the guard must pass for it
 * into `want`, with the guard's rules restated plainly.
 */
static void
gen(struct buf *in, struct buf *want, struct model *m, unsigned depth, unsigned *seed)
{
	unsigned kind = (unsigned)rand_r(seed) % 6;
	char text[64];

	if (kind == 0 && depth < LIM.max_depth) {
		size_t n = (size_t)rand_r(seed) % 4;

		if (m->elements + n > LIM.max_elements)
			n = 0;
		m->elements += n;
		putf(in, "*%zu\r\n", n);
		putf(want, "*%zu\r\n", n);
		for (size_t k = 0; k < n; k++)
			gen(in, want, m, depth + 1, seed);
	} else if (kind <= 2) {
		size_t n = (size_t)rand_r(seed) % 24;
		char data[32];

		for (size_t k = 0; k < n; k++)
			data[k] = (char)rand_r(seed);	/* any bytes, CR and LF too */
		putf(in, "$%zu\r\n", n);
		put(in, data, n);
		put(in, "\r\n", 2);
		if (n > LIM.max_bulk || m->reply_bulk + n > LIM.max_reply) {
			put(want, "$-1\r\n", 5);
			m->skips++;
		} else {
			m->reply_bulk += n;
			putf(want, "$%zu\r\n", n);
			put(want, data, n);
			put(want, "\r\n", 2);
		}
	} else {
		static const char types[] = "+-:";
		size_t n = (size_t)rand_r(seed) % 19;

		text[0] = types[rand_r(seed) % 3];
		for (size_t k = 0; k < n; k++)
			text[1 + k] = text[0] == ':' ? (char)('0' + rand_r(seed) % 10) :
				      (char)('a' + rand_r(seed) % 26);
		/* Integers as Redis writes them: no leading zero. */
		if (text[0] == ':' && (n == 0 || text[1] == '0'))
			text[1] = (char)('1' + rand_r(seed) % 9), n += n == 0;
		put(in, text, n + 1);
		put(in, "\r\n", 2);
		put(want, text, n + 1);
		put(want, "\r\n", 2);
	}
}

static void
test_random_replies_against_a_model(void **state)
{
	(void)state;
	for (unsigned seed0 = 1; seed0 <= 200; seed0++) {
		unsigned seed = seed0;
		struct buf in = { 0 }, want = { 0 };
		size_t skips = 0, replies_with_skips = 0;
		static struct seen s;
		struct resp_guard g;

		for (int r = 0; r < 20; r++) {
			struct model m = { 0 };

			gen(&in, &want, &m, 0, &seed);
			skips += m.skips;
			replies_with_skips += m.skips > 0;
		}
		memset(&s, 0, sizeof(s));
		resp_guard_init(&g, &LIM);
		/* Random feed sizes, 1 to 9 bytes. */
		for (size_t off = 0; off < in.len;) {
			size_t n = 1 + (size_t)rand_r(&seed) % 9;

			if (n > in.len - off)
				n = in.len - off;
			assert_int_equal(resp_guard_feed(&g, in.p + off, n, &SINK, &s),
					 RESP_GUARD_OK);
			off += n;
		}
		assert_int_equal(s.len, want.len);
		assert_memory_equal(s.out, want.p, want.len);
		assert_int_equal(s.nskipped, skips);
		assert_int_equal(s.done, replies_with_skips);
		free(in.p);
		free(want.p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_well_formed_replies_pass_unchanged),
		cmocka_unit_test(test_oversized_bulk_becomes_nil),
		cmocka_unit_test(test_reply_budget_counts_every_string),
		cmocka_unit_test(test_skipped_string_in_the_middle),
		cmocka_unit_test(test_protocol_errors),
		cmocka_unit_test(test_limits_apply_per_reply),
		cmocka_unit_test(test_a_huge_skip_is_counted_not_kept),
		cmocka_unit_test(test_a_sink_can_stop_the_feed),
		cmocka_unit_test(test_pubsub_shapes_hiredis_can_take),
		cmocka_unit_test(test_pubsub_shapes_that_would_abort_hiredis),
		cmocka_unit_test(test_begin_sees_every_reply_after_the_one_before),
		cmocka_unit_test(test_random_replies_against_a_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
