/*
 * test_utf8.c - the validator accepts exactly RFC 3629 UTF-8.
 */
#include <setjmp.h>
#include <stdarg.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
