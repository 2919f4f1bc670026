/*
 * lockfile.c - see lockfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wspushd/lockfile.h"

/* FNV-1a: a stable short name for a configuration, not a security hash. */
static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

static void
holder(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

int
lockfile_acquire(const char *dir, const char *identity, char *err, size_t errlen)
{
	char path[4096], pid[32];
	int fd, r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return r;
	}
	snprintf(path, sizeof(path), "%s/wspushd-%016llx.lock", dir,
		 (unsigned long long)fnv1a(identity));
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		if (errno == EWOULDBLOCK) {
			holder(fd, pid, sizeof(pid));
			snprintf(err, errlen, "another wspushd (pid %s) already "
				 "runs this configuration (lock %s)",
				 pid[0] ? pid : "?", path);
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path,
				 strerror(errno));
		}
		close(fd);
		return r;
	}
	/* For the operator reading the lock file, and the message above. */
	r = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0 && pwrite(fd, pid, (size_t)r, 0) < 0)
		snprintf(err, errlen, "cannot write %s", path);
	return fd;
}

int
lockfile_acquire_for(const char *dir, const char *config_path, int argc,
		     char **argv, char *err, size_t errlen)
{
	char identity[4096] = "";
	size_t n = 0;

	if (config_path == NULL || realpath(config_path, identity) == NULL)
		for (int i = 1; i < argc && n < sizeof(identity) - 1; i++)
			n += (size_t)snprintf(identity + n, sizeof(identity) - n,
					      "%s%s", i > 1 ? " " : "", argv[i]);
	return lockfile_acquire(dir, identity, err, errlen);
}
