/*
 * test_strlist.c - lists of owned strings, and set difference.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/strlist.h"

static void
test_add_and_free(void **state)
{
	struct strlist l = { 0 };
	char s[] = "a";

	(void)state;
	strlist_add(&l, s);
	strlist_add(&l, "");
	assert_int_equal(l.count, 2);
	s[0] = 'b';		/* a copy was kept */
	assert_string_equal(l.items[0], "a");
	assert_string_equal(l.items[1], "");
	assert_true(strlist_has(&l, "a"));
	assert_true(strlist_has(&l, ""));
	assert_false(strlist_has(&l, "b"));
	strlist_free(&l);
	assert_int_equal(l.count, 0);
	assert_null(l.items);
	strlist_free(&l);
	strlist_free(NULL);
}

static void
test_move(void **state)
{
	struct strlist a = { 0 }, b = { 0 };

	(void)state;
	strlist_add(&a, "old");
	strlist_add(&b, "x");
	strlist_add(&b, "y");
	strlist_move(&a, &b);
	assert_int_equal(a.count, 2);
	assert_string_equal(a.items[0], "x");
	assert_string_equal(a.items[1], "y");
	assert_int_equal(b.count, 0);
	assert_null(b.items);
	strlist_free(&a);
}

static void
test_minus(void **state)
{
	struct strlist a = { 0 }, b = { 0 };
	const char *out[3];

	(void)state;
	strlist_add(&a, "x");
	strlist_add(&a, "y");
	strlist_add(&a, "z");
	strlist_add(&b, "y");
	assert_int_equal(strlist_minus(&a, &b, out), 2);
	assert_string_equal(out[0], "x");
	assert_string_equal(out[1], "z");
	assert_int_equal(strlist_minus(&b, &a, out), 0);
	/* Counting only. */
	assert_int_equal(strlist_minus(&a, &b, NULL), 2);
	/* Nothing in common: every item, and no more than a holds. */
	strlist_free(&b);
	strlist_add(&b, "p");
	strlist_add(&b, "q");
	strlist_add(&b, "r");
	assert_int_equal(strlist_minus(&a, &b, out), 3);
	assert_string_equal(out[2], "z");
	strlist_free(&a);
	strlist_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_free),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_minus),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
