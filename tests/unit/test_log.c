/*
 * test_log.c - priority prefixes, levels, and repeat suppression.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/log.h"

static char captured[8][300];
static int ncaptured;

static void
capture(int prio, const char *line, void *arg)
{
	(void)arg;
	if (ncaptured < 8)
		snprintf(captured[ncaptured++], sizeof(captured[0]), "<%d>%s",
			 prio, line);
}

static int
setup(void **state)
{
	(void)state;
	ncaptured = 0;
	log_set_sink(capture, NULL);
	log_set_level(LOG_INFO);
	return 0;
}

static void
test_levels_filter(void **state)
{
	(void)state;
	log_info("shown %d", 1);
	log_debug("hidden");
	log_err("error");
	assert_int_equal(ncaptured, 2);
	assert_string_equal(captured[0], "<6>shown 1");
	assert_string_equal(captured[1], "<3>error");
	log_set_level(LOG_ERR);
	log_warnx("hidden too");
	assert_int_equal(ncaptured, 2);
}

static void
test_newlines_do_not_split_lines(void **state)
{
	(void)state;
	log_info("a\nb\nc");
	assert_int_equal(ncaptured, 1);
	assert_string_equal(captured[0], "<6>a b c");
}

static void
test_repeat_check_is_pure(void **state)
{
	struct log_repeat r = { .interval_ms = 1000 };
	uint64_t n;

	(void)state;
	assert_int_equal(log_repeat_check(&r, "refused", 0, &n), REPEAT_LOG);
	assert_int_equal(n, 0);
	for (int k = 0; k < 5; k++)
		assert_int_equal(log_repeat_check(&r, "refused", 10 + k, &n),
				 REPEAT_SUPPRESS);
	assert_int_equal(log_repeat_check(&r, "refused", 1000, &n),
			 REPEAT_SUMMARISE);
	assert_int_equal(n, 6);
	assert_int_equal(log_repeat_check(&r, "refused", 1001, &n),
			 REPEAT_SUPPRESS);
	/* A different message is logged and reports the unreported repeats. */
	assert_int_equal(log_repeat_check(&r, "timeout", 1002, &n), REPEAT_LOG);
	assert_int_equal(n, 1);
}

static void
test_repeated_logs_once_then_reset_summarises(void **state)
{
	struct log_repeat r = { 0 };

	(void)state;
	for (int k = 0; k < 50; k++)
		log_repeated(&r, LOG_WARNING, "connect to %s failed", "x");
	assert_int_equal(ncaptured, 1);
	assert_string_equal(captured[0], "<4>connect to x failed");
	log_repeat_reset(&r, LOG_WARNING);
	assert_int_equal(ncaptured, 2);
	assert_non_null(strstr(captured[1], "repeated 49 more times"));
	/* After a reset the same message is news again. */
	log_repeated(&r, LOG_WARNING, "connect to %s failed", "x");
	assert_int_equal(ncaptured, 3);
	log_repeat_reset(&r, LOG_WARNING);
	assert_int_equal(ncaptured, 3);
}

static void
test_printable_replaces_and_cuts(void **state)
{
	char out[8];

	(void)state;
	assert_string_equal(log_printable(out, sizeof(out), "ab\ncd", 5), "ab?cd");
	assert_string_equal(log_printable(out, sizeof(out), "\x1b[2J\xc3\xa9", 6), "?[2J??");
	/* Cut to the buffer, and a NUL in the source is a byte like any other. */
	assert_string_equal(log_printable(out, sizeof(out), "0123456789", 10), "0123456");
	assert_string_equal(log_printable(out, sizeof(out), "a\0b", 3), "a?b");
	assert_string_equal(log_printable(out, sizeof(out), "", 0), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_levels_filter, setup),
		cmocka_unit_test_setup(test_newlines_do_not_split_lines, setup),
		cmocka_unit_test_setup(test_repeat_check_is_pure, setup),
		cmocka_unit_test_setup(test_repeated_logs_once_then_reset_summarises, setup),
		cmocka_unit_test_setup(test_printable_replaces_and_cuts, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
