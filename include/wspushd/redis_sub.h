/*
 * redis_sub.h - the Redis side: one subscribed hiredis connection on the
 * lws loop, rebuilt with backoff whenever it fails, and the command
 * connection beside it (redis_cmd.h).
 *
 * What happens when is decided by redis_core.h (pure, unit-tested);
 * this module carries it out with hiredis (through redis_link.h) and
 * c-ares (dns.h).  hiredis 0.14 has no connect timeout, so every attempt
 * is bounded by a deadline of ours that runs until the last
 * SUBSCRIBE/PSUBSCRIBE is confirmed: a Redis that accepts TCP and never
 * answers is treated like one that refuses.
 */
#ifndef WSPUSHD_REDIS_SUB_H
#define WSPUSHD_REDIS_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/redis_pubsub.h"	/* struct redis_message */

struct config;
struct dns;
struct lws_context;
struct lws_vhost;
struct redis_cmd;
struct redis_sub;

/*
 * dns resolves the Redis host; it must outlive the subscriber.  cfg
 * stays at the same address across reloads (its contents change).
 */
struct redis_sub *redis_sub_new(struct lws_context *ctx, struct lws_vhost *vh,
				struct dns *dns, const struct config *cfg,
				redis_message_fn on_message, void *arg);
void redis_sub_start(struct redis_sub *rs);
/*
 * Stop taking messages: what the socket already holds is read, then the
 * subscription is closed; no more message callbacks.  The command
 * connection stays (not reopened) until redis_sub_free().
 */
void redis_sub_stop(struct redis_sub *rs);
void redis_sub_free(struct redis_sub *rs);

/*
 * SIGHUP: take the new configuration (it must outlive the subscription,
 * or the next call), not from inside a callback of this module.  With
 * update_subscriptions, the difference between the channels of the one
 * held so far and of cfg is SUBSCRIBEd and UNSUBSCRIBEd on the live
 * connection (an attempt still under way starts over instead); so call
 * it before the old configuration is freed.  redis_sub_restart() to
 * reconnect (new address or credentials): a new attempt begins on the
 * next turn of the loop, with the new configuration.
 */
void redis_sub_reconfigure(struct redis_sub *rs, const struct config *cfg,
			   bool update_subscriptions);
void redis_sub_restart(struct redis_sub *rs);
/*
 * The fleet lease (fleet.h): standing by, the connection stays (the
 * lease is kept over its command connection) but subscribes to nothing,
 * and the reader's connection is made anew (a blocked XREADGROUP would
 * still hand this process entries).  Back, the channels are subscribed
 * on the live connection.  Before redis_sub_start() too.
 */
void redis_sub_stand_by(struct redis_sub *rs, bool standby);

/*
 * The command connection (PING, status writes), owned by the subscriber:
 * enabled while subscribed, closed when the subscription goes down, and
 * freed by redis_sub_free().
 */
struct redis_cmd *redis_sub_commands(struct redis_sub *rs);
/*
 * A third connection, for reading streams (stream_in.h), which a blocked
 * XREADGROUP holds: enabled and closed like the command connection, and
 * closed at shutdown too.
 */
struct redis_cmd *redis_sub_reader(struct redis_sub *rs);

/*
 * fn(arg, subscribed) runs on the loop whenever the state changes, after
 * the command connection was enabled or closed for the new state.
 */
void redis_sub_set_observer(struct redis_sub *rs,
			    void (*fn)(void *arg, bool subscribed), void *arg);
const char *redis_sub_state_name(const struct redis_sub *rs);

/* For /metrics: how often the subscription was made, and failed. */
struct redis_counts {
	uint64_t subscribed;	/* times it reached subscribed */
	uint64_t failures;	/* attempts that failed, connections lost */
};
void redis_sub_counts(const struct redis_sub *rs, struct redis_counts *out);

#endif
