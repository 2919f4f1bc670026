/*
 * redis_sentinel.c - see redis_sentinel.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <libwebsockets.h>

#include "wspushd/config.h"
#include "wspushd/dns.h"
#include "wspushd/hostport.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/redis_sentinel.h"
#include "wspushd/strlist.h"
#include "wspushd/xalloc.h"

#define SENTINEL_WAIT_MIN_MS 200

struct redis_sentinel {
	struct lws_context *ctx;
	struct dns *dns;
	const struct config *cfg;
	struct redis_cmd *cmd;		/* to the sentinel being asked */
	struct redis_cmd *check;	/* to the master it named: ROLE */
	char ip[HOSTPORT_ADDR_MAX];	/* the master it named */
	uint16_t port;
	struct strlist list;		/* "host:port", the last to answer first */
	size_t next;			/* in this question: the one asked */
	unsigned gen;			/* a question's replies carry it */
	struct dns_query *query;
	lws_sorted_usec_list_t timer;	/* this sentinel's time is up */
	redis_sentinel_fn *fn;		/* NULL: no question under way */
	void *arg;
	char why[200];			/* the last sentinel's failure */
	char endpoint[300];		/* for redis_cmd's logs */
	bool reload_list;		/* a reload changed the sentinels */
};

/* A reply's ticket: stale once another sentinel is asked. */
struct ticket {
	struct redis_sentinel *s;
	unsigned gen;
};

static void ask_next(struct redis_sentinel *s);

static void
stop_asking(struct redis_sentinel *s)
{
	s->gen++;
	lws_sul_cancel(&s->timer);
	if (s->query != NULL) {
		dns_cancel(s->query);
		s->query = NULL;
	}
	redis_cmd_close(s->cmd);	/* its callback sees the old gen */
	redis_cmd_close(s->check);
}

static void
finish(struct redis_sentinel *s, const char *ip, uint16_t port, const char *why)
{
	redis_sentinel_fn *fn = s->fn;

	stop_asking(s);
	s->fn = NULL;
	if (fn != NULL)
		fn(s->arg, ip, port, why);
}

/* This sentinel failed (said in s->why): on to the next. */
static void
failed(struct redis_sentinel *s)
{
	stop_asking(s);
	s->next++;
	ask_next(s);
}

/* The one that answered goes first next time. */
static void
to_front(struct redis_sentinel *s)
{
	char *first = s->list.items[s->next];

	memmove(&s->list.items[1], &s->list.items[0],
		s->next * sizeof(s->list.items[0]));
	s->list.items[0] = first;
}

static struct ticket *
ticket(struct redis_sentinel *s)
{
	struct ticket *t = xmalloc(sizeof(*t));

	*t = (struct ticket){ .s = s, .gen = s->gen };
	return t;
}

/* The master named must say it is one: not an old master, now a replica. */
static void
role_checked(void *arg, const redisReply *r)
{
	struct ticket *t = arg;
	struct redis_sentinel *s = t->s;
	bool stale = t->gen != s->gen;

	free(t);
	if (stale)
		return;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(r->element[0]->str, "master") == 0) {
		to_front(s);
		finish(s, s->ip, s->port, NULL);
		return;
	}
	snprintf(s->why, sizeof(s->why), "sentinel %s named %s:%u, which is "
		 "not the master (ROLE: %s)", s->list.items[s->next], s->ip,
		 (unsigned)s->port, r == NULL ? "no answer" :
		 r->type == REDIS_REPLY_ERROR ? r->str :
		 r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
		 r->element[0]->type == REDIS_REPLY_STRING ?
		 r->element[0]->str : "?");
	failed(s);
}

static void
check_role(struct redis_sentinel *s)
{
	const char *argv[] = { "ROLE" };
	struct ticket *t = ticket(s);

	redis_cmd_enable(s->check, s->ip, s->port);
	if (redis_cmd_send(s->check, role_checked, t, 1, argv, NULL) < 0) {
		free(t);
		snprintf(s->why, sizeof(s->why), "cannot connect to %s:%u",
			 s->ip, (unsigned)s->port);
		failed(s);
	}
}

static void
answered(void *arg, const redisReply *r)
{
	struct ticket *t = arg;
	struct redis_sentinel *s = t->s;
	bool stale = t->gen != s->gen;
	uint16_t port;

	free(t);
	if (stale)
		return;
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_STRING &&
	    r->element[1]->type == REDIS_REPLY_STRING &&
	    r->element[0]->len < HOSTPORT_ADDR_MAX &&
	    hostport_port(r->element[1]->str, r->element[1]->len, &port) == 0) {
		snprintf(s->ip, sizeof(s->ip), "%s", r->element[0]->str);
		s->port = port;
		log_debug("redis: sentinel %s: master %s is at %s:%u",
			  s->list.items[s->next], s->cfg->sentinel_master, s->ip,
			  (unsigned)port);
		check_role(s);
		return;
	}
	snprintf(s->why, sizeof(s->why), "sentinel %s: %s",
		 s->list.items[s->next], r == NULL ? "no connection" :
		 r->type == REDIS_REPLY_NIL ? "does not know the master" :
		 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
	failed(s);
}

static void
resolved(void *arg, int status, const struct dns_result *res)
{
	struct redis_sentinel *s = arg;
	const char *argv[] = { "SENTINEL", "get-master-addr-by-name",
			       s->cfg->sentinel_master };
	const char *hp = s->list.items[s->next], *colon = strrchr(hp, ':');
	struct ticket *t;
	uint16_t port = 0;

	s->query = NULL;
	if (status != DNS_OK) {
		snprintf(s->why, sizeof(s->why), "sentinel %s: %s", hp, res->error);
		failed(s);
		return;
	}
	hostport_port(colon + 1, strlen(colon + 1), &port);
	redis_cmd_enable(s->cmd, res->addrs[0].ip, port);
	t = ticket(s);
	if (redis_cmd_send(s->cmd, answered, t, 3, argv, NULL) < 0) {
		free(t);
		snprintf(s->why, sizeof(s->why), "sentinel %s: cannot connect", hp);
		failed(s);
	}
}

static void
timed_out(lws_sorted_usec_list_t *sul)
{
	struct redis_sentinel *s = lws_container_of(sul, struct redis_sentinel,
						    timer);

	snprintf(s->why, sizeof(s->why), "sentinel %s: no answer in time",
		 s->list.items[s->next]);
	failed(s);
	lws_cancel_service(s->ctx);
}

static void
ask_next(struct redis_sentinel *s)
{
	uint64_t wait = s->cfg->redis_connect_timeout_ms / s->list.count;
	const char *hp;
	char host[300];
	size_t n;

	if (s->next >= s->list.count) {
		finish(s, NULL, 0, s->why);
		return;
	}
	hp = s->list.items[s->next];
	n = (size_t)(strrchr(hp, ':') - hp);
	/* Brackets of an IPv6 literal are not part of the address. */
	if (hp[0] == '[')
		snprintf(host, sizeof(host), "%.*s", (int)n - 2, hp + 1);
	else
		snprintf(host, sizeof(host), "%.*s", (int)n, hp);
	if (wait < SENTINEL_WAIT_MIN_MS)
		wait = SENTINEL_WAIT_MIN_MS;
	lws_sul_schedule(s->ctx, 0, &s->timer, timed_out,
			 (lws_usec_t)wait * LWS_US_PER_MS);
	s->query = dns_resolve(s->dns, host, wait, resolved, s);
	if (s->query == NULL) {
		snprintf(s->why, sizeof(s->why), "sentinel %s: cannot resolve", hp);
		failed(s);
	}
}

static void
load_list(struct redis_sentinel *s)
{
	const char *p = s->cfg->sentinels;

	strlist_free(&s->list);
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, ",");
		char *one = xstrndup(p, n);

		strlist_add(&s->list, one);
		free(one);
		p += n + (p[n] == ',');
	}
}

struct redis_sentinel *
redis_sentinel_new(struct lws_context *ctx, struct lws_vhost *vh,
		   struct dns *dns, const struct config *cfg)
{
	struct redis_sentinel *s = xcalloc(1, sizeof(*s));

	s->ctx = ctx;
	s->dns = dns;
	s->cfg = cfg;
	snprintf(s->endpoint, sizeof(s->endpoint), "a sentinel");
	s->cmd = redis_cmd_new(vh, cfg, s->endpoint, REDIS_LINK_COMMANDS);
	s->check = redis_cmd_new(vh, cfg, s->endpoint, REDIS_LINK_COMMANDS);
	if (s->cmd == NULL || s->check == NULL)
		oom();
	redis_cmd_set_bare(s->cmd);
	load_list(s);
	return s;
}

void
redis_sentinel_ask(struct redis_sentinel *s, redis_sentinel_fn *fn, void *arg)
{
	stop_asking(s);
	if (s->reload_list) {
		load_list(s);
		s->reload_list = false;
	}
	s->fn = fn;
	s->arg = arg;
	s->next = 0;
	snprintf(s->why, sizeof(s->why), "no sentinel configured");
	ask_next(s);
}

void
redis_sentinel_cancel(struct redis_sentinel *s)
{
	if (s == NULL)
		return;
	s->fn = NULL;
	stop_asking(s);
}

void
redis_sentinel_reconfigure(struct redis_sentinel *s, const struct config *cfg)
{
	s->cfg = cfg;
	redis_cmd_reconfigure(s->cmd, cfg);
	redis_cmd_reconfigure(s->check, cfg);
	s->reload_list = true;
}

void
redis_sentinel_free(struct redis_sentinel *s)
{
	if (s == NULL)
		return;
	redis_sentinel_cancel(s);
	redis_cmd_free(s->cmd);
	redis_cmd_free(s->check);
	strlist_free(&s->list);
	free(s);
}
