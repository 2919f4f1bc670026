/*
 * redis_sentinel.h - where the master is, as Redis Sentinel says.
 *
 * The Sentinel client rules: ask each sentinel of [redis] sentinel in
 * turn, with a short timeout each (the attempt's connect_timeout shared
 * among them, 200 ms at least), SENTINEL get-master-addr-by-name
 * [redis] master.  The address a sentinel gives is checked with ROLE
 * (with the master's AUTH): an old master not yet reconfigured says it
 * is a replica, and the next sentinel is asked.  The first sentinel whose
 * master checks out is moved to the front of the list, so the next
 * question goes to it first.  The question is asked again before every
 * connection attempt; sentinel_watch.h says when to make one at once.
 *
 * Sentinels get no AUTH and no SELECT: those are the master's.
 */
#ifndef WSPUSHD_REDIS_SENTINEL_H
#define WSPUSHD_REDIS_SENTINEL_H

#include <stdint.h>

struct config;
struct dns;
struct lws_context;
struct lws_vhost;
struct redis_sentinel;

/* The master at ip:port, or none with why. */
typedef void redis_sentinel_fn(void *arg, const char *ip, uint16_t port,
			       const char *why);

/* cfg (its sentinels) must stay at the same address across reloads. */
struct redis_sentinel *redis_sentinel_new(struct lws_context *ctx,
					  struct lws_vhost *vh, struct dns *dns,
					  const struct config *cfg);
void redis_sentinel_free(struct redis_sentinel *s);
/*
 * Ask; fn runs once, on the loop, unless redis_sentinel_cancel() comes
 * first.  A question under way is cancelled by a new one.
 */
void redis_sentinel_ask(struct redis_sentinel *s, redis_sentinel_fn *fn,
			void *arg);
void redis_sentinel_cancel(struct redis_sentinel *s);
/* A reload: the sentinels from now on (the next question). */
void redis_sentinel_reconfigure(struct redis_sentinel *s,
				const struct config *cfg);

#endif
