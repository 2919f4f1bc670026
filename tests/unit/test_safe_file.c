/*
 * test_safe_file.c - only regular files (and directories, when asked
 * for) are opened, nothing blocks, nothing is read past the cap, and
 * every refusal names the path and what it is.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "wspushd/safe_file.h"

static char tmpdir[64];
static char err[SAFE_FILE_ERRLEN];

/* tmpdir/name; the last two stay valid, for symlink(in_dir, in_dir). */
static const char *
in_dir(const char *name)
{
	static char paths[2][128];
	static unsigned next;
	char *path = paths[next++ % 2];

	snprintf(path, sizeof(paths[0]), "%s/%s", tmpdir, name);
	return path;
}

static void
write_file(const char *name, const char *text, size_t len)
{
	FILE *fp = fopen(in_dir(name), "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

/* The message for path with "$P" standing for it. */
static const char *
want(const char *fmt, const char *path)
{
	static char buf[512];
	const char *p = strstr(fmt, "$P");

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(p - fmt), fmt, path,
		 p + 2);
	return buf;
}

static void
refused(const char *path, enum safe_file_kind kind, const char *fmt)
{
	err[0] = '\0';
	assert_int_equal(safe_file_open(path, kind, err, sizeof(err)), -1);
	assert_string_equal(err, want(fmt, path));
}

static void
test_regular_file_is_read(void **state)
{
	char buf[17];
	int fd;

	(void)state;
	write_file("a", "hello", 5);
	fd = safe_file_open(in_dir("a"), SAFE_FILE_REGULAR, err, sizeof(err));
	assert_true(fd >= 0);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(safe_file_read(fd, in_dir("a"), buf, 16, err,
					sizeof(err)), 5);
	assert_memory_equal(buf, "hello", 5);
	close(fd);

	/* Empty is not an error here; the caller judges the content. */
	write_file("empty", "", 0);
	fd = safe_file_open(in_dir("empty"), SAFE_FILE_REGULAR, err,
			    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(safe_file_read(fd, in_dir("empty"), buf, 16, err,
					sizeof(err)), 0);
	close(fd);
}

static void
test_symlink_to_a_file_is_followed(void **state)
{
	char buf[17];
	int fd;

	(void)state;
	write_file("target", "x = y\n", 6);
	assert_int_equal(symlink(in_dir("target"), in_dir("link")), 0);
	fd = safe_file_open(in_dir("link"), SAFE_FILE_REGULAR, err,
			    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(safe_file_read(fd, in_dir("link"), buf, 16, err,
					sizeof(err)), 6);
	close(fd);

	assert_int_equal(symlink(in_dir("nowhere"), in_dir("dangling")), 0);
	refused(in_dir("dangling"), SAFE_FILE_REGULAR,
		"cannot read '$P': No such file or directory");
}

static void
test_what_is_not_a_file_is_refused(void **state)
{
	(void)state;
	/* A plain open() of a FIFO would wait here for a writer. */
	assert_int_equal(mkfifo(in_dir("fifo"), 0600), 0);
	refused(in_dir("fifo"), SAFE_FILE_REGULAR, "'$P' is a FIFO, not a file");
	assert_int_equal(symlink(in_dir("fifo"), in_dir("to-fifo")), 0);
	refused(in_dir("to-fifo"), SAFE_FILE_REGULAR,
		"'$P' is a FIFO, not a file");
	/* These would never end. */
	refused("/dev/zero", SAFE_FILE_REGULAR,
		"'$P' is a character device, not a file");
	refused("/dev/urandom", SAFE_FILE_REGULAR,
		"'$P' is a character device, not a file");
	refused(tmpdir, SAFE_FILE_REGULAR, "'$P' is a directory, not a file");
	refused(in_dir("missing"), SAFE_FILE_REGULAR,
		"cannot read '$P': No such file or directory");
}

static void
test_directory_when_asked_for(void **state)
{
	int fd;

	(void)state;
	fd = safe_file_open(tmpdir, SAFE_FILE_DIRECTORY, err, sizeof(err));
	assert_true(fd >= 0);
	close(fd);
	write_file("plain", "x", 1);
	refused(in_dir("plain"), SAFE_FILE_DIRECTORY, "'$P' is not a directory");
	refused("/dev/null", SAFE_FILE_DIRECTORY, "'$P' is not a directory");
}

static void
read_capped(const char *name, size_t max, ssize_t rc, const char *fmt)
{
	char *buf = malloc(max + 1);
	int fd;

	assert_non_null(buf);
	fd = safe_file_open(in_dir(name), SAFE_FILE_REGULAR, err, sizeof(err));
	assert_true(fd >= 0);
	err[0] = '\0';
	assert_int_equal(safe_file_read(fd, in_dir(name), buf, max, err,
					sizeof(err)), rc);
	if (fmt != NULL)
		assert_string_equal(err, want(fmt, in_dir(name)));
	close(fd);
	free(buf);
}

static void
test_cap(void **state)
{
	static char big[2 * 1024 * 1024 + 1];

	(void)state;
	memset(big, 'x', sizeof(big));
	write_file("sixteen", big, 16);
	read_capped("sixteen", 16, 16, NULL);
	read_capped("sixteen", 15, -1, "'$P' is larger than 15 bytes");
	write_file("2k", big, 2049);
	read_capped("2k", 2048, -1, "'$P' is larger than 2KiB");
	read_capped("2k", 4096, 2049, NULL);
	write_file("2m", big, sizeof(big));
	read_capped("2m", 2 * 1024 * 1024, -1, "'$P' is larger than 2MiB");
}

/*
 * A file whose size says 0 but that has more to read (as a file that
 * grows while it is read does): the cap on what is read still holds.
 */
static void
test_cap_holds_whatever_the_size_says(void **state)
{
	char buf[17];
	struct stat st;
	int fd;

	(void)state;
	fd = safe_file_open("/proc/self/status", SAFE_FILE_REGULAR, err,
			    sizeof(err));
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, 0);
	assert_int_equal(safe_file_read(fd, "/proc/self/status", buf, 16,
					err, sizeof(err)), -1);
	assert_string_equal(err, "'/proc/self/status' is larger than 16 "
			    "bytes");
	close(fd);
}

static int
setup_dir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/wspushd-safe-file-XXXXXX");
	return mkdtemp(tmpdir) != NULL ? 0 : -1;
}

static int
teardown_dir(void **state)
{
	static const char *const names[] = {
		"a", "empty", "target", "link", "dangling", "fifo", "to-fifo",
		"plain", "sixteen", "2k", "2m",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(in_dir(names[i]));
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_file_is_read),
		cmocka_unit_test(test_symlink_to_a_file_is_followed),
		cmocka_unit_test(test_what_is_not_a_file_is_refused),
		cmocka_unit_test(test_directory_when_asked_for),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_cap_holds_whatever_the_size_says),
	};

	return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
