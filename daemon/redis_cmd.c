/*
 * redis_cmd.c - the command connection.  See redis_cmd.h.
 *
 * One connection (redis_conn.h) to the node the subscription is on, and
 * with [redis] cluster one more per node a key lives on: each command
 * goes to the node its key's slot belongs to, as CLUSTER SLOTS and
 * every MOVED say, and a -MOVED or -ASK answer sends it there again.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "wspushd/cluster_slot.h"
#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/xalloc.h"

#include "redis_conn.h"

/* Nodes beyond the first; a command redirected more often fails. */
#define MAX_PEERS 32
#define MAX_REDIRECTS 5

/* The vhost, configuration, kind and endpoint are node[0]'s, for all. */
struct redis_cmd {
	struct redis_conn *node[1 + MAX_PEERS];	/* [0]: where enabled */
	size_t nodes;
	uint8_t *slots;			/* slot -> node; NULL until a cluster */
	bool refreshing;		/* CLUSTER SLOTS asked, not answered */
};

/* A command in a cluster: kept whole, to be sent again if redirected. */
struct routed {
	struct redis_cmd *c;
	redis_reply_fn *fn;
	void *arg;
	int argc;
	char **argv;
	size_t *lens;
	size_t at;			/* the node it went to */
	int redirects;
};

static bool
cluster(const struct redis_cmd *c)
{
	return c->node[0]->cfg->redis_cluster;
}

/* The node at ip:port, made (and enabled, if the first is) when new. */
static size_t
node_at(struct redis_cmd *c, const char *ip, uint16_t port)
{
	const struct redis_conn *first = c->node[0];
	struct redis_conn *n;

	for (size_t i = 0; i < c->nodes; i++) {
		uint16_t p = c->node[i]->port ? c->node[i]->port :
			     first->cfg->redis.port;

		if (p == port && strcmp(c->node[i]->address, ip) == 0)
			return i;
	}
	if (c->nodes == 1 + MAX_PEERS)
		return 0;	/* its commands will be redirected, then fail */
	n = redis_conn_new(first->vh, first->cfg, first->endpoint, first->kind);
	if (n == NULL)
		return 0;
	/* Enabled with the first node; its address kept either way. */
	redis_conn_enable(n, ip, port);
	if (c->node[0]->mode != CONN_ENABLED)
		redis_conn_disable(n);
	c->node[c->nodes] = n;
	return c->nodes++;
}

/* [[start, end, [ip, port, ...], replicas...], ...] */
static void
slots_answered(void *arg, const redisReply *r)
{
	struct redis_cmd *c = arg;

	c->refreshing = false;
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || c->slots == NULL)
		return;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *e = r->element[i], *m;
		long long lo, hi;
		size_t n;

		if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
		    e->element[0]->type != REDIS_REPLY_INTEGER ||
		    e->element[1]->type != REDIS_REPLY_INTEGER ||
		    e->element[2]->type != REDIS_REPLY_ARRAY ||
		    e->element[2]->elements < 2)
			continue;
		m = e->element[2];
		lo = e->element[0]->integer;
		hi = e->element[1]->integer;
		if (m->element[0]->type != REDIS_REPLY_STRING ||
		    m->element[1]->type != REDIS_REPLY_INTEGER || lo < 0 ||
		    hi >= CLUSTER_SLOTS || lo > hi || m->element[1]->integer < 1 ||
		    m->element[1]->integer > 65535 || m->element[0]->len >= 46)
			continue;
		n = node_at(c, m->element[0]->str, (uint16_t)m->element[1]->integer);
		memset(c->slots + lo, (int)n, (size_t)(hi - lo + 1));
	}
}

/* Ask the first node for the slots' owners (one question at a time). */
static void
refresh(struct redis_cmd *c)
{
	const char *argv[] = { "CLUSTER", "SLOTS" };

	if (c->slots == NULL)
		c->slots = xcalloc(CLUSTER_SLOTS, 1);
	if (c->refreshing)
		return;
	c->refreshing = redis_conn_send(c->node[0], slots_answered, c, 2,
					argv, NULL) == 0;
}

static void routed_reply(void *arg, const redisReply *r);

static int
send_routed(struct routed *rt, size_t at, bool asking)
{
	struct redis_cmd *c = rt->c;
	const char *ask[] = { "ASKING" };

	rt->at = at;
	if (asking && redis_conn_send(c->node[at], NULL, NULL, 1, ask, NULL) < 0)
		return -1;
	return redis_conn_send(c->node[at], routed_reply, rt, rt->argc,
			       (const char **)rt->argv, rt->lens);
}

static void
routed_free(struct routed *rt)
{
	for (int i = 0; i < rt->argc; i++)
		free(rt->argv[i]);
	free(rt->argv);
	free(rt->lens);
	free(rt);
}

/* Sent again where the redirection says, or false: answer as it is. */
static bool
follow(struct routed *rt, const redisReply *r)
{
	struct redis_cmd *c = rt->c;
	struct cluster_redirect to;
	enum cluster_redirect_kind kind;
	size_t at;

	if (r == NULL || r->type != REDIS_REPLY_ERROR ||
	    rt->redirects >= MAX_REDIRECTS)
		return false;
	kind = cluster_redirect_parse(r->str, r->len, &to);
	if (kind == CLUSTER_NOT_REDIRECTED)
		return false;
	rt->redirects++;
	at = node_at(c, to.ip, to.port);
	if (kind == CLUSTER_MOVED) {
		/* This slot moved; others may have with it (a resharding). */
		c->slots[to.slot] = (uint8_t)at;
		refresh(c);
	}
	log_debug("redis: %s %s: %s", rt->argv[0], rt->argv[1] ? rt->argv[1] : "",
		  r->str);
	return send_routed(rt, at, kind == CLUSTER_ASK) == 0;
}

static void
routed_reply(void *arg, const redisReply *r)
{
	struct routed *rt = arg;
	struct redis_cmd *c = rt->c;

	if (follow(rt, r))
		return;
	/* A node that went (a failover): ask where its slots are now. */
	if (r == NULL && rt->at != 0 && c->slots != NULL) {
		for (size_t s = 0; s < CLUSTER_SLOTS; s++)
			if (c->slots[s] == rt->at)
				c->slots[s] = 0;
		refresh(c);
	}
	if (rt->fn != NULL)
		rt->fn(rt->arg, r);
	routed_free(rt);
}

static int
send_cluster(struct redis_cmd *c, redis_reply_fn *fn, void *arg, int argc,
	     const char **argv, const size_t *lens)
{
	struct routed *rt = xcalloc(1, sizeof(*rt));
	int key = cluster_key_arg(argc, argv);
	size_t at = 0;

	if (c->slots == NULL)
		refresh(c);
	*rt = (struct routed){ .c = c, .fn = fn, .arg = arg, .argc = argc };
	rt->argv = xcalloc((size_t)argc + 1, sizeof(*rt->argv));
	rt->lens = xcalloc((size_t)argc, sizeof(*rt->lens));
	for (int i = 0; i < argc; i++) {
		rt->lens[i] = lens != NULL ? lens[i] : strlen(argv[i]);
		rt->argv[i] = xmalloc(rt->lens[i] + 1);
		memcpy(rt->argv[i], argv[i], rt->lens[i]);
		rt->argv[i][rt->lens[i]] = '\0';
	}
	if (key >= 0)
		at = c->slots[cluster_slot(rt->argv[key], rt->lens[key])];
	if (send_routed(rt, at, false) < 0) {
		routed_free(rt);
		return -1;
	}
	return 0;
}

int
redis_cmd_send(struct redis_cmd *c, redis_reply_fn *fn, void *arg,
	       int argc, const char **argv, const size_t *lens)
{
	if (cluster(c))
		return send_cluster(c, fn, arg, argc, argv, lens);
	return redis_conn_send(c->node[0], fn, arg, argc, argv, lens);
}

struct redis_cmd *
redis_cmd_new(struct lws_vhost *vh, const struct config *cfg,
	      const char *endpoint, enum redis_link_kind kind)
{
	struct redis_cmd *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->node[0] = redis_conn_new(vh, cfg, endpoint, kind);
	if (c->node[0] == NULL) {
		free(c);
		return NULL;
	}
	c->nodes = 1;
	return c;
}

/* Every connection closed; the other nodes and the slots forgotten. */
static void
forget_nodes(struct redis_cmd *c)
{
	redis_conn_close(c->node[0]);
	for (size_t i = 1; i < c->nodes; i++)
		redis_conn_free(c->node[i]);
	c->nodes = 1;
	free(c->slots);
	c->slots = NULL;
	c->refreshing = false;
}

void
redis_cmd_free(struct redis_cmd *c)
{
	if (c == NULL)
		return;
	forget_nodes(c);
	redis_conn_free(c->node[0]);
	free(c);
}

void
redis_cmd_enable(struct redis_cmd *c, const char *address, uint16_t port)
{
	redis_conn_enable(c->node[0], address, port);
	for (size_t i = 1; i < c->nodes; i++)
		redis_conn_enable(c->node[i], c->node[i]->address,
				  c->node[i]->port);
}

void
redis_cmd_set_bare(struct redis_cmd *c)
{
	c->node[0]->bare = true;
}

void
redis_cmd_disable(struct redis_cmd *c)
{
	for (size_t i = 0; i < c->nodes; i++)
		redis_conn_disable(c->node[i]);
}

void
redis_cmd_close(struct redis_cmd *c)
{
	redis_cmd_disable(c);
	forget_nodes(c);
}

void
redis_cmd_reconfigure(struct redis_cmd *c, const struct config *cfg)
{
	for (size_t i = 0; i < c->nodes; i++)
		redis_conn_reconfigure(c->node[i], cfg);
}

void
redis_cmd_flush(struct redis_cmd *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nodes; i++)
		redis_conn_flush(c->node[i]);
}
