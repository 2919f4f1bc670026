/*
 * test_config_file.c - the file as a whole: every problem reported, once, at its line;
 * unknown sections and keys, an unreadable file; settings checked
 * against each other.
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

/* ---- file errors ------------------------------------------------------ */

static void
test_file_errors_all_reported(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("many.conf",
		"stray = 1\n"				/* 1 */
		"channel = x\n"				/* 2 */
		"[upstream]\n"				/* 3 */
		"url = ws://h/\n"			/* 4 */
		"url = ws://h2/\n"			/* 5 */
		"foo = bar\n"				/* 6 */
		"channel = misplaced\n"			/* 7 */
		"connect_timeout = abc\n"		/* 8 */
		"close_timeout = 0\n"			/* 9 */
		"backoff_reset = 2h\n"			/* 10 */
		"message_type = json\n"			/* 11 */
		"max_message_size = 64K\n"		/* 12 */
		"this line is wrong\n"			/* 13 */
		"[redis]\n"				/* 14 */
		"url = redis://h:0\n"			/* 15 */
		"channel =\n"				/* 16 */
		"channel = dup\n"			/* 17 */
		"channel = dup\n"			/* 18 */
		"pattern = \"\"\n"			/* 19 */
		"[sidecar]\n"				/* 20 */
		"anything = goes\n"			/* 21 */
		"[queue]\n"				/* 22 */
		"max_messages = 0\n"			/* 23 */
		"max_bytes = -5\n"			/* 24 */
		"overflow = drop-all\n"			/* 25 */
		"[daemon]\n"				/* 26 */
		"drain_timeout = 61m\n"			/* 27 */
		"log_level = verbose\n"			/* 28 */
		"max_messages = 5\n");			/* 29 */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/many.conf:1: unknown key 'stray' outside any section\n"
		"$D/many.conf:2: key 'channel' is outside any section (put "
		"it under [redis])\n"
		"$D/many.conf:5: duplicate key 'url' in [upstream] (already "
		"set at line 4)\n"
		"$D/many.conf:6: unknown key 'foo' in [upstream]\n"
		"$D/many.conf:7: unknown key 'channel' in [upstream] (it "
		"belongs in [redis])\n"
		"$D/many.conf:8: connect_timeout: invalid duration 'abc' "
		"(expected e.g. 250ms, 3s, 1m)\n"
		"$D/many.conf:9: close_timeout: duration '0' is out of range "
		"(expected 1ms..10m)\n"
		"$D/many.conf:10: backoff_reset: duration '2h' is out of "
		"range (expected 0s..1h)\n"
		"$D/many.conf:11: message_type: invalid value 'json' "
		"(expected auto, text or binary)\n"
		"$D/many.conf:12: max_message_size: invalid size '64K': "
		"unknown unit (use KiB, MiB, GiB for powers of 1024 or kB, "
		"MB, GB for powers of 1000)\n"
		"$D/many.conf:13: expected 'key = value', '[section]' or a "
		"comment\n"
		"$D/many.conf:15: url: invalid port '0' (expected 1-65535)\n"
		"$D/many.conf:16: channel: empty channel name\n"
		"$D/many.conf:18: channel: channel 'dup' is listed more than "
		"once\n"
		"$D/many.conf:19: pattern: empty pattern name\n"
		"$D/many.conf:20: unknown section [sidecar] (expected "
		"[upstream], [redis], [queue], [daemon], [status], "
		"[metrics], [fleet] or [inbound])\n"
		"$D/many.conf:23: max_messages: number '0' is out of range "
		"(expected 1..100000000)\n"
		"$D/many.conf:24: max_bytes: invalid size '-5' (expected "
		"e.g. 512, 64KiB, 16MiB)\n"
		"$D/many.conf:25: overflow: invalid value 'drop-all' "
		"(expected drop-oldest or drop-newest)\n"
		"$D/many.conf:27: drain_timeout: duration '61m' is out of "
		"range (expected 0s..1h)\n"
		"$D/many.conf:28: log_level: invalid value 'verbose' "
		"(expected error, warn, info or debug)\n"
		"$D/many.conf:29: unknown key 'max_messages' in [daemon] (it "
		"belongs in [queue])\n");
	run_free(&r);
}

/* One message per mistake, and none for the lines that are right. */
static void
test_one_error_per_bad_line(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("lines.conf",
		"# mistakes on lines 4, 6, 9, 10, 12, 14 and 17\n"
		"[upstream]\n"
		"url = ws://127.0.0.1:9/ingest\n"
		"connect_timeout = 3 parsecs\n"
		"backoff_min = 250ms\n"
		"backoff_max = soon\n"
		"[redis]\n"
		"channel = events\n"
		"backoff_min = -1s\n"
		"this line has no equals sign\n"
		"[queue]\n"
		"overflow = drop-sideways\n"
		"max_bytes = 64MiB\n"
		"max_messages = lots\n"
		"[daemon]\n"
		"drain_timeout = 2s\n"
		"log_level = chatty\n");
	load(&r, "-c", path, "--check-config", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.action, CLI_CHECK_CONFIG);
	assert_string_equal(r.text,
		"$D/lines.conf:4: connect_timeout: invalid duration "
		"'3 parsecs': unknown unit (expected ms, s, m or h; a bare "
		"number is seconds)\n"
		"$D/lines.conf:6: backoff_max: invalid duration 'soon' "
		"(expected e.g. 250ms, 3s, 1m)\n"
		"$D/lines.conf:9: backoff_min: invalid duration '-1s' "
		"(expected e.g. 250ms, 3s, 1m)\n"
		"$D/lines.conf:10: expected 'key = value', '[section]' or a "
		"comment\n"
		"$D/lines.conf:12: overflow: invalid value 'drop-sideways' "
		"(expected drop-oldest or drop-newest)\n"
		"$D/lines.conf:14: max_messages: invalid number 'lots' "
		"(expected a whole number without sign or unit)\n"
		"$D/lines.conf:17: log_level: invalid value 'chatty' "
		"(expected error, warn, info or debug)\n");
	run_free(&r);
}

/* ---- the file as a whole ------------------------------------------- */

static void
test_unknown_section_reported_once(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("sect.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[Upstream]\nurl = x\nfoo = y\n"
			  "[queue]\nmax_messages = 7\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/sect.conf:5: unknown section "
			    "[Upstream] (expected [upstream], [redis], [queue], "
			    "[daemon], [status], [metrics], [fleet] or "
			    "[inbound])\n");
	/* The known section after it is read normally. */
	assert_int_equal(r.cfg.queue_max_messages, 7);
	run_free(&r);
}

static void
test_file_unreadable(void **state)
{
	char want[256];
	struct run r;

	(void)state;
	load(&r, "-c", "/nonexistent/wspushd.conf", NULL);
	assert_int_equal(r.rc, -1);
	/* One message, not a follow-up about the missing URL. */
	assert_string_equal(r.text, "command line: --config: cannot read "
			    "'/nonexistent/wspushd.conf': No such file or "
			    "directory\n");
	run_free(&r);

	load(&r, "-c", tmpdir, NULL);
	assert_int_equal(r.rc, -1);
	/* Refused before it is opened: one message, no follow-up. */
	snprintf(want, sizeof(want), "command line: --config: '$D' is a "
		 "directory, not a file\n");
	assert_string_equal(r.text, want);
	run_free(&r);
}

static void
test_syntax_error_only(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("syn.conf", GOOD_UPSTREAM GOOD_REDIS "[queue\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/syn.conf:5: unterminated section "
			    "header (expected '[name]' alone on the line)\n");
	run_free(&r);
}

/* ---- cross-field checks ----------------------------------------------- */

static void
test_missing_url_and_channels(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("empty.conf", "# nothing\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/empty.conf: no upstream URL: set url in [upstream] or "
		"pass --url\n"
		"$D/empty.conf: nothing to read: set channel, pattern or "
		"stream in [redis] or pass --channel, --pattern or "
		"--stream\n");
	run_free(&r);

	/* A bad value was reported already; "missing" would be noise. */
	path = write_file("badurl.conf", "[upstream]\nurl = ws://\n"
			  "[redis]\nchannel =\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text,
		"$D/badurl.conf:2: url: missing host\n"
		"$D/badurl.conf:4: channel: empty channel name\n");
	run_free(&r);

	/* Patterns alone are enough. */
	load(&r, "--url", "ws://h/", "--pattern", "*", NULL);
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

static void
test_backoff_order(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("bo1.conf",
		GOOD_REDIS
		"backoff_max = 1s\n"			/* 3 */
		"backoff_min = 2s\n"			/* 4 */
		"[upstream]\n"				/* 5 */
		"url = ws://h/\n"			/* 6 */
		"backoff_min = 5s\n"			/* 7 */
		"backoff_max = 1500ms\n");		/* 8 */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/bo1.conf:8: backoff_max (1500ms) is smaller than "
		"backoff_min (5s)\n"
		"$D/bo1.conf:3: backoff_max (1s) is smaller than "
		"backoff_min (2s)\n");
	run_free(&r);

	/* Only one side set: point at it, name the default. */
	path = write_file("bo2.conf", GOOD_REDIS GOOD_UPSTREAM
			  "backoff_min = 1m\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/bo2.conf:5: backoff_min (1m) is "
			    "larger than backoff_max (30s, the default)\n");
	run_free(&r);

	path = write_file("bo3.conf", GOOD_REDIS "backoff_max = 100ms\n"
			  GOOD_UPSTREAM);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/bo3.conf:3: backoff_max (100ms) is "
			    "smaller than backoff_min (250ms, the default)\n");
	run_free(&r);

	/* A bad side is not compared. */
	path = write_file("bo4.conf", GOOD_REDIS GOOD_UPSTREAM
			  "backoff_min = 1m\nbackoff_max = 5x\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/bo4.conf:6: backoff_max: invalid "
			    "duration '5x': unknown unit (expected ms, s, m or "
			    "h; a bare number is seconds)\n");
	run_free(&r);

	/* Equal is fine. */
	path = write_file("bo5.conf", GOOD_REDIS GOOD_UPSTREAM
			  "backoff_min = 2s\nbackoff_max = 2000ms\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	run_free(&r);
}

static void
test_message_size_vs_queue(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("sz1.conf", GOOD_REDIS GOOD_UPSTREAM
			  "max_message_size = 2MiB\n"
			  "[queue]\nmax_bytes = 1MiB\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/sz1.conf:5: max_message_size (2MiB) "
			    "is larger than [queue] max_bytes (1MiB), so such "
			    "a message could never be queued\n");
	run_free(&r);

	path = write_file("sz2.conf", GOOD_REDIS GOOD_UPSTREAM
			  "[queue]\nmax_bytes = 1000\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/sz2.conf:6: max_bytes (1000) is "
			    "smaller than [upstream] max_message_size (1MiB, "
			    "the default), so such a message could never be "
			    "queued\n");
	run_free(&r);

	path = write_file("sz3.conf", GOOD_REDIS GOOD_UPSTREAM
			  "max_message_size = 64MiB\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	run_free(&r);

	path = write_file("sz4.conf", GOOD_REDIS GOOD_UPSTREAM
			  "max_message_size = 65MiB\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/sz4.conf:5: max_message_size (65MiB) "
			    "is larger than [queue] max_bytes (64MiB, the "
			    "default), so such a message could never be "
			    "queued\n");
	run_free(&r);
}

/* Every new kind of problem in one file, each at its own line. */
static void
test_new_keys_errors_together(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	write_file("ca.pem", "");
	write_file("empty", "");
	path = write_file_d("all.conf",
		"[upstream]\n"					/* 1 */
		"url = ws://h/\n"				/* 2 */
		"header = Authorization: @$D/empty\n"		/* 3 */
		"tls_ca_file = $D/ca.pem\n"			/* 4 */
		"tls_ca_file = $D/ca.pem\n"			/* 5 */
		"tls_ca_dir = $D/ca.pem\n"			/* 6 */
		"tls_server_name = bad name\n"			/* 7 */
		"tls_insecure = maybe\n"			/* 8 */
		"tls_cert_file = $D/ca.pem\n"			/* 9 */
		"[redis]\n"					/* 10 */
		"channel = c\n"					/* 11 */
		"password_file = token\n"			/* 12 */
		"[daemon]\n"					/* 13 */
		"runtime_dir = relative\n"			/* 14 */
		"[status]\n"					/* 15 */
		"key = a\x01\n"					/* 16 */
		"ttl = 2h\n"					/* 17 */
		"channel =\n"					/* 18 */
		"channel = again\n"				/* 19 */
		"[metrics]\n"					/* 20 */
		"listen = 0.0.0.0:9477\n"			/* 21 */
		"listen = 127.0.0.1:9477\n");			/* 22 */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/all.conf:3: header: header 'Authorization': '$D/empty' "
		"is empty\n"
		"$D/all.conf:5: duplicate key 'tls_ca_file' in [upstream] "
		"(already set at line 4)\n"
		"$D/all.conf:6: tls_ca_dir: '$D/ca.pem' is not a directory\n"
		"$D/all.conf:7: tls_server_name: invalid server name "
		"'bad name' (expected a host name such as "
		"push.example.com)\n"
		"$D/all.conf:8: tls_insecure: invalid value 'maybe' "
		"(expected yes or no)\n"
		"$D/all.conf:12: password_file: CREDENTIALS_DIRECTORY is not "
		"set, so credential 'token' cannot be found (load it with "
		"LoadCredential=, or give a path containing '/')\n"
		"$D/all.conf:14: runtime_dir: 'relative' is not an absolute "
		"path\n"
		"$D/all.conf:16: key: key name contains control characters\n"
		"$D/all.conf:17: ttl: duration '2h' is out of range "
		"(expected 1s..1h)\n"
		"$D/all.conf:19: duplicate key 'channel' in [status] "
		"(already set at line 18)\n"
		"$D/all.conf:21: listen: '0.0.0.0:9477': metrics are served "
		"on loopback only (expected 127.x.y.z:PORT or [::1]:PORT)\n"
		"$D/all.conf:22: duplicate key 'listen' in [metrics] "
		"(already set at line 21)\n"
		"$D/all.conf:4: tls_ca_file: TLS settings need a wss:// URL "
		"(url is 'ws://h/')\n"
		"$D/all.conf:9: tls_cert_file without tls_key_file (a client "
		"certificate needs its private key)\n");
	/* Rejected values leave the defaults; the good ones are kept. */
	assert_null(r.cfg.status_key);
	assert_null(r.cfg.status_channel);
	assert_int_equal(r.cfg.status_ttl_ms, 30000);
	assert_null(r.cfg.metrics_listen);
	assert_null(r.cfg.runtime_dir);
	assert_non_null(r.cfg.tls_ca_file);
	assert_null(r.cfg.tls_ca_dir);
	assert_false(r.cfg.tls_insecure);
	assert_int_equal(r.cfg.headers.count, 0);
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_file_errors_all_reported),
		T(test_one_error_per_bad_line),
		T(test_unknown_section_reported_once),
		T(test_file_unreadable),
		T(test_syntax_error_only),
		T(test_missing_url_and_channels),
		T(test_backoff_order),
		T(test_message_size_vs_queue),
		T(test_new_keys_errors_together),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
