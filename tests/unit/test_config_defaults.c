/*
 * test_config_defaults.c - defaults, a full file, the shipped example, and freeing.
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

/* ---- the shipped example ---------------------------------------------- */

static void
example_path(char *buf, size_t len)
{
	const char *slash = strrchr(__FILE__, '/');
	int dirlen = slash != NULL ? (int)(slash - __FILE__) : 0;

	/* tests/unit/test_config_defaults.c -> systemd/wspushd.conf */
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
		T(test_example_config_loads),
		T(test_example_config_documents_defaults),
		T(test_reload_and_free),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
