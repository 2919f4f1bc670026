/*
 * test_url.c - ws://, wss://, redis://, unix:// and redaction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/url.h"

static const struct ws_url zero_ws;
static const struct redis_url zero_redis;

static void
ws_ok(const char *text, bool tls, const char *host, uint16_t port,
      const char *path)
{
	struct ws_url u;
	char err[256] = "";

	if (ws_url_parse(text, &u, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", text, err);
	assert_int_equal(u.tls, tls);
	assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	assert_string_equal(u.path, path);
	ws_url_free(&u);
	assert_memory_equal(&u, &zero_ws, sizeof(u));
}

static void
ws_bad(const char *text, const char *want)
{
	struct ws_url u;
	char err[256] = "";

	memset(&u, 0xa5, sizeof(u));
	assert_int_equal(ws_url_parse(text, &u, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_memory_equal(&u, &zero_ws, sizeof(u));
}

static void
test_ws_basic(void **state)
{
	(void)state;
	ws_ok("ws://example.com", false, "example.com", 80, "/");
	ws_ok("ws://example.com/", false, "example.com", 80, "/");
	ws_ok("wss://example.com", true, "example.com", 443, "/");
	ws_ok("wss://example.com:8443/push/v1", true, "example.com", 8443,
	      "/push/v1");
	ws_ok("ws://10.0.0.1:1/a", false, "10.0.0.1", 1, "/a");
	ws_ok("ws://h:65535", false, "h", 65535, "/");
	ws_ok("WSS://Example.COM/x", true, "Example.COM", 443, "/x");
	ws_ok("ws://my_host-1.internal./", false, "my_host-1.internal.", 80,
	      "/");
}

static void
test_ws_query(void **state)
{
	(void)state;
	ws_ok("wss://h/path?token=a;b&c=%20", true, "h", 443,
	      "/path?token=a;b&c=%20");
	ws_ok("ws://h?x=1", false, "h", 80, "/?x=1");
	ws_ok("ws://h:81?x=1", false, "h", 81, "/?x=1");
	/* An '@' after the authority is data, not credentials. */
	ws_ok("ws://h/p?mail=a@b", false, "h", 80, "/p?mail=a@b");
}

static void
test_ws_ipv6(void **state)
{
	(void)state;
	ws_ok("ws://[::1]/", false, "::1", 80, "/");
	ws_ok("wss://[2001:db8::5]:9000/ws", true, "2001:db8::5", 9000,
	      "/ws");
	ws_ok("ws://[::ffff:10.0.0.1]", false, "::ffff:10.0.0.1", 80, "/");
	ws_bad("ws://[::1/", "unterminated IPv6 literal (missing ']')");
	ws_bad("ws://[]/", "invalid IPv6 address");
	ws_bad("ws://[zz::1]/", "invalid IPv6 address 'zz::1'");
	ws_bad("ws://[fe80::1%25eth0]/", "invalid IPv6 address "
	       "'fe80::1%25eth0'");
	ws_bad("ws://[::1]x/", "unexpected text after ']' (expected ':port')");
	ws_bad("ws://[::1]:/", "empty port after ':'");
	ws_bad("ws://::1/", "IPv6 addresses must be written in brackets, "
	       "e.g. [::1]");
	ws_bad("ws://2001:db8::1/", "IPv6 addresses must be written in "
	       "brackets, e.g. [::1]");
}

static void
test_ws_scheme(void **state)
{
	(void)state;
	ws_bad("http://example.com/", "unsupported scheme 'http' (expected "
	       "ws:// or wss://)");
	ws_bad("https://example.com/", "unsupported scheme 'https' "
	       "(expected ws:// or wss://)");
	ws_bad("example.com/ws", "missing scheme (expected ws:// or wss://)");
	ws_bad("ws:/example.com", "missing scheme (expected ws:// or wss://)");
	ws_bad("://example.com", "missing scheme (expected ws:// or wss://)");
	ws_bad("", "empty URL (expected ws://host/path or wss://host/path)");
	ws_bad(NULL, "empty URL (expected ws://host/path or "
	       "wss://host/path)");
}

static void
test_ws_host_port(void **state)
{
	(void)state;
	ws_bad("ws://", "missing host");
	ws_bad("ws:///path", "missing host");
	ws_bad("ws://:80/", "missing host");
	ws_bad("ws://?x", "missing host");
	ws_bad("ws://h:0/", "invalid port '0' (expected 1-65535)");
	ws_bad("ws://h:65536/", "invalid port '65536' (expected 1-65535)");
	ws_bad("ws://h:99999999999999999999999/", "invalid port "
	       "'99999999999999999999999' (expected 1-65535)");
	ws_bad("ws://h:-1/", "invalid port '-1' (expected 1-65535)");
	ws_bad("ws://h:8o/", "invalid port '8o' (expected 1-65535)");
	ws_bad("ws://h:/", "empty port after ':'");
	ws_bad("ws://h:1:2/", "IPv6 addresses must be written in brackets, "
	       "e.g. [::1]");
	ws_bad("ws://ex%41mple.com/", "invalid host 'ex%41mple.com'");
	ws_bad("ws://ex!ample/", "invalid host 'ex!ample'");
}

static void
test_ws_rejects(void **state)
{
	(void)state;
	ws_bad("ws://user:pw@h/", "credentials in WebSocket URLs are not "
	       "supported (send them with a header, e.g. 'Authorization: "
	       "Bearer ...')");
	ws_bad("ws://user@h/", "credentials in WebSocket URLs are not "
	       "supported (send them with a header, e.g. 'Authorization: "
	       "Bearer ...')");
	ws_bad("ws://h/#frag", "fragments ('#...') are not allowed in "
	       "WebSocket URLs");
	ws_bad("ws://h/a b", "URL contains spaces or control characters "
	       "(percent-encode them)");
	ws_bad("ws://h/a\tb", "URL contains spaces or control characters "
	       "(percent-encode them)");
	ws_bad(" ws://h/", "missing scheme (expected ws:// or wss://)");
	ws_bad("ws://h/\x7f", "URL contains spaces or control characters "
	       "(percent-encode them)");
}

static void
redis_bad(const char *text, const char *want)
{
	struct redis_url u;
	char err[256] = "";

	memset(&u, 0xa5, sizeof(u));
	assert_int_equal(redis_url_parse(text, &u, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_memory_equal(&u, &zero_redis, sizeof(u));
}

static struct redis_url
redis_ok(const char *text)
{
	struct redis_url u;
	char err[256] = "";

	if (redis_url_parse(text, &u, err, sizeof(err)) != 0)
		fail_msg("'%s' rejected: %s", text, err);
	return u;
}

static void
test_redis_tcp(void **state)
{
	struct redis_url u;

	(void)state;
	u = redis_ok("redis://127.0.0.1:6379");
	assert_int_equal(u.transport, REDIS_TCP);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6379);
	assert_null(u.socket_path);
	assert_null(u.user);
	assert_null(u.password);
	assert_int_equal(u.db, 0);
	redis_url_free(&u);
	assert_memory_equal(&u, &zero_redis, sizeof(u));

	u = redis_ok("redis://cache.internal");
	assert_string_equal(u.host, "cache.internal");
	assert_int_equal(u.port, 6379);
	redis_url_free(&u);

	u = redis_ok("redis://h:7000/");
	assert_int_equal(u.port, 7000);
	assert_int_equal(u.db, 0);
	redis_url_free(&u);

	u = redis_ok("redis://h/15");
	assert_int_equal(u.db, 15);
	redis_url_free(&u);

	u = redis_ok("REDIS://[::1]:6380/1000000");
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 6380);
	assert_int_equal(u.db, 1000000);
	redis_url_free(&u);
}

static void
test_redis_auth(void **state)
{
	struct redis_url u;

	(void)state;
	u = redis_ok("redis://:s3cret@h");
	assert_null(u.user);
	assert_string_equal(u.password, "s3cret");
	redis_url_free(&u);

	u = redis_ok("redis://alice:pa%3Ass%40w%2fd@h:1/2");
	assert_string_equal(u.user, "alice");
	assert_string_equal(u.password, "pa:ss@w/d");
	assert_string_equal(u.host, "h");
	assert_int_equal(u.port, 1);
	assert_int_equal(u.db, 2);
	redis_url_free(&u);

	u = redis_ok("redis://us%20er:x@h");
	assert_string_equal(u.user, "us er");
	redis_url_free(&u);

	/* An unencoded '@' in the password: the last '@' ends it. */
	u = redis_ok("redis://:p@ss@h/3");
	assert_string_equal(u.password, "p@ss");
	assert_string_equal(u.host, "h");
	assert_int_equal(u.db, 3);
	redis_url_free(&u);

	/* Likewise '/', '?' and '#' before the '@'. */
	u = redis_ok("redis://:a/b?c#d@h");
	assert_string_equal(u.password, "a/b?c#d");
	assert_string_equal(u.host, "h");
	redis_url_free(&u);
}

static void
test_redis_auth_errors(void **state)
{
	(void)state;
	redis_bad("redis://secret@h", "credentials without ':' (write "
		  "redis://:PASSWORD@host or redis://USER:PASSWORD@host)");
	redis_bad("redis://user:@h", "empty password in URL");
	redis_bad("redis://:@h", "empty password in URL");
	redis_bad("redis://:pw%zz@h", "invalid percent-encoding in password");
	redis_bad("redis://:pw%4@h", "invalid percent-encoding in password");
	redis_bad("redis://:pw%@h", "invalid percent-encoding in password");
	redis_bad("redis://:pw%00x@h", "invalid percent-encoding in password");
	redis_bad("redis://u%g1:pw@h", "invalid percent-encoding in user "
		  "name");
	redis_bad("redis://:pw@", "missing host");
	redis_bad("redis://:pw@:6379", "missing host");
	redis_bad("redis://::1", "IPv6 addresses must be written in "
		  "brackets, e.g. [::1]");
}

static void
test_redis_errors(void **state)
{
	(void)state;
	redis_bad("rediss://h:6380", "TLS to Redis is not supported by "
		  "hiredis 0.14");
	redis_bad("RedisS://h", "TLS to Redis is not supported by hiredis "
		  "0.14");
	redis_bad("http://h", "unsupported scheme 'http' (expected redis:// "
		  "or unix://)");
	redis_bad("h:6379", "missing scheme (expected redis:// or unix://)");
	redis_bad("", "empty URL (expected redis://host:port or "
		  "unix:///path/to/redis.sock)");
	redis_bad("redis://", "missing host");
	redis_bad("redis://h:0", "invalid port '0' (expected 1-65535)");
	redis_bad("redis://h:65536", "invalid port '65536' (expected "
		  "1-65535)");
	redis_bad("redis://h/1000001", "invalid database '1000001' "
		  "(expected 0..1000000)");
	redis_bad("redis://h/-1", "invalid database '-1' (expected "
		  "0..1000000)");
	redis_bad("redis://h/a", "invalid database 'a' (expected "
		  "0..1000000)");
	redis_bad("redis://h/1/2", "invalid database '1/2' (expected "
		  "0..1000000)");
	redis_bad("redis://h/?db=1", "query and fragment are not supported "
		  "in redis:// URLs (put the database in the path: "
		  "redis://host:6379/2)");
	redis_bad("redis://h/0#x", "query and fragment are not supported "
		  "in redis:// URLs (put the database in the path: "
		  "redis://host:6379/2)");
	redis_bad("redis://h /0", "URL contains spaces or control "
		  "characters (percent-encode them)");
}

static void
test_redis_errors_hide_password(void **state)
{
	const char *texts[] = {
		"redis://:hunter2@h:0", "redis://:hunter2@h/x",
		"redis://u:hunter2@", "redis://:hunter2@h?db=1",
		"redis://hunter2@h", "unix://:hunter2@/run/r.sock?x=1",
		"unix://:hunter2@host/run/r.sock",
	};
	struct redis_url u;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(*texts); i++) {
		assert_int_equal(redis_url_parse(texts[i], &u, err,
						 sizeof(err)), -1);
		assert_null(strstr(err, "hunter2"));
	}
}

static void
test_redis_unix(void **state)
{
	struct redis_url u;
	char path[200];

	(void)state;
	u = redis_ok("unix:///run/redis/redis.sock");
	assert_int_equal(u.transport, REDIS_UNIX);
	assert_string_equal(u.socket_path, "/run/redis/redis.sock");
	assert_null(u.host);
	assert_int_equal(u.db, 0);
	redis_url_free(&u);

	u = redis_ok("unix:///tmp/r.sock?db=4");
	assert_string_equal(u.socket_path, "/tmp/r.sock");
	assert_int_equal(u.db, 4);
	redis_url_free(&u);

	u = redis_ok("unix://:pw%21@/tmp/r.sock");
	assert_string_equal(u.password, "pw!");
	assert_null(u.user);
	assert_string_equal(u.socket_path, "/tmp/r.sock");
	redis_url_free(&u);

	/* systemd instance names put '@' in paths; no '@' before the '/'. */
	u = redis_ok("unix:///run/redis@main/redis.sock");
	assert_string_equal(u.socket_path, "/run/redis@main/redis.sock");
	assert_null(u.password);
	redis_url_free(&u);

	/* 107 bytes is the most sun_path holds with its NUL. */
	memset(path, 'a', sizeof(path));
	memcpy(path, "unix:///", 8);
	path[7 + 107] = '\0';
	u = redis_ok(path);
	assert_int_equal(strlen(u.socket_path), 107);
	redis_url_free(&u);
	path[7 + 107] = 'a';
	path[7 + 108] = '\0';
	redis_bad(path, "socket path is too long (108 bytes, at most 107)");
}

static void
test_redis_unix_errors(void **state)
{
	(void)state;
	redis_bad("unix://", "socket path must be absolute "
		  "(unix:///path/to/redis.sock)");
	redis_bad("unix://run/redis.sock", "unix:// URLs take no host "
		  "(unix:///path/to/redis.sock)");
	redis_bad("unix://localhost/run/redis.sock", "unix:// URLs take no "
		  "host (unix:///path/to/redis.sock)");
	redis_bad("unix:///", "empty socket path "
		  "(unix:///path/to/redis.sock)");
	redis_bad("unix:///?db=1", "empty socket path "
		  "(unix:///path/to/redis.sock)");
	redis_bad("unix:///r.sock?db=x", "invalid database 'x' (expected "
		  "0..1000000)");
	redis_bad("unix:///r.sock?db=", "invalid database '' (expected "
		  "0..1000000)");
	redis_bad("unix:///r.sock?db=1&x=2", "invalid database '1&x=2' "
		  "(expected 0..1000000)");
	redis_bad("unix:///r.sock?password=x", "unsupported query in "
		  "unix:// URL (only ?db=N is understood)");
	redis_bad("unix:///r.sock#x", "fragments are not supported in "
		  "unix:// URLs");
	redis_bad("unix://secret@/r.sock", "credentials without ':' (write "
		  "redis://:PASSWORD@host or redis://USER:PASSWORD@host)");
}

static void
redact_is(const char *text, const char *want)
{
	char out[256];

	memset(out, 'X', sizeof(out));
	url_redact(text, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_redact(void **state)
{
	(void)state;
	redact_is("redis://h:6379/0", "redis://h:6379/0");
	redact_is("redis://:s3cret@h:6379/0", "redis://:***@h:6379/0");
	redact_is("redis://alice:s3cret@h", "redis://alice:***@h");
	redact_is("redis://:p@ss@h", "redis://:***@h");
	redact_is("redis://:a/b@h", "redis://:***@h");
	redact_is("redis://secret@h", "redis://***@h");
	redact_is("rediss://:pw@h", "rediss://:***@h");
	redact_is("redis://user:@h", "redis://user:@h");
	redact_is("unix://:pw@/run/r.sock", "unix://:***@/run/r.sock");
	redact_is("unix:///run/redis@main/r.sock",
		  "unix:///run/redis@main/r.sock");
	/* '?' and '#' in the credentials must not hide them. */
	redact_is("unix://:p#ss@/run/r.sock", "unix://:***@/run/r.sock");
	redact_is("unix://u?x:secret@/run/r.sock", "unix://u?x:***@/run/r.sock");
	redact_is("unix://?:w@/r", "unix://?:***@/r");
	redact_is("wss://u:pw@h/x", "wss://u:***@h/x");
	redact_is("wss://h/x?mail=a@b", "wss://h/x?mail=a@b");
	redact_is("u:pw@h", "u:***@h");
	redact_is("plain text", "plain text");
	redact_is("", "");
	redact_is(NULL, "");
}

static void
test_redact_truncates(void **state)
{
	char out[12];

	(void)state;
	url_redact("redis://:secretpassword@host", out, sizeof(out));
	assert_string_equal(out, "redis://:**");
	url_redact("redis://:secretpassword@host", out, 1);
	assert_string_equal(out, "");
	memset(out, 'X', sizeof(out));
	url_redact("redis://h", out, 0);
	assert_int_equal(out[0], 'X');
	url_redact("redis://averylonghostname", out, sizeof(out));
	assert_string_equal(out, "redis://ave");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_basic),
		cmocka_unit_test(test_ws_query),
		cmocka_unit_test(test_ws_ipv6),
		cmocka_unit_test(test_ws_scheme),
		cmocka_unit_test(test_ws_host_port),
		cmocka_unit_test(test_ws_rejects),
		cmocka_unit_test(test_redis_tcp),
		cmocka_unit_test(test_redis_auth),
		cmocka_unit_test(test_redis_auth_errors),
		cmocka_unit_test(test_redis_errors),
		cmocka_unit_test(test_redis_errors_hide_password),
		cmocka_unit_test(test_redis_unix),
		cmocka_unit_test(test_redis_unix_errors),
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
