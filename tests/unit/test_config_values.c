/*
 * test_config_values.c - values of one key each: headers, subprotocols, numbers and
 * words, close code lists, [status] names, [daemon] runtime_dir.
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

/* ---- headers and subprotocols --------------------------------------- */

static void
test_header_errors(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("hdr.conf",
		GOOD_REDIS
		"[upstream]\n"				/* 3 */
		"url = ws://h/\n"			/* 4 */
		"header = Bearer sekrit-token\n"	/* 5 */
		"header = : sekrit\n"			/* 6 */
		"header = X Token: sekrit\n"		/* 7 */
		"header = X-Token : sekrit\n"		/* 8 */
		"header = host: sekrit\n"		/* 9 */
		"header = Sec-WebSocket-Protocol: x\n"	/* 10 */
		"header = X-Empty:\n"			/* 11 */
		"header = X-Ctl: se\x01krit\n"		/* 12 */
		"header = sec-websocket-key: sekrit\n"	/* 13 */
		"header = X-Ok: fine\n"			/* 14 */
		"subprotocol = a b\n"			/* 15 */
		"subprotocol = \n");			/* 16 */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/hdr.conf:5: header: header without ':' (expected "
		"'Name: value')\n"
		"$D/hdr.conf:6: header: header has no name (expected "
		"'Name: value')\n"
		"$D/hdr.conf:7: header: invalid header name 'X Token' "
		"(letters, digits and !#$%&'*+-.^_`|~ only, no spaces before "
		"':')\n"
		"$D/hdr.conf:8: header: invalid header name 'X-Token ' "
		"(letters, digits and !#$%&'*+-.^_`|~ only, no spaces before "
		"':')\n"
		"$D/hdr.conf:9: header: header 'host' is set by wspushd "
		"itself\n"
		"$D/hdr.conf:10: header: header 'Sec-WebSocket-Protocol' is "
		"set by wspushd itself (use subprotocol = ... instead)\n"
		"$D/hdr.conf:11: header: header 'X-Empty' has an empty value\n"
		"$D/hdr.conf:12: header: header 'X-Ctl': value contains "
		"control characters\n"
		"$D/hdr.conf:13: header: header 'sec-websocket-key' is set "
		"by wspushd itself\n"
		"$D/hdr.conf:15: subprotocol: invalid subprotocol 'a b' "
		"(expected a token such as 'chat.v1', or several separated "
		"by commas)\n"
		"$D/hdr.conf:16: duplicate key 'subprotocol' in [upstream] "
		"(already set at line 15)\n");
	/* Header values are credentials: never echoed. */
	assert_null(strstr(r.text, "sekrit"));
	assert_int_equal(r.cfg.headers.count, 1);
	assert_string_equal(r.cfg.headers.items[0], "X-Ok: fine");
	run_free(&r);
}

static void
test_subprotocol_lists(void **state)
{
	static const char *const bad[] = { ",", "a,", ",a", "a,,b", "a;b",
					   "a\"b", "a/b" };
	char text[256];
	const char *path;
	struct run r;

	(void)state;
	path = write_file("sp.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[upstream]\nsubprotocol = a ,b,\tc\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.subprotocol, "a, b, c");
	run_free(&r);
	cleanup_files(NULL);

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "[upstream]\nsubprotocol = %s\n", bad[i]);
		path = write_file("sp.conf", text);
		load(&r, "-c", path, NULL);
		if (r.rc != -1 || strstr(r.text, "invalid subprotocol") == NULL)
			fail_msg("subprotocol '%s' accepted: %s", bad[i],
				 r.text);
		run_free(&r);
		cleanup_files(NULL);
	}
}

/* ---- numbers and words ---------------------------------------------- */

static void
test_liveness_dns_tcp_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "upstream", "ping_interval = 61m", "ping_interval: "
		  "duration '61m' is out of range (expected 0s..1h)" },
		{ "upstream", "ping_interval = often", "ping_interval: "
		  "invalid duration 'often' (expected e.g. 250ms, 3s, 1m)" },
		{ "upstream", "pong_timeout = 0", "pong_timeout: duration "
		  "'0' is out of range (expected 1ms..1h)" },
		{ "upstream", "pong_timeout = 1h1ms", "pong_timeout: invalid "
		  "duration '1h1ms': unknown unit (expected ms, s, m or h; a "
		  "bare number is seconds)" },
		{ "upstream", "pong_timeout = 3600001ms", "pong_timeout: "
		  "duration '3600001ms' is out of range (expected 1ms..1h)" },
		{ "upstream", "liveness = PONG", "liveness: invalid value "
		  "'PONG' (expected pong or any)" },
		{ "upstream", "liveness =", "liveness: invalid value '' "
		  "(expected pong or any)" },
		{ "upstream", "fin_timeout = 61s", "fin_timeout: duration "
		  "'61s' is out of range (expected 0s..1m)" },
		{ "upstream", "fin_timeout = 0.5ms", "fin_timeout: duration "
		  "'0.5ms' is not a whole number of milliseconds" },
		{ "redis", "ping_interval = 2h", "ping_interval: duration "
		  "'2h' is out of range (expected 0s..1h)" },
		{ "redis", "ping_timeout = 0", "ping_timeout: duration '0' "
		  "is out of range (expected 1ms..1h)" },
		{ "redis", "ping_timeout = 61m", "ping_timeout: duration "
		  "'61m' is out of range (expected 1ms..1h)" },
		{ "daemon", "dns_timeout = 0", "dns_timeout: duration '0' "
		  "is out of range (expected 1ms..1h)" },
		{ "daemon", "dns_timeout = 3601", "dns_timeout: duration "
		  "'3601' is out of range (expected 1ms..1h)" },
		{ "daemon", "tcp_keepalive_idle = 500ms", "tcp_keepalive_idle: "
		  "duration '500ms' is not a whole number of seconds (the "
		  "kernel takes this setting in seconds)" },
		{ "daemon", "tcp_keepalive_idle = 1.5s", "tcp_keepalive_idle: "
		  "duration '1.5s' is not a whole number of seconds (the "
		  "kernel takes this setting in seconds)" },
		{ "daemon", "tcp_keepalive_idle = 121m", "tcp_keepalive_idle: "
		  "duration '121m' is out of range (expected 0s..2h)" },
		{ "daemon", "tcp_keepalive_idle = idle", "tcp_keepalive_idle: "
		  "invalid duration 'idle' (expected e.g. 250ms, 3s, 1m)" },
		{ "daemon", "tcp_keepalive_interval = 0",
		  "tcp_keepalive_interval: duration '0' is out of range "
		  "(expected 1s..1h)" },
		{ "daemon", "tcp_keepalive_interval = 2500ms",
		  "tcp_keepalive_interval: duration '2500ms' is not a whole "
		  "number of seconds (the kernel takes this setting in "
		  "seconds)" },
		{ "daemon", "tcp_keepalive_interval = 3601s",
		  "tcp_keepalive_interval: duration '3601s' is out of range "
		  "(expected 1s..1h)" },
		{ "daemon", "tcp_keepalive_probes = 0", "tcp_keepalive_probes: "
		  "number '0' is out of range (expected 1..100)" },
		{ "daemon", "tcp_keepalive_probes = 101",
		  "tcp_keepalive_probes: number '101' is out of range "
		  "(expected 1..100)" },
		{ "daemon", "tcp_keepalive_probes = 99999999999999999999",
		  "tcp_keepalive_probes: number '99999999999999999999' is out "
		  "of range (expected 1..100)" },
		{ "daemon", "tcp_keepalive_probes = 3x",
		  "tcp_keepalive_probes: invalid number '3x' (expected a "
		  "whole number without sign or unit)" },
		{ "daemon", "tcp_keepalive_probes = -1",
		  "tcp_keepalive_probes: invalid number '-1' (expected a "
		  "whole number without sign or unit)" },
		{ "daemon", "tcp_keepalive_probes =", "tcp_keepalive_probes: "
		  "empty number (expected 1..100)" },
		{ "daemon", "tcp_user_timeout = 1h1s", "tcp_user_timeout: "
		  "invalid duration '1h1s': unknown unit (expected ms, s, m "
		  "or h; a bare number is seconds)" },
		{ "daemon", "tcp_user_timeout = 3601s", "tcp_user_timeout: "
		  "duration '3601s' is out of range (expected 0s..1h)" },
		/* In the wrong section. */
		{ "upstream", "ping_timeout = 5s", "unknown key "
		  "'ping_timeout' in [upstream] (it belongs in [redis])" },
		{ "redis", "pong_timeout = 5s", "unknown key 'pong_timeout' "
		  "in [redis] (it belongs in [upstream])" },
		{ "queue", "dns_servers = 192.0.2.1", "unknown key "
		  "'dns_servers' in [queue] (it belongs in [daemon])" },
		{ "upstream", "tcp_keepalive_idle = 1m", "unknown key "
		  "'tcp_keepalive_idle' in [upstream] (it belongs in "
		  "[daemon])" },
	};

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
}

/* Every problem in one file, each at its own line, none cascading. */
static void
test_liveness_dns_tcp_errors_together(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("live.conf",
		"[upstream]\n"				/* 1 */
		"url = ws://h/\n"			/* 2 */
		"ping_interval = 30s\n"			/* 3 */
		"ping_interval = 20s\n"			/* 4 */
		"pong_timeout = 0\n"			/* 5 */
		"liveness = sometimes\n"		/* 6 */
		"slow_retry_codes = 1003, 999\n"	/* 7 */
		"slow_retry_codes = 1003\n"		/* 8 */
		"fin_timeout = 2m\n"			/* 9 */
		"[redis]\n"				/* 10 */
		"channel = c\n"				/* 11 */
		"ping_interval = 30s\n"			/* 12: not a dup */
		"ping_timeout = 0\n"			/* 13 */
		"[daemon]\n"				/* 14 */
		"dns_timeout = 0\n"			/* 15 */
		"dns_servers = resolver.example\n"	/* 16 */
		"tcp_keepalive_idle = 90500ms\n"	/* 17 */
		"tcp_keepalive_interval = 0\n"		/* 18 */
		"tcp_keepalive_probes = 0\n"		/* 19 */
		"tcp_user_timeout = 2h\n"		/* 20 */
		"tcp_user_timeout = 1s\n"		/* 21 */
		"dns_servers =\n");			/* 22 */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/live.conf:4: duplicate key 'ping_interval' in [upstream] "
		"(already set at line 3)\n"
		"$D/live.conf:5: pong_timeout: duration '0' is out of range "
		"(expected 1ms..1h)\n"
		"$D/live.conf:6: liveness: invalid value 'sometimes' "
		"(expected pong or any)\n"
		"$D/live.conf:7: slow_retry_codes: close code '999' is out of "
		"range (expected 1000..4999)\n"
		"$D/live.conf:8: duplicate key 'slow_retry_codes' in "
		"[upstream] (already set at line 7)\n"
		"$D/live.conf:9: fin_timeout: duration '2m' is out of range "
		"(expected 0s..1m)\n"
		"$D/live.conf:13: ping_timeout: duration '0' is out of range "
		"(expected 1ms..1h)\n"
		"$D/live.conf:15: dns_timeout: duration '0' is out of range "
		"(expected 1ms..1h)\n"
		"$D/live.conf:16: dns_servers: invalid name server "
		"'resolver.example' (expected an IP address such as "
		"192.0.2.53 or [2001:db8::53], optionally with :PORT)\n"
		"$D/live.conf:17: tcp_keepalive_idle: duration '90500ms' is "
		"not a whole number of seconds (the kernel takes this "
		"setting in seconds)\n"
		"$D/live.conf:18: tcp_keepalive_interval: duration '0' is out "
		"of range (expected 1s..1h)\n"
		"$D/live.conf:19: tcp_keepalive_probes: number '0' is out of "
		"range (expected 1..100)\n"
		"$D/live.conf:20: tcp_user_timeout: duration '2h' is out of "
		"range (expected 0s..1h)\n"
		"$D/live.conf:21: duplicate key 'tcp_user_timeout' in "
		"[daemon] (already set at line 20)\n"
		"$D/live.conf:22: duplicate key 'dns_servers' in [daemon] "
		"(already set at line 16)\n");
	/* Rejected values leave the defaults; the good ones are kept. */
	assert_int_equal(r.cfg.ping_interval_ms, 30000);
	assert_int_equal(r.cfg.pong_timeout_ms, 10000);
	assert_int_equal(r.cfg.slow_retry_codes.count, 3);
	assert_int_equal(r.cfg.redis_ping_interval_ms, 30000);
	assert_null(r.cfg.dns_servers);
	assert_int_equal(r.cfg.tcp_keepalive_idle_ms, 60000);
	run_free(&r);
}

/* ---- close code lists ------------------------------------------------- */

static void
test_close_code_set_has(void **state)
{
	struct close_code_set empty = { .count = 0 };
	struct config cfg;

	(void)state;
	config_init(&cfg);
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 1000));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 1002));
	assert_true(close_code_set_has(&cfg.slow_retry_codes, 1003));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 1004));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 1006));
	assert_true(close_code_set_has(&cfg.slow_retry_codes, 1008));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 1011));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 3999));
	assert_true(close_code_set_has(&cfg.slow_retry_codes, 4000));
	assert_true(close_code_set_has(&cfg.slow_retry_codes, 4403));
	assert_true(close_code_set_has(&cfg.slow_retry_codes, 4999));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 5000));
	assert_false(close_code_set_has(&cfg.slow_retry_codes, 0));
	assert_false(close_code_set_has(&cfg.slow_retry_codes,
					0x10000u + 1003));
	assert_false(close_code_set_has(&empty, 1003));
	assert_false(close_code_set_has(NULL, 1003));
	config_free(&cfg);
}

struct code_case {
	const char *value;
	size_t count;
	struct { unsigned lo, hi; } ranges[16];
};

static void
test_close_code_lists(void **state)
{
	static const struct code_case cases[] = {
		{ "1003, 1008, 4000-4999", 3,
		  { { 1003, 1003 }, { 1008, 1008 }, { 4000, 4999 } } },
		{ "  1000  ", 1, { { 1000, 1000 } } },
		{ "4000 - 4099,4100-4100 ,\t4999", 3,
		  { { 4000, 4099 }, { 4100, 4100 }, { 4999, 4999 } } },
		{ "4999,1000", 2, { { 4999, 4999 }, { 1000, 1000 } } },
		{ "1000-1000", 1, { { 1000, 1000 } } },
		{ "01008", 1, { { 1008, 1008 } } },
		{ "4000-4499, 4500-4999", 2, { { 4000, 4499 },
					       { 4500, 4999 } } },
		{ "", 0, { { 0, 0 } } },
		{ "\"\"", 0, { { 0, 0 } } },
		{ "\" \"", 0, { { 0, 0 } } },
		{ "1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,"
		  "1011,1012,1013,1014,1015", 16,
		  { { 1000, 1000 }, { 1001, 1001 }, { 1002, 1002 },
		    { 1003, 1003 }, { 1004, 1004 }, { 1005, 1005 },
		    { 1006, 1006 }, { 1007, 1007 }, { 1008, 1008 },
		    { 1009, 1009 }, { 1010, 1010 }, { 1011, 1011 },
		    { 1012, 1012 }, { 1013, 1013 }, { 1014, 1014 },
		    { 1015, 1015 } } },
	};
	char text[512];
	const char *path;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		const struct close_code_set *set;

		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "[upstream]\nslow_retry_codes = %s\n",
			 cases[i].value);
		path = write_file("cc.conf", text);
		load(&r, "-c", path, NULL);
		if (r.rc != 0)
			fail_msg("'%s' refused: %s", cases[i].value, r.text);
		set = &r.cfg.slow_retry_codes;
		assert_int_equal(set->count, cases[i].count);
		for (size_t j = 0; j < set->count; j++) {
			assert_int_equal(set->ranges[j].lo,
					 cases[i].ranges[j].lo);
			assert_int_equal(set->ranges[j].hi,
					 cases[i].ranges[j].hi);
		}
		run_free(&r);
		cleanup_files(NULL);
	}

	/* An empty list holds nothing, not even the defaults. */
	path = write_file("cc.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[upstream]\nslow_retry_codes =\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_false(close_code_set_has(&r.cfg.slow_retry_codes, 1008));
	assert_false(close_code_set_has(&r.cfg.slow_retry_codes, 4000));
	run_free(&r);
	cleanup_files(NULL);

	/* What was set is what is matched. */
	path = write_file("cc.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[upstream]\nslow_retry_codes = 1011, 4400-4409\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_true(close_code_set_has(&r.cfg.slow_retry_codes, 1011));
	assert_true(close_code_set_has(&r.cfg.slow_retry_codes, 4400));
	assert_true(close_code_set_has(&r.cfg.slow_retry_codes, 4409));
	assert_false(close_code_set_has(&r.cfg.slow_retry_codes, 4410));
	assert_false(close_code_set_has(&r.cfg.slow_retry_codes, 1008));
	run_free(&r);
}

#define CC_SYNTAX(v) \
	{ "upstream", "slow_retry_codes = " v, "slow_retry_codes: invalid " \
	  "close code '" v "' (expected a code such as 1008 or a range " \
	  "such as 4000-4999)" }
#define CC_RANGE(v, code) \
	{ "upstream", "slow_retry_codes = " v, "slow_retry_codes: close " \
	  "code '" code "' is out of range (expected 1000..4999)" }
#define CC_EMPTY(v) \
	{ "upstream", "slow_retry_codes = " v, "slow_retry_codes: empty " \
	  "item in '" v "' (expected codes or ranges separated by commas)" }

static void
test_close_code_errors(void **state)
{
	static const struct bad_value cases[] = {
		CC_SYNTAX("abc"),
		CC_SYNTAX("1003;1008"),
		CC_SYNTAX("1003 1008"),
		CC_SYNTAX("-1003"),
		CC_SYNTAX("+1003"),
		CC_SYNTAX("1003x"),
		CC_SYNTAX("0x3eb"),
		CC_SYNTAX("1000-"),
		CC_SYNTAX("-"),
		CC_SYNTAX("1000--2000"),
		CC_SYNTAX("1000-2000-3000"),
		CC_SYNTAX("4000-x"),
		CC_SYNTAX("4000 to 4999"),
		CC_SYNTAX("1003.5"),
		CC_RANGE("999", "999"),
		CC_RANGE("0", "0"),
		CC_RANGE("5000", "5000"),
		CC_RANGE("1003, 65535", "65535"),
		CC_RANGE("1000-5000", "5000"),
		CC_RANGE("900-1100", "900"),
		CC_RANGE("99999999999999999999", "99999999999999999999"),
		CC_RANGE("66539", "66539"),	/* 1003 + 65536 */
		CC_EMPTY(","),
		CC_EMPTY("1003,"),
		{ "upstream", "slow_retry_codes = \"1003, \"",
		  "slow_retry_codes: empty item in '1003, ' (expected codes "
		  "or ranges separated by commas)" },
		CC_EMPTY(",1003"),
		CC_EMPTY("1003,,1008"),
		CC_EMPTY("1003, ,1008"),
		{ "upstream", "slow_retry_codes = 4999-4000",
		  "slow_retry_codes: range '4999-4000' is backwards "
		  "(expected 4000-4999)" },
		{ "upstream", "slow_retry_codes = 1003, 4100 - 4001",
		  "slow_retry_codes: range '4100 - 4001' is backwards "
		  "(expected 4001-4100)" },
		{ "upstream", "slow_retry_codes = 1008, 1008",
		  "slow_retry_codes: '1008' overlaps '1008' (list each code "
		  "once)" },
		{ "upstream", "slow_retry_codes = 4000-4999, 4500",
		  "slow_retry_codes: '4500' overlaps '4000-4999' (list each "
		  "code once)" },
		{ "upstream", "slow_retry_codes = 4500, 4000 - 4999",
		  "slow_retry_codes: '4000 - 4999' overlaps '4500' (list each "
		  "code once)" },
		{ "upstream", "slow_retry_codes = 4000-4500, 4500-4999",
		  "slow_retry_codes: '4500-4999' overlaps '4000-4500' (list "
		  "each code once)" },
		{ "upstream", "slow_retry_codes = 1000,1001,1002,1003,1004,"
		  "1005,1006,1007,1008,1009,1010,1011,1012,1013,1014,1015,"
		  "1016", "slow_retry_codes: more than 16 items (join "
		  "neighbouring codes into ranges such as 4000-4099)" },
	};

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
}

/* ---- [status] --------------------------------------------------------- */

static void
test_status_settings(void **state)
{
	char text[1024], name[257];
	const char *path;
	struct run r;

	(void)state;
	/* Empty turns each part off. */
	path = write_file("off.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[status]\nkey =\nchannel = \"\"\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_null(r.cfg.status_key);
	assert_null(r.cfg.status_channel);
	run_free(&r);

	/* Any bytes but control characters; spaces too. */
	path = write_file("names.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[status]\nkey = {app}:wspushd \xc3\xa9\n"
			  "channel = \" events \"\nttl = 1s\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.status_key, "{app}:wspushd \xc3\xa9");
	assert_string_equal(r.cfg.status_channel, " events ");
	assert_int_equal(r.cfg.status_ttl_ms, 1000);
	/* The status channel is not subscribed to. */
	assert_int_equal(r.cfg.channels.count, 1);
	run_free(&r);

	/* 256 bytes at most. */
	memset(name, 'k', 256);
	name[256] = '\0';
	snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
		 "[status]\nkey = %s\nchannel = %s\nttl = 1h\n", name, name);
	path = write_file("long.conf", text);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(strlen(r.cfg.status_key), 256);
	assert_int_equal(r.cfg.status_ttl_ms, 3600000);
	run_free(&r);
	snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
		 "[status]\nkey = %sk\nchannel = %sc\n", name, name);
	path = write_file("long.conf", text);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text,
		"$D/long.conf:6: key: key name is longer than 256 bytes\n"
		"$D/long.conf:7: channel: channel name is longer than 256 "
		"bytes\n");
	/* A rejected name is not replaced by the default. */
	assert_null(r.cfg.status_key);
	assert_null(r.cfg.status_channel);
	run_free(&r);
}

static void
test_status_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "status", "key = a\x01z", "key: key name contains control "
		  "characters" },
		{ "status", "key = \"a\tz\"", "key: key name contains control "
		  "characters" },
		{ "status", "channel = a\x7fz", "channel: channel name "
		  "contains control characters" },
		{ "status", "ttl = 999ms", "ttl: duration '999ms' is out of "
		  "range (expected 1s..1h)" },
		{ "status", "ttl = 0", "ttl: duration '0' is out of range "
		  "(expected 1s..1h)" },
		{ "status", "ttl = 61m", "ttl: duration '61m' is out of range "
		  "(expected 1s..1h)" },
		{ "status", "ttl = soon", "ttl: invalid duration 'soon' "
		  "(expected e.g. 250ms, 3s, 1m)" },
		{ "status", "ttl =", "ttl: empty duration (expected e.g. "
		  "250ms, 3s, 1m)" },
		{ "status", "listen = 127.0.0.1:9477", "unknown key 'listen' "
		  "in [status] (it belongs in [metrics])" },
		{ "daemon", "ttl = 30s", "unknown key 'ttl' in [daemon] (it "
		  "belongs in [status])" },
		{ "status", "foo = bar", "unknown key 'foo' in [status]" },
		/* A channel in [upstream] is still thought a [redis] one. */
		{ "upstream", "channel = x", "unknown key 'channel' in "
		  "[upstream] (it belongs in [redis])" },
	};
	const char *path;
	struct run r;

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));

	path = write_file("dup.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[status]\nkey = a\nkey = b\nttl = 5s\nttl = 6s\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text,
		"$D/dup.conf:7: duplicate key 'key' in [status] (already set "
		"at line 6)\n"
		"$D/dup.conf:9: duplicate key 'ttl' in [status] (already set "
		"at line 8)\n");
	run_free(&r);
}

/* ---- [daemon] runtime_dir --------------------------------------------- */

static void
test_runtime_dir(void **state)
{
	/* Not root, the user's own: a session's $XDG_RUNTIME_DIR. */
	const char *own = geteuid() == 0 ? "/run/wspushd" : "/run/user/1/wspushd";
	static const struct { const char *env, *dir; } cases[] = {
		{ NULL, NULL },
		{ "", NULL },
		{ "/run/wspushd-x", "/run/wspushd-x" },
		{ "/run/a:/run/b", "/run/a" },
		{ "/run/a:", "/run/a" },
		{ "/", "/" },
	};
	const char *path;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		if (cases[i].env != NULL)
			setenv("RUNTIME_DIRECTORY", cases[i].env, 1);
		else
			unsetenv("RUNTIME_DIRECTORY");
		setenv("XDG_RUNTIME_DIR", "/run/user/1", 1);
		load(&r, "--url", "ws://h/", "--channel", "c", NULL);
		assert_string_equal(r.text, "");
		assert_string_equal(r.cfg.runtime_dir,
				    cases[i].dir ? cases[i].dir : own);
		run_free(&r);
	}
	/* --runtime-dir wins over the environment. */
	setenv("RUNTIME_DIRECTORY", "/run/x", 1);
	load(&r, "--url", "ws://h/", "--channel", "c", "--runtime-dir", "/tmp/y", NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.runtime_dir, "/tmp/y");
	run_free(&r);
	unsetenv("XDG_RUNTIME_DIR");

	/* The environment comes from systemd, but is checked all the same. */
	setenv("RUNTIME_DIRECTORY", "run/x:/run/y", 1);
	load(&r, "--url", "ws://h/", "--channel", "c", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "environment: RUNTIME_DIRECTORY: 'run/x' "
			    "is not an absolute path\n");
	assert_null(r.cfg.runtime_dir);
	run_free(&r);

	/* The file wins over the environment, even a bad one. */
	path = write_file("rd.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[daemon]\nruntime_dir = /var/lib/wspushd/\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.runtime_dir, "/var/lib/wspushd/");
	run_free(&r);
	setenv("RUNTIME_DIRECTORY", "/run/other", 1);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.cfg.runtime_dir, "/var/lib/wspushd/");
	run_free(&r);

	/* It need not exist yet: systemd makes it just before the start. */
	path = write_file_d("rd2.conf", GOOD_UPSTREAM GOOD_REDIS
			    "[daemon]\nruntime_dir = $D/not-yet\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	run_free(&r);
}

static void
test_runtime_dir_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "daemon", "runtime_dir = run/wspushd", "runtime_dir: "
		  "'run/wspushd' is not an absolute path" },
		{ "daemon", "runtime_dir = ~/run", "runtime_dir: '~/run' is "
		  "not an absolute path" },
		{ "daemon", "runtime_dir =", "runtime_dir: empty directory "
		  "name (leave the key out for the default: "
		  "$RUNTIME_DIRECTORY, else /run/wspushd)" },
		{ "daemon", "runtime_dir = /run/a\x01", "runtime_dir: "
		  "directory name contains control characters" },
		{ "upstream", "runtime_dir = /run", "unknown key "
		  "'runtime_dir' in [upstream] (it belongs in [daemon])" },
	};

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_header_errors),
		T(test_subprotocol_lists),
		T(test_liveness_dns_tcp_errors),
		T(test_liveness_dns_tcp_errors_together),
		T(test_close_code_set_has),
		T(test_close_code_lists),
		T(test_close_code_errors),
		T(test_status_settings),
		T(test_status_errors),
		T(test_runtime_dir),
		T(test_runtime_dir_errors),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
