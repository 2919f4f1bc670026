/*
 * config_harness.c - see config_harness.h.
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
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "wspushd/config.h"

#include "config_harness.h"

#define MAX_ARGS 32

char tmpdir[64];
char files[MAX_FILES][128];
size_t nfiles;
static char dirs[MAX_DIRS][128];
static size_t ndirs;

/* The environment the tests were started with, put back at the end. */
static const char *const env_names[] = { "CREDENTIALS_DIRECTORY",
					 "RUNTIME_DIRECTORY" };
static char *env_saved[2];

static void
unset_env(void)
{
	for (size_t i = 0; i < 2; i++)
		unsetenv(env_names[i]);
}

int
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

int
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
void
cleanup_after(size_t keep)
{
	for (size_t i = keep; i < nfiles; i++)
		unlink(files[i]);
	if (nfiles > keep)
		nfiles = keep;
}

int
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
char *
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
const char *
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
const char *
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
const char *
write_file(const char *name, const char *text)
{
	return write_bytes(name, text, strlen(text));
}

/* The same, with "$D" in text standing for the temporary directory. */
const char *
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
void
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

void
run_free(struct run *r)
{
	config_free(&r->cfg);
	diag_free(&r->d);
	free(r->text);
}

/*
 * After head, four lines that are fine; "$D" in a case's line stands
 * for the temporary directory.  Files written before the call are kept.
 */
void
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

void
check_bad_values(const struct bad_value *cases, size_t n)
{
	check_bad_values_after(GOOD_UPSTREAM GOOD_REDIS, cases, n);
}

