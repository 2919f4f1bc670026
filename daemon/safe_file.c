/*
 * safe_file.c - see safe_file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wspushd/safe_file.h"

/* What a mode says a path is, for "'/dev/zero' is a character device". */
static const char *
file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode))
		return "a character device";
	if (S_ISBLK(mode))
		return "a block device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "something else";
}

/* 0 if mode is what was asked for, else -1 having said why. */
static int
check_type(const char *path, mode_t mode, enum safe_file_kind kind,
	   char *err, size_t errlen)
{
	if (kind == SAFE_FILE_DIRECTORY && !S_ISDIR(mode)) {
		snprintf(err, errlen, "'%s' is not a directory", path);
		return -1;
	}
	if (kind == SAFE_FILE_REGULAR && !S_ISREG(mode)) {
		snprintf(err, errlen, "'%s' is %s, not a file", path,
			 file_type(mode));
		return -1;
	}
	return 0;
}

static void
cannot_read(const char *path, int errnum, char *err, size_t errlen)
{
	snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errnum));
}

int
safe_file_open(const char *path, enum safe_file_kind kind, char *err,
	       size_t errlen)
{
	bool dir = kind == SAFE_FILE_DIRECTORY;
	struct stat st;
	int fd;

	/*
	 * Not needed for safety (O_NONBLOCK and the fstat below are), but
	 * it keeps devices from being opened at all: opening one may do
	 * something, a tape may rewind.
	 */
	if (stat(path, &st) < 0) {
		cannot_read(path, errno, err, errlen);
		return -1;
	}
	if (check_type(path, st.st_mode, kind, err, errlen) < 0)
		return -1;
	/* O_NONBLOCK: a FIFO put here since the stat opens at once. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		  (dir ? O_DIRECTORY : 0));
	if (fd < 0) {
		cannot_read(path, errno, err, errlen);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		cannot_read(path, errno, err, errlen);
		close(fd);
		return -1;
	}
	if (check_type(path, st.st_mode, kind, err, errlen) < 0) {
		close(fd);
		return -1;
	}
	/* Certificates are looked up by name in a CA directory. */
	if (dir && access(path, X_OK) < 0) {
		cannot_read(path, errno, err, errlen);
		close(fd);
		return -1;
	}
	return fd;
}

static void
too_large(const char *path, size_t max, char *err, size_t errlen)
{
	const size_t kib = 1024, mib = 1024 * 1024;

	if (max != 0 && max % mib == 0)
		snprintf(err, errlen, "'%s' is larger than %zuMiB", path,
			 max / mib);
	else if (max != 0 && max % kib == 0)
		snprintf(err, errlen, "'%s' is larger than %zuKiB", path,
			 max / kib);
	else
		snprintf(err, errlen, "'%s' is larger than %zu bytes", path,
			 max);
}

ssize_t
safe_file_read(int fd, const char *path, char *buf, size_t max, char *err,
	       size_t errlen)
{
	struct stat st;
	size_t len = 0;
	ssize_t n;

	/* Known too large: say so without reading any of it. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (unsigned long long)st.st_size > max) {
		too_large(path, max, err, errlen);
		return -1;
	}
	/* The size may change while reading: the cap is what counts. */
	while (len <= max) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cannot_read(path, errno, err, errlen);
			return -1;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max) {
		too_large(path, max, err, errlen);
		return -1;
	}
	return (ssize_t)len;
}
