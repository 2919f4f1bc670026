/*
 * test_config_flags.c - the command line: flags over the file, the actions (--help,
 * --check-config, --status ...) and every flag error.
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

/* ---- flags over the file --------------------------------------------- */

static void
test_flags_override_file(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("base.conf",
		"[upstream]\n"
		"url = ws://file.example/\n"
		"[redis]\n"
		"url = redis://file-redis:7000\n"
		"channel = f1\n"
		"channel = f2\n"
		"pattern = fp.*\n"
		"[daemon]\n"
		"log_level = error\n");

	load(&r, "--url", "wss://flag.example/x", "-c", path,
	     "--redis", "redis://:pw@flag-redis/1", "--channel", "c1",
	     "--log-level", "debug", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.cfg.url_text, "wss://flag.example/x");
	assert_string_equal(r.cfg.url.host, "flag.example");
	assert_string_equal(r.cfg.redis_url_text, "redis://:pw@flag-redis/1");
	assert_string_equal(r.cfg.redis.host, "flag-redis");
	assert_int_equal(r.cfg.redis.db, 1);
	/* --channel replaces the file's channels... */
	assert_int_equal(r.cfg.channels.count, 1);
	assert_string_equal(r.cfg.channels.items[0], "c1");
	/* ...and leaves its patterns alone. */
	assert_int_equal(r.cfg.patterns.count, 1);
	assert_string_equal(r.cfg.patterns.items[0], "fp.*");
	assert_int_equal(r.cfg.log_level, LOG_DEBUG);
	run_free(&r);

	load(&r, "--config", path, "--pattern", "x", "--pattern", "y", NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.cfg.url.host, "file.example");
	assert_string_equal(r.cfg.redis.host, "file-redis");
	assert_int_equal(r.cfg.channels.count, 2);
	assert_int_equal(r.cfg.patterns.count, 2);
	assert_string_equal(r.cfg.patterns.items[0], "x");
	assert_string_equal(r.cfg.patterns.items[1], "y");
	assert_int_equal(r.cfg.log_level, LOG_ERR);
	run_free(&r);

	/* "--opt=value" and a later -c both work. */
	load(&r, "--config=/nonexistent", "--url=ws://eq/", "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.url.host, "eq");
	run_free(&r);
}

static void
test_duration_flags_override_file(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("dur.conf",
		GOOD_REDIS
		"[upstream]\n"
		"url = ws://h/\n"
		"connect_timeout = 7s\n"
		"ping_interval = 20s\n"
		"pong_timeout = 4s\n"
		"[daemon]\n"
		"drain_timeout = 9s\n");

	/* The file alone. */
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.cfg.connect_timeout_ms, 7000);
	assert_int_equal(r.cfg.ping_interval_ms, 20000);
	assert_int_equal(r.cfg.pong_timeout_ms, 4000);
	assert_int_equal(r.cfg.drain_timeout_ms, 9000);
	run_free(&r);

	/* Every flag wins, given before or after -c, "--f v" or "--f=v". */
	load(&r, "--connect-timeout", "1.5s", "-c", path,
	     "--ping-interval=0", "--pong-timeout", "250ms",
	     "--drain-timeout", "1m", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.connect_timeout_ms, 1500);
	assert_int_equal(r.cfg.ping_interval_ms, 0);
	assert_int_equal(r.cfg.pong_timeout_ms, 250);
	assert_int_equal(r.cfg.drain_timeout_ms, 60000);
	/* Keys without a flag keep the file's value or the default. */
	assert_int_equal(r.cfg.fin_timeout_ms, 1000);
	run_free(&r);

	/* One flag leaves the file's other settings alone. */
	load(&r, "-c", path, "--pong-timeout", "3", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.cfg.connect_timeout_ms, 7000);
	assert_int_equal(r.cfg.ping_interval_ms, 20000);
	assert_int_equal(r.cfg.pong_timeout_ms, 3000);
	assert_int_equal(r.cfg.drain_timeout_ms, 9000);
	run_free(&r);

	/* Without a file, over the defaults; the last of a repeat wins. */
	load(&r, "--url", "ws://h/", "--channel", "c", "--ping-interval",
	     "5s", "--ping-interval", "1h", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.cfg.ping_interval_ms, 3600000);
	assert_int_equal(r.cfg.connect_timeout_ms, 3000);
	run_free(&r);
}

static void
test_duration_flag_errors(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	load(&r, "--url", "ws://h/", "--channel", "c",
	     "--connect-timeout", "0", "--ping-interval", "61m",
	     "--pong-timeout", "soon", "--drain-timeout", "-1s",
	     "--ping-interval", "", "--pong-timeout", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"command line: --connect-timeout: duration '0' is out of "
		"range (expected 1ms..1h)\n"
		"command line: --ping-interval: duration '61m' is out of "
		"range (expected 0s..1h)\n"
		"command line: --pong-timeout: invalid duration 'soon' "
		"(expected e.g. 250ms, 3s, 1m)\n"
		"command line: --drain-timeout: invalid duration '-1s' "
		"(expected e.g. 250ms, 3s, 1m)\n"
		"command line: --ping-interval: empty duration (expected "
		"e.g. 250ms, 3s, 1m)\n"
		"command line: option '--pong-timeout' requires an "
		"argument\n");
	assert_int_equal(r.cfg.connect_timeout_ms, 3000);
	assert_int_equal(r.cfg.ping_interval_ms, 30000);
	run_free(&r);

	/* A bad flag keeps the file's value and is still reported. */
	path = write_file("durbad.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[upstream]\nconnect_timeout = 8s\n");
	load(&r, "-c", path, "--connect-timeout", "2h", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "command line: --connect-timeout: "
			    "duration '2h' is out of range (expected "
			    "1ms..1h)\n");
	assert_int_equal(r.cfg.connect_timeout_ms, 8000);
	run_free(&r);

	/* A bad line is reported, and a good flag still replaces it. */
	path = write_file("durbad2.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[daemon]\ndrain_timeout = 2h\nlog_level = loud\n");
	load(&r, "-c", path, "--drain-timeout", "2s", "--log-level", "warn",
	     NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/durbad2.conf:6: drain_timeout: duration '2h' is out of "
		"range (expected 0s..1h)\n"
		"$D/durbad2.conf:7: log_level: invalid value 'loud' "
		"(expected error, warn, info or debug)\n");
	assert_int_equal(r.cfg.drain_timeout_ms, 2000);
	assert_int_equal(r.cfg.log_level, LOG_WARNING);
	run_free(&r);
}

/* A file error still counts even when a flag overrides the key. */
static void
test_bad_file_value_overridden_by_flag(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("bad.conf", "[upstream]\nurl = http://x/\n"
			  GOOD_REDIS);
	load(&r, "-c", path, "--url", "ws://ok/", NULL);
	assert_string_equal(r.text, "$D/bad.conf:2: url: unsupported scheme "
			    "'http' (expected ws:// or wss://)\n");
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.cfg.url.host, "ok");
	run_free(&r);
}

/* ---- actions ---------------------------------------------------------- */

static void
test_help_and_version(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	load(&r, "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_HELP);
	assert_string_equal(r.text, "");
	run_free(&r);

	load(&r, "-h", NULL);
	assert_int_equal(r.action, CLI_HELP);
	run_free(&r);

	load(&r, "--version", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_VERSION);
	run_free(&r);

	load(&r, "-V", NULL);
	assert_int_equal(r.action, CLI_VERSION);
	run_free(&r);

	load(&r, "-V", "-h", NULL);
	assert_int_equal(r.action, CLI_HELP);
	run_free(&r);

	/* The file is not read at all: missing, or full of errors. */
	load(&r, "-c", "/nonexistent/wspushd.conf", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_HELP);
	assert_string_equal(r.text, "");
	run_free(&r);

	path = write_file("junk.conf", "[nope]\ngarbage\n");
	load(&r, "-c", path, "--version", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_VERSION);
	run_free(&r);

	/* Command-line mistakes are still reported alongside. */
	load(&r, "--bogus", "--help", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.action, CLI_HELP);
	assert_string_equal(r.text, "command line: unrecognized option "
			    "'--bogus'\n");
	run_free(&r);
}

static void
test_check_config(void **state)
{
	struct run r;

	(void)state;
	load(&r, "--check-config", "--url", "ws://h/", "--channel", "c", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_CHECK_CONFIG);
	run_free(&r);

	/* The action is set even when the configuration is bad. */
	load(&r, "--check-config", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.action, CLI_CHECK_CONFIG);
	assert_string_equal(r.text,
		"command line: no upstream URL: set url in [upstream] or "
		"pass --url\n"
		"command line: nothing to read: set channel, pattern or "
		"stream in [redis] or pass --channel, --pattern or "
		"--stream\n");
	run_free(&r);
}

static void
test_usage(void **state)
{
	static const char *const flags[] = {
		"-c, --config FILE", "--url URL", "--redis URL",
		"--channel NAME", "--pattern GLOB", "--log-level LEVEL",
		"--connect-timeout DURATION", "--ping-interval DURATION",
		"--pong-timeout DURATION", "--drain-timeout DURATION",
		"--check-config", "--status", "-V, --version", "-h, --help",
		"/etc/wspushd/wspushd.conf",
	};
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(fp);
	config_usage(fp);
	fclose(fp);
	assert_true(strncmp(buf, "Usage: wspushd ", 15) == 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(*flags); i++)
		if (strstr(buf, flags[i]) == NULL)
			fail_msg("--help does not mention '%s'", flags[i]);
	/* Fits an 80-column terminal. */
	for (char *line = buf, *nl; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true(nl - line < 80);
	}
	free(buf);
}

/* ---- command-line errors --------------------------------------------- */

static void
test_flag_errors(void **state)
{
	struct run r;

	(void)state;
	load(&r, "--foo", "-x", "--url", "http://h/", "--help=yes",
	     "--c", "--log-level", "loud", "--redis", "rediss://h",
	     "--channel", "", "--pattern", "", "extra", "--channel", "a",
	     "--channel", "a", "--url", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.action, CLI_RUN);
	assert_string_equal(r.text,
		"command line: unrecognized option '--foo'\n"
		"command line: unrecognized option '-x'\n"
		"command line: --url: unsupported scheme 'http' (expected "
		"ws:// or wss://)\n"
		"command line: option '--help' doesn't allow an argument\n"
		"command line: option '--c' is ambiguous\n"
		"command line: --log-level: invalid value 'loud' (expected "
		"error, warn, info or debug)\n"
		"command line: --redis: TLS to Redis is not supported by "
		"hiredis 0.14\n"
		"command line: --channel: empty channel name\n"
		"command line: --pattern: empty pattern name\n"
		"command line: --channel: channel 'a' is listed more than "
		"once\n"
		"command line: option '--url' requires an argument\n"
		"command line: unexpected argument 'extra' (settings are "
		"given as --flags or in the -c file)\n");
	run_free(&r);
}

static void
test_flag_missing_short_argument(void **state)
{
	struct run r;

	(void)state;
	load(&r, "--url", "ws://h/", "--channel", "c", "-c", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "command line: option '-c' requires an "
			    "argument\n");
	run_free(&r);

	load(&r, "--url", "ws://h/", "--channel", "c", "-c", "", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "command line: --config: empty file "
			    "name\n");
	run_free(&r);
}

/* A bad flag must not hide problems in the file, nor the reverse. */
static void
test_flag_and_file_errors_together(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("both.conf", GOOD_UPSTREAM GOOD_REDIS
			  "connect_timeout = soon\n");
	load(&r, "--nope", "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"command line: unrecognized option '--nope'\n"
		"$D/both.conf:5: connect_timeout: invalid duration 'soon' "
		"(expected e.g. 250ms, 3s, 1m)\n");
	run_free(&r);
}

/* ---- --status ----------------------------------------------------------- */

static void
test_status_flag(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	load(&r, "--status", "--url", "ws://h/", "--channel", "c", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_STATUS);
	assert_string_equal(r.cfg.status_key, "wspushd:status");
	run_free(&r);

	/* It reads -c to know which Redis and key to ask. */
	path = write_file("st.conf", GOOD_UPSTREAM GOOD_REDIS
			  "url = redis://cache:7000\n[status]\nkey = mine\n");
	load(&r, "-c", path, "--status", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.action, CLI_STATUS);
	assert_string_equal(r.cfg.redis.host, "cache");
	assert_string_equal(r.cfg.status_key, "mine");
	run_free(&r);

	/* With the hash turned off there is nothing to read. */
	path = write_file("off.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[status]\nkey =\n");
	load(&r, "-c", path, "--status", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.action, CLI_STATUS);
	assert_string_equal(r.text, "$D/off.conf:6: key is empty (status "
			    "reporting is off), so --status has nothing to "
			    "read\n");
	run_free(&r);
	/* Running without it is fine. */
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	run_free(&r);
	load(&r, "-c", path, "--check-config", NULL);
	assert_string_equal(r.text, "");
	run_free(&r);

	/* Two questions at once: which one is unclear. */
	load(&r, "--status", "--check-config", "--url", "ws://h/",
	     "--channel", "c", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "command line: --check-config and "
			    "--status cannot be combined\n");
	run_free(&r);

	/* --help and --version win, as over everything. */
	load(&r, "--status", "--check-config", "--help", NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_HELP);
	run_free(&r);
	load(&r, "--status", "-V", NULL);
	assert_int_equal(r.action, CLI_VERSION);
	run_free(&r);

	load(&r, "--status=yes", "--url", "ws://h/", "--channel", "c", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "command line: option '--status' "
			    "doesn't allow an argument\n");
	run_free(&r);

	/* The action is set even when the file is bad. */
	load(&r, "--status", "-c", "/nonexistent/wspushd.conf", NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.action, CLI_STATUS);
	assert_string_equal(r.text, "command line: --config: cannot read "
			    "'/nonexistent/wspushd.conf': No such file or "
			    "directory\n");
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flags_override_file),
		T(test_duration_flags_override_file),
		T(test_duration_flag_errors),
		T(test_bad_file_value_overridden_by_flag),
		T(test_help_and_version),
		T(test_check_config),
		T(test_usage),
		T(test_flag_errors),
		T(test_flag_missing_short_argument),
		T(test_flag_and_file_errors_together),
		T(test_status_flag),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
