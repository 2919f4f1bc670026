/*
 * test_units.c - durations, sizes and plain numbers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/units.h"

static uint64_t
dur_ok(const char *text)
{
	char err[256] = "";
	uint64_t ms = 12345;

	if (parse_duration_ms(text, &ms, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", text, err);
	return ms;
}

static void
dur_bad(const char *text, const char *want)
{
	char err[256] = "";
	uint64_t ms = 777;

	assert_int_equal(parse_duration_ms(text, &ms, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(ms, 777);	/* untouched on failure */
}

static size_t
size_ok(const char *text)
{
	char err[256] = "";
	size_t n = 12345;

	if (parse_size(text, &n, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", text, err);
	return n;
}

static void
size_bad(const char *text, const char *want)
{
	char err[256] = "";
	size_t n = 777;

	assert_int_equal(parse_size(text, &n, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(n, 777);
}

static void
test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("250ms"), 250);
	assert_int_equal(dur_ok("0ms"), 0);
	assert_int_equal(dur_ok("3s"), 3000);
	assert_int_equal(dur_ok("1m"), 60000);
	assert_int_equal(dur_ok("1h"), 3600000);
	assert_int_equal(dur_ok("90m"), 5400000);
	assert_int_equal(dur_ok("007s"), 7000);
}

static void
test_duration_bare_is_seconds(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("0"), 0);
	assert_int_equal(dur_ok("5"), 5000);
	assert_int_equal(dur_ok("1.5"), 1500);
}

static void
test_duration_fraction(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("1.5s"), 1500);
	assert_int_equal(dur_ok("0.25s"), 250);
	assert_int_equal(dur_ok("1.500s"), 1500);
	assert_int_equal(dur_ok("0.5m"), 30000);
	assert_int_equal(dur_ok("1.25h"), 4500000);
	assert_int_equal(dur_ok("2.0ms"), 2);
	assert_int_equal(dur_ok("0.001s"), 1);
	/* Trailing zeros beyond the digit limit carry no precision. */
	assert_int_equal(dur_ok("1.0000000000000s"), 1000);

	dur_bad("0.5ms", "duration '0.5ms' is not a whole number of "
		"milliseconds");
	dur_bad("0.0001s", "duration '0.0001s' is not a whole number of "
		"milliseconds");
	dur_bad("1.0000001s", "duration '1.0000001s' has too many decimal "
		"places");
	dur_bad("1.s", "invalid duration '1.s' (expected e.g. 250ms, 3s, "
		"1m)");
	dur_bad(".5s", "invalid duration '.5s' (expected e.g. 250ms, 3s, "
		"1m)");
	dur_bad("1..5s", "invalid duration '1..5s' (expected e.g. 250ms, "
		"3s, 1m)");
}

static void
test_duration_errors(void **state)
{
	(void)state;
	dur_bad("abc", "invalid duration 'abc' (expected e.g. 250ms, 3s, "
		"1m)");
	dur_bad("", "empty duration (expected e.g. 250ms, 3s, 1m)");
	dur_bad("-1s", "invalid duration '-1s' (expected e.g. 250ms, 3s, "
		"1m)");
	dur_bad("+1s", "invalid duration '+1s' (expected e.g. 250ms, 3s, "
		"1m)");
	dur_bad(" 1s", "invalid duration ' 1s' (expected e.g. 250ms, 3s, "
		"1m)");
	dur_bad("1 s", "invalid duration '1 s': unknown unit (expected ms, "
		"s, m or h; a bare number is seconds)");
	dur_bad("1s ", "invalid duration '1s ': unknown unit (expected ms, "
		"s, m or h; a bare number is seconds)");
	dur_bad("3x", "invalid duration '3x': unknown unit (expected ms, "
		"s, m or h; a bare number is seconds)");
	dur_bad("3S", "invalid duration '3S': unknown unit (expected ms, "
		"s, m or h; a bare number is seconds)");
	dur_bad("3sec", "invalid duration '3sec': unknown unit (expected "
		"ms, s, m or h; a bare number is seconds)");
	dur_bad("1d", "invalid duration '1d': unknown unit (expected ms, "
		"s, m or h; a bare number is seconds)");
	dur_bad("3s3", "invalid duration '3s3': unknown unit (expected ms, "
		"s, m or h; a bare number is seconds)");
	dur_bad("0x10", "invalid duration '0x10': unknown unit (expected "
		"ms, s, m or h; a bare number is seconds)");
}

static void
test_duration_overflow(void **state)
{
	(void)state;
	/* 2^64 - 1 ms fits exactly; one more does not. */
	assert_true(dur_ok("18446744073709551615ms") == UINT64_MAX);
	dur_bad("18446744073709551616ms",
		"duration '18446744073709551616ms' is too large");
	dur_bad("99999999999999999999999h",
		"duration '99999999999999999999999h' is too large");
	/* Fits as a number, not once scaled to milliseconds. */
	dur_bad("18446744073709551615s",
		"duration '18446744073709551615s' is too large");
	dur_bad("5124095576031h", "duration '5124095576031h' is too "
		"large");
	assert_true(dur_ok("5124095576030h") == 5124095576030ULL * 3600000);
	/* Overflow followed by garbage is garbage first. */
	dur_bad("99999999999999999999999x", "invalid duration "
		"'99999999999999999999999x': unknown unit (expected ms, s, "
		"m or h; a bare number is seconds)");
}

static void
test_duration_long_input_is_cut(void **state)
{
	char text[300], err[256];
	uint64_t ms;

	(void)state;
	memset(text, 'a', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	assert_int_equal(parse_duration_ms(text, &ms, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "aaaa...'"));
	assert_true(strlen(err) < 200);
}

static void
test_duration_null_err(void **state)
{
	uint64_t ms;

	(void)state;
	assert_int_equal(parse_duration_ms("x", &ms, NULL, 0), -1);
	assert_int_equal(parse_duration_ms("2s", &ms, NULL, 0), 0);
	assert_int_equal(ms, 2000);
}

static void
test_size_units(void **state)
{
	(void)state;
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("512"), 512);
	assert_int_equal(size_ok("512B"), 512);
	assert_int_equal(size_ok("64KiB"), 64 * 1024);
	assert_int_equal(size_ok("16MiB"), 16 * 1024 * 1024);
	assert_int_equal(size_ok("1GiB"), 1024 * 1024 * 1024);
	assert_true(size_ok("2TiB") == 2ULL << 40);
	assert_int_equal(size_ok("1kB"), 1000);
	assert_int_equal(size_ok("1KB"), 1000);
	assert_int_equal(size_ok("3MB"), 3000000);
	assert_int_equal(size_ok("2GB"), 2000000000);
	assert_true(size_ok("1TB") == 1000000000000ULL);
	assert_int_equal(size_ok("1.5MiB"), 1572864);
	assert_int_equal(size_ok("0.5KiB"), 512);
	assert_int_equal(size_ok("1.5kB"), 1500);
}

static void
test_size_errors(void **state)
{
	static const char unknown[] = "unknown unit (use KiB, MiB, GiB for "
		"powers of 1024 or kB, MB, GB for powers of 1000)";
	char want[256];
	const char *ambiguous[] = { "64k", "64K", "16M", "1G", "1m", "1Ki",
				    "1kib", "1mb", "1 KiB", "1KiB ", "1b" };

	(void)state;
	for (size_t i = 0; i < sizeof(ambiguous) / sizeof(*ambiguous); i++) {
		snprintf(want, sizeof(want), "invalid size '%s': %s",
			 ambiguous[i], unknown);
		size_bad(ambiguous[i], want);
	}
	size_bad("", "empty size (expected e.g. 512, 64KiB, 16MiB)");
	size_bad("abc", "invalid size 'abc' (expected e.g. 512, 64KiB, "
		 "16MiB)");
	size_bad("-1", "invalid size '-1' (expected e.g. 512, 64KiB, "
		 "16MiB)");
	size_bad("KiB", "invalid size 'KiB' (expected e.g. 512, 64KiB, "
		 "16MiB)");
	size_bad("0.3B", "size '0.3B' is not a whole number of bytes");
	size_bad("1.0001KiB", "size '1.0001KiB' is not a whole number of "
		 "bytes");
	size_bad("1.1234567MiB", "size '1.1234567MiB' has too many decimal "
		 "places");
}

static void
test_size_overflow(void **state)
{
	(void)state;
	assert_true(size_ok("18446744073709551615") == SIZE_MAX);
	size_bad("18446744073709551616", "size '18446744073709551616' is "
		 "too large");
	assert_true(size_ok("16777215TiB") == 16777215ULL << 40);
	size_bad("16777216TiB", "size '16777216TiB' is too large");
	size_bad("18446744073709552GB", "size '18446744073709552GB' is too "
		 "large");
}

static void
test_uint(void **state)
{
	char err[256];
	uint64_t v = 0;

	(void)state;
	assert_int_equal(parse_uint("0", 0, 10, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_uint("10", 0, 10, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 10);
	assert_int_equal(parse_uint("18446744073709551615", 0, UINT64_MAX,
				    &v, err, sizeof(err)), 0);
	assert_true(v == UINT64_MAX);

	v = 5;
	assert_int_equal(parse_uint("11", 0, 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "number '11' is out of range (expected "
			    "0..10)");
	assert_int_equal(v, 5);
	assert_int_equal(parse_uint("0", 1, 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "number '0' is out of range (expected "
			    "1..10)");
	assert_int_equal(parse_uint("18446744073709551616", 0, UINT64_MAX,
				    &v, err, sizeof(err)), -1);
	assert_string_equal(err, "number '18446744073709551616' is out of "
			    "range (expected 0..18446744073709551615)");
	assert_int_equal(parse_uint("", 0, 10, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "empty number (expected 0..10)");
}

static void
test_uint_garbage(void **state)
{
	const char *bad[] = { "-1", "+1", " 1", "1 ", "1x", "0x1", "1.0",
			      "1e3", "x", "١" };
	char err[256], want[256];
	uint64_t v = 5;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		assert_int_equal(parse_uint(bad[i], 0, 100, &v, err,
					    sizeof(err)), -1);
		snprintf(want, sizeof(want), "invalid number '%s' (expected a "
			 "whole number without sign or unit)", bad[i]);
		assert_string_equal(err, want);
	}
	assert_int_equal(parse_uint("99999999999999999999999x", 0, 100, &v,
				    err, sizeof(err)), -1);
	assert_non_null(strstr(err, "invalid number"));
	assert_int_equal(v, 5);
}

static void
test_small_err_buffer(void **state)
{
	char err[8];
	uint64_t v;

	(void)state;
	assert_int_equal(parse_uint("zz", 0, 1, &v, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
}

/* Messages spell a value the shortest exact way, and it reads back. */
static void
test_format(void **state)
{
	static const struct { uint64_t ms; const char *text; } durations[] = {
		{ 0, "0s" }, { 1, "1ms" }, { 1500, "1500ms" }, { 1000, "1s" },
		{ 90000, "90s" }, { 60000, "1m" }, { 3600000, "1h" },
		{ 7200000, "2h" }, { 5400000, "90m" },
	};
	static const struct { uint64_t bytes; const char *text; } sizes[] = {
		{ 0, "0" }, { 1000, "1000" }, { 1024, "1KiB" },
		{ 65536, "64KiB" }, { 1 << 20, "1MiB" }, { 1536, "1536" },
		{ 1ULL << 30, "1GiB" }, { 1ULL << 40, "1TiB" },
		{ 3ULL << 40, "3TiB" },
	};
	char buf[32], err[128];
	uint64_t v;
	size_t sz;

	(void)state;
	for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
		format_duration_ms(buf, sizeof(buf), durations[i].ms);
		assert_string_equal(buf, durations[i].text);
		assert_int_equal(parse_duration_ms(buf, &v, err, sizeof(err)),
				 0);
		assert_int_equal(v, durations[i].ms);
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		format_size(buf, sizeof(buf), sizes[i].bytes);
		assert_string_equal(buf, sizes[i].text);
		assert_int_equal(parse_size(buf, &sz, err, sizeof(err)), 0);
		assert_int_equal(sz, sizes[i].bytes);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_bare_is_seconds),
		cmocka_unit_test(test_duration_fraction),
		cmocka_unit_test(test_duration_errors),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_duration_long_input_is_cut),
		cmocka_unit_test(test_duration_null_err),
		cmocka_unit_test(test_size_units),
		cmocka_unit_test(test_size_errors),
		cmocka_unit_test(test_size_overflow),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_uint_garbage),
		cmocka_unit_test(test_small_err_buffer),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
