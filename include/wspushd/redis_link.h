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

#include <hiredis/async.h>
#include <libwebsockets.h>

struct config;

/*
 * Start connecting to cfg->redis, at `address` (a numeric IP already
 * resolved; ignored for unix sockets), with our TCP options
 * and close-on-exec.  on_hangup(ac) runs, outside any hiredis callback,
 * if lws finds the socket hung up and closes it: the owner must then
 * free the context.  Returns NULL with a reason in err on failure.
 */
redisAsyncContext *redis_link_connect(struct lws_vhost *vh,
				      const struct config *cfg,
				      const char *address,
				      void (*on_hangup)(redisAsyncContext *ac),
				      char *err, size_t errlen);

#endif
