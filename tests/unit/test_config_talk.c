/*
 * test_config_talk.c - what the daemon says of its own accord and where
 * the server's words go: on_open messages as written, "@@" for a leading
 * "@", "@FILE" read as a secret (never shown in a message), the frame
 * type checked against the text, a heartbeat that needs its message, and
 * [inbound] going to a channel or a stream, not both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config_harness.h"

#define T(f) cmocka_unit_test_teardown(f, cleanup_files)

static void
test_on_open_messages(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	write_file("login.json", "{\"op\":\"auth\",\"token\":\"s3cr3t\"}\n");
	path = write_file_d("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			    "on_open = {\"op\":\"hello\"}\n"
			    "on_open = @$D/login.json\n"
			    "on_open = @@handle\n"
			    "on_open_wait = 300ms\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.on_open.count, 3);
	assert_string_equal(r.cfg.on_open.items[0], "{\"op\":\"hello\"}");
	assert_string_equal(r.cfg.on_open.items[1],
			    "{\"op\":\"auth\",\"token\":\"s3cr3t\"}");
	assert_string_equal(r.cfg.on_open.items[2], "@handle");
	assert_int_equal(r.cfg.on_open_type, MESSAGE_TEXT);
	assert_int_equal(r.cfg.on_open_wait_ms, 300);
	run_free(&r);
}

/* "@NAME", a bare name, is the credential of that name (LoadCredential=). */
static void
test_on_open_credential(void **state)
{
	char env[256];
	const char *path;
	struct run r;

	(void)state;
	make_dir("creds");
	write_file("creds/upstream-login", "{\"op\":\"login\",\"key\":\"k3y\"}\n");
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			  "on_open = @upstream-login\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_null(strstr(r.text, "k3y"));
	run_free(&r);
	snprintf(env, sizeof(env), "%s/creds", tmpdir);
	setenv("CREDENTIALS_DIRECTORY", env, 1);
	load(&r, "-c", path, NULL);
	assert_string_equal(r.text, "");
	assert_int_equal(r.cfg.on_open.count, 1);
	assert_string_equal(r.cfg.on_open.items[0],
			    "{\"op\":\"login\",\"key\":\"k3y\"}");
	run_free(&r);
}

/* A secret that cannot be read is named by its file, never shown. */
static void
test_on_open_secret_errors(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	write_file("two-lines", "line one\nline two\n");
	path = write_file_d("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			    "on_open = @$D/missing\n"
			    "on_open = @$D/two-lines\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text,
		"$D/t.conf:6: on_open: message '@$D/missing': cannot read "
		"'$D/missing': No such file or directory\n"
		"$D/t.conf:7: on_open: message '@$D/two-lines': '$D/two-lines' "
		"contains a line break (only one, at the end, is allowed)\n");
	assert_null(strstr(r.text, "line one"));
	run_free(&r);
}

/* Binary bytes as a text frame are refused, by place, not content. */
static void
test_on_open_type(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	write_bytes("bin", "\xff\xfe-secret", 9);
	path = write_file_d("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			    "on_open = ok\non_open = @$D/bin\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/t.conf:7: on_open message 2 is not "
			    "UTF-8 text: set on_open_type = binary (or auto)\n");
	run_free(&r);
	path = write_file_d("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			    "on_open = ok\non_open = @$D/bin\n"
			    "on_open_type = binary\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.on_open_type, MESSAGE_BINARY);
	run_free(&r);
}

static void
test_heartbeat(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			  "heartbeat_interval = 25s\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/t.conf:6: heartbeat_interval without "
			    "heartbeat_message (the text to send)\n");
	run_free(&r);
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			  "heartbeat_interval = 25s\nheartbeat_message = "
			  "{\"op\":\"ping\"}\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg.heartbeat_interval_ms, 25000);
	assert_string_equal(r.cfg.heartbeat_message, "{\"op\":\"ping\"}");
	run_free(&r);
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "[upstream]\n"
			  "heartbeat_interval = 2h\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_non_null(strstr(r.text, "heartbeat_interval: duration '2h' is "
			       "out of range"));
	run_free(&r);
}

static void
test_inbound(void **state)
{
	const char *path;
	struct run r;

	(void)state;
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "[inbound]\n"
			  "channel = ws:in\nstream = ws:in\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, -1);
	assert_string_equal(r.text, "$D/t.conf:7: [inbound] channel and stream "
			    "together: the server's messages go to one of them\n");
	run_free(&r);
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS "[inbound]\n"
			  "stream = ws:in\nmaxlen = 5000\nmax_pending = 7\n"
			  "max_pending_bytes = 1MiB\n");
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.cfg.inbound_stream, "ws:in");
	assert_null(r.cfg.inbound_channel);
	assert_int_equal(r.cfg.inbound_maxlen, 5000);
	assert_int_equal(r.cfg.inbound_max_pending, 7);
	assert_int_equal(r.cfg.inbound_max_pending_bytes, 1 << 20);
	run_free(&r);
	/* Off by default, with its bounds. */
	path = write_file("t.conf", GOOD_UPSTREAM GOOD_REDIS);
	load(&r, "-c", path, NULL);
	assert_int_equal(r.rc, 0);
	assert_null(r.cfg.inbound_stream);
	assert_null(r.cfg.inbound_channel);
	assert_int_equal(r.cfg.inbound_maxlen, 100000);
	assert_int_equal(r.cfg.inbound_max_pending, 10000);
	assert_int_equal(r.cfg.inbound_max_pending_bytes, 16 << 20);
	assert_int_equal(r.cfg.on_open.count, 0);
	assert_null(r.cfg.heartbeat_message);
	run_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_on_open_messages),
		T(test_on_open_credential),
		T(test_on_open_secret_errors),
		T(test_on_open_type),
		T(test_heartbeat),
		T(test_inbound),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
