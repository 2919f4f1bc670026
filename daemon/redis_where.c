/*
 * redis_where.c - see redis_where.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/dns.h"
#include "wspushd/redis_sentinel.h"
#include "wspushd/redis_where.h"

static void
resolved(void *arg, int status, const struct dns_result *res)
{
	struct redis_where *w = arg;
	uint32_t n = res->count < DNS_MAX_ADDRS ? (uint32_t)res->count :
		     DNS_MAX_ADDRS;

	w->query = NULL;
	if (status != DNS_OK)
		w->fn(w->arg, NULL, 0, 0, res->error);
	else
		w->fn(w->arg, res->addrs, n, 0, NULL);
}

static void
found_master(void *arg, const char *ip, uint16_t port, const char *why)
{
	struct redis_where *w = arg;
	struct dns_addr a = { .family = strchr(ip ? ip : "", ':') ? AF_INET6 :
					AF_INET };

	if (ip == NULL) {
		w->fn(w->arg, NULL, 0, 0, why);
		return;
	}
	snprintf(a.ip, sizeof(a.ip), "%s", ip);
	w->fn(w->arg, &a, 1, port, NULL);
}

void
redis_where_ask(struct redis_where *w, redis_where_fn *fn, void *arg)
{
	/* An answer for an attempt that ended must not answer this one. */
	redis_where_cancel(w);
	w->fn = fn;
	w->arg = arg;
	if (w->cfg->sentinels != NULL) {
		redis_sentinel_ask(w->sentinel, found_master, w);
		return;
	}
	w->query = dns_resolve(w->dns, w->cfg->redis.host,
			       w->cfg->dns_timeout_ms, resolved, w);
	if (w->query == NULL)
		fn(arg, NULL, 0, 0, "cannot start resolving the host");
}

void
redis_where_cancel(struct redis_where *w)
{
	if (w->query != NULL) {
		dns_cancel(w->query);
		w->query = NULL;
	}
	redis_sentinel_cancel(w->sentinel);
}

void
redis_where_init(struct redis_where *w, struct lws_context *ctx,
		 struct lws_vhost *vh, struct dns *dns, const struct config *cfg)
{
	*w = (struct redis_where){ .dns = dns, .cfg = cfg };
	w->sentinel = redis_sentinel_new(ctx, vh, dns, cfg);
}

void
redis_where_reconfigure(struct redis_where *w, const struct config *cfg)
{
	w->cfg = cfg;
	redis_sentinel_reconfigure(w->sentinel, cfg);
}

void
redis_where_free(struct redis_where *w)
{
	redis_where_cancel(w);
	redis_sentinel_free(w->sentinel);
	w->sentinel = NULL;
}
