/*
 * sentinel_watch.c - see sentinel_watch.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <libwebsockets.h>

#include "wspushd/config.h"
#include "wspushd/dns.h"
#include "wspushd/hostport.h"
#include "wspushd/log.h"
#include "wspushd/redis_link.h"
#include "wspushd/sentinel_watch.h"
#include "wspushd/xalloc.h"

/* While no sentinel holds the subscription: the next one, this much later. */
#define RETRY_MS 1000

struct sentinel_watch {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct dns *dns;
	const struct config *cfg;
	redisAsyncContext *ac;		/* subscribed to +switch-master, or NULL */
	struct dns_query *query;
	lws_sorted_usec_list_t timer;	/* the next try */
	size_t next;			/* which sentinel to try */
	char hp[300];			/* the one tried or held, "host:port" */
	bool on;			/* watching now */
	bool wanted;			/* the owner asked for it */
	void (*on_switch)(void *, const char *);
	void *arg;
};

static void try_later(struct sentinel_watch *w);

/* The n-th of "h1:p1,h2:p2": host (no brackets) and port; false: none. */
static bool
nth(const char *list, size_t n, char *hp, size_t hplen, char *host,
    size_t hostlen, uint16_t *port)
{
	const char *p = list, *colon;
	size_t len;

	for (; n > 0 && p != NULL; n--)
		p = (p = strchr(p, ',')) != NULL ? p + 1 : NULL;
	if (p == NULL || *p == '\0')
		return false;
	len = strcspn(p, ",");
	snprintf(hp, hplen, "%.*s", (int)len, p);
	colon = strrchr(hp, ':');
	hostport_port(colon + 1, strlen(colon + 1), port);
	if (hp[0] == '[')
		snprintf(host, hostlen, "%.*s", (int)(colon - hp) - 2, hp + 1);
	else
		snprintf(host, hostlen, "%.*s", (int)(colon - hp), hp);
	return true;
}

static void
on_message(redisAsyncContext *ac, void *r, void *privdata)
{
	struct sentinel_watch *w = privdata;
	redisReply *m = r;
	const char *name = w->cfg->sentinel_master;
	size_t n;

	if (m == NULL || ac != w->ac || m->type != REDIS_REPLY_ARRAY ||
	    m->elements != 3 || m->element[2]->type != REDIS_REPLY_STRING ||
	    strcmp(m->element[0]->str, "message") != 0 || name == NULL)
		return;
	/* "<master name> <old ip> <old port> <new ip> <new port>" */
	n = strlen(name);
	if (m->element[2]->len > n && m->element[2]->str[n] == ' ' &&
	    strncmp(m->element[2]->str, name, n) == 0) {
		log_info("redis: sentinel %s: +switch-master %s", w->hp,
			 m->element[2]->str);
		w->on_switch(w->arg, m->element[2]->str);
	}
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct sentinel_watch *w = ac->data;

	if (status != REDIS_OK && ac == w->ac) {
		w->ac = NULL;	/* hiredis frees it */
		try_later(w);
	}
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct sentinel_watch *w = ac->data;

	(void)status;
	if (ac == w->ac) {
		w->ac = NULL;
		try_later(w);
	}
}

static void
on_link_failed(redisAsyncContext *ac, const char *why)
{
	struct sentinel_watch *w = ac->data;

	if (ac != w->ac)
		return;
	log_debug("redis: sentinel %s: %s", w->hp, why);
	redis_link_free(&w->ac);
	try_later(w);
}

static void
resolved(void *arg, int status, const struct dns_result *res)
{
	struct sentinel_watch *w = arg;
	const char *colon = strrchr(w->hp, ':');
	uint16_t port = 0;
	char err[128];

	w->query = NULL;
	hostport_port(colon + 1, strlen(colon + 1), &port);
	if (status != DNS_OK ||
	    (w->ac = redis_link_connect(w->vh, w->cfg, REDIS_LINK_SUBSCRIBER,
					res->addrs[0].ip, port, on_link_failed,
					err, sizeof(err))) == NULL) {
		try_later(w);
		return;
	}
	w->ac->data = w;
	redisAsyncSetConnectCallback(w->ac, on_connect);
	redisAsyncSetDisconnectCallback(w->ac, on_disconnect);
	if (redisAsyncCommand(w->ac, on_message, w, "SUBSCRIBE %s",
			      "+switch-master") != REDIS_OK) {
		redis_link_free(&w->ac);
		try_later(w);
	}
}

static void
try_now(lws_sorted_usec_list_t *sul)
{
	struct sentinel_watch *w = lws_container_of(sul, struct sentinel_watch,
						    timer);
	char host[300];
	uint16_t port;

	if (!w->on || w->ac != NULL || w->query != NULL ||
	    w->cfg->sentinels == NULL)
		return;
	if (!nth(w->cfg->sentinels, w->next, w->hp, sizeof(w->hp), host,
		 sizeof(host), &port)) {
		w->next = 0;
		if (!nth(w->cfg->sentinels, 0, w->hp, sizeof(w->hp), host,
			 sizeof(host), &port))
			return;
	}
	w->next++;
	w->query = dns_resolve(w->dns, host, w->cfg->redis_connect_timeout_ms,
			       resolved, w);
	if (w->query == NULL)
		try_later(w);
}

static void
try_later(struct sentinel_watch *w)
{
	if (w->on)
		lws_sul_schedule(w->ctx, 0, &w->timer, try_now,
				 (lws_usec_t)RETRY_MS * LWS_US_PER_MS);
}

struct sentinel_watch *
sentinel_watch_new(struct lws_context *ctx, struct lws_vhost *vh,
		   struct dns *dns, const struct config *cfg,
		   void (*on_switch)(void *, const char *), void *arg)
{
	struct sentinel_watch *w = xcalloc(1, sizeof(*w));

	*w = (struct sentinel_watch){ .ctx = ctx, .vh = vh, .dns = dns,
				      .cfg = cfg, .on_switch = on_switch,
				      .arg = arg };
	return w;
}

static void
begin(struct sentinel_watch *w)
{
	if (w->on || w->cfg->sentinels == NULL)
		return;
	w->on = true;
	w->next = 0;
	try_now(&w->timer);
}

static void
end(struct sentinel_watch *w)
{
	w->on = false;
	lws_sul_cancel(&w->timer);
	if (w->query != NULL) {
		dns_cancel(w->query);
		w->query = NULL;
	}
	redis_link_free(&w->ac);
}

void
sentinel_watch_start(struct sentinel_watch *w)
{
	w->wanted = true;
	begin(w);
}

void
sentinel_watch_stop(struct sentinel_watch *w)
{
	if (w == NULL)
		return;
	w->wanted = false;
	end(w);
}

void
sentinel_watch_reconfigure(struct sentinel_watch *w, const struct config *cfg)
{
	/* The sentinels may have changed: watch them afresh. */
	end(w);
	w->cfg = cfg;
	if (w->wanted)
		begin(w);
}

void
sentinel_watch_free(struct sentinel_watch *w)
{
	if (w == NULL)
		return;
	sentinel_watch_stop(w);
	free(w);
}
