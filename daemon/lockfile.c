/*
 * lockfile.c - see lockfile.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wspushd/fnv.h"
#include "wspushd/lockfile.h"
#include "wspushd/relay_id.h"
#include "wspushd/xalloc.h"

/* Offsets below 2^40: far past any real file, collisions unheard of. */
#define OFFSET_MASK ((1ull << 40) - 1)
/* A file removed under us between open and lock: try again, bounded. */
#define OPEN_TRIES 8

struct lockfile {
	char *path;
	int fd;
	size_t count;
	off_t *offsets;		/* the bytes we hold */
};

/* A stable short name for a string (fnv.h). */
static uint64_t
name_hash(const char *s)
{
	return fnv1a(FNV1A_INIT, s, strlen(s));
}

static int
lock_byte(int fd, short type, off_t at, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
			    .l_start = at, .l_len = len };

	return fcntl(fd, F_SETLK, &fl);
}

static long
holder_pid(int fd, off_t at)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = at, .l_len = 1 };

	if (fcntl(fd, F_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return (long)fl.l_pid;
}

/* Whether fd is still the file at path (not removed by a leaving owner). */
static bool
still_linked(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static int
open_file(const char *dir, const struct relay_id *id, char **path,
	  char *err, size_t errlen)
{
	int fd, r;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		r = -errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
		return r;
	}
	*path = xasprintf("%s/wspushd-%016llx.lock", dir,
			  (unsigned long long)name_hash(id->upstream));
	fd = open(*path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open %s: %s", *path, strerror(errno));
		free(*path);
		*path = NULL;
		return r;
	}
	return fd;
}

/*
 * Lock id's inputs on fd (ours already held merge).  0, or -errno with
 * the ones locked here given back (except those in keep).
 */
static int
lock_inputs(int fd, const char *path, const struct relay_id *id, off_t *offs,
	    const struct lockfile *keep, char *err, size_t errlen)
{
	for (size_t i = 0; i < id->inputs.count; i++) {
		offs[i] = (off_t)(name_hash(id->inputs.items[i]) & OFFSET_MASK);
		if (lock_byte(fd, F_WRLCK, offs[i], 1) == 0)
			continue;
		int r = -errno;

		if (errno == EAGAIN || errno == EACCES) {
			long pid = holder_pid(fd, offs[i]);

			r = -EWOULDBLOCK;
			snprintf(err, errlen, "another wspushd (pid %ld) already "
				 "relays %s to this upstream; a second one would "
				 "send every message twice (lock %s)",
				 pid, id->inputs.items[i], path);
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path,
				 strerror(errno));
		}
		for (size_t k = 0; k < i; k++) {
			bool kept = false;

			for (size_t j = 0; keep && j < keep->count; j++)
				kept |= keep->offsets[j] == offs[k];
			if (!kept)
				lock_byte(fd, F_UNLCK, offs[k], 1);
		}
		return r;
	}
	return 0;
}

static struct lockfile *
acquire(const char *dir, const struct relay_id *id, const struct lockfile *same,
	int *rc, char *err, size_t errlen)
{
	off_t *offs = xcalloc(id->inputs.count + 1, sizeof(*offs));

	for (int tries = 0; tries < OPEN_TRIES; tries++) {
		char *path = NULL;
		int fd = same ? same->fd : open_file(dir, id, &path, err, errlen);

		if (fd < 0) {
			*rc = fd;
			break;
		}
		*rc = lock_inputs(fd, same ? same->path : path, id, offs, same,
				  err, errlen);
		if (*rc == 0 && (same || still_linked(fd, path))) {
			struct lockfile *lf = xcalloc(1, sizeof(*lf));

			*lf = (struct lockfile){ .fd = fd, .count = id->inputs.count,
						 .offsets = offs,
						 .path = same ? xstrdup(same->path) : path };
			return lf;
		}
		if (!same)
			close(fd);	/* gives back what lock_inputs took */
		free(path);
		if (*rc != 0 || same)
			break;
	}
	if (*rc == 0) {
		*rc = -ESTALE;
		snprintf(err, errlen, "the lock file in %s keeps being removed", dir);
	}
	free(offs);
	return NULL;
}

int
lockfile_check_dir(const char *dir, char *err, size_t errlen)
{
	char parent[4096];
	const char *slash;
	int r;

	if (access(dir, W_OK | X_OK) == 0)
		return 0;
	r = -errno;
	if (errno == ENOENT && (slash = strrchr(dir, '/')) != NULL) {
		snprintf(parent, sizeof(parent), "%.*s",
			 slash == dir ? 1 : (int)(slash - dir), dir);
		if (access(parent, W_OK | X_OK) == 0)
			return 0;
		r = -errno;
	}
	snprintf(err, errlen, "runtime directory %s: %s: lock files cannot be "
		 "made there (run as root, or pass --runtime-dir DIR or set "
		 "[daemon] runtime_dir to a directory this user can write)",
		 dir, strerror(-r));
	return r;
}

struct lockfile *
lockfile_acquire(const char *dir, const struct relay_id *id, int *rc,
		 char *err, size_t errlen)
{
	return acquire(dir, id, NULL, rc, err, errlen);
}

static bool
holds(const struct lockfile *lf, off_t at)
{
	for (size_t i = 0; i < lf->count; i++)
		if (lf->offsets[i] == at)
			return true;
	return false;
}

int
lockfile_update(struct lockfile **lfp, const char *dir,
		const struct relay_id *id, char *err, size_t errlen)
{
	struct lockfile *old = *lfp, *next;
	char *path = xasprintf("%s/wspushd-%016llx.lock", dir,
			       (unsigned long long)name_hash(id->upstream));
	/* The same file must go through the same descriptor: closing any
	 * descriptor of a file drops every record lock we hold in it. */
	bool same = old != NULL && strcmp(path, old->path) == 0;
	int rc;

	free(path);
	next = acquire(dir, id, same ? old : NULL, &rc, err, errlen);
	if (next == NULL)
		return rc;
	if (same) {
		for (size_t i = 0; i < old->count; i++)
			if (!holds(next, old->offsets[i]))
				lock_byte(old->fd, F_UNLCK, old->offsets[i], 1);
		old->fd = -1;	/* now next's */
	}
	lockfile_release(old);
	*lfp = next;
	return 0;
}

void
lockfile_release(struct lockfile *lf)
{
	if (lf == NULL)
		return;
	/* Nobody else holds a byte of it: remove it, still locked whole. */
	if (lf->fd >= 0 && lock_byte(lf->fd, F_WRLCK, 0, 0) == 0)
		unlink(lf->path);
	if (lf->fd >= 0)
		close(lf->fd);
	free(lf->offsets);
	free(lf->path);
	free(lf);
}
