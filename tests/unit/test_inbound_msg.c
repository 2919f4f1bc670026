/*
 * test_inbound_msg.c - the server's messages put together from pieces:
 * one piece handed back without a copy, pieces gathered (lws' read
 * buffer, the server's fragments, an empty last fragment), the type from
 * the first piece, max_message_size exact at the limit, a message over
 * it dropped once and its rest skipped, a message never finished
 * forgotten, one joined in the middle skipped, the buffer let go after a
 * large message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/inbound_msg.h"

static enum inbound_msg_verdict
add(struct inbound_msg *m, const char *s, size_t len, bool first, bool final,
    bool binary, size_t max, struct inbound_piece *out)
{
	struct inbound_piece p = {
		.data = s, .len = len, .first = first, .final = final,
		.binary = binary,
	};

	return inbound_msg_add(m, &p, max, out);
}

static void
test_one_piece_is_not_copied(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;
	static const char text[] = "hello";

	(void)state;
	assert_int_equal(add(&m, text, 5, true, true, false, 100, &out),
			 INMSG_WHOLE);
	assert_ptr_equal(out.data, text);
	assert_int_equal(out.len, 5);
	assert_false(out.binary);
	assert_null(m.buf);
	/* Empty messages are messages. */
	assert_int_equal(add(&m, "", 0, true, true, true, 100, &out), INMSG_WHOLE);
	assert_int_equal(out.len, 0);
	assert_true(out.binary);
	inbound_msg_free(&m);
}

static void
test_pieces_are_gathered(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;

	(void)state;
	/* lws cuts a frame at its buffer; the type is the first piece's. */
	assert_int_equal(add(&m, "abc", 3, true, false, true, 100, &out), INMSG_MORE);
	assert_int_equal(add(&m, "de", 2, false, false, false, 100, &out), INMSG_MORE);
	/* The server's last fragment may be empty (python3-websockets does it). */
	assert_int_equal(add(&m, "", 0, false, true, false, 100, &out), INMSG_WHOLE);
	assert_int_equal(out.len, 5);
	assert_memory_equal(out.data, "abcde", 5);
	assert_true(out.binary && out.first && out.final);
	inbound_msg_done(&m);
	/* The next one starts empty. */
	assert_int_equal(add(&m, "x", 1, true, false, false, 100, &out), INMSG_MORE);
	assert_int_equal(add(&m, "y", 1, false, true, false, 100, &out), INMSG_WHOLE);
	assert_int_equal(out.len, 2);
	assert_memory_equal(out.data, "xy", 2);
	assert_false(out.binary);
	inbound_msg_free(&m);
}

static void
test_limit_is_exact(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;
	char big[11];

	(void)state;
	memset(big, 'b', sizeof(big));
	assert_int_equal(add(&m, big, 10, true, true, false, 10, &out), INMSG_WHOLE);
	assert_int_equal(add(&m, big, 11, true, true, false, 10, &out), INMSG_TOO_BIG);
	assert_int_equal(add(&m, big, 6, true, false, false, 10, &out), INMSG_MORE);
	assert_int_equal(add(&m, big, 4, false, true, false, 10, &out), INMSG_WHOLE);
	assert_int_equal(out.len, 10);
	assert_int_equal(add(&m, big, 6, true, false, false, 10, &out), INMSG_MORE);
	assert_int_equal(add(&m, big, 5, false, true, false, 10, &out), INMSG_TOO_BIG);
	inbound_msg_free(&m);
}

/* Over the limit: said once, what was gathered dropped, the rest skipped. */
static void
test_too_big_is_dropped_once(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;
	char piece[4096];

	(void)state;
	memset(piece, 'p', sizeof(piece));
	assert_int_equal(add(&m, piece, 4096, true, false, true, 10000, &out),
			 INMSG_MORE);
	assert_int_equal(add(&m, piece, 4096, false, false, true, 10000, &out),
			 INMSG_MORE);
	assert_int_equal(add(&m, piece, 4096, false, false, true, 10000, &out),
			 INMSG_TOO_BIG);
	assert_int_equal(m.len, 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(add(&m, piece, 4096, false, false, true, 10000,
				     &out), INMSG_MORE);
	assert_int_equal(add(&m, piece, 1, false, true, true, 10000, &out),
			 INMSG_MORE);
	/* The next message is whole again. */
	assert_int_equal(add(&m, "ok", 2, true, true, false, 10000, &out),
			 INMSG_WHOLE);
	assert_memory_equal(out.data, "ok", 2);
	inbound_msg_free(&m);
}

static void
test_unfinished_and_joined_midway(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;

	(void)state;
	/* Never finished (the connection was lost): forgotten. */
	assert_int_equal(add(&m, "lost", 4, true, false, false, 100, &out), INMSG_MORE);
	assert_int_equal(add(&m, "new", 3, true, false, true, 100, &out), INMSG_MORE);
	assert_int_equal(add(&m, "!", 1, false, true, false, 100, &out), INMSG_WHOLE);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.data, "new!", 4);
	assert_true(out.binary);
	/* Joined in the middle (switched on by a reload): skipped to its end. */
	assert_int_equal(add(&m, "mid", 3, false, false, false, 100, &out), INMSG_MORE);
	assert_int_equal(add(&m, "end", 3, false, true, false, 100, &out), INMSG_MORE);
	assert_int_equal(add(&m, "next", 4, true, true, false, 100, &out), INMSG_WHOLE);
	assert_memory_equal(out.data, "next", 4);
	/* Switched off halfway: the half is forgotten. */
	assert_int_equal(add(&m, "half", 4, true, false, false, 100, &out), INMSG_MORE);
	inbound_msg_reset(&m);
	assert_int_equal(add(&m, "rest", 4, false, true, false, 100, &out), INMSG_MORE);
	inbound_msg_free(&m);
}

static void
test_large_buffer_is_let_go(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;
	size_t max = 1 << 20, n = 0;
	char *piece = calloc(1, 4096);

	(void)state;
	assert_non_null(piece);
	assert_int_equal(add(&m, "ab", 2, true, false, false, max, &out), INMSG_MORE);
	assert_int_equal(add(&m, "c", 1, false, true, false, max, &out), INMSG_WHOLE);
	inbound_msg_done(&m);
	assert_non_null(m.buf);		/* small: kept for the next */
	for (bool first = true; n < 256 * 1024; first = false, n += 4096)
		assert_int_equal(add(&m, piece, 4096, first, false, true, max, &out),
				 INMSG_MORE);
	assert_true(m.cap >= n && m.cap <= max);
	assert_int_equal(add(&m, piece, 4096, false, true, true, max, &out),
			 INMSG_WHOLE);
	assert_int_equal(out.len, n + 4096);
	inbound_msg_done(&m);
	assert_null(m.buf);
	assert_int_equal(m.cap, 0);
	free(piece);
	inbound_msg_free(&m);
}

/*
 * A reload lowers max_message_size while a message is half gathered:
 * the message is over the new limit and dropped, never written past its
 * buffer (under ASan this overflowed before).
 */
static void
test_limit_lowered_midway(void **state)
{
	struct inbound_msg m = { 0 };
	struct inbound_piece out;
	size_t piece = 64 * 1024;
	char *buf = calloc(1, piece);

	(void)state;
	assert_non_null(buf);
	assert_int_equal(add(&m, buf, piece, true, false, true, 1 << 20, &out),
			 INMSG_MORE);
	for (int i = 0; i < 6; i++)
		assert_int_equal(add(&m, buf, piece, false, false, true, 1 << 20,
				     &out), INMSG_MORE);
	assert_int_equal(add(&m, buf, piece, false, false, true, 100000, &out),
			 INMSG_TOO_BIG);
	/* The rest of it is skipped; the next message is whole again. */
	assert_int_equal(add(&m, buf, 10, false, true, true, 100000, &out),
			 INMSG_MORE);
	assert_int_equal(add(&m, "ab", 2, true, false, false, 100000, &out),
			 INMSG_MORE);
	assert_int_equal(add(&m, "cd", 2, false, true, false, 100000, &out),
			 INMSG_WHOLE);
	assert_int_equal(out.len, 4);
	assert_memory_equal(out.data, "abcd", 4);
	free(buf);
	inbound_msg_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_piece_is_not_copied),
		cmocka_unit_test(test_pieces_are_gathered),
		cmocka_unit_test(test_limit_is_exact),
		cmocka_unit_test(test_too_big_is_dropped_once),
		cmocka_unit_test(test_unfinished_and_joined_midway),
		cmocka_unit_test(test_large_buffer_is_let_go),
		cmocka_unit_test(test_limit_lowered_midway),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
