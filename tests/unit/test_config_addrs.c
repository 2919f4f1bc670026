/*
 * test_config_addrs.c - numeric addresses: [daemon] dns_servers and [metrics] listen.
 *
 * Runs config_load() on files written by config_harness.c; messages are
 * compared whole, with the temporary directory shown as "$D".
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* asprintf, open_memstream */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "wspushd/config.h"
#include "wspushd/url.h"

#include "config_harness.h"

/* ---- name servers ----------------------------------------------------- */

static void
test_dns_servers(void **state)
{
	static const struct { const char *value, *stored; } cases[] = {
		{ "192.0.2.53", "192.0.2.53:53" },
		{ "192.0.2.53:5353", "192.0.2.53:5353" },
		{ "[::1]", "[::1]:53" },
		{ "[::1]:53", "[::1]:53" },
		{ " 192.0.2.53:5353 , [2001:DB8:0:0::53] ,\t[::1]:053",
		  "192.0.2.53:5353,[2001:db8::53]:53,[::1]:53" },
		{ "[::ffff:192.0.2.1]:1", "[::ffff:192.0.2.1]:1" },
		{ "10.0.0.1:65535,10.0.0.2", "10.0.0.1:65535,10.0.0.2:53" },
		/* Same address, other port: two servers. */
		{ "192.0.2.1, 192.0.2.1:5353",
		  "192.0.2.1:53,192.0.2.1:5353" },
		{ "", NULL },
		{ "\"  \"", NULL },
	};
	char text[512];
	const char *path;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "[daemon]\ndns_servers = %s\n", cases[i].value);
		path = write_file("dns.conf", text);
		load(&r, "-c", path, NULL);
		if (r.rc != 0)
			fail_msg("'%s' refused: %s", cases[i].value, r.text);
		if (cases[i].stored == NULL)
			assert_null(r.cfg.dns_servers);
		else
			assert_string_equal(r.cfg.dns_servers,
					    cases[i].stored);
		run_free(&r);
		cleanup_files(NULL);
	}
}

#define DNS_ADDR(v) \
	{ "daemon", "dns_servers = " v, "dns_servers: invalid name server " \
	  "'" v "' (expected an IP address such as 192.0.2.53 or " \
	  "[2001:db8::53], optionally with :PORT)" }
#define DNS_PORT(v, port) \
	{ "daemon", "dns_servers = " v, "dns_servers: invalid port '" port \
	  "' in '" v "' (expected 1-65535)" }
#define DNS_EMPTY(v) \
	{ "daemon", "dns_servers = " v, "dns_servers: empty item in '" v \
	  "' (expected addresses separated by commas)" }

static void
test_dns_server_errors(void **state)
{
	static const struct bad_value cases[] = {
		DNS_ADDR("dns.example"),
		DNS_ADDR("localhost:53"),
		DNS_ADDR("192.0.2"),
		DNS_ADDR("192.0.2.256"),
		DNS_ADDR("192.0.2.1.5"),
		DNS_ADDR("192.0.2.1 :53"),
		DNS_ADDR("[::1"),
		DNS_ADDR("[::1]53"),
		DNS_ADDR("[::1]]"),
		DNS_ADDR("[]:53"),
		DNS_ADDR("[192.0.2.1]"),
		DNS_ADDR("[fe80::1%eth0]"),
		DNS_ADDR("[::g]"),
		DNS_ADDR(":53"),
		DNS_ADDR("192.0.2.1:53:53"),
		DNS_PORT("192.0.2.1:0", "0"),
		DNS_PORT("192.0.2.1:65536", "65536"),
		DNS_PORT("192.0.2.1:", ""),
		DNS_PORT("192.0.2.1:dns", "dns"),
		DNS_PORT("192.0.2.1:-53", "-53"),
		DNS_PORT("[::1]:", ""),
		DNS_PORT("[::1]:99999999999999999999", "99999999999999999999"),
		DNS_EMPTY(","),
		DNS_EMPTY("192.0.2.1,"),
		DNS_EMPTY("192.0.2.1,,192.0.2.2"),
		DNS_EMPTY(", 192.0.2.1"),
		{ "daemon", "dns_servers = ::1", "dns_servers: IPv6 address "
		  "'::1' must be in brackets: '[::1]' or '[::1]:53'" },
		{ "daemon", "dns_servers = 192.0.2.1, 2001:db8::53:53",
		  "dns_servers: IPv6 address '2001:db8::53:53' must be in "
		  "brackets: '[2001:db8::53:53]' or '[2001:db8::53:53]:53'" },
		{ "daemon", "dns_servers = 192.0.2.1, 192.0.2.1:53",
		  "dns_servers: name server '192.0.2.1:53' is listed more "
		  "than once" },
		{ "daemon", "dns_servers = [2001:db8::1], [2001:DB8::1]:53",
		  "dns_servers: name server '[2001:db8::1]:53' is listed more "
		  "than once" },
	};

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
}

/* ---- [redis] sentinel --------------------------------------------------- */

static void
test_sentinels(void **state)
{
	static const struct { const char *value, *stored; } cases[] = {
		{ "10.0.0.1", "10.0.0.1:26379" },
		{ "Sentinel-1.Example:26380, 10.0.0.2 ,[2001:db8::2]:1",
		  "sentinel-1.example:26380,10.0.0.2:26379,[2001:db8::2]:1" },
		{ "a, a:26380", "a:26379,a:26380" },
	};
	char text[512];
	const char *path;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "sentinel = %s\nmaster = mymaster\n", cases[i].value);
		path = write_file("sentinel.conf", text);
		load(&r, "-c", path, NULL);
		if (r.rc != 0)
			fail_msg("'%s' refused: %s", cases[i].value, r.text);
		assert_string_equal(r.cfg.sentinels, cases[i].stored);
		assert_string_equal(r.cfg.sentinel_master, "mymaster");
		run_free(&r);
		cleanup_files(NULL);
	}
}

static void
test_sentinel_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "redis", "sentinel = a:0", "sentinel: invalid port '0' in "
		  "'a:0' (expected 1-65535)" },
		{ "redis", "sentinel = [::1", "sentinel: invalid sentinel "
		  "'[::1' (expected HOST, HOST:PORT or [IPv6]:PORT)" },
		{ "redis", "sentinel = a,,b", "sentinel: empty item in 'a,,b' "
		  "(expected sentinels separated by commas)" },
		{ "redis", "sentinel = a, A:26379", "sentinel: sentinel "
		  "'a:26379' is listed more than once" },
	};
	const char *path;
	struct run r;

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
	/* The two go together. */
	path = write_file("s.conf", GOOD_UPSTREAM GOOD_REDIS "sentinel = a\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/s.conf:5: sentinel without master "
			    "(the name the sentinels know the master by)\n");
	run_free(&r);
	path = write_file("m.conf", GOOD_UPSTREAM GOOD_REDIS "master = m\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/m.conf:5: master without sentinel "
			    "(the sentinels to ask where it is)\n");
	run_free(&r);
	path = write_file("u.conf", GOOD_UPSTREAM GOOD_REDIS "sentinel = a\n"
			  "master = m\nurl = unix:///run/r.sock\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/u.conf:5: sentinel with a unix:// url: "
			    "the sentinels give a TCP address (url's password "
			    "and database still apply)\n");
	run_free(&r);
	/* A cluster: no Sentinel, database 0, the lease's keys in one slot. */
	path = write_file("c.conf", GOOD_UPSTREAM GOOD_REDIS "cluster = yes\n"
			  "sentinel = a\nmaster = m\nurl = redis://h/3\n"
			  "[fleet]\nlease_key = wspushd:lease\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/c.conf:6: sentinel and cluster together: a Redis Cluster "
		"fails over by itself\n"
		"$D/c.conf:10: in a cluster the lease key and its term counter "
		"(wspushd:lease:term) must share a slot: put a hash tag in it, "
		"such as {wspushd:lease}\n"
		"$D/c.conf:5: cluster with database 3 in url: a Redis Cluster "
		"has database 0 only\n");
	run_free(&r);
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "cluster = yes\n"
			  "[fleet]\nlease_key = {wspushd}:lease\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

/* ---- [metrics] -------------------------------------------------------- */

static void
test_metrics_listen(void **state)
{
	static const struct { const char *value, *host; unsigned port; }
	cases[] = {
		{ "127.0.0.1:9477", "127.0.0.1", 9477 },
		{ "127.255.254.3:1", "127.255.254.3", 1 },
		{ "127.0.0.1:065535", "127.0.0.1", 65535 },
		{ "[::1]:9477", "::1", 9477 },
		{ "[0:0:0:0:0:0:0:1]:80", "::1", 80 },
		{ "[0000::0001]:80", "::1", 80 },
	};
	char text[256];
	const char *path;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "[metrics]\nlisten = %s\n", cases[i].value);
		path = write_file("m.conf", text);
		load(&r, "-c", path, NULL);
		if (r.rc != 0)
			fail_msg("'%s' refused: %s", cases[i].value, r.text);
		assert_string_equal(r.cfg.metrics_listen, cases[i].value);
		assert_string_equal(r.cfg.metrics_host, cases[i].host);
		assert_int_equal(r.cfg.metrics_port, cases[i].port);
		run_free(&r);
		cleanup_files(NULL);
	}

	path = write_file("m.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[metrics]\nlisten =\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_null(r.cfg.metrics_listen);
	assert_string_equal(r.cfg.metrics_host, "");
	assert_int_equal(r.cfg.metrics_port, 0);
	run_free(&r);
}

#define NOT_LOOPBACK(v) \
	{ "metrics", "listen = " v, "listen: '" v "': metrics are served " \
	  "on loopback only (expected 127.x.y.z:PORT or [::1]:PORT)" }
#define LISTEN_PORT(v, port) \
	{ "metrics", "listen = " v, "listen: invalid port '" port "' in '" \
	  v "' (expected 1-65535)" }

static void
test_metrics_errors(void **state)
{
	static const struct bad_value cases[] = {
		NOT_LOOPBACK("0.0.0.0:9477"),
		NOT_LOOPBACK("192.0.2.1:9477"),
		NOT_LOOPBACK("128.0.0.1:9477"),
		NOT_LOOPBACK("localhost:9477"),
		NOT_LOOPBACK("127.1:9477"),
		NOT_LOOPBACK("127.0.0.1 :9477"),
		NOT_LOOPBACK("[::]:9477"),
		NOT_LOOPBACK("[::2]:9477"),
		NOT_LOOPBACK("[::ffff:127.0.0.1]:9477"),
		NOT_LOOPBACK("[127.0.0.1]:9477"),
		NOT_LOOPBACK("[::1"),
		NOT_LOOPBACK("[::1]9477"),
		NOT_LOOPBACK("[]:9477"),
		NOT_LOOPBACK(":9477"),
		NOT_LOOPBACK("*:9477"),
		NOT_LOOPBACK("9477"),
		LISTEN_PORT("127.0.0.1:0", "0"),
		LISTEN_PORT("127.0.0.1:65536", "65536"),
		LISTEN_PORT("127.0.0.1:", ""),
		LISTEN_PORT("127.0.0.1:http", "http"),
		LISTEN_PORT("127.0.0.1:+80", "+80"),
		LISTEN_PORT("[::1]:-1", "-1"),
		LISTEN_PORT("[::1]:99999999999999999999",
			    "99999999999999999999"),
		{ "metrics", "listen = 127.0.0.1", "listen: '127.0.0.1' has "
		  "no port (expected e.g. 127.0.0.1:9477)" },
		{ "metrics", "listen = [::1]", "listen: '[::1]' has no port "
		  "(expected e.g. 127.0.0.1:9477)" },
		{ "metrics", "listen = ::1", "listen: '::1': an IPv6 address "
		  "goes in brackets, as in [::1]:9477" },
		{ "metrics", "listen = ::1:9477", "listen: '::1:9477': an IPv6 "
		  "address goes in brackets, as in [::1]:9477" },
		{ "metrics", "listen = 127.0.0.1:94\x01", "listen: address "
		  "contains control characters" },
		{ "daemon", "listen = 127.0.0.1:9477", "unknown key 'listen' "
		  "in [daemon] (it belongs in [metrics])" },
	};

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dns_servers),
		T(test_dns_server_errors),
		T(test_sentinels),
		T(test_sentinel_errors),
		T(test_metrics_listen),
		T(test_metrics_errors),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
