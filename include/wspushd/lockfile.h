/*
 * lockfile.h - one daemon per relay, on one host, without Redis' help.
 *
 * Two wspushd processes relaying the same input to the same upstream
 * would hold two upstream connections and send every message twice, the
 * very thing wspushd exists to prevent.  So each input (relay_id.h) is
 * locked, wherever the configuration lives and whatever the order of the
 * flags: a copy of the file at another path, or the same flags in
 * another order, is the same relay.  Daemons relaying other inputs to
 * the same upstream, or to other upstreams, do not conflict.
 *
 * One file per upstream in the runtime directory, named by a hash of its
 * URL, and in it one byte per input (at an offset hashed from its name),
 * write-locked with fcntl(2).  Record locks tell who holds them (F_GETLK
 * gives the pid), and the kernel drops them when the process dies, so a
 * crash never leaves a stale lock.  On exit the file is removed when no
 * other process holds anything in it; a process that locked a file just
 * removed sees its inode gone from the path and starts over.
 */
#ifndef WSPUSHD_LOCKFILE_H
#define WSPUSHD_LOCKFILE_H

#include <stddef.h>

#define WSPUSHD_EX_CANTCREAT 73	/* sysexits: the runtime directory is not ours */
#define WSPUSHD_EX_TEMPFAIL 75	/* sysexits: another instance runs */

struct relay_id;
struct lockfile;

/*
 * Lock every input of id in dir (made if missing).  The lock, or NULL
 * with *rc = -EWOULDBLOCK when another process holds an input (err
 * names its pid and the input), or another negative errno with the
 * reason in err.
 */
struct lockfile *lockfile_acquire(const char *dir, const struct relay_id *id,
				  int *rc, char *err, size_t errlen);

/*
 * A reload: hold id's inputs from now on (dir may differ).  0, or the
 * same errors as lockfile_acquire() with what was held unchanged.
 */
int lockfile_update(struct lockfile **lf, const char *dir,
		    const struct relay_id *id, char *err, size_t errlen);

/*
 * Whether lock files can be made in dir (it, or its parent when it does
 * not exist yet, is writable): 0, or -errno with what to do in err.
 */
int lockfile_check_dir(const char *dir, char *err, size_t errlen);

/* Unlock, remove the file if nobody else uses it, free.  NULL is fine. */
void lockfile_release(struct lockfile *lf);

#endif
