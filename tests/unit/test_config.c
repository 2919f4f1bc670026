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
	assert_int_equal(cfg.ping_interval_ms, 30000);
	assert_int_equal(cfg.pong_timeout_ms, 10000);
	assert_int_equal(cfg.liveness, LIVENESS_PONG);
	assert_int_equal(cfg.slow_retry_codes.count, 3);
	assert_int_equal(cfg.slow_retry_codes.ranges[0].lo, 1003);
	assert_int_equal(cfg.slow_retry_codes.ranges[0].hi, 1003);
	assert_int_equal(cfg.slow_retry_codes.ranges[1].lo, 1008);
	assert_int_equal(cfg.slow_retry_codes.ranges[1].hi, 1008);
	assert_int_equal(cfg.slow_retry_codes.ranges[2].lo, 4000);
	assert_int_equal(cfg.slow_retry_codes.ranges[2].hi, 4999);
	assert_int_equal(cfg.fin_timeout_ms, 1000);
	assert_null(cfg.redis_url_text);
	assert_int_equal(cfg.channels.count, 0);
	assert_int_equal(cfg.patterns.count, 0);
	assert_int_equal(cfg.redis_connect_timeout_ms, 3000);
	assert_int_equal(cfg.redis_backoff_min_ms, 250);
	assert_int_equal(cfg.redis_backoff_max_ms, 30000);
	assert_int_equal(cfg.redis_ping_interval_ms, 10000);
	assert_int_equal(cfg.redis_ping_timeout_ms, 5000);
	assert_int_equal(cfg.queue_max_messages, 100000);
	assert_int_equal(cfg.queue_max_bytes, 64 << 20);
	assert_int_equal(cfg.overflow, OVERFLOW_DROP_OLDEST);
	assert_int_equal(cfg.drain_timeout_ms, 5000);
	assert_int_equal(cfg.log_level, LOG_INFO);
	assert_int_equal(cfg.dns_timeout_ms, 5000);
	assert_null(cfg.dns_servers);
	assert_int_equal(cfg.tcp_keepalive_idle_ms, 60000);
	assert_int_equal(cfg.tcp_keepalive_interval_ms, 5000);
	assert_int_equal(cfg.tcp_keepalive_probes, 3);
	assert_int_equal(cfg.tcp_user_timeout_ms, 30000);
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
		"ping_interval = 15s\n"
		"pong_timeout = 2500ms\n"
		"liveness = any\n"
		"slow_retry_codes = 1011, 4400-4499\n"
		"fin_timeout = 250ms\n"
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
		"ping_interval = 0\n"
		"ping_timeout = 750ms\n"
		"\n"
		"[queue]\n"
		"max_messages = 1\n"
		"max_bytes = 1MB\n"
		"overflow = drop-newest\n"
		"\n"
		"[daemon]\n"
		"drain_timeout = 0\n"
		"log_level = debug\n"
		"dns_timeout = 1500ms\n"
		"dns_servers = 192.0.2.53, [2001:db8::53]:5353\n"
		"tcp_keepalive_idle = 2m\n"
		"tcp_keepalive_interval = 10\n"
		"tcp_keepalive_probes = 9\n"
		"tcp_user_timeout = 0\n");
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
	assert_int_equal(r.cfg.ping_interval_ms, 15000);
	assert_int_equal(r.cfg.pong_timeout_ms, 2500);
	assert_int_equal(r.cfg.liveness, LIVENESS_ANY);
	assert_int_equal(r.cfg.slow_retry_codes.count, 2);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[0].lo, 1011);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[0].hi, 1011);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[1].lo, 4400);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[1].hi, 4499);
	assert_int_equal(r.cfg.fin_timeout_ms, 250);
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
	assert_int_equal(r.cfg.redis_ping_interval_ms, 0);
	assert_int_equal(r.cfg.redis_ping_timeout_ms, 750);
	assert_int_equal(r.cfg.queue_max_messages, 1);
	assert_int_equal(r.cfg.queue_max_bytes, 1000000);
	assert_int_equal(r.cfg.overflow, OVERFLOW_DROP_NEWEST);
	assert_int_equal(r.cfg.drain_timeout_ms, 0);
	assert_int_equal(r.cfg.log_level, LOG_DEBUG);
	assert_int_equal(r.cfg.dns_timeout_ms, 1500);
	assert_string_equal(r.cfg.dns_servers,
			    "192.0.2.53:53,[2001:db8::53]:5353");
	assert_int_equal(r.cfg.tcp_keepalive_idle_ms, 120000);
	assert_int_equal(r.cfg.tcp_keepalive_interval_ms, 10000);
	assert_int_equal(r.cfg.tcp_keepalive_probes, 9);
	assert_int_equal(r.cfg.tcp_user_timeout_ms, 0);
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

/* Both ends of every range of the liveness, DNS and TCP keys. */
static void
test_liveness_dns_tcp_boundaries(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("low.conf",
		"[upstream]\n"
		"url = ws://h/\n"
		"ping_interval = 0\n"
		"pong_timeout = 1ms\n"
		"slow_retry_codes = 1000\n"
		"fin_timeout = 0\n"
		"[redis]\n"
		"channel = c\n"
		"ping_interval = 0ms\n"
		"ping_timeout = 1ms\n"
		"[daemon]\n"
		"dns_timeout = 1ms\n"
		"dns_servers = 0.0.0.1:1\n"
		"tcp_keepalive_idle = 0\n"
		"tcp_keepalive_interval = 1s\n"
		"tcp_keepalive_probes = 1\n"
		"tcp_user_timeout = 1ms\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.ping_interval_ms, 0);
	assert_int_equal(r.cfg.pong_timeout_ms, 1);
	assert_int_equal(r.cfg.slow_retry_codes.count, 1);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[0].lo, 1000);
	assert_int_equal(r.cfg.fin_timeout_ms, 0);
	assert_int_equal(r.cfg.redis_ping_interval_ms, 0);
	assert_int_equal(r.cfg.redis_ping_timeout_ms, 1);
	assert_int_equal(r.cfg.dns_timeout_ms, 1);
	assert_string_equal(r.cfg.dns_servers, "0.0.0.1:1");
	assert_int_equal(r.cfg.tcp_keepalive_idle_ms, 0);
	assert_int_equal(r.cfg.tcp_keepalive_interval_ms, 1000);
	assert_int_equal(r.cfg.tcp_keepalive_probes, 1);
	assert_int_equal(r.cfg.tcp_user_timeout_ms, 1);
	run_free(&r);

	path = write_file("high.conf",
		"[upstream]\n"
		"url = ws://h/\n"
		"ping_interval = 1h\n"
		"pong_timeout = 3600s\n"
		"slow_retry_codes = 1000-4999\n"
		"fin_timeout = 1m\n"
		"[redis]\n"
		"channel = c\n"
		"ping_interval = 60m\n"
		"ping_timeout = 1h\n"
		"[daemon]\n"
		"dns_timeout = 1h\n"
		"dns_servers = [ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]"
		":65535\n"
		"tcp_keepalive_idle = 2h\n"
		"tcp_keepalive_interval = 1h\n"
		"tcp_keepalive_probes = 100\n"
		"tcp_user_timeout = 3600000ms\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.ping_interval_ms, 3600000);
	assert_int_equal(r.cfg.pong_timeout_ms, 3600000);
	assert_int_equal(r.cfg.slow_retry_codes.count, 1);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[0].lo, 1000);
	assert_int_equal(r.cfg.slow_retry_codes.ranges[0].hi, 4999);
	assert_int_equal(r.cfg.fin_timeout_ms, 60000);
	assert_int_equal(r.cfg.redis_ping_interval_ms, 3600000);
	assert_int_equal(r.cfg.redis_ping_timeout_ms, 3600000);
	assert_int_equal(r.cfg.dns_timeout_ms, 3600000);
	assert_string_equal(r.cfg.dns_servers,
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	assert_int_equal(r.cfg.tcp_keepalive_idle_ms, 7200000);
	assert_int_equal(r.cfg.tcp_keepalive_interval_ms, 3600000);
	assert_int_equal(r.cfg.tcp_keepalive_probes, 100);
	assert_int_equal(r.cfg.tcp_user_timeout_ms, 3600000);
	run_free(&r);
}

static void
test_liveness_values(void **state)
{
	static const struct { const char *name; enum liveness v; } values[] = {
		{ "pong", LIVENESS_PONG }, { "any", LIVENESS_ANY },
	};
	char text[256];
	const char *path;
	struct run r;

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(*values); i++) {
		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "[upstream]\nliveness = %s\n", values[i].name);
		path = write_file("live.conf", text);
		load(&r, "-c", path, NULL);
		assert_string_equal(r.text, "");
		assert_int_equal(r.cfg.liveness, values[i].v);
		run_free(&r);
		cleanup_files(NULL);
	}
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
		"--connect-timeout DURATION", "--ping-interval DURATION",
		"--pong-timeout DURATION", "--drain-timeout DURATION",
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

/*
 * One bad value per file, always on line 6 (after GOOD_UPSTREAM,
 * GOOD_REDIS and a section header), compared with the whole message.
 */
struct bad_value {
	const char *section;
	const char *line;
	const char *message;	/* after "$D/v.conf:6: " */
};

static void
check_bad_values(const struct bad_value *cases, size_t n)
{
	char text[512], want[1024];
	const char *path;
	struct run r;

	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), GOOD_UPSTREAM GOOD_REDIS
			 "[%s]\n%s\n", cases[i].section, cases[i].line);
		path = write_file("v.conf", text);
		load(&r, "-c", path, NULL);
		snprintf(want, sizeof(want), "$D/v.conf:6: %s\n",
			 cases[i].message);
		if (r.rc != -1 || strcmp(r.text, want) != 0)
			fail_msg("[%s] %s\n got: %s want: %s",
				 cases[i].section, cases[i].line, r.text,
				 want);
		run_free(&r);
		cleanup_files(NULL);
	}
}

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
		"[upstream] ping_interval", "[upstream] pong_timeout",
		"[upstream] liveness", "[upstream] slow_retry_codes",
		"[upstream] fin_timeout", "[redis] ping_interval",
		"[redis] ping_timeout", "[daemon] dns_timeout",
		"[daemon] dns_servers", "[daemon] tcp_keepalive_idle",
		"[daemon] tcp_keepalive_interval",
		"[daemon] tcp_keepalive_probes", "[daemon] tcp_user_timeout",
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
	assert_int_equal(r.cfg.ping_interval_ms, def.ping_interval_ms);
	assert_int_equal(r.cfg.pong_timeout_ms, def.pong_timeout_ms);
	assert_int_equal(r.cfg.liveness, def.liveness);
	assert_int_equal(r.cfg.slow_retry_codes.count,
			 def.slow_retry_codes.count);
	for (size_t i = 0; i < def.slow_retry_codes.count; i++) {
		assert_int_equal(r.cfg.slow_retry_codes.ranges[i].lo,
				 def.slow_retry_codes.ranges[i].lo);
		assert_int_equal(r.cfg.slow_retry_codes.ranges[i].hi,
				 def.slow_retry_codes.ranges[i].hi);
	}
	assert_int_equal(r.cfg.fin_timeout_ms, def.fin_timeout_ms);
	assert_int_equal(r.cfg.redis_ping_interval_ms,
			 def.redis_ping_interval_ms);
	assert_int_equal(r.cfg.redis_ping_timeout_ms,
			 def.redis_ping_timeout_ms);
	assert_int_equal(r.cfg.dns_timeout_ms, def.dns_timeout_ms);
	assert_null(r.cfg.dns_servers);
	assert_null(def.dns_servers);
	assert_int_equal(r.cfg.tcp_keepalive_idle_ms,
			 def.tcp_keepalive_idle_ms);
	assert_int_equal(r.cfg.tcp_keepalive_interval_ms,
			 def.tcp_keepalive_interval_ms);
	assert_int_equal(r.cfg.tcp_keepalive_probes, def.tcp_keepalive_probes);
	assert_int_equal(r.cfg.tcp_user_timeout_ms, def.tcp_user_timeout_ms);
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
	r.cfg.dns_servers = strdup("192.0.2.1:53");	/* freed below */
	config_free(&r.cfg);
	assert_null(r.cfg.dns_servers);
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
		T(test_liveness_dns_tcp_boundaries),
		T(test_liveness_values),
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
		T(test_file_errors_all_reported),
		T(test_one_error_per_bad_line),
		T(test_header_errors),
		T(test_subprotocol_lists),
		T(test_liveness_dns_tcp_errors),
		T(test_liveness_dns_tcp_errors_together),
		T(test_close_code_set_has),
		T(test_close_code_lists),
		T(test_close_code_errors),
		T(test_dns_servers),
		T(test_dns_server_errors),
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
