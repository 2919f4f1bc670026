/*
 * test_hostport.c - "host", "host:port", "[v6]" and "[v6]:port": the one
 * splitter behind URLs, name servers and the metrics address.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/hostport.h"

struct split_case {
	const char *text;
	enum hostport_status status;
	const char *host;	/* NULL: not looked at */
	bool bracketed;
	const char *port;	/* NULL: no ':' */
};

static void
test_split(void **state)
{
	static const struct split_case cases[] = {
		{ "example.com", HOSTPORT_OK, "example.com", false, NULL },
		{ "example.com:8080", HOSTPORT_OK, "example.com", false,
		  "8080" },
		{ "h:", HOSTPORT_OK, "h", false, "" },
		{ ":80", HOSTPORT_OK, "", false, "80" },
		{ "", HOSTPORT_OK, "", false, NULL },
		{ "[::1]", HOSTPORT_OK, "::1", true, NULL },
		{ "[::1]:9477", HOSTPORT_OK, "::1", true, "9477" },
		{ "[::1]:", HOSTPORT_OK, "::1", true, "" },
		{ "[]", HOSTPORT_OK, "", true, NULL },
		/* A port that is not one is the caller's to refuse. */
		{ "[::1]:x:y", HOSTPORT_OK, "::1", true, "x:y" },
		{ "[::1", HOSTPORT_NO_CLOSE, NULL, true, NULL },
		/* The address is there to judge before what follows it. */
		{ "[zz]x", HOSTPORT_AFTER_CLOSE, "zz", true, NULL },
		{ "::1", HOSTPORT_BARE_V6, NULL, false, NULL },
		{ "2001:db8::53:53", HOSTPORT_BARE_V6, NULL, false, NULL },
		{ "a:b:c", HOSTPORT_BARE_V6, NULL, false, NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct split_case *c = &cases[i];
		struct hostport hp;
		enum hostport_status st;

		st = hostport_split(c->text, strlen(c->text), &hp);
		if (st != c->status)
			fail_msg("'%s': status %d, want %d", c->text, st,
				 c->status);
		assert_int_equal(hp.bracketed, c->bracketed);
		if (c->host != NULL) {
			assert_int_equal(hp.host_len, strlen(c->host));
			assert_memory_equal(hp.host, c->host, hp.host_len);
		}
		if (c->status != HOSTPORT_OK)
			continue;
		if (c->port == NULL) {
			assert_null(hp.port);
		} else {
			assert_non_null(hp.port);
			assert_int_equal(hp.port_len, strlen(c->port));
			assert_memory_equal(hp.port, c->port, hp.port_len);
		}
	}
}

/* Only n bytes are looked at: items of a list are not terminated. */
static void
test_split_counts_bytes(void **state)
{
	const char *list = "192.0.2.1:53,[::1]:5353";
	struct hostport hp;

	(void)state;
	assert_int_equal(hostport_split(list, 12, &hp), HOSTPORT_OK);
	assert_int_equal(hp.host_len, 9);
	assert_int_equal(hp.port_len, 2);
	assert_int_equal(hostport_split(list + 13, 10, &hp), HOSTPORT_OK);
	assert_true(hp.bracketed);
	assert_int_equal(hp.port_len, 4);
}

static void
test_port(void **state)
{
	static const char *const bad[] = {
		"", "0", "65536", "99999999999999999999", "-1", "+80", "8o",
		" 80", "80 ", "0x50",
	};
	uint16_t port = 7;

	(void)state;
	assert_int_equal(hostport_port("1", 1, &port), 0);
	assert_int_equal(port, 1);
	assert_int_equal(hostport_port("65535", 5, &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(hostport_port("0080", 4, &port), 0);
	assert_int_equal(port, 80);
	/* n bytes only */
	assert_int_equal(hostport_port("443x", 3, &port), 0);
	assert_int_equal(port, 443);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		port = 7;
		if (hostport_port(bad[i], strlen(bad[i]), &port) == 0)
			fail_msg("port '%s' accepted", bad[i]);
		assert_int_equal(port, 7);
	}
}

static void
test_addr(void **state)
{
	char longest[HOSTPORT_ADDR_MAX + 2];
	struct in6_addr a6;
	struct in_addr a4;

	(void)state;
	assert_int_equal(hostport_addr("127.0.0.1", 9, AF_INET, &a4), 0);
	assert_int_equal(ntohl(a4.s_addr), 0x7f000001);
	assert_int_equal(hostport_addr("127.0.0.1x", 9, AF_INET, &a4), 0);
	assert_int_equal(hostport_addr("::1", 3, AF_INET6, &a6), 0);
	assert_true(IN6_IS_ADDR_LOOPBACK(&a6));
	assert_int_equal(hostport_addr("::1", 3, AF_INET, &a4), -1);
	assert_int_equal(hostport_addr("host", 4, AF_INET, &a4), -1);
	assert_int_equal(hostport_addr("", 0, AF_INET, &a4), -1);
	memset(longest, '0', sizeof(longest));
	assert_int_equal(hostport_addr(longest, sizeof(longest), AF_INET6,
				       &a6), -1);

	assert_true(hostport_is_ipv6("2001:db8::53", 12));
	assert_true(hostport_is_ipv6("::ffff:192.0.2.1", 16));
	assert_false(hostport_is_ipv6("2001:db8::53:53:1:2:3:4", 23));
	assert_false(hostport_is_ipv6("a:b:c", 5));
	assert_false(hostport_is_ipv6("192.0.2.1", 9));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_counts_bytes),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
