/*
 * test_config.c - defaults, the file, flags, and every error message.
 *
 * Config files are written to a private mkdtemp() directory, removed
 * again after each test.  Messages are compared whole, with that
 * directory shown as "$D", so a change in wording is a failing test.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* mkdtemp, open_memstream */
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
#include <cmocka.h>

#include "wspushd/config.h"
#include "wspushd/url.h"

#define MAX_FILES 8
#define MAX_ARGS 32

static char tmpdir[64];
static char files[MAX_FILES][128];
static size_t nfiles;

struct run {
	struct config cfg;
	struct diag d;
	enum cli_action action;
	int rc;
	char *text;	/* the diag lines, '\n'-terminated, tmpdir as $D */
};

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/wspushd-cfg-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	(void)state;
	return rmdir(tmpdir);
}

static int
cleanup_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < nfiles; i++)
		unlink(files[i]);
	nfiles = 0;
	return 0;
}

/* Write name in the temporary directory; return its path. */
static const char *
write_file(const char *name, const char *text)
{
	char *path;
	FILE *fp;

	assert_true(nfiles < MAX_FILES);
	path = files[nfiles++];
	snprintf(path, sizeof(files[0]), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static char *
render_diag(const struct diag *d)
{
	size_t dirlen = strlen(tmpdir), len;
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	for (size_t i = 0; i < d->count; i++) {
		const char *s = d->lines[i], *hit;

		assert_null(strchr(s, '\n'));
		while ((hit = strstr(s, tmpdir)) != NULL) {
			fwrite(s, 1, (size_t)(hit - s), fp);
			fputs("$D", fp);
			s = hit + dirlen;
		}
		fprintf(fp, "%s\n", s);
	}
	fclose(fp);
	return buf;
}

/* config_load("wspushd", args..., NULL). */
static void
load(struct run *r, ...)
{
	char *argv[MAX_ARGS];
	int argc = 0;
	va_list ap;

	memset(r, 0, sizeof(*r));
	argv[argc++] = (char *)"wspushd";
	va_start(ap, r);
	for (;;) {
		const char *a = va_arg(ap, const char *);

		assert_true(argc < MAX_ARGS);
		argv[argc] = (char *)a;
		if (a == NULL)
			break;
		argc++;
	}
	va_end(ap);
	r->action = (enum cli_action)-1;
	r->rc = config_load(argc, argv, &r->cfg, &r->action, &r->d);
	r->text = render_diag(&r->d);
}

static void
run_free(struct run *r)
{
	config_free(&r->cfg);
	diag_free(&r->d);
	free(r->text);
}

/* A file with nothing wrong, to which tests add one problem each. */
#define GOOD_UPSTREAM "[upstream]\nurl = ws://up.example/ws\n"
#define GOOD_REDIS "[redis]\nchannel = events\n"

/* ---- defaults and happy paths --------------------------------------- */

static void
test_defaults(void **state)
{
	struct config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	config_init(&cfg);
	assert_null(cfg.path);
	assert_null(cfg.url_text);
	assert_null(cfg.url.host);
	assert_int_equal(cfg.headers.count, 0);
	assert_null(cfg.subprotocol);
	assert_int_equal(cfg.connect_timeout_ms, 3000);
	assert_int_equal(cfg.backoff_min_ms, 250);
	assert_int_equal(cfg.backoff_max_ms, 30000);
	assert_int_equal(cfg.backoff_reset_ms, 10000);
	assert_int_equal(cfg.close_timeout_ms, 5000);
	assert_int_equal(cfg.message_type, MESSAGE_AUTO);
	assert_int_equal(cfg.max_message_bytes, 1 << 20);
	assert_null(cfg.redis_url_text);
	assert_int_equal(cfg.channels.count, 0);
	assert_int_equal(cfg.patterns.count, 0);
	assert_int_equal(cfg.redis_connect_timeout_ms, 3000);
	assert_int_equal(cfg.redis_backoff_min_ms, 250);
	assert_int_equal(cfg.redis_backoff_max_ms, 30000);
	assert_int_equal(cfg.queue_max_messages, 100000);
	assert_int_equal(cfg.queue_max_bytes, 64 << 20);
	assert_int_equal(cfg.overflow, OVERFLOW_DROP_OLDEST);
	assert_int_equal(cfg.drain_timeout_ms, 5000);
	assert_int_equal(cfg.log_level, LOG_INFO);
	config_free(&cfg);
	config_free(&cfg);	/* harmless twice */
}

static void
test_flags_only(void **state)
{
	struct run r;

	(void)state;
	load(&r, "--url", "wss://up.example:8443/in?k=v", "--channel", "a",
	     "--pattern", "b.*", "--channel", "c", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_RUN);
	assert_null(r.cfg.path);
	assert_string_equal(r.cfg.url_text, "wss://up.example:8443/in?k=v");
	assert_true(r.cfg.url.tls);
	assert_string_equal(r.cfg.url.host, "up.example");
	assert_int_equal(r.cfg.url.port, 8443);
	assert_string_equal(r.cfg.url.path, "/in?k=v");
	assert_int_equal(r.cfg.channels.count, 2);
	assert_string_equal(r.cfg.channels.items[0], "a");
	assert_string_equal(r.cfg.channels.items[1], "c");
	assert_int_equal(r.cfg.patterns.count, 1);
	assert_string_equal(r.cfg.patterns.items[0], "b.*");
	/* The default Redis address is filled in by loading. */
	assert_string_equal(r.cfg.redis_url_text, "redis://127.0.0.1:6379");
	assert_int_equal(r.cfg.redis.transport, REDIS_TCP);
	assert_string_equal(r.cfg.redis.host, "127.0.0.1");
	assert_int_equal(r.cfg.redis.port, 6379);
	run_free(&r);
}

static void
test_full_file(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("full.conf",
		"# every key\n"
		"[upstream]\n"
		"url = wss://[2001:db8::1]:9443/push\n"
		"header = Authorization: Bearer abc;def#ghi\n"
		"header = X-Empty-Spaces:\t  v  \n"
		"subprotocol = events.v1, events.v2\n"
		"connect_timeout = 1.5s\n"
		"backoff_min = 100ms\n"
		"backoff_max = 2m\n"
		"backoff_reset = 0\n"
		"close_timeout = 750ms\n"
		"message_type = binary\n"
		"max_message_size = 256KiB\n"
		"\n"
		"[redis]\n"
		"url = redis://bob:p%40ss@cache:6380/3\n"
		"channel = one\n"
		"channel = \"  two  \"\n"
		"pattern = p.*\n"
		"pattern = q;#\n"
		"connect_timeout = 2\n"
		"backoff_min = 1s\n"
		"backoff_max = 1s\n"
		"\n"
		"[queue]\n"
		"max_messages = 1\n"
		"max_bytes = 1MB\n"
		"overflow = drop-newest\n"
		"\n"
		"[daemon]\n"
		"drain_timeout = 0\n"
		"log_level = debug\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_RUN);
	assert_string_equal(r.cfg.path, path);
	assert_string_equal(r.cfg.url_text, "wss://[2001:db8::1]:9443/push");
	assert_string_equal(r.cfg.url.host, "2001:db8::1");
	assert_int_equal(r.cfg.url.port, 9443);
	assert_int_equal(r.cfg.headers.count, 2);
	assert_string_equal(r.cfg.headers.items[0],
			    "Authorization: Bearer abc;def#ghi");
	assert_string_equal(r.cfg.headers.items[1], "X-Empty-Spaces: v");
	assert_string_equal(r.cfg.subprotocol, "events.v1, events.v2");
	assert_int_equal(r.cfg.connect_timeout_ms, 1500);
	assert_int_equal(r.cfg.backoff_min_ms, 100);
	assert_int_equal(r.cfg.backoff_max_ms, 120000);
	assert_int_equal(r.cfg.backoff_reset_ms, 0);
	assert_int_equal(r.cfg.close_timeout_ms, 750);
	assert_int_equal(r.cfg.message_type, MESSAGE_BINARY);
	assert_int_equal(r.cfg.max_message_bytes, 256 * 1024);
	/* Kept as written: reconnecting needs the password. */
	assert_string_equal(r.cfg.redis_url_text,
			    "redis://bob:p%40ss@cache:6380/3");
	assert_string_equal(r.cfg.redis.user, "bob");
	assert_string_equal(r.cfg.redis.password, "p@ss");
	assert_string_equal(r.cfg.redis.host, "cache");
	assert_int_equal(r.cfg.redis.port, 6380);
	assert_int_equal(r.cfg.redis.db, 3);
	assert_int_equal(r.cfg.channels.count, 2);
	assert_string_equal(r.cfg.channels.items[0], "one");
	assert_string_equal(r.cfg.channels.items[1], "  two  ");
	assert_int_equal(r.cfg.patterns.count, 2);
	assert_string_equal(r.cfg.patterns.items[1], "q;#");
	assert_int_equal(r.cfg.redis_connect_timeout_ms, 2000);
	assert_int_equal(r.cfg.redis_backoff_min_ms, 1000);
	assert_int_equal(r.cfg.redis_backoff_max_ms, 1000);
	assert_int_equal(r.cfg.queue_max_messages, 1);
	assert_int_equal(r.cfg.queue_max_bytes, 1000000);
	assert_int_equal(r.cfg.overflow, OVERFLOW_DROP_NEWEST);
	assert_int_equal(r.cfg.drain_timeout_ms, 0);
	assert_int_equal(r.cfg.log_level, LOG_DEBUG);
	run_free(&r);
}

static void
test_unix_redis(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("unix.conf", GOOD_UPSTREAM GOOD_REDIS
			  "url = unix:///run/redis/redis.sock?db=2\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.cfg.redis.transport, REDIS_UNIX);
	assert_string_equal(r.cfg.redis.socket_path, "/run/redis/redis.sock");
	assert_int_equal(r.cfg.redis.db, 2);
	run_free(&r);
}

static void
test_log_levels(void **state)
{
	static const struct { const char *name; int level; } levels[] = {
		{ "error", LOG_ERR }, { "warn", LOG_WARNING },
		{ "info", LOG_INFO }, { "debug", LOG_DEBUG },
	};
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(levels) / sizeof(*levels); i++) {
		load(&r, "--url", "ws://h/", "--channel", "c", "--log-level",
		     levels[i].name, NULL);
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.cfg.log_level, levels[i].level);
		run_free(&r);
	}
}

static void
test_boundaries(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("edge.conf",
		"[upstream]\n"
		"url = ws://h/\n"
		"connect_timeout = 1ms\n"
		"backoff_min = 1h\n"
		"backoff_max = 3600s\n"
		"backoff_reset = 1h\n"
		"close_timeout = 10m\n"
		"max_message_size = 1GiB\n"
		"[redis]\n"
		"pattern = *\n"
		"connect_timeout = 60m\n"
		"backoff_min = 1ms\n"
		"backoff_max = 1ms\n"
		"[queue]\n"
		"max_messages = 100000000\n"
		"max_bytes = 1TiB\n"
		"[daemon]\n"
		"drain_timeout = 1h\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.connect_timeout_ms, 1);
	assert_int_equal(r.cfg.backoff_min_ms, 3600000);
	assert_int_equal(r.cfg.close_timeout_ms, 600000);
	assert_int_equal(r.cfg.max_message_bytes, 1 << 30);
	assert_int_equal(r.cfg.queue_max_messages, 100000000);
	assert_true(r.cfg.queue_max_bytes == (size_t)1 << 40);
	run_free(&r);
}

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
		"command line: nothing to subscribe to: set channel or "
		"pattern in [redis] or pass --channel or --pattern\n");
	run_free(&r);
}

static void
test_usage(void **state)
{
	static const char *const flags[] = {
		"-c, --config FILE", "--url URL", "--redis URL",
		"--channel NAME", "--pattern GLOB", "--log-level LEVEL",
		"--check-config", "-V, --version", "-h, --help",
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
		"[upstream], [redis], [queue] or [daemon])\n"
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
			    "[Upstream] (expected [upstream], [redis], [queue] "
			    "or [daemon])\n");
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
	assert_string_equal(r.text, "/nonexistent/wspushd.conf: cannot "
			    "open: No such file or directory\n");
	run_free(&r);

	load(&r, "-c", tmpdir, NULL);
	assert_int_equal(r.rc, -1);
	snprintf(want, sizeof(want), "$D: read error: Is a directory\n");
	assert_true(strncmp(r.text, want, strlen(want)) == 0);
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
		"$D/empty.conf: nothing to subscribe to: set channel or "
		"pattern in [redis] or pass --channel or --pattern\n");
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

/* ---- secrets ---------------------------------------------------------- */

static void
test_no_password_in_messages(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("pw.conf", GOOD_UPSTREAM GOOD_REDIS
			  "url = redis://admin:hunter2@h:99999/0\n");
	load(&r, "-c", path, "--redis", "redis://:hunter2@h/x", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"command line: --redis: invalid database 'x' (expected "
		"0..1000000)\n"
		"$D/pw.conf:5: url: invalid port '99999' (expected "
		"1-65535)\n");
	assert_null(strstr(r.text, "hunter2"));
	run_free(&r);
}

/* ---- the shipped example ---------------------------------------------- */

static void
example_path(char *buf, size_t len)
{
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash != NULL ? (int)(slash - __FILE__) : 0;

	/* tests/unit/test_config.c -> systemd/wspushd.conf */
	snprintf(buf, len, "%.*s%s../../systemd/wspushd.conf", dirlen,
		 __FILE__, dirlen > 0 ? "/" : "");
}

static void
test_example_config_loads(void **state)
{
	char path[4096];
	struct run r;

	(void)state;
	example_path(path, sizeof(path));
	load(&r, "-c", path, "--check-config", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_CHECK_CONFIG);
	run_free(&r);
}

/*
 * Every key is documented, with its default as a commented-out line:
 * enabling the first "#key = value" of each key must give exactly the
 * built-in defaults.
 */
static void
test_example_config_documents_defaults(void **state)
{
	static const char *const keys[] = {
		"[upstream] url", "[upstream] header", "[upstream] subprotocol",
		"[upstream] connect_timeout", "[upstream] backoff_min",
		"[upstream] backoff_max", "[upstream] backoff_reset",
		"[upstream] close_timeout", "[upstream] message_type",
		"[upstream] max_message_size", "[redis] url",
		"[redis] channel", "[redis] pattern",
		"[redis] connect_timeout", "[redis] backoff_min",
		"[redis] backoff_max", "[queue] max_messages",
		"[queue] max_bytes", "[queue] overflow",
		"[daemon] drain_timeout", "[daemon] log_level",
	};
	char path[4096], section[64] = "", seen[4096] = "", *line = NULL;
	char *out = NULL;
	size_t cap = 0, outlen = 0;
	struct config def;
	const char *tmp;
	struct run r;
	FILE *in, *o;

	(void)state;
	example_path(path, sizeof(path));
	in = fopen(path, "r");
	assert_non_null(in);
	o = open_memstream(&out, &outlen);
	assert_non_null(o);
	while (getline(&line, &cap, in) > 0) {
		char key[64], id[160];

		if (sscanf(line, "[%63[a-z]]", section) == 1) {
			fputs(line, o);
			continue;
		}
		if (sscanf(line, "%63[a-z_] =", key) == 1 ||
		    sscanf(line, "#%63[a-z_] =", key) == 1) {
			snprintf(id, sizeof(id), "|[%s] %s|", section, key);
			if (strstr(seen, id) == NULL) {
				strcat(seen, id);
				fputs(line[0] == '#' ? line + 1 : line, o);
			}
		}
	}
	free(line);
	fclose(in);
	fclose(o);

	for (size_t i = 0; i < sizeof(keys) / sizeof(*keys); i++) {
		char id[160];

		snprintf(id, sizeof(id), "|%s|", keys[i]);
		if (strstr(seen, id) == NULL)
			fail_msg("%s is not documented in %s", keys[i], path);
	}

	tmp = write_file("example-defaults.conf", out);
	free(out);
	load(&r, "-c", tmp, NULL);
	assert_string_equal(r.text, "");
	config_init(&def);
	assert_int_equal(r.cfg.connect_timeout_ms, def.connect_timeout_ms);
	assert_int_equal(r.cfg.backoff_min_ms, def.backoff_min_ms);
	assert_int_equal(r.cfg.backoff_max_ms, def.backoff_max_ms);
	assert_int_equal(r.cfg.backoff_reset_ms, def.backoff_reset_ms);
	assert_int_equal(r.cfg.close_timeout_ms, def.close_timeout_ms);
	assert_int_equal(r.cfg.message_type, def.message_type);
	assert_int_equal(r.cfg.max_message_bytes, def.max_message_bytes);
	assert_string_equal(r.cfg.redis_url_text, "redis://127.0.0.1:6379");
	assert_int_equal(r.cfg.redis_connect_timeout_ms,
			 def.redis_connect_timeout_ms);
	assert_int_equal(r.cfg.redis_backoff_min_ms, def.redis_backoff_min_ms);
	assert_int_equal(r.cfg.redis_backoff_max_ms, def.redis_backoff_max_ms);
	assert_int_equal(r.cfg.queue_max_messages, def.queue_max_messages);
	assert_int_equal(r.cfg.queue_max_bytes, def.queue_max_bytes);
	assert_int_equal(r.cfg.overflow, def.overflow);
	assert_int_equal(r.cfg.drain_timeout_ms, def.drain_timeout_ms);
	assert_int_equal(r.cfg.log_level, def.log_level);
	run_free(&r);
}

/* ---- lifecycle -------------------------------------------------------- */

static void
test_reload_and_free(void **state)
{
	struct run r;

	(void)state;
	/* getopt state is reset on every call. */
	for (int i = 0; i < 3; i++) {
		load(&r, "--url", "ws://h/", "--channel", "c", "--bogus", NULL);
		assert_string_equal(r.text, "command line: unrecognized "
				    "option '--bogus'\n");
		run_free(&r);
	}
	load(&r, "--url", "ws://h/", "--channel", "c", NULL);
	assert_int_equal(r.rc, 0);
	config_free(&r.cfg);
	assert_null(r.cfg.url_text);
	assert_null(r.cfg.url.host);
	assert_null(r.cfg.redis.host);
	assert_int_equal(r.cfg.channels.count, 0);
	assert_int_equal(r.cfg.connect_timeout_ms, 3000);
	run_free(&r);
}

static void
test_diag_and_strlist(void **state)
{
	struct diag d = { 0 };
	struct strlist l = { 0 };

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

	strlist_add(&l, "a");
	strlist_add(&l, "");
	assert_int_equal(l.count, 2);
	assert_string_equal(l.items[1], "");
	strlist_free(&l);
	assert_int_equal(l.count, 0);
	assert_null(l.items);
	strlist_free(&l);
}

#define T(f) cmocka_unit_test_teardown(f, cleanup_files)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_flags_only),
		T(test_full_file),
		T(test_unix_redis),
		T(test_log_levels),
		T(test_boundaries),
		T(test_flags_override_file),
		T(test_bad_file_value_overridden_by_flag),
		T(test_help_and_version),
		T(test_check_config),
		T(test_usage),
		T(test_flag_errors),
		T(test_flag_missing_short_argument),
		T(test_flag_and_file_errors_together),
		T(test_file_errors_all_reported),
		T(test_one_error_per_bad_line),
		T(test_header_errors),
		T(test_subprotocol_lists),
		T(test_unknown_section_reported_once),
		T(test_file_unreadable),
		T(test_syntax_error_only),
		T(test_missing_url_and_channels),
		T(test_backoff_order),
		T(test_message_size_vs_queue),
		T(test_no_password_in_messages),
		T(test_example_config_loads),
		T(test_example_config_documents_defaults),
		T(test_reload_and_free),
		T(test_diag_and_strlist),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
