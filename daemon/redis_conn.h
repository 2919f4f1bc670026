/*
 * redis_conn.h - one connection to one Redis node, as the command
 * connection (redis_cmd.h) is made of: opened on the first command while
 * enabled, dropped when it fails and made again on the next command.
 * Every command's callback runs exactly once, with the reply or NULL.
 *
 * hiredis 0.14's rules shape it as they shape redis_sub.c: a refused
 * connect arrives as onConnect(REDIS_ERR) and hiredis frees the context
 * itself; redisAsyncFree() on a connected context calls onDisconnect
 * from inside the call.  So c->ac is cleared before a context is freed,
 * and every callback first checks that it speaks for the current one.
 */
#ifndef WSPUSHD_REDIS_CONN_H
#define WSPUSHD_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/async.h>

#include "wspushd/redis_link.h"

struct config;
struct lws_vhost;

enum conn_mode {
	CONN_DISABLED,		/* no new connection */
	CONN_ENABLED,		/* the first command opens one */
};

struct redis_conn {
	struct lws_vhost *vh;
	const struct config *cfg;
	enum conn_mode mode;
	enum redis_link_kind kind;	/* commands, or stream reads */
	redisAsyncContext *ac;		/* the connection, or NULL */
	char address[46];		/* where to open it (numeric) */
	uint16_t port;			/* 0: cfg's */
	bool bare;			/* no AUTH, no SELECT (a Sentinel) */
	const char *endpoint;		/* the owner's, redacted, for logs */
};

struct redis_conn *redis_conn_new(struct lws_vhost *vh, const struct config *cfg,
				  const char *endpoint, enum redis_link_kind kind);
void redis_conn_free(struct redis_conn *c);
int redis_conn_send(struct redis_conn *c, redis_reply_fn *fn, void *arg,
		    int argc, const char **argv, const size_t *lens);
void redis_conn_enable(struct redis_conn *c, const char *address, uint16_t port);
void redis_conn_set_bare(struct redis_conn *c);
void redis_conn_disable(struct redis_conn *c);
void redis_conn_close(struct redis_conn *c);
void redis_conn_flush(struct redis_conn *c);
void redis_conn_reconfigure(struct redis_conn *c, const struct config *cfg);

#endif
