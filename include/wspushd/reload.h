/*
 * reload.h - what a new configuration changes, decided before anything
 * is touched.  Pure: two configurations in, a plan out.
 *
 * SIGHUP must never cost a message or a second upstream socket, so each
 * kind of change takes the gentlest path that applies it: channels are
 * (un)subscribed on the live Redis connection; a new upstream (URL,
 * headers, TLS) goes through the normal close and reconnect, keeping
 * the queue; everything else applies at once.  Which key takes which
 * path is written in the key table (config_keys.h, "reload").
 */
#ifndef WSPUSHD_RELOAD_H
#define WSPUSHD_RELOAD_H

#include <stdbool.h>

#include "wspushd/config.h"

struct reload_plan {
	bool upstream;		/* reconnect the WebSocket */
	bool redis;		/* reconnect to Redis (address, credentials) */
	bool subscriptions;	/* channels or patterns differ */
	bool status;		/* [status] settings differ */
	bool metrics;		/* [metrics] listen differs */
	bool streams;		/* the streams, the group or the consumer */
	bool fleet;		/* the lease key, its TTL, the instance name */
};

void reload_plan(const struct config *old, const struct config *cur,
		 struct reload_plan *plan);

#endif
