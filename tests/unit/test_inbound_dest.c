/*
 * test_inbound_dest.c - where the server's messages go, as commands:
 * nothing when [inbound] is off; PUBLISH channel <bytes>; XADD stream
 * MAXLEN ~ N * data <bytes> type text|binary time <ms>, argument by
 * argument with the message's length (NUL bytes and all, an empty one
 * too); destinations compared and shared by reference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/config.h"
#include "wspushd/inbound_dest.h"

static void
check_args(const char **argv, const size_t *lens, int argc,
	   const char *const *want, const size_t *want_lens)
{
	for (int i = 0; i < argc; i++) {
		assert_int_equal(lens[i], want_lens[i]);
		assert_memory_equal(argv[i], want[i], want_lens[i]);
	}
}

static void
test_off_is_nothing(void **state)
{
	struct config cfg;

	(void)state;
	config_init(&cfg);
	assert_null(inbound_dest_new(&cfg));
	assert_true(inbound_dest_same(NULL, NULL));
	inbound_dest_unref(NULL);
}

static void
test_publish(void **state)
{
	static const char msg[] = { 'a', 0, (char)0xff, 'b' };
	static const char *const want[] = { "PUBLISH", "ws:in", msg };
	static const size_t want_lens[] = { 7, 5, 4 };
	const char *argv[INBOUND_ARGC_MAX];
	size_t lens[INBOUND_ARGC_MAX];
	struct inbound_dest *d;
	struct config cfg;
	char stamp[24];
	int argc;

	(void)state;
	config_init(&cfg);
	cfg.inbound_channel = "ws:in";
	d = inbound_dest_new(&cfg);
	assert_non_null(d);
	assert_false(d->stream);
	argc = inbound_dest_command(d, msg, sizeof(msg), true, 123, stamp, argv,
				    lens);
	assert_int_equal(argc, 3);
	check_args(argv, lens, argc, want, want_lens);
	/* An empty message is an empty argument, never a NULL one. */
	argc = inbound_dest_command(d, NULL, 0, false, 0, stamp, argv, lens);
	assert_non_null(argv[2]);
	assert_int_equal(lens[2], 0);
	inbound_dest_unref(d);
}

static void
test_xadd(void **state)
{
	static const char msg[] = "h\xc3\xa9llo";
	static const char *const want[] = {
		"XADD", "ws:in:s", "MAXLEN", "~", "1000", "*", "data", msg,
		"type", "text", "time", "1700000000123",
	};
	size_t want_lens[12];
	const char *argv[INBOUND_ARGC_MAX];
	size_t lens[INBOUND_ARGC_MAX];
	struct inbound_dest *d;
	struct config cfg;
	char stamp[24];
	int argc;

	(void)state;
	for (int i = 0; i < 12; i++)
		want_lens[i] = strlen(want[i]);
	config_init(&cfg);
	cfg.inbound_stream = "ws:in:s";
	cfg.inbound_maxlen = 1000;
	d = inbound_dest_new(&cfg);
	assert_true(d->stream);
	argc = inbound_dest_command(d, msg, strlen(msg), false, 1700000000123LL,
				    stamp, argv, lens);
	assert_int_equal(argc, INBOUND_ARGC_MAX);
	check_args(argv, lens, argc, want, want_lens);
	argc = inbound_dest_command(d, "\0\1", 2, true, 7, stamp, argv, lens);
	assert_int_equal(lens[7], 2);
	assert_string_equal(argv[9], "binary");
	assert_string_equal(argv[11], "7");
	inbound_dest_command(d, "", 0, true, 0, stamp, argv, lens);
	assert_string_equal(argv[11], "0");
	inbound_dest_command(d, "", 0, true, INT64_MAX, stamp, argv, lens);
	assert_string_equal(argv[11], "9223372036854775807");
	inbound_dest_unref(d);
}

static void
test_same_and_shared(void **state)
{
	struct inbound_dest *a, *b, *c;
	struct config cfg;

	(void)state;
	config_init(&cfg);
	cfg.inbound_channel = "x";
	a = inbound_dest_new(&cfg);
	b = inbound_dest_new(&cfg);
	assert_true(inbound_dest_same(a, b));
	assert_false(inbound_dest_same(a, NULL));
	/* A channel's maxlen means nothing; a stream's does. */
	cfg.inbound_maxlen = 5;
	c = inbound_dest_new(&cfg);
	assert_true(inbound_dest_same(a, c));
	inbound_dest_unref(c);
	cfg.inbound_channel = NULL;
	cfg.inbound_stream = "x";
	c = inbound_dest_new(&cfg);
	assert_false(inbound_dest_same(a, c));	/* a stream, not the channel */
	cfg.inbound_maxlen = 6;
	inbound_dest_unref(b);
	b = inbound_dest_new(&cfg);
	assert_false(inbound_dest_same(b, c));
	/* Shared: the last reference frees it (valgrind and ASan tell). */
	assert_ptr_equal(inbound_dest_ref(a), a);
	assert_int_equal(a->refs, 2);
	inbound_dest_unref(a);
	inbound_dest_unref(a);
	inbound_dest_unref(b);
	inbound_dest_unref(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_off_is_nothing),
		cmocka_unit_test(test_publish),
		cmocka_unit_test(test_xadd),
		cmocka_unit_test(test_same_and_shared),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
