/*
 * resend.h - after a connection was lost with messages unconfirmed: send
 * them again carefully, and find the one the upstream will not take.
 *
 * The messages a lost connection had written but not confirmed are sent
 * again first (queue.h rewinds them).  Until they are all confirmed they
 * go one at a time, each followed by a ping whose Pong confirms it
 * before the next is written: so when a connection is lost again in that
 * time, exactly one message was in flight, and it is the one to blame.
 * A message blamed max_deliveries times in a row (the upstream closes
 * the connection on it every time) is given up: the owner drops it
 * (a stream entry goes to the dead-letter stream), and the rest flow.
 *
 * Pure: tested through the upstream core (tests/unit/test_upstream_core.c).
 */
#ifndef WSPUSHD_RESEND_H
#define WSPUSHD_RESEND_H

#include <stdbool.h>
#include <stdint.h>

#include "wspushd/confirm.h"

struct resend {
	uint64_t careful_until;	/* below this number: one at a time */
	uint64_t blamed;	/* the message the last careful loss blamed */
	uint32_t blames;	/* how many losses in a row blamed it */
};

/*
 * The connection is lost, its confirmations as k says.  Returns true when
 * the message numbered *give_up has been blamed max_deliveries times (0:
 * never give up); its count starts again.
 */
bool resend_lost(struct resend *r, const struct confirm *k,
		 uint32_t max_deliveries, uint64_t *give_up);
/* Whether messages go one at a time now. */
bool resend_careful(const struct resend *r, const struct confirm *k);

#endif
