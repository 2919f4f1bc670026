/*
 * config_harness.h - what the test_config_*.c files share: config_load()
 * run on files written to a private mkdtemp() directory, with its
 * messages rendered as text.
 *
 * Files and directories are removed again after each test
 * (cleanup_files, the teardown of every test).  Messages are compared
 * whole, with that directory shown as "$D", so a change in wording is a
 * failing test.  CREDENTIALS_DIRECTORY and RUNTIME_DIRECTORY are unset
 * while the tests run (tests that need them set them, and each test's
 * cleanup unsets them again), and restored at the end.
 */
#ifndef WSPUSHD_TEST_CONFIG_HARNESS_H
#define WSPUSHD_TEST_CONFIG_HARNESS_H

#include <stddef.h>

#include "wspushd/config.h"

#define MAX_FILES 32
#define MAX_DIRS 4

extern char tmpdir[64];
extern char files[MAX_FILES][128];	/* written so far, for cleanup */
extern size_t nfiles;

struct run {
	struct config cfg;
	struct diag d;
	enum cli_action action;
	int rc;
	char *text;	/* the diag lines, '\n'-terminated, tmpdir as $D */
};

/* A file with nothing wrong, to which tests add one problem each. */
#define GOOD_UPSTREAM "[upstream]\nurl = ws://up.example/ws\n"
#define GOOD_REDIS "[redis]\nchannel = events\n"

/* Group setup and teardown: the directory and the environment. */
int setup_dir(void **state);
int teardown_dir(void **state);
/* Every test's teardown: remove what it wrote, unset the environment. */
int cleanup_files(void **state);
/* Remove the files written after the first keep of them. */
void cleanup_after(size_t keep);

/* text with every "$D" replaced by the temporary directory (free it). */
char *expand(const char *text);
/* A directory in the temporary one, removed after the test. */
const char *make_dir(const char *name);
/* Write len bytes (NULs included) as name; return its path. */
const char *write_bytes(const char *name, const char *data, size_t len);
/* Write name in the temporary directory; return its path. */
const char *write_file(const char *name, const char *text);
/* The same, with "$D" in text standing for the temporary directory. */
const char *write_file_d(const char *name, const char *text);

/* config_load("wspushd", args..., NULL) into r. */
void load(struct run *r, ...);
void run_free(struct run *r);

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
void check_bad_values_after(const char *head, const struct bad_value *cases,
			    size_t n);
/* The same after GOOD_UPSTREAM GOOD_REDIS. */
void check_bad_values(const struct bad_value *cases, size_t n);

#define T(f) cmocka_unit_test_teardown(f, cleanup_files)

#endif
