/*
 * fdlimit.c - see fdlimit.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "wspushd/fdlimit.h"

static uint64_t
soft_of(const struct rlimit *rl)
{
	return rl->rlim_cur == RLIM_INFINITY ? UINT64_MAX : (uint64_t)rl->rlim_cur;
}

int
fdlimit_raise(uint64_t *before, uint64_t *after)
{
	struct rlimit rl;
	int rc = 0;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (before != NULL)
		*before = soft_of(&rl);
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			rc = -errno;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0 && rc == 0)
			rc = -errno;
	}
	if (after != NULL)
		*after = soft_of(&rl);
	return rc;
}

uint64_t
fdlimit_soft(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return UINT64_MAX;
	return soft_of(&rl);
}

int64_t
fdlimit_left(void)
{
	uint64_t limit = fdlimit_soft(), used = 0;
	struct dirent *e;
	DIR *dir;
	int self;

	if (limit > INT64_MAX)
		return INT64_MAX;
	dir = opendir("/proc/self/fd");	/* O_CLOEXEC, as glibc opens it */
	if (dir == NULL) {
		/* Not one descriptor free to look with: none is left. */
		if (errno == EMFILE || errno == ENFILE)
			return 0;
		return -errno;
	}
	self = dirfd(dir);
	while ((e = readdir(dir)) != NULL) {
		char *end;
		unsigned long fd = strtoul(e->d_name, &end, 10);

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || *end != '\0')
			continue;	/* "." and ".." */
		if ((long)fd != self && fd < limit)
			used++;
	}
	closedir(dir);
	/* Above the limit only if it was lowered under descriptors in use. */
	return used >= limit ? 0 : (int64_t)(limit - used);
}
