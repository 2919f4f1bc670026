/*
 * redis_where.h - where Redis is, asked anew before every connection
 * attempt: [redis] url's host resolved without blocking (dns.h), or,
 * with [redis] sentinel, the master's address as the sentinels say
 * (redis_sentinel.h).
 */
#ifndef WSPUSHD_REDIS_WHERE_H
#define WSPUSHD_REDIS_WHERE_H

#include <stdint.h>

#include "wspushd/dns_data.h"

struct config;
struct dns;
struct lws_context;
struct lws_vhost;
struct redis_sentinel;

/*
 * The addresses (n >= 1, preferred first) and the port to dial (0: the
 * url's), or none (n 0) with why.
 */
typedef void redis_where_fn(void *arg, const struct dns_addr *addrs,
			    uint32_t n, uint16_t port, const char *why);

struct redis_where {
	struct dns *dns;
	struct redis_sentinel *sentinel;
	struct dns_query *query;
	const struct config *cfg;
	redis_where_fn *fn;
	void *arg;
};

/* cfg must stay at the same address across reloads, or be reconfigured. */
void redis_where_init(struct redis_where *w, struct lws_context *ctx,
		      struct lws_vhost *vh, struct dns *dns,
		      const struct config *cfg);
void redis_where_free(struct redis_where *w);
/* Ask; fn runs once, on the loop, unless cancelled.  One at a time. */
void redis_where_ask(struct redis_where *w, redis_where_fn *fn, void *arg);
void redis_where_cancel(struct redis_where *w);
void redis_where_reconfigure(struct redis_where *w, const struct config *cfg);

#endif
