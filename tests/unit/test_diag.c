/*
 * test_diag.c - collecting messages, and quoting user input in them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/diag.h"

static void
test_add_and_free(void **state)
{
	struct diag d = { 0 };

	(void)state;
	diag_add(&d, "%s:%u: %s", "f", 3u, "x");
	diag_add(&d, "plain");
	assert_int_equal(d.count, 2);
	assert_string_equal(d.lines[0], "f:3: x");
	assert_string_equal(d.lines[1], "plain");
	diag_free(&d);
	assert_int_equal(d.count, 0);
	assert_null(d.lines);
	diag_add(NULL, "ignored");
	diag_free(NULL);

	/* Usable again once freed. */
	diag_add(&d, "again");
	assert_int_equal(d.count, 1);
	assert_string_equal(d.lines[0], "again");
	diag_free(&d);
}

static void
test_quote(void **state)
{
	char buf[DIAG_QUOTE_BUF], long_text[DIAG_QUOTE_MAX + 2];

	(void)state;
	assert_string_equal(diag_quote(buf, sizeof(buf), "abc"), "'abc'");
	assert_string_equal(diag_quote(buf, sizeof(buf), ""), "''");
	assert_string_equal(diag_quote_n(buf, sizeof(buf), "abcdef", 3),
			    "'abc'");

	/* Exactly the most that is shown: whole, no "...". */
	memset(long_text, 'x', DIAG_QUOTE_MAX);
	long_text[DIAG_QUOTE_MAX] = '\0';
	diag_quote(buf, sizeof(buf), long_text);
	assert_int_equal(strlen(buf), DIAG_QUOTE_MAX + 2);
	assert_null(strstr(buf, "..."));

	/* One more: cut, and said so; the buffer holds it. */
	long_text[DIAG_QUOTE_MAX] = 'y';
	long_text[DIAG_QUOTE_MAX + 1] = '\0';
	diag_quote(buf, sizeof(buf), long_text);
	assert_int_equal(strlen(buf), DIAG_QUOTE_MAX + 5);
	assert_string_equal(buf + DIAG_QUOTE_MAX + 1, "...'");
	assert_null(strchr(buf, 'y'));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_free),
		cmocka_unit_test(test_quote),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
