/*
 * test_config.c - defaults, the file, flags, and every error message.
 *
 * Config files are written to a private mkdtemp() directory, removed
 * again after each test.  Messages are compared whole, with that
 * directory shown as "$D", so a change in wording is a failing test.
 * CREDENTIALS_DIRECTORY and RUNTIME_DIRECTORY are unset while the tests
 * run (tests that need them set them, and each test's cleanup unsets
 * them again), and restored at the end.
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
#include <sys/stat.h>
#include <cmocka.h>

#include "wspushd/config.h"
#include "wspushd/url.h"

#define MAX_FILES 32
#define MAX_DIRS 4
#define MAX_ARGS 32

static char tmpdir[64];
static char files[MAX_FILES][128];
static size_t nfiles;
static char dirs[MAX_DIRS][128];
static size_t ndirs;

/* The environment the tests were started with, put back at the end. */
static const char *const env_names[] = { "CREDENTIALS_DIRECTORY",
					 "RUNTIME_DIRECTORY" };
static char *env_saved[2];

struct run {
	struct config cfg;
	struct diag d;
	enum cli_action action;
	int rc;
	char *text;	/* the diag lines, '\n'-terminated, tmpdir as $D */
};

static void
unset_env(void)
{
	for (size_t i = 0; i < 2; i++)
		unsetenv(env_names[i]);
}

static int
setup_dir(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		const char *v = getenv(env_names[i]);

		env_saved[i] = v != NULL ? strdup(v) : NULL;
	}
	unset_env();
	strcpy(tmpdir, "/tmp/wspushd-cfg-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		if (env_saved[i] != NULL)
			setenv(env_names[i], env_saved[i], 1);
		free(env_saved[i]);
		env_saved[i] = NULL;
	}
	return rmdir(tmpdir);
}

/* Remove the files written after the first keep of them. */
static void
cleanup_after(size_t keep)
{
	for (size_t i = keep; i < nfiles; i++)
		unlink(files[i]);
	if (nfiles > keep)
		nfiles = keep;
}

static int
cleanup_files(void **state)
{
	(void)state;
	cleanup_after(0);
	while (ndirs > 0)
		rmdir(dirs[--ndirs]);
	unset_env();
	return 0;
}

/* text with every "$D" replaced by the temporary directory. */
static char *
expand(const char *text)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, &len);
	const char *hit;

	assert_non_null(fp);
	while ((hit = strstr(text, "$D")) != NULL) {
		fwrite(text, 1, (size_t)(hit - text), fp);
		fputs(tmpdir, fp);
		text = hit + 2;
	}
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	return buf;
}

/* A directory in the temporary one, removed after the test. */
static const char *
make_dir(const char *name)
{
	char *path;

	assert_true(ndirs < MAX_DIRS);
	path = dirs[ndirs++];
	snprintf(path, sizeof(dirs[0]), "%s/%s", tmpdir, name);
	assert_int_equal(mkdir(path, 0700), 0);
	return path;
}

/* Write len bytes (NULs included) as name; return its path. */
static const char *
write_bytes(const char *name, const char *data, size_t len)
{
	char *path;
	FILE *fp;

	assert_true(nfiles < MAX_FILES);
	path = files[nfiles++];
	snprintf(path, sizeof(files[0]), "%s/%s", tmpdir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	return path;
}

/* Write name in the temporary directory; return its path. */
static const char *
write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text));
}

/* The same, with "$D" in text standing for the temporary directory. */
static const char *
write_file_d(const char *name, const char *text)
{
	char *full = expand(text);
	const char *path = write_file(name, full);

	free(full);
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
	assert_int_equal(cfg.redis_backoff_reset_ms, 10000);
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
	assert_null(cfg.tls_ca_file);
	assert_null(cfg.tls_ca_dir);
	assert_null(cfg.tls_cert_file);
	assert_null(cfg.tls_key_file);
	assert_null(cfg.tls_server_name);
	assert_false(cfg.tls_insecure);
	/* Filled in by config_load, which may allocate; config_init not. */
	assert_null(cfg.runtime_dir);
	assert_null(cfg.status_key);
	assert_null(cfg.status_channel);
	assert_int_equal(cfg.status_ttl_ms, 30000);
	assert_null(cfg.metrics_listen);
	assert_string_equal(cfg.metrics_host, "");
	assert_int_equal(cfg.metrics_port, 0);
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
	assert_null(r.cfg.redis.password);
	/* So are the runtime directory and the status names. */
	assert_string_equal(r.cfg.runtime_dir, "/run/wspushd");
	assert_string_equal(r.cfg.status_key, "wspushd:status");
	assert_string_equal(r.cfg.status_channel, "wspushd:events");
	assert_int_equal(r.cfg.status_ttl_ms, 30000);
	assert_null(r.cfg.tls_ca_file);
	assert_null(r.cfg.tls_server_name);
	assert_false(r.cfg.tls_insecure);
	assert_null(r.cfg.metrics_listen);
	assert_string_equal(r.cfg.metrics_host, "");
	assert_int_equal(r.cfg.metrics_port, 0);
	run_free(&r);
}

static void
test_full_file(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	make_dir("ca.d");
	write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("client.pem", "-----BEGIN CERTIFICATE-----\n");
	write_file("client.key", "-----BEGIN PRIVATE KEY-----\n");
	write_file("token", "Bearer from-a-file\n");
	write_file("redis.pw", "pw from a file\n");
	path = write_file_d("full.conf",
		"# every key\n"
		"[upstream]\n"
		"url = wss://[2001:db8::1]:9443/push\n"
		"header = Authorization: Bearer abc;def#ghi\n"
		"header = X-Empty-Spaces:\t  v  \n"
		"header = X-Token: @$D/token\n"
		"header = X-Handle: @@someone\n"
		"tls_ca_file = $D/ca.pem\n"
		"tls_ca_dir = $D/ca.d\n"
		"tls_cert_file = $D/client.pem\n"
		"tls_key_file = $D/client.key\n"
		"tls_server_name = push.example.com\n"
		"tls_insecure = yes\n"
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
		"backoff_reset = 2500ms\n"
		"ping_interval = 0\n"
		"ping_timeout = 750ms\n"
		"password_file = $D/redis.pw\n"
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
		"tcp_user_timeout = 0\n"
		"runtime_dir = /var/run/wspushd-a\n"
		"\n"
		"[status]\n"
		"key = app:wspushd\n"
		"channel = app:wspushd:events\n"
		"ttl = 1m\n"
		"\n"
		"[metrics]\n"
		"listen = [::1]:9100\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.action, CLI_RUN);
	assert_string_equal(r.cfg.path, path);
	assert_string_equal(r.cfg.url_text, "wss://[2001:db8::1]:9443/push");
	assert_string_equal(r.cfg.url.host, "2001:db8::1");
	assert_int_equal(r.cfg.url.port, 9443);
	assert_int_equal(r.cfg.headers.count, 4);
	assert_string_equal(r.cfg.headers.items[0],
			    "Authorization: Bearer abc;def#ghi");
	assert_string_equal(r.cfg.headers.items[1], "X-Empty-Spaces: v");
	assert_string_equal(r.cfg.headers.items[2],
			    "X-Token: Bearer from-a-file");
	assert_string_equal(r.cfg.headers.items[3], "X-Handle: @someone");
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
	/* Kept as written: reconnecting needs the password... */
	assert_string_equal(r.cfg.redis_url_text,
			    "redis://bob:p%40ss@cache:6380/3");
	assert_string_equal(r.cfg.redis.user, "bob");
	/* ...unless password_file gives another. */
	assert_string_equal(r.cfg.redis.password, "pw from a file");
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
	assert_int_equal(r.cfg.redis_backoff_reset_ms, 2500);
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
	assert_string_equal(r.cfg.runtime_dir, "/var/run/wspushd-a");
	assert_string_equal(r.cfg.status_key, "app:wspushd");
	assert_string_equal(r.cfg.status_channel, "app:wspushd:events");
	assert_int_equal(r.cfg.status_ttl_ms, 60000);
	assert_string_equal(r.cfg.metrics_listen, "[::1]:9100");
	assert_string_equal(r.cfg.metrics_host, "::1");
	assert_int_equal(r.cfg.metrics_port, 9100);
	assert_true(r.cfg.tls_insecure);
	assert_string_equal(r.cfg.tls_server_name, "push.example.com");
	/* Paths are kept as written. */
	assert_true(strncmp(r.cfg.tls_ca_file, tmpdir, strlen(tmpdir)) == 0);
	assert_string_equal(r.cfg.tls_ca_file + strlen(tmpdir), "/ca.pem");
	assert_string_equal(r.cfg.tls_ca_dir + strlen(tmpdir), "/ca.d");
	assert_string_equal(r.cfg.tls_cert_file + strlen(tmpdir),
			    "/client.pem");
	assert_string_equal(r.cfg.tls_key_file + strlen(tmpdir),
			    "/client.key");
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
		"[upstream], [redis], [queue], [daemon], [status] or "
		"[metrics])\n"
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

/*
 * After head, four lines that are fine; "$D" in a case's line stands
 * for the temporary directory.  Files written before the call are kept.
 */
static void
check_bad_values_after(const char *head, const struct bad_value *cases,
		       size_t n)
{
	char text[1024], want[1024], *line;
	const char *path;
	size_t keep = nfiles;
	struct run r;

	for (size_t i = 0; i < n; i++) {
		line = expand(cases[i].line);
		snprintf(text, sizeof(text), "%s[%s]\n%s\n", head,
			 cases[i].section, line);
		free(line);
		path = write_file("v.conf", text);
		load(&r, "-c", path, NULL);
		snprintf(want, sizeof(want), "$D/v.conf:6: %s\n",
			 cases[i].message);
		if (r.rc != -1 || strcmp(r.text, want) != 0)
			fail_msg("[%s] %s\n got: %s want: %s",
				 cases[i].section, cases[i].line, r.text,
				 want);
		run_free(&r);
		cleanup_after(keep);
	}
}

static void
check_bad_values(const struct bad_value *cases, size_t n)
{
	check_bad_values_after(GOOD_UPSTREAM GOOD_REDIS, cases, n);
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
			    "[Upstream] (expected [upstream], [redis], [queue], "
			    "[daemon], [status] or [metrics])\n");
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

/* ---- TLS -------------------------------------------------------------- */

#define GOOD_TLS_UPSTREAM "[upstream]\nurl = wss://up.example/ws\n"

static void
test_tls_settings(void **state)
{
	static const char *const names[] = {
		"push.example.com", "a", "A-1.b2", "xn--bcher-kva.example",
		"10.0.0.1",
		/* 63-byte label */
		"abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abc"
		".example",
	};
	char text[512], name[300];
	const char *path;
	struct run r;

	(void)state;
	make_dir("ca.d");
	write_file("ca.pem", "");
	write_file("client.pem", "");
	write_file("client.key", "");

	/* Empty values are "none", also on a ws:// URL. */
	path = write_file("empty.conf", GOOD_UPSTREAM GOOD_REDIS
			  "[upstream]\ntls_ca_file =\ntls_ca_dir =\n"
			  "tls_cert_file =\ntls_key_file =\n"
			  "tls_server_name = \"\"\ntls_insecure = no\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_null(r.cfg.tls_ca_file);
	assert_null(r.cfg.tls_ca_dir);
	assert_null(r.cfg.tls_cert_file);
	assert_null(r.cfg.tls_key_file);
	assert_null(r.cfg.tls_server_name);
	assert_false(r.cfg.tls_insecure);
	run_free(&r);

	/* A relative path is taken as it is given. */
	path = write_file_d("rel.conf", GOOD_TLS_UPSTREAM GOOD_REDIS
			    "[upstream]\ntls_ca_file = $D/ca.d/../ca.pem\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.tls_ca_file + strlen(tmpdir),
			    "/ca.d/../ca.pem");
	run_free(&r);

	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(text, sizeof(text), GOOD_TLS_UPSTREAM GOOD_REDIS
			 "[upstream]\ntls_server_name = %s\n", names[i]);
		path = write_file("sni.conf", text);
		load(&r, "-c", path, NULL);
		if (r.rc != 0)
			fail_msg("'%s' refused: %s", names[i], r.text);
		assert_string_equal(r.cfg.tls_server_name, names[i]);
		run_free(&r);
	}

	/* 253 bytes in all is the most a DNS name can have. */
	memset(name, 'a', 253);
	name[253] = '\0';
	for (size_t i = 63; i < 253; i += 64)
		name[i] = '.';
	snprintf(text, sizeof(text), GOOD_TLS_UPSTREAM GOOD_REDIS
		 "[upstream]\ntls_server_name = %s\n", name);
	path = write_file("sni.conf", text);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	run_free(&r);
	snprintf(text, sizeof(text), GOOD_TLS_UPSTREAM GOOD_REDIS
		 "[upstream]\ntls_server_name = %sa\n", name);
	path = write_file("sni.conf", text);
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.text, "invalid server name"));
	run_free(&r);

	/* yes and no, nothing else. */
	path = write_file("ins.conf", GOOD_TLS_UPSTREAM GOOD_REDIS
			  "[upstream]\ntls_insecure = yes\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_true(r.cfg.tls_insecure);
	run_free(&r);
}

static void
test_tls_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "upstream", "tls_ca_file = $D/missing.pem", "tls_ca_file: "
		  "cannot read '$D/missing.pem': No such file or directory" },
		{ "upstream", "tls_ca_file = $D/ca.pem/x", "tls_ca_file: "
		  "cannot read '$D/ca.pem/x': Not a directory" },
		{ "upstream", "tls_ca_file = $D", "tls_ca_file: '$D' is a "
		  "directory, not a file" },
		{ "upstream", "tls_ca_file = $D/ca.d/", "tls_ca_file: "
		  "'$D/ca.d/' is a directory, not a file" },
		{ "upstream", "tls_cert_file = /dev/null", "tls_cert_file: "
		  "'/dev/null' is a character device, not a file" },
		{ "upstream", "tls_key_file = $D/fifo", "tls_key_file: "
		  "'$D/fifo' is a FIFO, not a file" },
		{ "upstream", "tls_key_file = $D/x\x01y", "tls_key_file: file "
		  "name contains control characters" },
		{ "upstream", "tls_ca_dir = $D/ca.pem", "tls_ca_dir: "
		  "'$D/ca.pem' is not a directory" },
		{ "upstream", "tls_ca_dir = $D/nodir", "tls_ca_dir: cannot "
		  "read '$D/nodir': No such file or directory" },
		{ "upstream", "tls_server_name = -a.example",
		  "tls_server_name: invalid server name '-a.example' (expected "
		  "a host name such as push.example.com)" },
		{ "upstream", "tls_server_name = a-.example",
		  "tls_server_name: invalid server name 'a-.example' (expected "
		  "a host name such as push.example.com)" },
		{ "upstream", "tls_server_name = a..example",
		  "tls_server_name: invalid server name 'a..example' (expected "
		  "a host name such as push.example.com)" },
		{ "upstream", "tls_server_name = .example",
		  "tls_server_name: invalid server name '.example' (expected "
		  "a host name such as push.example.com)" },
		{ "upstream", "tls_server_name = example.",
		  "tls_server_name: invalid server name 'example.' (expected "
		  "a host name such as push.example.com)" },
		{ "upstream", "tls_server_name = a_b.example",
		  "tls_server_name: invalid server name 'a_b.example' "
		  "(expected a host name such as push.example.com)" },
		{ "upstream", "tls_server_name = push.example.com:443",
		  "tls_server_name: invalid server name "
		  "'push.example.com:443' (expected a host name such as "
		  "push.example.com)" },
		{ "upstream", "tls_server_name = ::1",
		  "tls_server_name: invalid server name '::1' (expected a "
		  "host name such as push.example.com)" },
		{ "upstream", "tls_server_name = a b",
		  "tls_server_name: invalid server name 'a b' (expected a "
		  "host name such as push.example.com)" },
		{ "upstream", "tls_server_name = a\x7f",
		  "tls_server_name: invalid server name with control "
		  "characters (expected a host name such as "
		  "push.example.com)" },
		{ "upstream", "tls_server_name = "
		  "abcdefghij0123456789abcdefghij0123456789abcdefghij"
		  "0123456789abcd.example",
		  "tls_server_name: invalid server name "
		  "'abcdefghij0123456789abcdefghij0123456789abcdefghij"
		  "0123456789abcd...' (expected a host name such as "
		  "push.example.com)" },
		{ "upstream", "tls_insecure = YES", "tls_insecure: invalid "
		  "value 'YES' (expected yes or no)" },
		{ "upstream", "tls_insecure = true", "tls_insecure: invalid "
		  "value 'true' (expected yes or no)" },
		{ "upstream", "tls_insecure =", "tls_insecure: invalid value "
		  "'' (expected yes or no)" },
		{ "redis", "tls_ca_file = $D/ca.pem", "unknown key "
		  "'tls_ca_file' in [redis] (it belongs in [upstream])" },
		/* Pairs. */
		{ "upstream", "tls_cert_file = $D/client.pem", "tls_cert_file "
		  "without tls_key_file (a client certificate needs its "
		  "private key)" },
		{ "upstream", "tls_key_file = $D/client.key", "tls_key_file "
		  "without tls_cert_file (a private key needs its client "
		  "certificate)" },
	};
	(void)state;
	make_dir("ca.d");
	write_file("ca.pem", "");
	write_file("client.pem", "");
	write_file("client.key", "");
	/* Listed with the files, so the cleanup removes it. */
	assert_true(nfiles < MAX_FILES);
	snprintf(files[nfiles], sizeof(files[0]), "%s/fifo", tmpdir);
	assert_int_equal(mkfifo(files[nfiles++], 0600), 0);
	check_bad_values_after(GOOD_TLS_UPSTREAM GOOD_REDIS, cases,
			       sizeof(cases) / sizeof(*cases));
}

/* Unreadable to the user wspushd runs as: root reads anything. */
static void
test_tls_unreadable(void **state)
{
	static const struct bad_value cases[] = {
		{ "upstream", "tls_key_file = $D/secret.key", "tls_key_file: "
		  "cannot read '$D/secret.key': Permission denied" },
		{ "upstream", "tls_ca_dir = $D/closed.d", "tls_ca_dir: "
		  "cannot read '$D/closed.d': Permission denied" },
		{ "upstream", "tls_ca_dir = $D/unsearchable.d", "tls_ca_dir: "
		  "cannot read '$D/unsearchable.d': Permission denied" },
	};
	const char *key;

	(void)state;
	if (geteuid() == 0)
		skip();
	key = write_file("secret.key", "");
	assert_int_equal(chmod(key, 0), 0);
	assert_int_equal(chmod(make_dir("closed.d"), 0300), 0);
	assert_int_equal(chmod(make_dir("unsearchable.d"), 0600), 0);
	check_bad_values_after(GOOD_TLS_UPSTREAM GOOD_REDIS, cases,
			       sizeof(cases) / sizeof(*cases));
}

static void
test_tls_needs_wss(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	write_file("ca.pem", "");
	write_file("client.pem", "");
	write_file("client.key", "");

	/* One message, at the first TLS line, whatever the key order. */
	path = write_file_d("ws.conf",
		GOOD_REDIS
		"[upstream]\n"				/* 3 */
		"url = ws://up.example/ws\n"		/* 4 */
		"tls_insecure = no\n"			/* 5: asks nothing */
		"tls_server_name = up.example\n"	/* 6 */
		"tls_ca_file = $D/ca.pem\n"		/* 7 */
		"tls_cert_file = $D/client.pem\n"	/* 8 */
		"tls_key_file = $D/client.key\n");	/* 9 */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/ws.conf:6: tls_server_name: TLS "
			    "settings need a wss:// URL (url is "
			    "'ws://up.example/ws')\n");
	run_free(&r);

	/* The URL that counts is the one in effect: --url wins. */
	load(&r, "-c", path, "--url", "wss://up.example/ws", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.rc, 0);
	run_free(&r);

	path = write_file("ins.conf", GOOD_TLS_UPSTREAM GOOD_REDIS
			  "[upstream]\ntls_insecure = yes\n");
	load(&r, "-c", path, "--url", "ws://other/", NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/ins.conf:6: tls_insecure: TLS "
			    "settings need a wss:// URL (url is "
			    "'ws://other/')\n");
	run_free(&r);

	/* A bad TLS value is reported once, not again as "needs wss". */
	path = write_file_d("bad.conf", GOOD_UPSTREAM GOOD_REDIS
			    "[upstream]\ntls_ca_file = $D/nope\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/bad.conf:6: tls_ca_file: cannot read "
			    "'$D/nope': No such file or directory\n");
	run_free(&r);

	/* A bad key file leaves its certificate unpaired without a word. */
	path = write_file_d("pair.conf", GOOD_TLS_UPSTREAM GOOD_REDIS
			    "[upstream]\ntls_cert_file = $D/client.pem\n"
			    "tls_key_file = $D/client.nope\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/pair.conf:7: tls_key_file: cannot "
			    "read '$D/client.nope': No such file or "
			    "directory\n");
	run_free(&r);

	/* An empty key is no key. */
	path = write_file_d("pair2.conf", GOOD_TLS_UPSTREAM GOOD_REDIS
			    "[upstream]\ntls_key_file =\n"
			    "tls_cert_file = $D/client.pem\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/pair2.conf:7: tls_cert_file without "
			    "tls_key_file (a client certificate needs its "
			    "private key)\n");
	run_free(&r);

	/* No URL at all: that is the one message. */
	path = write_file_d("nourl.conf", GOOD_REDIS
			    "[upstream]\ntls_ca_file = $D/ca.pem\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/nourl.conf: no upstream URL: set url "
			    "in [upstream] or pass --url\n");
	run_free(&r);
}

/* ---- secrets in files ------------------------------------------------- */

struct secret_case {
	const char *content;
	size_t len;		/* 0: strlen(content) */
	const char *value;	/* what is stored, NULL if refused */
	const char *message;	/* after "$D/s.conf:6: header: header 'X'" */
};

static void
check_secret_header(const struct secret_case *c)
{
	char *want;
	const char *path;
	struct run r;

	write_bytes("secret", c->content,
		    c->len != 0 ? c->len : strlen(c->content));
	path = write_file_d("s.conf", GOOD_UPSTREAM GOOD_REDIS
			    "[upstream]\nheader = X: @$D/secret\n");
	load(&r, "-c", path, NULL);
	if (c->value != NULL) {
		if (r.rc != 0 || r.cfg.headers.count != 1)
			fail_msg("'%s' refused: %s", c->content, r.text);
		assert_true(asprintf(&want, "X: %s", c->value) > 0);
		assert_string_equal(r.cfg.headers.items[0], want);
	} else {
		assert_true(asprintf(&want, "$D/s.conf:6: header: header "
				     "'X': %s\n", c->message) > 0);
		if (r.rc != -1 || strcmp(r.text, want) != 0)
			fail_msg("'%s'\n got: %s want: %s", c->content,
				 r.text, want);
		assert_int_equal(r.cfg.headers.count, 0);
		/* What is in the file is never shown. */
		assert_null(strstr(r.text, "sekrit"));
	}
	free(want);
	run_free(&r);
	cleanup_after(0);
}

static void
test_secret_headers(void **state)
{
	static const struct secret_case cases[] = {
		{ "Bearer sekrit", 0, "Bearer sekrit", NULL },
		{ "Bearer sekrit\n", 0, "Bearer sekrit", NULL },
		{ "Bearer sekrit\r\n", 0, "Bearer sekrit", NULL },
		{ " \tBearer\tsekrit \t\n", 0, "Bearer\tsekrit", NULL },
		{ "@sekrit\n", 0, "@sekrit", NULL },
		{ "sekrit;#=\"'\n", 0, "sekrit;#=\"'", NULL },
		{ "\xc3\xa9sekrit", 0, "\xc3\xa9sekrit", NULL },
		{ "sekrit\n\n", 0, NULL, "'$D/secret' contains a line break "
		  "(only one, at the end, is allowed)" },
		{ "sek\nrit\n", 0, NULL, "'$D/secret' contains a line break "
		  "(only one, at the end, is allowed)" },
		{ "sekrit\r", 0, NULL, "'$D/secret' contains a line break "
		  "(only one, at the end, is allowed)" },
		{ "sek\rrit", 0, NULL, "'$D/secret' contains a line break "
		  "(only one, at the end, is allowed)" },
		{ "sek\0rit\n", 8, NULL, "'$D/secret' contains a NUL byte" },
		{ "sekrit\0", 7, NULL, "'$D/secret' contains a NUL byte" },
		{ "sek\x01rit", 0, NULL, "'$D/secret' contains control "
		  "characters" },
		{ "sekrit\x7f", 0, NULL, "'$D/secret' contains control "
		  "characters" },
		{ "\n", 0, NULL, "'$D/secret' is empty" },
		{ "\r\n", 0, NULL, "'$D/secret' is empty" },
		{ " \t \n", 0, NULL, "'$D/secret' is empty" },
		{ "", 0, NULL, "'$D/secret' is empty" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++)
		check_secret_header(&cases[i]);
}

static void
test_secret_size(void **state)
{
	struct secret_case c = { 0 };
	char *big = malloc(16384 + 2), *value = malloc(16384 + 1);

	(void)state;
	assert_non_null(big);
	assert_non_null(value);
	memset(big, 's', 16384 + 1);
	memcpy(value, big, 16384);
	value[16384] = '\0';

	/* 16KiB is the most a file may hold, line end included. */
	c.content = big;
	c.len = 16384;
	c.value = value;
	check_secret_header(&c);

	big[16383] = '\n';
	value[16383] = '\0';
	c.value = value;
	check_secret_header(&c);

	big[16383] = 's';
	c.len = 16385;
	c.value = NULL;
	c.message = "'$D/secret' is larger than 16KiB";
	check_secret_header(&c);

	big[16384] = '\n';
	check_secret_header(&c);
	free(big);
	free(value);
}

static void
test_secret_header_sources(void **state)
{
	char env[256];
	const char *path;
	struct run r;

	(void)state;
	make_dir("creds");
	write_file("creds/token", "Bearer sekrit-cred\n");
	write_file("creds/other", "sekrit-other");
	write_file("plain", "sekrit-plain\n");
	path = write_file_d("src.conf",
		GOOD_REDIS
		"[upstream]\n"					/* 3 */
		"url = ws://h/\n"				/* 4 */
		"header = Authorization: @token\n"		/* 5 */
		"header = X-Other:\t@other\n"			/* 6 */
		"header = X-Plain: @$D/plain\n"			/* 7 */
		"header = X-Handle: @@token\n"			/* 8 */
		"header = X-At: @@\n"				/* 9 */
		"header = X-Mail: me@example.com\n");		/* 10 */

	/* Without CREDENTIALS_DIRECTORY a bare name cannot be found. */
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/src.conf:5: header: header 'Authorization': "
		"CREDENTIALS_DIRECTORY is not set, so credential 'token' "
		"cannot be found (load it with LoadCredential=, or give a "
		"path containing '/')\n"
		"$D/src.conf:6: header: header 'X-Other': "
		"CREDENTIALS_DIRECTORY is not set, so credential 'other' "
		"cannot be found (load it with LoadCredential=, or give a "
		"path containing '/')\n");
	/* The others are read all the same. */
	assert_int_equal(r.cfg.headers.count, 4);
	assert_string_equal(r.cfg.headers.items[0], "X-Plain: sekrit-plain");
	run_free(&r);

	/* Set but empty is the same as unset. */
	setenv("CREDENTIALS_DIRECTORY", "", 1);
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_int_equal(r.d.count, 2);
	run_free(&r);

	/* A trailing '/' on the directory does not matter. */
	for (int slash = 0; slash < 2; slash++) {
		snprintf(env, sizeof(env), "%s/creds%s", tmpdir,
			 slash ? "/" : "");
		setenv("CREDENTIALS_DIRECTORY", env, 1);
		load(&r, "-c", path, NULL);
		assert_string_equal(r.text, "");
		assert_int_equal(r.cfg.headers.count, 6);
		assert_string_equal(r.cfg.headers.items[0],
				    "Authorization: Bearer sekrit-cred");
		assert_string_equal(r.cfg.headers.items[1],
				    "X-Other: sekrit-other");
		assert_string_equal(r.cfg.headers.items[2],
				    "X-Plain: sekrit-plain");
		assert_string_equal(r.cfg.headers.items[3],
				    "X-Handle: @token");
		assert_string_equal(r.cfg.headers.items[4], "X-At: @");
		assert_string_equal(r.cfg.headers.items[5],
				    "X-Mail: me@example.com");
		run_free(&r);
	}

	/* A missing credential names the file it looked for. */
	path = write_file_d("miss.conf", GOOD_UPSTREAM GOOD_REDIS
			    "[upstream]\nheader = Authorization: @nope\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/miss.conf:6: header: header "
			    "'Authorization': cannot read '$D/creds/nope': No "
			    "such file or directory\n");
	run_free(&r);
}

static void
test_secret_header_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "upstream", "header = Authorization: @", "header: header "
		  "'Authorization': empty file name" },
		{ "upstream", "header = Authorization: @$D/none", "header: "
		  "header 'Authorization': cannot read '$D/none': No such "
		  "file or directory" },
		{ "upstream", "header = Authorization: @$D", "header: header "
		  "'Authorization': '$D' is a directory, not a file" },
		{ "upstream", "header = Authorization: @/dev/zero", "header: "
		  "header 'Authorization': '/dev/zero' is a character "
		  "device, not a file" },
		{ "upstream", "header = Authorization: @$D/a\tb", "header: "
		  "header 'Authorization': file name contains control "
		  "characters" },
		/* Checked before any file is read. */
		{ "upstream", "header = Host: @$D/none", "header: header "
		  "'Host' is set by wspushd itself" },
		{ "upstream", "header = X-Bad:@", "header: header 'X-Bad': "
		  "empty file name" },
	};

	(void)state;
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));
}

/* ---- Redis password from a file --------------------------------------- */

static void
test_password_file(void **state)
{
	char env[256];
	const char *path;
	struct run r;

	(void)state;
	make_dir("creds");
	write_file("creds/redis-password", "sekrit-cred\n");
	write_file("pw", " sekrit with\tblanks \n");

	/* Replaces the URL's password and keeps its user. */
	path = write_file_d("pw1.conf", GOOD_UPSTREAM GOOD_REDIS
			    "url = redis://bob:old@cache:6380/2\n"
			    "password_file = $D/pw\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	/* Kept verbatim: a password may begin or end with a blank. */
	assert_string_equal(r.cfg.redis.password, " sekrit with\tblanks ");
	assert_string_equal(r.cfg.redis.user, "bob");
	assert_string_equal(r.cfg.redis.host, "cache");
	assert_int_equal(r.cfg.redis.db, 2);
	run_free(&r);

	/* And --redis's. */
	load(&r, "-c", path, "--redis", "redis://:flagpw@other", NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.redis.password, " sekrit with\tblanks ");
	assert_null(r.cfg.redis.user);
	assert_string_equal(r.cfg.redis.host, "other");
	run_free(&r);

	/* Over the default URL, and over a unix socket. */
	path = write_file("pw2.conf", GOOD_UPSTREAM GOOD_REDIS
			  "password_file = redis-password\n");
	snprintf(env, sizeof(env), "%s/creds", tmpdir);
	setenv("CREDENTIALS_DIRECTORY", env, 1);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.redis_url_text, "redis://127.0.0.1:6379");
	assert_string_equal(r.cfg.redis.password, "sekrit-cred");
	run_free(&r);
	load(&r, "-c", path, "--redis", "unix:///run/redis.sock", NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.cfg.redis.transport, REDIS_UNIX);
	assert_string_equal(r.cfg.redis.password, "sekrit-cred");
	run_free(&r);

	/* Empty: the URL's own password. */
	path = write_file("pw3.conf", GOOD_UPSTREAM GOOD_REDIS
			  "url = redis://:urlpw@h\npassword_file =\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_string_equal(r.cfg.redis.password, "urlpw");
	run_free(&r);

	/* A bad URL gets no password; only the URL is reported. */
	path = write_file_d("pw4.conf", GOOD_UPSTREAM GOOD_REDIS
			    "url = redis://h:0\npassword_file = $D/pw\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "$D/pw4.conf:5: url: invalid port '0' "
			    "(expected 1-65535)\n");
	assert_null(r.cfg.redis.password);
	run_free(&r);
}

static void
test_password_file_errors(void **state)
{
	static const struct bad_value cases[] = {
		{ "redis", "password_file = redis-password", "password_file: "
		  "CREDENTIALS_DIRECTORY is not set, so credential "
		  "'redis-password' cannot be found (load it with "
		  "LoadCredential=, or give a path containing '/')" },
		{ "redis", "password_file = $D/none", "password_file: cannot "
		  "read '$D/none': No such file or directory" },
		{ "redis", "password_file = $D/two-lines", "password_file: "
		  "'$D/two-lines' contains a line break (only one, at the "
		  "end, is allowed)" },
		{ "redis", "password_file = $D/nul", "password_file: "
		  "'$D/nul' contains a NUL byte" },
		{ "redis", "password_file = $D/empty", "password_file: "
		  "'$D/empty' is empty" },
		{ "redis", "password_file = $D/big", "password_file: "
		  "'$D/big' is larger than 16KiB" },
		{ "redis", "password_file = $D", "password_file: '$D' is a "
		  "directory, not a file" },
		/* Only regular files are read: a device could block. */
		{ "redis", "password_file = /dev/zero", "password_file: "
		  "'/dev/zero' is a character device, not a file" },
		{ "upstream", "password_file = $D/none", "unknown key "
		  "'password_file' in [upstream] (it belongs in [redis])" },
	};
	char big[16385];
	struct run r;
	const char *path;

	(void)state;
	write_file("two-lines", "sekrit\nsekrit\n");
	write_bytes("nul", "sek\0rit", 7);
	write_file("empty", "\n");
	memset(big, 'x', sizeof(big));
	write_bytes("big", big, sizeof(big));
	check_bad_values(cases, sizeof(cases) / sizeof(*cases));

	/* Duplicates, like every key. */
	path = write_file_d("dup.conf", GOOD_UPSTREAM GOOD_REDIS
			    "password_file = $D/empty\n"
			    "password_file = $D/nul\n");
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text,
		"$D/dup.conf:5: password_file: '$D/empty' is empty\n"
		"$D/dup.conf:6: duplicate key 'password_file' in [redis] "
		"(already set at line 5)\n");
	run_free(&r);
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

/* ---- [daemon] runtime_dir --------------------------------------------- */

static void
test_runtime_dir(void **state)
{
	static const struct { const char *env, *dir; } cases[] = {
		{ NULL, "/run/wspushd" },
		{ "", "/run/wspushd" },
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
		load(&r, "--url", "ws://h/", "--channel", "c", NULL);
		assert_string_equal(r.text, "");
		assert_string_equal(r.cfg.runtime_dir, cases[i].dir);
		run_free(&r);
	}

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
		"[redis] backoff_max", "[redis] backoff_reset",
		"[queue] max_messages",
		"[queue] max_bytes", "[queue] overflow",
		"[daemon] drain_timeout", "[daemon] log_level",
		"[upstream] ping_interval", "[upstream] pong_timeout",
		"[upstream] liveness", "[upstream] slow_retry_codes",
		"[upstream] fin_timeout", "[redis] ping_interval",
		"[redis] ping_timeout", "[daemon] dns_timeout",
		"[daemon] dns_servers", "[daemon] tcp_keepalive_idle",
		"[daemon] tcp_keepalive_interval",
		"[daemon] tcp_keepalive_probes", "[daemon] tcp_user_timeout",
		"[upstream] tls_ca_file", "[upstream] tls_ca_dir",
		"[upstream] tls_cert_file", "[upstream] tls_key_file",
		"[upstream] tls_server_name", "[upstream] tls_insecure",
		"[redis] password_file", "[daemon] runtime_dir",
		"[status] key", "[status] channel", "[status] ttl",
		"[metrics] listen",
	};
	char path[4096], section[64] = "", seen[4096] = "", *line = NULL;
	char *out = NULL, *def_runtime, *def_key, *def_channel;
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
	assert_null(r.cfg.tls_ca_file);
	assert_null(r.cfg.tls_ca_dir);
	assert_null(r.cfg.tls_cert_file);
	assert_null(r.cfg.tls_key_file);
	assert_null(r.cfg.tls_server_name);
	assert_int_equal(r.cfg.tls_insecure, def.tls_insecure);
	assert_null(r.cfg.redis.password);
	assert_int_equal(r.cfg.status_ttl_ms, def.status_ttl_ms);
	assert_null(r.cfg.metrics_listen);
	assert_int_equal(r.cfg.metrics_port, def.metrics_port);
	run_free(&r);

	/* What config_load fills in, with no RUNTIME_DIRECTORY set. */
	load(&r, "--url", "ws://h/", "--channel", "c", NULL);
	assert_string_equal(r.text, "");
	def_runtime = strdup(r.cfg.runtime_dir);
	def_key = strdup(r.cfg.status_key);
	def_channel = strdup(r.cfg.status_channel);
	run_free(&r);
	load(&r, "-c", tmp, NULL);
	assert_string_equal(r.cfg.runtime_dir, def_runtime);
	assert_string_equal(r.cfg.status_key, def_key);
	assert_string_equal(r.cfg.status_channel, def_channel);
	run_free(&r);
	free(def_runtime);
	free(def_key);
	free(def_channel);
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
		T(test_tls_settings),
		T(test_tls_errors),
		T(test_tls_unreadable),
		T(test_tls_needs_wss),
		T(test_secret_headers),
		T(test_secret_size),
		T(test_secret_header_sources),
		T(test_secret_header_errors),
		T(test_password_file),
		T(test_password_file_errors),
		T(test_status_settings),
		T(test_status_errors),
		T(test_status_flag),
		T(test_metrics_listen),
		T(test_metrics_errors),
		T(test_runtime_dir),
		T(test_runtime_dir_errors),
		T(test_new_keys_errors_together),
		T(test_example_config_loads),
		T(test_example_config_documents_defaults),
		T(test_reload_and_free),
		T(test_diag_and_strlist),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
