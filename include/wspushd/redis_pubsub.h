/*
 * redis_pubsub.h - the subscribed connection itself: one hiredis context
 * on the loop (redis_link.h) that sends AUTH, SELECT and every
 * SUBSCRIBE/PSUBSCRIBE at once, hands messages over, and reports what
 * hiredis says as events for the core (redis_core.h).  It decides
 * nothing: redis_sub.c opens, closes and updates it as the core says.
 *
 * The rules of hiredis 0.14 that shape it:
 *   - a refused connect arrives as onConnect(REDIS_ERR) and hiredis then
 *     frees the context itself;
 *   - freeing a context that never connected does not call onDisconnect;
 *   - redisAsyncFree() on a connected context calls onDisconnect from
 *     inside the call.
 * So ps->ac is cleared *before* a context is freed, every hiredis
 * callback first checks that it speaks for the current context, and the
 * callbacks' data is the struct redis_pubsub, which its owner embeds and
 * keeps for as long as the owner lives (a context being freed still
 * calls its pending callbacks, with NULL).
 */
#ifndef WSPUSHD_REDIS_PUBSUB_H
#define WSPUSHD_REDIS_PUBSUB_H

#include <stddef.h>
#include <stdint.h>

#include "wspushd/redis_core.h"

struct config;
struct lws_vhost;
struct redisAsyncContext;

/*
 * One message, valid only during the callback.  A message over
 * max_message_size never reaches memory whole: data is NULL and len is
 * the size it had, to be counted and reported as dropped.  channel is
 * NULL when the channel's name was itself over the limit (a channel
 * matched by a pattern; a subscribed channel's name is always there).
 */
struct redis_message {
	const char *channel;
	size_t channel_len;
	const char *pattern;		/* the pattern that matched, or NULL */
	size_t pattern_len;
	const char *data;
	size_t len;
};

typedef void (*redis_message_fn)(void *arg, const struct redis_message *m);

/*
 * What the connection reports: REV_CONNECTED, REV_SETUP_DONE,
 * REV_SETUP_REFUSED (why: Redis' words, logged here already),
 * REV_CONFIRMED, and REV_FAILED (why), after which the context is gone.
 * Called from inside hiredis callbacks, and from the loop.
 */
typedef void (*redis_report_fn)(void *arg, enum redis_event ev, const char *why);

/* Set up by the owner; zero the rest. */
struct redis_pubsub {
	struct lws_vhost *vh;
	const struct config *cfg;	/* redis_pubsub_reconfigure() replaces it */
	const char *endpoint;		/* redacted, for logs */
	redis_report_fn report;
	void *report_arg;
	redis_message_fn on_message;
	void *message_arg;
	struct redisAsyncContext *ac;	/* the context, or NULL */
};

/*
 * Open a context to address and port (numeric, 0 for cfg's port; both
 * ignored for a unix socket) and queue AUTH, SELECT and the
 * subscriptions of ps->cfg: hiredis sends
 * them as soon as the socket connects, so one round trip suffices.
 * 0, or -1 with the reason in err and nothing left open.
 */
int redis_pubsub_open(struct redis_pubsub *ps, const char *address,
		      uint16_t port, char *err, size_t errlen);

/* Free the context now, if any: nothing more is reported from it. */
void redis_pubsub_close(struct redis_pubsub *ps);

/* Disconnect once the replies due have come; REV_FAILED follows. */
void redis_pubsub_hang_up(struct redis_pubsub *ps);

/*
 * A reload: SUBSCRIBE and PSUBSCRIBE what cur has and old has not, then
 * UNSUBSCRIBE and PUNSUBSCRIBE the reverse.  0, or -1 if not all of it
 * could be queued.
 */
int redis_pubsub_update(struct redis_pubsub *ps, const struct config *old,
			const struct config *cur);

/*
 * Shutdown: read what the socket already holds (messages Redis sent us
 * count as ours), bounded, so a flood cannot keep us here.
 */
void redis_pubsub_drain(struct redis_pubsub *ps);

/*
 * A reload: cfg is the configuration from now on (its channels for the
 * next attempt; its max_message_size from the next string on).
 */
void redis_pubsub_reconfigure(struct redis_pubsub *ps, const struct config *cfg);

#endif
