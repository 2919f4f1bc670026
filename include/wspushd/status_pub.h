/*
 * status_pub.h - the daemon's status, kept in Redis for web requests to
 * read before they publish: a hash ([status] key) refreshed with a TTL
 * while the daemon lives, and every state change published on
 * [status] channel.  Both go over the command connection of the
 * subscriber (redis_cmd.h), never the subscribed one.
 *
 * A write Redis answers with an error (an ACL without HSET, say) is
 * logged once with Redis' words, then summarised, and counted; the
 * daemon goes on relaying.
 */
#ifndef WSPUSHD_STATUS_PUB_H
#define WSPUSHD_STATUS_PUB_H

#include <stdbool.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "wspushd/status.h"

struct config;
struct redis_sub;
struct status_pub;

/*
 * snapshot(arg, out) fills the connection's current state.  rs names
 * Redis' state and lends its command connection; it must outlive p.
 */
struct status_pub *status_pub_new(struct lws_context *ctx, struct redis_sub *rs,
				  const struct config *cfg,
				  void (*snapshot)(void *arg, struct conn_snapshot *out),
				  void *arg);
/*
 * A reload that left [status] as it was: cfg is the configuration from
 * now on (it must outlive p, or the next call).  p may be NULL.
 */
void status_pub_reconfigure(struct status_pub *p, const struct config *cfg);

/*
 * Before lws_context_destroy().  May come before the Redis connections
 * are freed: replies still pending do not refer to p.
 */
/*
 * A reload replaced old by p: p keeps what old knew (the hash it owned,
 * the last state published, the last error).  Either may be NULL.
 */
void status_pub_take_over(struct status_pub *p, const struct status_pub *old);
void status_pub_free(struct status_pub *p);

/* Something changed: write the hash, and publish if the state did. */
void status_pub_update(struct status_pub *p);

/*
 * A message was queued: counters are moving, so the hash is written
 * again within a second (and every second while they move) rather than
 * at the next third of the TTL.  Cheap: on every message.  p may be NULL.
 */
void status_pub_activity(struct status_pub *p);

/*
 * Status writes Redis refused since the process started, for /metrics.
 * Kept outside any status_pub, so it survives reloads, and may be read
 * at any time, with or without a status_pub.
 */
uint64_t status_pub_write_errors(void);
/*
 * True while the [status] key holds another live instance's status, so
 * this one writes none there (status_pub.c says why).  Like the above,
 * kept outside any status_pub.
 */
bool status_pub_conflict(void);

#endif
