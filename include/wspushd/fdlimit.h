/*
 * fdlimit.h - the process' budget of descriptors: RLIMIT_NOFILE, and how
 * much of it is still unused.
 *
 * RLIMIT_NOFILE bounds descriptor numbers, not a count: a new descriptor
 * gets the lowest number not in use, and fails with EMFILE when every
 * number below the soft limit is taken.  So what is left is the limit
 * minus the descriptors numbered below it.  Descriptors at or above the
 * limit (a limit lowered at run time, or valgrind's own, which it keeps
 * above the limit it shows us) take nothing from what is left.
 */
#ifndef WSPUSHD_FDLIMIT_H
#define WSPUSHD_FDLIMIT_H

#include <stdint.h>

/*
 * Raise the soft RLIMIT_NOFILE to the hard one.  Returns 0, or -errno
 * with the limit unchanged.  *before and *after (either may be NULL) are
 * the soft limit before and after, also on failure when they could be
 * read.  Call before lws_create_context(): lws sizes its descriptor
 * table from the limit it finds then.
 */
int fdlimit_raise(uint64_t *before, uint64_t *after);

/* The soft RLIMIT_NOFILE now; UINT64_MAX when unlimited or unknown. */
uint64_t fdlimit_soft(void);

/*
 * Descriptors that could still be opened now: numbers below the soft
 * limit not in use, counted by reading /proc/self/fd (a few dozen
 * entries: cheap, but not for every event; the descriptor used to read
 * the directory is not counted).  Returns the count (0 when not even
 * the directory could be opened for want of a descriptor), or -errno
 * when it cannot tell (no /proc).
 */
int64_t fdlimit_left(void);

#endif
