/*
 * test_values.c - the value parsers on their own, with no loader: a
 * string in, a value or a message without a prefix out.  Every message
 * they give in context (with file:line) is checked by test_config_*.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include "wspushd/addrs.h"
#include "wspushd/close_codes.h"
#include "wspushd/config_values.h"
#include "wspushd/headers.h"

static void
test_list_iter(void **state)
{
	static const char *const want[] = { "a", "b c", "", "d" };
	struct list_iter it;
	const char *item;
	size_t len, n = 0;

	(void)state;
	list_iter_init(&it, "  a ,b c\t,, d ");
	while (list_iter_next(&it, &item, &len)) {
		assert_true(n < 4);
		assert_int_equal(len, strlen(want[n]));
		assert_memory_equal(item, want[n], len);
		n++;
	}
	assert_int_equal(n, 4);
	list_iter_init(&it, " \t");
	assert_false(list_iter_next(&it, &item, &len));
	list_iter_init(&it, "a,");
	assert_true(list_iter_next(&it, &item, &len));
	assert_true(list_iter_next(&it, &item, &len));
	assert_int_equal(len, 0);
	assert_false(list_iter_next(&it, &item, &len));
}

static void
test_numbers_and_words(void **state)
{
	char err[VALUE_ERRLEN];
	enum message_type mt = MESSAGE_AUTO;
	uint64_t v = 7;
	int level = 0;
	bool b = false;

	(void)state;
	assert_int_equal(parse_number("1m", KIND_DURATION, 1, 3600000, &v,
				      err, sizeof(err)), 0);
	assert_int_equal(v, 60000);
	assert_int_equal(parse_number("2h", KIND_DURATION, 1, 3600000, &v,
				      err, sizeof(err)), -1);
	assert_string_equal(err, "duration '2h' is out of range (expected "
			    "1ms..1h)");
	assert_int_equal(v, 60000);
	assert_int_equal(parse_number("1500ms", KIND_SECONDS, 0, 7200000, &v,
				      err, sizeof(err)), -1);
	assert_string_equal(err, "duration '1500ms' is not a whole number of "
			    "seconds (the kernel takes this setting in "
			    "seconds)");
	assert_int_equal(parse_number("101", KIND_UINT, 1, 100, &v, err,
				      sizeof(err)), -1);
	assert_string_equal(err, "number '101' is out of range (expected "
			    "1..100)");

	assert_int_equal(parse_message_type("binary", &mt, err, sizeof(err)),
			 0);
	assert_int_equal(mt, MESSAGE_BINARY);
	assert_int_equal(parse_log_level("debug", &level, err, sizeof(err)),
			 0);
	assert_int_equal(level, LOG_DEBUG);
	assert_int_equal(parse_bool("maybe", &b, err, sizeof(err)), -1);
	assert_string_equal(err, "invalid value 'maybe' (expected yes or no)");
}

static void
test_close_codes(void **state)
{
	struct close_code_set set;
	char err[VALUE_ERRLEN];

	(void)state;
	assert_int_equal(parse_close_codes("1003, 4000 - 4099", 1000, 4999,
					   &set, err, sizeof(err)), 0);
	assert_int_equal(set.count, 2);
	assert_true(close_code_set_has(&set, 4050));
	assert_false(close_code_set_has(&set, 1008));
	assert_int_equal(parse_close_codes("", 1000, 4999, &set, err,
					   sizeof(err)), 0);
	assert_int_equal(set.count, 0);
	assert_int_equal(parse_close_codes("1003,1003", 1000, 4999, &set, err,
					   sizeof(err)), -1);
	assert_string_equal(err, "'1003' overlaps '1003' (list each code "
			    "once)");
}

static void
test_headers(void **state)
{
	char err[VALUE_ERRLEN], *line;
	struct header h;

	(void)state;
	assert_int_equal(parse_header("X-Token:  abc", &h, err, sizeof(err)),
			 0);
	assert_null(h.file);
	line = header_line(&h, h.value, err, sizeof(err));
	assert_string_equal(line, "X-Token: abc");
	free(line);

	assert_int_equal(parse_header("X-Token: @token", &h, err,
				      sizeof(err)), 0);
	assert_string_equal(h.file, "token");
	assert_null(h.value);
	assert_null(header_line(&h, "a\nb", err, sizeof(err)));
	assert_string_equal(err, "header 'X-Token': value contains control "
			    "characters");

	assert_int_equal(parse_header("X-At: @@home", &h, err, sizeof(err)),
			 0);
	assert_string_equal(h.value, "@home");
	assert_int_equal(parse_header("Upgrade: x", &h, err, sizeof(err)), -1);
	assert_string_equal(err, "header 'Upgrade' is set by wspushd itself");

	assert_int_equal(parse_subprotocol("a ,b", &line, err, sizeof(err)),
			 0);
	assert_string_equal(line, "a, b");
	free(line);
}

static void
test_addresses(void **state)
{
	char err[VALUE_ERRLEN], *list;
	struct listen_addr a;

	(void)state;
	assert_int_equal(parse_dns_servers(" 192.0.2.53, [2001:db8::53]:5353",
					   &list, err, sizeof(err)), 0);
	assert_string_equal(list, "192.0.2.53:53,[2001:db8::53]:5353");
	free(list);
	assert_int_equal(parse_dns_servers("", &list, err, sizeof(err)), 0);
	assert_null(list);
	assert_int_equal(parse_dns_servers("::1", &list, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "IPv6 address '::1' must be in brackets: "
			    "'[::1]' or '[::1]:53'");

	assert_int_equal(parse_listen("[::1]:9477", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "::1");
	assert_int_equal(a.port, 9477);
	assert_int_equal(parse_listen("", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "");
	assert_int_equal(a.port, 0);
	assert_int_equal(parse_listen("10.0.0.1:9477", &a, err, sizeof(err)),
			 -1);
	assert_string_equal(err, "'10.0.0.1:9477': metrics are served on "
			    "loopback only (expected 127.x.y.z:PORT or "
			    "[::1]:PORT)");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_iter),
		cmocka_unit_test(test_numbers_and_words),
		cmocka_unit_test(test_close_codes),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_addresses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
