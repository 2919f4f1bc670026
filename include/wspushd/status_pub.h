/*
 * status_pub.h - the daemon's status, kept in Redis for web requests to
 * read before they publish: a hash ([status] key) refreshed with a TTL
 * while the daemon lives, and every state change published on
 * [status] channel.  Both go over the second Redis connection, never
 * the subscribed one.
 */
#ifndef WSPUSHD_STATUS_PUB_H
#define WSPUSHD_STATUS_PUB_H

#include <libwebsockets.h>

#include "wspushd/status.h"

struct config;
struct redis_sub;
struct status_pub;

/* snapshot(arg, out) fills the connection's current state. */
struct status_pub *status_pub_new(struct lws_context *ctx, struct redis_sub *rs,
				  const struct config *cfg,
				  void (*snapshot)(void *arg, struct conn_snapshot *out),
				  void *arg);
void status_pub_free(struct status_pub *p);	/* before lws_context_destroy() */

/* Something changed: write the hash, and publish if the state did. */
void status_pub_update(struct status_pub *p);

#endif
