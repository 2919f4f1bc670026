/*
 * redis_link.h - one hiredis async context on the libwebsockets loop.
 *
 * hiredis 0.14 drives its I/O through five hooks; this module maps them
 * onto a watch (watch.h).  lws owns the descriptor, so the context never
 * closes it itself, and each socket shows up once in lsof.
 */
#ifndef WSPUSHD_REDIS_LINK_H
#define WSPUSHD_REDIS_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/async.h>
#include <libwebsockets.h>

struct config;
struct redisReply;

/*
 * A command's reply (hiredis' redisReply: type, str, len, ...), valid
 * only during the call; NULL when the connection went first.
 */
typedef void redis_reply_fn(void *arg, const struct redisReply *reply);

/*
 * What a connection is for: what hiredis 0.14 will do with its replies
 * decides what the RESP guard must make sure of first (resp_guard.h).
 */
enum redis_link_kind {
	REDIS_LINK_SUBSCRIBER,	/* SUBSCRIBE/PSUBSCRIBE: pub/sub shapes only */
	REDIS_LINK_COMMANDS,	/* plain commands: every reply asked for */
	REDIS_LINK_STREAMS,	/* the same, for XREADGROUP's deep, long
				   replies: see redis_link_stream_batch() */
};

/*
 * The most entries one XREADGROUP over a REDIS_LINK_STREAMS connection
 * may ask for, all streams together, so that the reply always fits what
 * the connection keeps whole (an entry over the budget would reach
 * hiredis as a nil, as if it were over max_message_size).
 */
uint64_t redis_link_stream_batch(const struct config *cfg);

/*
 * Start connecting to cfg->redis, at `address` and `port` (a numeric IP
 * already resolved, and the port, 0 for cfg's; both ignored for unix
 * sockets), with our TCP options
 * and close-on-exec.  on_fail(ac, why) runs, outside any hiredis
 * callback, if lws finds the socket hung up and closes it ("connection
 * closed"), or if Redis sends what cannot be a reply, or a reply hiredis
 * would abort on ("protocol error: bulk length 4611686018427387904 is
 * impossible", "... a reply no command asked for"): the owner must then
 * free the context (it may, from inside on_fail).  Returns NULL with a
 * reason in err on failure.
 *
 * What Redis sends is bounded by cfg->max_message_size: a longer bulk
 * string reaches hiredis as a nil (see resp_guard.h), and while the
 * reply holding it is handed to its callback, redis_link_skipped()
 * gives the length it had.
 */
redisAsyncContext *redis_link_connect(struct lws_vhost *vh,
				      const struct config *cfg,
				      enum redis_link_kind kind,
				      const char *address, uint16_t port,
				      void (*on_fail)(redisAsyncContext *ac,
						      const char *why),
				      char *err, size_t errlen);

/*
 * Inside a reply callback: the length of the bulk string that a nil in
 * this reply replaced, or 0 when none was.
 */
uint64_t redis_link_skipped(const redisAsyncContext *ac);

/* A reload: the new max_message_size applies from the next string on. */
void redis_link_set_limits(redisAsyncContext *ac, const struct config *cfg);

/*
 * Free the context held in *slot, from outside any hiredis callback (or
 * deferred by hiredis if inside).  *slot is cleared first: onDisconnect
 * may run inside the free, and must find the context is no longer its
 * owner's.  NULL is a no-op.
 */
void redis_link_free(redisAsyncContext **slot);

/* Read what the socket holds now, as the loop would (bounded by one read). */
void redis_link_read(redisAsyncContext *ac);

/*
 * What every connection sends first, as cfg->redis asks: AUTH (with the
 * user, if any) when there is a password, SELECT when the db is not 0.
 * redis_link_setup_count() says how many commands that is;
 * redis_link_send_setup() queues them (hiredis sends them as soon as the
 * socket connects, ahead of whatever is queued next), each reply to fn.
 * 0, or -1 if they cannot be queued.
 */
unsigned redis_link_setup_count(const struct config *cfg);
int redis_link_send_setup(redisAsyncContext *ac, const struct config *cfg,
			  redisCallbackFn *fn, void *privdata);

/* Queue `cmd items[0] .. items[n-1]`.  0, or -1. */
int redis_link_send_list(redisAsyncContext *ac, redisCallbackFn *fn,
			 void *privdata, const char *cmd,
			 const char *const *items, size_t n);

#endif
