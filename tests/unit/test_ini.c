/*
 * test_ini.c - the INI reader: syntax, comments, quoting, errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* open_memstream, fmemopen, mkdtemp */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "wspushd/config.h"
#include "wspushd/ini.h"

/* Every handler call, one per line: "line [section] key=<value>". */
struct record {
	char *buf;
	size_t len;
	FILE *fp;
	int fail_key_calls;	/* make the handler report errors */
};

static int
record_cb(void *user, const char *section, const char *key, const char *value,
	  unsigned line)
{
	struct record *r = user;

	if (key == NULL) {
		fprintf(r->fp, "%u [%s]\n", line, section);
		return 0;
	}
	fprintf(r->fp, "%u [%s] %s=<%s>\n", line, section, key, value);
	return r->fail_key_calls ? 1 : 0;
}

static void
record_open(struct record *r)
{
	memset(r, 0, sizeof(*r));
	r->fp = open_memstream(&r->buf, &r->len);
	assert_non_null(r->fp);
}

static const char *
record_text(struct record *r)
{
	fflush(r->fp);
	return r->buf;
}

static void
record_close(struct record *r)
{
	fclose(r->fp);
	free(r->buf);
}

/* Parse text as "t.ini"; return the parser's result. */
static int
parse(const char *text, struct record *r, struct diag *d)
{
	FILE *in = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(in);
	rc = ini_parse_stream(in, "t.ini", record_cb, r, d);
	fclose(in);
	return rc;
}

static void
assert_diag(const struct diag *d, const char *const *want, size_t n)
{
	for (size_t i = 0; i < d->count && i < n; i++)
		assert_string_equal(d->lines[i], want[i]);
	assert_int_equal(d->count, n);
}

static void
test_basic(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("top = 1\n"
			       "[upstream]\n"
			       "url = ws://h/\n"
			       "\n"
			       "  [ redis ]  \n"
			       "channel=a\n"
			       "channel = b\n"
			       "\tkey\t=\tvalue with  inner  spaces\t\n",
			       &r, &d), 0);
	assert_string_equal(record_text(&r),
			    "1 [] top=<1>\n"
			    "2 [upstream]\n"
			    "3 [upstream] url=<ws://h/>\n"
			    "5 [redis]\n"
			    "6 [redis] channel=<a>\n"
			    "7 [redis] channel=<b>\n"
			    "8 [redis] key=<value with  inner  spaces>\n");
	assert_int_equal(d.count, 0);
	record_close(&r);
}

static void
test_comments_only_at_line_start(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("# comment\n"
			       "; comment\n"
			       "   # indented comment\n"
			       "\t; indented comment\n"
			       "[s]\n"
			       "header = Authorization: Bearer ab;cd#ef\n"
			       "k = v ; not a comment\n"
			       "k = #not a comment either\n",
			       &r, &d), 0);
	assert_string_equal(record_text(&r),
			    "5 [s]\n"
			    "6 [s] header=<Authorization: Bearer ab;cd#ef>\n"
			    "7 [s] k=<v ; not a comment>\n"
			    "8 [s] k=<#not a comment either>\n");
	record_close(&r);
}

static void
test_quotes(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("[s]\n"
			       "a = \"  padded  \"\n"
			       "b = \"\"\n"
			       "c = \"\"quoted\"\"\n"
			       "d = say \"hi\"\n"
			       "e = \"a\" \"b\"\n"
			       "f =\n"
			       "g = x = y\n",
			       &r, &d), 0);
	assert_string_equal(record_text(&r),
			    "1 [s]\n"
			    "2 [s] a=<  padded  >\n"
			    "3 [s] b=<>\n"
			    "4 [s] c=<\"quoted\">\n"
			    "5 [s] d=<say \"hi\">\n"
			    "6 [s] e=<a\" \"b>\n"
			    "7 [s] f=<>\n"
			    "8 [s] g=<x = y>\n");
	record_close(&r);
}

static void
test_crlf_and_no_final_newline(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("[s]\r\nk = v\r\n\r\nlast = x", &r, &d), 0);
	assert_string_equal(record_text(&r),
			    "1 [s]\n"
			    "2 [s] k=<v>\n"
			    "4 [s] last=<x>\n");
	record_close(&r);
}

static void
test_bom(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("\xef\xbb\xbf[s]\nk = \xef\xbb\xbfv\n",
			       &r, &d), 0);
	/* Only the file's first bytes are a BOM; elsewhere it is data. */
	assert_string_equal(record_text(&r),
			    "1 [s]\n"
			    "2 [s] k=<\xef\xbb\xbfv>\n");
	record_close(&r);
}

static void
test_long_line(void **state)
{
	struct record r;
	struct diag d = { 0 };
	size_t n = 100000;
	char *text = malloc(n + 64), *want = malloc(n + 64);

	(void)state;
	assert_non_null(text);
	assert_non_null(want);
	strcpy(text, "[s]\nheader = Authorization: Bearer ");
	memset(text + strlen(text), 'x', n);
	strcpy(text + strlen("[s]\nheader = Authorization: Bearer ") + n,
	       ";tail\n");
	strcpy(want, "1 [s]\n2 [s] header=<Authorization: Bearer ");
	memset(want + strlen(want), 'x', n);
	strcpy(want + strlen("1 [s]\n2 [s] header=<Authorization: Bearer ")
	       + n, ";tail>\n");

	record_open(&r);
	assert_int_equal(parse(text, &r, &d), 0);
	assert_string_equal(record_text(&r), want);
	record_close(&r);
	free(text);
	free(want);
}

static void
test_syntax_errors_all_reported(void **state)
{
	static const char *const want[] = {
		"t.ini:2: expected 'key = value', '[section]' or a comment",
		"t.ini:3: missing key before '='",
		"t.ini:4: s: unterminated quoted value",
		"t.ini:5: unterminated section header (expected '[name]' "
		"alone on the line)",
		"t.ini:7: empty section name",
		"t.ini:8: unterminated section header (expected '[name]' "
		"alone on the line)",
		"t.ini:9: invalid section name 'a]b'",
	};
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("[ok]\n"
			       "just some words\n"
			       " = value\n"
			       "s = \"open\n"
			       "[broken\n"
			       "skipped = yes\n"
			       "[  ]\n"
			       "[x] # no inline comments\n"
			       "[a]b]\n"
			       "[good]\n"
			       "k = v\n",
			       &r, &d), -1);
	assert_diag(&d, want, sizeof(want) / sizeof(*want));
	assert_string_equal(record_text(&r),
			    "1 [ok]\n"
			    "10 [good]\n"
			    "11 [good] k=<v>\n");
	diag_free(&d);
	record_close(&r);
}

static void
test_keys_after_bad_header_skipped(void **state)
{
	static const char *const want[] = {
		"t.ini:1: unterminated section header (expected '[name]' "
		"alone on the line)",
		"t.ini:3: expected 'key = value', '[section]' or a comment",
	};
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("[upstream\n"
			       "url = ws://h/\n"
			       "oops\n"
			       "[upstream]\n"
			       "url = ws://h2/\n",
			       &r, &d), -1);
	assert_diag(&d, want, 2);
	/* Syntax is still checked under a broken header; keys are not
	 * handed on, since their section cannot be named. */
	assert_string_equal(record_text(&r),
			    "4 [upstream]\n"
			    "5 [upstream] url=<ws://h2/>\n");
	diag_free(&d);
	record_close(&r);
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "[s]\nk = ab\0cd\nj = 1\n";
	static const char *const want[] = {
		"t.ini:2: line contains a NUL byte",
	};
	struct record r;
	struct diag d = { 0 };
	FILE *in;

	(void)state;
	record_open(&r);
	in = fmemopen((void *)text, sizeof(text) - 1, "r");
	assert_non_null(in);
	assert_int_equal(ini_parse_stream(in, "t.ini", record_cb, &r, &d), -1);
	fclose(in);
	assert_diag(&d, want, 1);
	assert_string_equal(record_text(&r), "1 [s]\n3 [s] j=<1>\n");
	diag_free(&d);
	record_close(&r);
}

static void
test_handler_errors_counted(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	r.fail_key_calls = 1;
	assert_int_equal(parse("[s]\na = 1\nb = 2\n", &r, &d), -1);
	/* Parsing went on after the first rejected key. */
	assert_string_equal(record_text(&r),
			    "1 [s]\n2 [s] a=<1>\n3 [s] b=<2>\n");
	assert_int_equal(d.count, 0);
	record_close(&r);
}

static void
test_empty_input(void **state)
{
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(parse("", &r, &d), 0);
	assert_int_equal(parse("\n\n# only comments\n\xef\xbb\xbf", &r, &d),
			 -1);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.lines[0], "t.ini:4: expected 'key = value', "
			    "'[section]' or a comment");
	diag_free(&d);
	record_close(&r);
}

/* ---- files ------------------------------------------------------------ */

static char tmpdir[64];

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/wspushd-ini-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/a.ini", tmpdir);
	unlink(path);
	return rmdir(tmpdir);
}

static void
test_file(void **state)
{
	char path[128], want[256];
	struct record r;
	struct diag d = { 0 };
	FILE *fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/a.ini", tmpdir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("\xef\xbb\xbf# x\n[s]\nk = v\nbad line\n", fp);
	fclose(fp);

	record_open(&r);
	assert_int_equal(ini_parse_file(path, record_cb, &r, &d), -1);
	assert_string_equal(record_text(&r), "2 [s]\n3 [s] k=<v>\n");
	assert_int_equal(d.count, 1);
	snprintf(want, sizeof(want), "%s:4: expected 'key = value', "
		 "'[section]' or a comment", path);
	assert_string_equal(d.lines[0], want);
	diag_free(&d);
	record_close(&r);
	unlink(path);
}

static void
test_file_missing(void **state)
{
	char path[128], want[256];
	struct record r;
	struct diag d = { 0 };

	(void)state;
	snprintf(path, sizeof(path), "%s/missing.ini", tmpdir);
	record_open(&r);
	assert_int_equal(ini_parse_file(path, record_cb, &r, &d), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or "
		 "directory", path);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.lines[0], want);
	diag_free(&d);
	record_close(&r);
}

static void
test_file_is_directory(void **state)
{
	char want[256];
	struct record r;
	struct diag d = { 0 };

	(void)state;
	record_open(&r);
	assert_int_equal(ini_parse_file(tmpdir, record_cb, &r, &d), -1);
	snprintf(want, sizeof(want), "%s: read error: Is a directory",
		 tmpdir);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.lines[0], want);
	diag_free(&d);
	record_close(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_comments_only_at_line_start),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_crlf_and_no_final_newline),
		cmocka_unit_test(test_bom),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_syntax_errors_all_reported),
		cmocka_unit_test(test_keys_after_bad_header_skipped),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_handler_errors_counted),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_missing),
		cmocka_unit_test(test_file_is_directory),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
