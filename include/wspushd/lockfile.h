/*
 * lockfile.h - one daemon per configuration.
 *
 * Two wspushd processes reading the same configuration would hold two
 * upstream connections, the very thing wspushd exists to prevent.  A
 * lock file, named after the configuration, in the runtime directory,
 * held with flock(2) for the life of the process, makes the second one
 * refuse to start.  The kernel drops the lock when the process dies, so
 * a crash never leaves a stale lock behind.
 */
#ifndef WSPUSHD_LOCKFILE_H
#define WSPUSHD_LOCKFILE_H

#include <stddef.h>

#define WSPUSHD_EX_TEMPFAIL 75	/* sysexits: another instance runs */

/*
 * Lock the configuration identified by `identity` (the config file's
 * absolute path, or the command line when there is no file) in dir.
 * Returns the lock's descriptor (keep it open), -EWOULDBLOCK when another
 * process holds it (err names that process), or another negative errno
 * with the reason in err.
 */
int lockfile_acquire(const char *dir, const char *identity,
		     char *err, size_t errlen);

/*
 * The same for a running daemon: its identity is config_path made
 * canonical, or without one its command line (argv[1..]).
 */
int lockfile_acquire_for(const char *dir, const char *config_path,
			 int argc, char **argv, char *err, size_t errlen);

#endif
