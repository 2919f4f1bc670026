/*
 * reload.h - what a new configuration changes, decided before anything
 * is touched.  Pure: two configurations in, a plan out.
 *
 * SIGHUP must never cost a message or a second upstream socket, so each
 * kind of change takes the gentlest path that applies it: channels are
 * (un)subscribed on the live Redis connection; a new upstream (URL,
 * headers, TLS) goes through the normal close and reconnect, keeping
 * the queue; everything else applies at once.
 */
#ifndef WSPUSHD_RELOAD_H
#define WSPUSHD_RELOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "wspushd/config.h"

struct reload_plan {
	bool upstream;		/* reconnect the WebSocket */
	bool redis;		/* reconnect to Redis (address, credentials) */
	bool subscriptions;	/* channels or patterns differ */
	bool status;		/* [status] settings differ */
	bool metrics;		/* [metrics] listen differs */
};

void reload_plan(const struct config *old, const struct config *cur,
		 struct reload_plan *plan);

/*
 * The items of a missing from b, into out (at most a->count of them).
 * Returns how many.  For SUBSCRIBE (new minus old) and UNSUBSCRIBE.
 */
size_t strlist_minus(const struct strlist *a, const struct strlist *b,
		     const char **out);

#endif
