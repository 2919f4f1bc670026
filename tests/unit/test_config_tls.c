/*
 * test_config_tls.c - the [upstream] tls_* keys: files checked at load, wss:// required.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_tls_settings),
		T(test_tls_errors),
		T(test_tls_unreadable),
		T(test_tls_needs_wss),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
