/*
 * test_utf8.c - the validator accepts exactly RFC 3629 UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/utf8.h"

#define V(s) utf8_valid(s, sizeof(s) - 1)

static void
test_valid(void **state)
{
	(void)state;
	assert_true(V(""));
	assert_true(V("{\"hello\":\"world\"}"));
	assert_true(V("caf\xc3\xa9"));			/* U+00E9 */
	assert_true(V("\xe2\x82\xac"));			/* U+20AC */
	assert_true(V("\xf0\x9f\x98\x80"));		/* U+1F600 */
	assert_true(V("\xf4\x8f\xbf\xbf"));		/* U+10FFFF */
	assert_true(V("\xed\x9f\xbf"));			/* U+D7FF */
	assert_true(V("\xee\x80\x80"));			/* U+E000 */
	assert_true(utf8_valid("a\0b", 3));		/* NUL is a character */
}

static void
test_invalid(void **state)
{
	(void)state;
	assert_false(V("\x80"));			/* lone continuation */
	assert_false(V("\xc3"));			/* truncated */
	assert_false(V("\xc3\x28"));			/* bad continuation */
	assert_false(V("\xc0\xaf"));			/* overlong '/' */
	assert_false(V("\xe0\x80\xaf"));		/* overlong, 3 bytes */
	assert_false(V("\xf0\x80\x80\xaf"));		/* overlong, 4 bytes */
	assert_false(V("\xed\xa0\x80"));		/* surrogate U+D800 */
	assert_false(V("\xed\xbf\xbf"));		/* surrogate U+DFFF */
	assert_false(V("\xf4\x90\x80\x80"));		/* above U+10FFFF */
	assert_false(V("\xf5\x80\x80\x80"));
	assert_false(V("\xff"));
	assert_false(V("ok\xe2\x82"));			/* truncated at the end */
}

/*
 * ASCII is skipped eight bytes at a time: whatever follows a run of any
 * length, at any offset, is still checked, valid or not.
 */
static void
test_ascii_runs_then_anything(void **state)
{
	static const struct { const char *s; size_t n; bool ok; } tails[] = {
		{ "\x80", 1, false },		/* lone continuation */
		{ "\xc3", 1, false },		/* cut short */
		{ "\xe2\x82", 2, false },	/* cut short */
		{ "\xc0\xaf", 2, false },	/* overlong */
		{ "\xed\xa0\x80", 3, false },	/* surrogate */
		{ "\xc3\xa9", 2, true },
		{ "\xe2\x82\xac", 3, true },
		{ "\xf0\x9f\x98\x80", 4, true },
	};
	char buf[64];

	(void)state;
	for (size_t run = 0; run <= 17; run++) {
		for (size_t t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
			for (size_t after = 0; after <= 9; after += 9) {
				size_t n = 0;

				memset(buf, 'a', run);
				n = run;
				memcpy(buf + n, tails[t].s, tails[t].n);
				n += tails[t].n;
				memset(buf + n, 'b', after);
				n += after;
				assert_int_equal(utf8_valid(buf, n), tails[t].ok);
			}
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_ascii_runs_then_anything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
