/*
 * redis_conn.c - see redis_conn.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/redis_link.h"

#include "redis_conn.h"

/* A command's callback, between hiredis and the caller. */
struct pending {
	redis_reply_fn *fn;
	void *arg;
};

/* From outside any of its callbacks, or deferred by hiredis if inside. */
static void
close_conn(struct redis_conn *c)
{
	redis_link_free(&c->ac);
}

static void
on_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct pending *p = privdata;

	(void)ac;
	p->fn(p->arg, r);
	free(p);
}

static void
on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_conn *c = privdata;
	redisReply *reply = r;

	if (reply == NULL || ac != c->ac || reply->type != REDIS_REPLY_ERROR)
		return;
	log_err("redis: %s: setup command refused: %s", c->endpoint, reply->str);
	/* Deferred by hiredis while inside a callback; onDisconnect follows. */
	redisAsyncDisconnect(ac);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *c = ac->data;

	if (status != REDIS_OK && ac == c->ac)
		c->ac = NULL;	/* hiredis frees it */
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_conn *c = ac->data;

	(void)status;
	if (ac == c->ac)
		c->ac = NULL;
}

/* Outside any hiredis callback: the socket hung up, or Redis spoke nonsense. */
static void
on_link_failed(redisAsyncContext *ac, const char *why)
{
	struct redis_conn *c = ac->data;

	if (ac != c->ac)
		return;
	/* A hang-up is the subscription's news; nonsense is news here. */
	log_msg(strncmp(why, "protocol", 8) == 0 ? LOG_WARNING : LOG_DEBUG,
		"redis: command connection to %s: %s", c->endpoint, why);
	close_conn(c);
}

/* The connection, opened now if there is none and one is allowed. */
static redisAsyncContext *
conn(struct redis_conn *c)
{
	char err[128];

	if (c->ac != NULL || c->mode != CONN_ENABLED)
		return c->ac;
	c->ac = redis_link_connect(c->vh, c->cfg, c->kind, c->address,
				   c->port, on_link_failed, err, sizeof(err));
	if (c->ac == NULL) {
		log_debug("redis: command connection: %s", err);
		return NULL;
	}
	c->ac->data = c;
	redisAsyncSetConnectCallback(c->ac, on_connect);
	redisAsyncSetDisconnectCallback(c->ac, on_disconnect);
	if (!c->bare &&
	    redis_link_send_setup(c->ac, c->cfg, on_setup_reply, c) < 0)
		close_conn(c);
	return c->ac;
}

int
redis_conn_send(struct redis_conn *c, redis_reply_fn *fn, void *arg,
	       int argc, const char **argv, const size_t *lens)
{
	redisAsyncContext *ac = conn(c);
	struct pending *p = NULL;

	if (ac == NULL)
		return -1;
	if (fn != NULL) {
		p = malloc(sizeof(*p));
		if (p == NULL)
			return -1;
		p->fn = fn;
		p->arg = arg;
	}
	if (redisAsyncCommandArgv(ac, p != NULL ? on_reply : NULL, p, argc,
				  argv, lens) != REDIS_OK) {
		free(p);
		return -1;
	}
	return 0;
}

struct redis_conn *
redis_conn_new(struct lws_vhost *vh, const struct config *cfg,
	      const char *endpoint, enum redis_link_kind kind)
{
	struct redis_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->vh = vh;
	c->cfg = cfg;
	c->kind = kind;
	c->endpoint = endpoint;
	return c;
}

void
redis_conn_free(struct redis_conn *c)
{
	if (c == NULL)
		return;
	close_conn(c);
	free(c);
}

void
redis_conn_enable(struct redis_conn *c, const char *address, uint16_t port)
{
	snprintf(c->address, sizeof(c->address), "%s", address);
	c->port = port;
	c->mode = CONN_ENABLED;
}

void
redis_conn_set_bare(struct redis_conn *c)
{
	c->bare = true;
}

void
redis_conn_disable(struct redis_conn *c)
{
	c->mode = CONN_DISABLED;
}

void
redis_conn_close(struct redis_conn *c)
{
	redis_conn_disable(c);
	close_conn(c);
}

void
redis_conn_reconfigure(struct redis_conn *c, const struct config *cfg)
{
	c->cfg = cfg;
	redis_link_set_limits(c->ac, cfg);
}

void
redis_conn_flush(struct redis_conn *c)
{
	if (c->ac != NULL && (c->ac->c.flags & REDIS_CONNECTED))
		redisAsyncHandleWrite(c->ac);
}
