/*
 * test_config_secrets.c - credentials kept out of the file ("Name: @FILE" headers,
 * [redis] password_file), and never echoed in a message.
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_password_in_messages),
		T(test_secret_headers),
		T(test_secret_size),
		T(test_secret_header_sources),
		T(test_secret_header_errors),
		T(test_password_file),
		T(test_password_file_errors),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
