/*
 * redis_sub.h - the Redis side: one subscribed hiredis connection on the
 * lws loop, rebuilt with backoff whenever it fails.
 *
 * hiredis 0.14 has no connect timeout, so every attempt is bounded by a
 * timer of ours that runs until the last SUBSCRIBE/PSUBSCRIBE is
 * confirmed: a Redis that accepts TCP and never answers is treated like
 * one that refuses.
 */
#ifndef WSPUSHD_REDIS_SUB_H
#define WSPUSHD_REDIS_SUB_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis/async.h>
#include <libwebsockets.h>

struct config;
struct dns;
struct redis_sub;

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
	const char *data;
	size_t len;
};

typedef void (*redis_message_fn)(void *arg, const struct redis_message *m);

/* dns resolves the Redis host; it must outlive the subscriber. */
struct redis_sub *redis_sub_new(struct lws_context *ctx, struct lws_vhost *vh,
				struct dns *dns, const struct config *cfg,
				redis_message_fn on_message, void *arg);
void redis_sub_start(struct redis_sub *rs);
/*
 * Stop taking messages: the subscription is closed, no more message
 * callbacks.  The command connection stays until redis_sub_free().
 */
void redis_sub_stop(struct redis_sub *rs);
void redis_sub_free(struct redis_sub *rs);

/*
 * SIGHUP.  Call redis_sub_update() while both configurations exist
 * (before the old one is freed): it SUBSCRIBEs and UNSUBSCRIBEs the
 * difference on the live connection.  redis_sub_config_changed() after
 * the contents were replaced; redis_sub_restart() to reconnect now
 * (new address or credentials).
 */
void redis_sub_update(struct redis_sub *rs, const struct config *old,
		      const struct config *cur);
void redis_sub_config_changed(struct redis_sub *rs);
void redis_sub_restart(struct redis_sub *rs);

/*
 * Send a command on the second, unsubscribed connection (opened on
 * first use while subscribed).  0, or -1 when there is none (Redis
 * down); fn may be NULL.  The arguments are copied.
 */
int redis_sub_command(struct redis_sub *rs, redisCallbackFn *fn, void *privdata,
		      int argc, const char **argv, const size_t *lens);

/* fn(arg, subscribed) runs on the loop whenever the state changes. */
void redis_sub_set_observer(struct redis_sub *rs,
			    void (*fn)(void *arg, bool subscribed), void *arg);
const char *redis_sub_state_name(const struct redis_sub *rs);

#endif
