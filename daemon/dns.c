/*
 * dns.c - see dns.h.
 *
 * One c-ares channel, built at the first lookup and kept: rebuilt only
 * when what it was built from changes (the servers, /etc/resolv.conf,
 * or, while it is idle, the pace of its retries).  c-ares opens and
 * closes its own sockets (non-blocking, close-on-exec, sent with
 * MSG_NOSIGNAL); ares_loop.c puts them and its timer on the loop.
 *
 * Ending one query early.  c-ares 1.18 cancels only a whole channel, so
 * a query past its deadline or cancelled is ended by ares_cancel(), and
 * the queries still running are asked again at once, each within its
 * own deadline.  That ends the sockets of a query nobody waits for.
 *
 * Lifetimes.  A query that is over (answered, failed, past its deadline,
 * cancelled) is marked done and left to finish_sul, a zero-delay timer
 * that ends it in c-ares if need be, calls back and frees it.  So
 * nothing is freed inside a c-ares callback, nor inside its own
 * callback, and no callback runs inside dns_resolve() or dns_cancel().
 */
#include <ares.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libwebsockets.h>

#include "wspushd/ares_loop.h"
#include "wspushd/dns.h"
#include "wspushd/dns_data.h"

/*
 * c-ares retries on its own within our deadline: each try waits a
 * quarter of the deadline (bounded), and 1.18 doubles the wait on every
 * round over the servers, so with one server the tries add up to 7/4 of
 * the deadline and the deadline, not c-ares, decides when to give up.
 */
#define ARES_TRIES		3
#define ARES_TRY_MIN_MS		100
#define ARES_TRY_MAX_MS		2000

#define RESOLV_CONF		"/etc/resolv.conf"

struct dns_query {
	struct dns_query *next;		/* in d->queries */
	struct dns *d;
	char *host;			/* NULL for a literal */
	lws_sorted_usec_list_t deadline_sul;
	dns_cb cb;
	void *arg;
	uint64_t timeout_ms;
	bool in_ares;		/* asked; c-ares owes addrinfo_done() */
	bool done;		/* outcome decided */
	bool cancelled;		/* never call back */
	int status;
	struct dns_result res;
};

struct dns {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	ares_channel ch;		/* NULL until the first lookup */
	struct ares_loop *loop;		/* its sockets and timer */
	struct ares_addr_port_node *servers;	/* NULL: /etc/resolv.conf */
	bool servers_changed;		/* since ch was built */
	struct stat resolv;		/* resolv.conf as ch read it */
	uint64_t try_ms;		/* ch's wait per try */
	struct dns_query *queries;	/* running, and done until finished */
	lws_sorted_usec_list_t finish_sul;
	bool ignoring;		/* c-ares is ending queries for us */
	bool in_callback;
	bool free_pending;	/* dns_free() from inside a callback */
};

static void finish_fired(lws_sorted_usec_list_t *sul);

/*
 * The outcome is decided: record it and let finish_sul deliver it.  Safe
 * anywhere, including inside c-ares; the first outcome wins.
 */
static void
conclude(struct dns_query *q, int status, const char *why)
{
	if (q->done)
		return;
	q->done = true;
	q->status = status;
	if (status != DNS_OK) {
		q->res.count = 0;
		snprintf(q->res.error, sizeof(q->res.error), "%s",
			 why != NULL ? why : dns_strerror(status));
	}
	lws_sul_cancel(&q->deadline_sul);
	lws_sul_schedule(q->d->ctx, 0, &q->d->finish_sul, finish_fired, 0);
}

/* A socket of c-ares cannot be watched: nothing asked can go on. */
static void
watch_failed(void *arg)
{
	struct dns *d = arg;

	for (struct dns_query *q = d->queries; q != NULL; q = q->next)
		if (!q->done && q->host != NULL)
			conclude(q, DNS_EFAIL, "cannot watch a DNS socket");
}

/* ---- queries ------------------------------------------------------ */

static void
addrinfo_done(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct dns_query *q = arg;

	q->in_ares = false;
	if (q->done || q->d->ignoring) {
		/* Ended by us: to be asked again, delivered or freed. */
	} else if (status == ARES_SUCCESS) {
		dns_result_from_ares(&q->res, ai);
		conclude(q, q->res.count > 0 ? DNS_OK : DNS_ENODATA, NULL);
	} else {
		conclude(q, dns_status_from_ares(status), NULL);
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
}

static void
ask(struct dns_query *q)
{
	struct ares_addrinfo_hints hints = { 0 };

	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	q->in_ares = true;
	/* May answer at once (/etc/hosts): addrinfo_done only marks it. */
	ares_getaddrinfo(q->d->ch, q->host, NULL, &hints, addrinfo_done, q);
}

/*
 * End every query in c-ares (the only way 1.18 ends one), then ask
 * again those still wanted; on channel ch, if it is not NULL.
 */
static void
restart(struct dns *d, ares_channel ch)
{
	if (d->ch != NULL) {
		d->ignoring = true;
		ares_cancel(d->ch);
		d->ignoring = false;
	}
	if (ch != NULL) {
		if (d->ch != NULL)
			ares_destroy(d->ch);	/* closes its sockets */
		d->ch = ch;
		ares_loop_use(d->loop, ch);
	}
	for (struct dns_query *q = d->queries; q != NULL; q = q->next)
		if (!q->done && q->host != NULL && !q->in_ares)
			ask(q);
	ares_loop_sync(d->loop);
}

static void
resolv_stamp(struct stat *st)
{
	if (stat(RESOLV_CONF, st) < 0)
		memset(st, 0, sizeof(*st));
}

static bool
busy(const struct dns *d)
{
	for (const struct dns_query *q = d->queries; q != NULL; q = q->next)
		if (q->in_ares)
			return true;
	return false;
}

/* Whether the channel no longer matches what it was built from. */
static bool
stale(struct dns *d, uint64_t try_ms)
{
	struct stat st;

	if (d->ch == NULL || d->servers_changed)
		return true;
	if (d->servers == NULL) {
		resolv_stamp(&st);
		if (st.st_dev != d->resolv.st_dev ||
		    st.st_ino != d->resolv.st_ino ||
		    st.st_size != d->resolv.st_size ||
		    st.st_mtim.tv_sec != d->resolv.st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != d->resolv.st_mtim.tv_nsec)
			return true;
	}
	return try_ms != d->try_ms && !busy(d);
}

/* The channel as it should be now; queries under way move to it. */
static int
ensure_channel(struct dns *d, uint64_t timeout_ms)
{
	struct ares_options o = { 0 };
	uint64_t try_ms = timeout_ms / 4;
	int rc, mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
	ares_channel ch;
	struct stat stamp;

	if (try_ms < ARES_TRY_MIN_MS)
		try_ms = ARES_TRY_MIN_MS;
	if (try_ms > ARES_TRY_MAX_MS)
		try_ms = ARES_TRY_MAX_MS;
	if (!stale(d, try_ms))
		return ARES_SUCCESS;
	o.timeout = (int)try_ms;
	o.tries = ARES_TRIES;
	ares_loop_options(d->loop, &o, &mask);
	/* Taken as the channel's only once it is made: a failure tries again. */
	resolv_stamp(&stamp);
	rc = ares_init_options(&ch, &o, mask);
	if (rc != ARES_SUCCESS)
		return rc;
	if (d->servers != NULL) {
		rc = ares_set_servers_ports(ch, d->servers);
		if (rc != ARES_SUCCESS) {
			ares_destroy(ch);
			return rc;
		}
	}
	d->resolv = stamp;
	d->try_ms = try_ms;
	d->servers_changed = false;
	restart(d, ch);
	return ARES_SUCCESS;
}

static void
deadline_fired(lws_sorted_usec_list_t *sul)
{
	struct dns_query *q = lws_container_of(sul, struct dns_query,
					       deadline_sul);
	char why[sizeof(q->res.error)];

	snprintf(why, sizeof(why), "DNS timeout after %llums",
		 (unsigned long long)q->timeout_ms);
	conclude(q, DNS_ETIMEOUT, why);
}

/* Ask c-ares for q: on the channel as it should be now. */
static void
start(struct dns *d, struct dns_query *q)
{
	char why[sizeof(q->res.error)];
	int rc;

	lws_sul_schedule(d->ctx, 0, &q->deadline_sul, deadline_fired,
			 (lws_usec_t)q->timeout_ms * LWS_US_PER_MS);
	rc = ensure_channel(d, q->timeout_ms);
	if (rc != ARES_SUCCESS) {
		snprintf(why, sizeof(why), "cannot set up the resolver: %s",
			 ares_strerror(rc));
		conclude(q, rc == ARES_ENOMEM ? DNS_ENOMEM : DNS_ECONFIG, why);
		return;
	}
	if (!q->in_ares && !q->done)
		ask(q);
	ares_loop_sync(d->loop);
}

struct dns_query *
dns_resolve(struct dns *d, const char *host, uint64_t timeout_ms, dns_cb cb,
	    void *arg)
{
	struct dns_query *q, **pp;

	if (d == NULL || d->free_pending || host == NULL || cb == NULL) {
		errno = EINVAL;
		return NULL;
	}
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return NULL;
	q->d = d;
	q->cb = cb;
	q->arg = arg;
	if (timeout_ms == 0)
		timeout_ms = DNS_DEFAULT_TIMEOUT_MS;
	/* Keeps the microseconds lws counts in far from overflow. */
	q->timeout_ms = timeout_ms < DNS_MAX_TIMEOUT_MS ? timeout_ms :
			DNS_MAX_TIMEOUT_MS;
	if (!dns_literal(host, &q->res) && (q->host = strdup(host)) == NULL) {
		free(q);
		return NULL;
	}
	/* In order, so that answers ready together come back in order. */
	for (pp = &d->queries; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = q;
	if (q->host == NULL)
		conclude(q, DNS_OK, NULL);
	else
		start(d, q);
	return q;
}

void
dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->cancelled)
		return;
	/*
	 * From inside its own callback q is freed once the callback returns;
	 * the mark is harmless.  Otherwise finish_sul ends it unheard.
	 */
	q->cancelled = true;
	if (!q->done)
		conclude(q, DNS_EFAIL, "cancelled");
}

static void
query_free(struct dns_query *q)
{
	lws_sul_cancel(&q->deadline_sul);
	free(q->host);
	free(q);
}

static void
destroy(struct dns *d)
{
	struct dns_query *q;

	if (d->ch != NULL) {
		d->ignoring = true;
		ares_destroy(d->ch);	/* ends every query, closes sockets */
	}
	ares_loop_free(d->loop);
	while ((q = d->queries) != NULL) {
		d->queries = q->next;
		query_free(q);
	}
	lws_sul_cancel(&d->finish_sul);
	free(d->servers);
	free(d);
	ares_library_cleanup();
}

static void
finish_fired(lws_sorted_usec_list_t *sul)
{
	struct dns *d = lws_container_of(sul, struct dns, finish_sul);
	struct dns_query *ready = NULL, **tail = &ready, **pp, *q;
	bool called = false;

	for (q = d->queries; q != NULL && !(q->done && q->in_ares); q = q->next)
		;
	if (q != NULL)
		restart(d, NULL);
	/*
	 * Take the finished queries off the list before calling anyone back:
	 * a callback may start queries (finished next turn, so a caller that
	 * resolves a literal from its callback cannot starve the loop) or
	 * cancel queries (marked, and skipped below).
	 */
	for (pp = &d->queries; (q = *pp) != NULL;) {
		if (q->done) {
			*pp = q->next;
			q->next = NULL;
			*tail = q;
			tail = &q->next;
		} else {
			pp = &q->next;
		}
	}
	while ((q = ready) != NULL) {
		ready = q->next;
		if (!q->cancelled && !d->free_pending) {
			d->in_callback = true;
			q->cb(q->arg, q->status, &q->res);
			d->in_callback = false;
			called = true;
		}
		query_free(q);
	}
	if (called)
		lws_cancel_service(d->ctx);
	if (d->free_pending)
		destroy(d);
}

int
dns_set_servers(struct dns *d, const char *servers, char *err, size_t errlen)
{
	struct ares_addr_port_node *nodes = NULL;

	if (servers != NULL &&
	    dns_servers_to_ares(servers, &nodes, err, errlen) < 0)
		return -1;
	/* The next lookup builds the channel anew and moves to it. */
	free(d->servers);
	d->servers = nodes;
	d->servers_changed = true;
	return 0;
}

struct dns *
dns_new(struct lws_context *ctx, struct lws_vhost *vh, const char *servers,
	char *err, size_t errlen)
{
	struct dns *d;
	int rc;

	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		ares_library_cleanup();
		return NULL;
	}
	d->ctx = ctx;
	d->vh = vh;
	d->loop = ares_loop_new(ctx, vh, watch_failed, d);
	if (d->loop == NULL) {
		snprintf(err, errlen, "out of memory");
		destroy(d);
		return NULL;
	}
	if (dns_set_servers(d, servers, err, errlen) < 0) {
		destroy(d);
		return NULL;
	}
	return d;
}

void
dns_free(struct dns *d)
{
	if (d == NULL)
		return;
	if (d->in_callback) {
		/* finish_fired() completes this once the callback returns. */
		d->free_pending = true;
		for (struct dns_query *q = d->queries; q != NULL; q = q->next)
			q->cancelled = true;
		return;
	}
	destroy(d);
}
