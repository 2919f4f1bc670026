/*
 * dns.c - see dns.h.
 *
 * One c-ares channel per query.  ares_cancel() and ares_destroy() act on
 * a whole channel, so a channel of its own lets a query end (deadline,
 * cancel) without disturbing any other.  We resolve rarely; the price,
 * reading /etc/resolv.conf for every query, also means a changed
 * resolv.conf is picked up the way glibc does.
 *
 * Sockets.  c-ares creates, connects, reads, writes and closes its
 * sockets through the functions below (ares_set_socket_functions), so
 * they are non-blocking and close-on-exec from birth, writes never raise
 * SIGPIPE, and every close goes through us.  The loop watches a dup of
 * each socket rather than the socket itself: lws closes a watched
 * descriptor on its own when poll() reports an error (a UDP socket after
 * an ICMP "port unreachable" does), and c-ares must not go on using a
 * number lws has closed and the kernel may hand to someone else.  With
 * the dup, the socket c-ares holds stays valid until c-ares closes it;
 * if lws drops the dup, we let c-ares read the socket so that it meets
 * the error and moves on to the next server.
 *
 * Lifetimes.  A query that is over (answered, failed, past its deadline,
 * cancelled) is marked done and left to finish_sul, a zero-delay timer
 * that tears its channel down, calls back and frees it.  So nothing is
 * freed inside a c-ares callback, nor inside its own callback, and no
 * callback runs inside dns_resolve() or dns_cancel().
 */
#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "wspushd/dns.h"
#include "wspushd/log.h"
#include "wspushd/watch.h"

/*
 * c-ares retries on its own within our deadline: each try waits a
 * quarter of the deadline (bounded), and 1.18 doubles the wait on every
 * round over the servers, so with one server the tries add up to 7/4 of
 * the deadline and the deadline, not c-ares, decides when to give up.
 */
#define ARES_TRIES		3
#define ARES_TRY_MIN_MS		100
#define ARES_TRY_MAX_MS		2000

/*
 * How often one socket may lose its watch (lws dropped the dup) and be
 * watched again; past that, c-ares' timers and our deadline finish it.
 */
#define MAX_WATCH_LOSSES	3

struct dns_sock {
	struct dns_sock *next;
	struct dns_query *q;
	int fd;			/* c-ares' socket; closed in sock_close() */
	struct watch *watch;	/* on a dup of fd, or NULL */
	bool want_read;		/* as c-ares last asked */
	bool want_write;
	bool reading;		/* read events on for the watch */
	bool write_armed;	/* watch_want_write() pending */
	bool lost;		/* lws dropped the dup; kick_sul will look */
	int losses;
};

struct dns_query {
	struct dns_query *next;		/* in d->queries */
	struct dns *d;
	ares_channel ch;		/* NULL for literals, and once torn down */
	struct dns_sock *socks;
	lws_sorted_usec_list_t deadline_sul;
	lws_sorted_usec_list_t ares_sul;	/* c-ares' own retry timer */
	lws_sorted_usec_list_t kick_sul;	/* a socket lost its watch */
	dns_cb cb;
	void *arg;
	uint64_t timeout_ms;
	bool done;		/* outcome decided; no more c-ares work */
	bool cancelled;		/* never call back */
	int status;
	struct dns_result res;
};

struct dns {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	char *servers;			/* NULL: /etc/resolv.conf */
	struct dns_query *queries;	/* running, and done until finished */
	lws_sorted_usec_list_t finish_sul;
	bool in_callback;
	bool free_pending;		/* dns_free() from inside a callback */
};

static void after_ares(struct dns_query *q);
static void finish_fired(lws_sorted_usec_list_t *sul);

const char *
dns_strerror(int status)
{
	switch (status) {
	case DNS_OK:		return "success";
	case DNS_ENOTFOUND:	return "name not found";
	case DNS_ENODATA:	return "name has no IPv4 or IPv6 address";
	case DNS_ETIMEOUT:	return "DNS timeout";
	case DNS_ENOANSWER:	return "no DNS servers answered";
	case DNS_ESERVFAIL:	return "DNS server failure";
	case DNS_EREFUSED:	return "DNS servers refused the query or are unreachable";
	case DNS_EBADNAME:	return "invalid host name";
	case DNS_ECONFIG:	return "unusable resolver configuration";
	case DNS_ENOMEM:	return "out of memory";
	default:		return "DNS failure";
	}
}

static int
from_ares(int status)
{
	switch (status) {
	case ARES_SUCCESS:	return DNS_OK;
	case ARES_ENOTFOUND:
	case ARES_ENONAME:	return DNS_ENOTFOUND;
	case ARES_ENODATA:	return DNS_ENODATA;
	case ARES_ETIMEOUT:	return DNS_ENOANSWER;
	case ARES_ESERVFAIL:	return DNS_ESERVFAIL;
	/*
	 * 1.18 retries a server that answers REFUSED like one that is
	 * unreachable, and reports both as ECONNREFUSED in the end.
	 */
	case ARES_ECONNREFUSED:
	case ARES_EREFUSED:	return DNS_EREFUSED;
	case ARES_EBADNAME:	return DNS_EBADNAME;
	case ARES_EFILE:	return DNS_ECONFIG;
	case ARES_ENOMEM:	return DNS_ENOMEM;
	default:		return DNS_EFAIL;
	}
}

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
	lws_sul_cancel(&q->ares_sul);
	lws_sul_cancel(&q->kick_sul);
	lws_sul_schedule(q->d->ctx, 0, &q->d->finish_sul, finish_fired, 0);
}

/* ---- c-ares' sockets ---------------------------------------------- */

static struct dns_sock *
find_sock(struct dns_query *q, int fd)
{
	for (struct dns_sock *s = q->socks; s != NULL; s = s->next)
		if (s->fd == fd)
			return s;
	return NULL;
}

static ares_socket_t
sock_open(int domain, int type, int protocol, void *arg)
{
	struct dns_query *q = arg;
	struct dns_sock *s;
	int fd;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return ARES_SOCKET_BAD;
	fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
	if (fd < 0) {
		free(s);
		return ARES_SOCKET_BAD;
	}
	s->q = q;
	s->fd = fd;
	s->next = q->socks;
	q->socks = s;
	return fd;
}

static void
unwatch(struct dns_sock *s)
{
	watch_remove(s->watch);		/* lws closes the dup */
	s->watch = NULL;
	s->reading = false;
	s->write_armed = false;
}

static int
sock_close(ares_socket_t fd, void *arg)
{
	struct dns_query *q = arg;
	struct dns_sock **pp, *s;

	for (pp = &q->socks; (s = *pp) != NULL; pp = &s->next) {
		if (s->fd == fd) {
			*pp = s->next;
			unwatch(s);
			free(s);
			break;
		}
	}
	return close(fd);
}

static int
sock_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
	     void *arg)
{
	return connect(fd, sa, len);
}

static ares_ssize_t
sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
	      struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

static ares_ssize_t
sock_sendv(ares_socket_t fd, const struct iovec *iov, int iovcnt, void *arg)
{
	struct msghdr m = {
		.msg_iov = (struct iovec *)iov,
		.msg_iovlen = (size_t)iovcnt,
	};

	/* A DNS server closing TCP on us must not kill the daemon. */
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static const struct ares_socket_functions sock_funcs = {
	.asocket = sock_open,
	.aclose = sock_close,
	.aconnect = sock_connect,
	.arecvfrom = sock_recvfrom,
	.asendv = sock_sendv,
};

/* c-ares says what it wants from a socket; sync_socks() acts on it. */
static void
sock_state_changed(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct dns_sock *s = find_sock(arg, fd);

	if (s == NULL)
		return;
	s->want_read = readable != 0;
	s->want_write = writable != 0;
}

/* ---- the loop's side ---------------------------------------------- */

static void
on_readable(void *arg)
{
	struct dns_sock *s = arg;
	struct dns_query *q = s->q;

	if (q->done)
		return;
	/* c-ares may close the socket and free s in here. */
	ares_process_fd(q->ch, s->fd, ARES_SOCKET_BAD);
	after_ares(q);
}

static void
on_writable(void *arg)
{
	struct dns_sock *s = arg;
	struct dns_query *q = s->q;

	s->write_armed = false;
	if (q->done)
		return;
	ares_process_fd(q->ch, ARES_SOCKET_BAD, s->fd);
	after_ares(q);
}

static void kick_fired(lws_sorted_usec_list_t *sul);

/* lws dropped the dup after a poll error; c-ares' socket is still open. */
static void
on_closed(void *arg)
{
	struct dns_sock *s = arg;

	log_debug("dns: socket %d: poll error, letting c-ares read it", s->fd);
	unwatch(s);
	s->lost = true;
	s->losses++;
	/* Not from inside lws' close: c-ares may open and close sockets. */
	lws_sul_schedule(s->q->d->ctx, 0, &s->q->kick_sul, kick_fired, 0);
}

static const struct watch_ops sock_watch_ops = {
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

static int
watch_sock(struct dns_sock *s)
{
	int dupfd;

	dupfd = fcntl(s->fd, F_DUPFD_CLOEXEC, 0);
	if (dupfd < 0)
		return -errno;
	s->watch = watch_add(s->q->d->vh, dupfd, &sock_watch_ops, s);
	if (s->watch == NULL) {
		int e = errno;

		close(dupfd);
		return -e;
	}
	s->reading = true;	/* lws polls an adopted descriptor for input */
	return 0;
}

/* Make the watches match what c-ares wants. */
static void
sync_socks(struct dns_query *q)
{
	for (struct dns_sock *s = q->socks; s != NULL; s = s->next) {
		if (s->watch == NULL) {
			int rc;

			if (!s->want_read && !s->want_write)
				continue;
			if (s->lost || s->losses >= MAX_WATCH_LOSSES)
				continue;
			rc = watch_sock(s);
			if (rc < 0) {
				errno = -rc;
				log_warn("dns: cannot watch a socket");
				conclude(q, DNS_EFAIL,
					 "cannot watch a DNS socket");
				return;
			}
		}
		if (s->reading != s->want_read) {
			s->reading = s->want_read;
			watch_want_read(s->watch, s->reading);
		}
		if (s->want_write && !s->write_armed) {
			s->write_armed = true;
			watch_want_write(s->watch);
		}
	}
}

static void
ares_fired(lws_sorted_usec_list_t *sul)
{
	struct dns_query *q = lws_container_of(sul, struct dns_query, ares_sul);

	if (q->done)
		return;
	/* No descriptor: only c-ares' timeouts are processed. */
	ares_process_fd(q->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	after_ares(q);
}

/* After every call into c-ares: follow its sockets and its timer. */
static void
after_ares(struct dns_query *q)
{
	struct timeval tv;
	lws_usec_t us;

	if (q->done)
		return;
	sync_socks(q);
	if (q->done)
		return;
	if (ares_timeout(q->ch, NULL, &tv) == NULL) {
		lws_sul_cancel(&q->ares_sul);
		return;
	}
	/* A millisecond late, so that c-ares agrees the time has come. */
	us = (lws_usec_t)tv.tv_sec * LWS_US_PER_SEC + tv.tv_usec +
	     LWS_US_PER_MS;
	lws_sul_schedule(q->d->ctx, 0, &q->ares_sul, ares_fired, us);
}

static void
kick_fired(lws_sorted_usec_list_t *sul)
{
	struct dns_query *q = lws_container_of(sul, struct dns_query, kick_sul);
	struct dns_sock *s;

	/*
	 * Each pass clears one flag and c-ares cannot set any, so this ends;
	 * s is looked up afresh each time since c-ares may free sockets.
	 */
	while (!q->done) {
		for (s = q->socks; s != NULL && !s->lost; s = s->next)
			;
		if (s == NULL)
			break;
		s->lost = false;
		ares_process_fd(q->ch, s->fd, s->fd);
	}
	after_ares(q);
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

/* ---- queries ------------------------------------------------------ */

static void
add_addr(struct dns_result *res, int family, const void *addr)
{
	struct dns_addr *a;

	if (res->count >= DNS_MAX_ADDRS)
		return;
	a = &res->addrs[res->count];
	if (inet_ntop(family, addr, a->ip, sizeof(a->ip)) == NULL)
		return;
	for (size_t i = 0; i < res->count; i++)
		if (res->addrs[i].family == family &&
		    strcmp(res->addrs[i].ip, a->ip) == 0)
			return;
	a->family = family;
	res->count++;
}

static void
addrinfo_done(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct dns_query *q = arg;
	struct ares_addrinfo_node *n;

	/* Also reached with ARES_EDESTRUCTION from query_teardown(). */
	if (!q->done && status == ARES_SUCCESS) {
		for (n = ai != NULL ? ai->nodes : NULL; n != NULL;
		     n = n->ai_next) {
			const void *sa = n->ai_addr;

			if (n->ai_family == AF_INET)
				add_addr(&q->res, AF_INET,
					 &((const struct sockaddr_in *)sa)->sin_addr);
			else if (n->ai_family == AF_INET6)
				add_addr(&q->res, AF_INET6,
					 &((const struct sockaddr_in6 *)sa)->sin6_addr);
		}
		conclude(q, q->res.count > 0 ? DNS_OK : DNS_ENODATA, NULL);
	} else if (!q->done) {
		conclude(q, from_ares(status), NULL);
	}
	if (ai != NULL)
		ares_freeaddrinfo(ai);
}

/* Release the channel and the timers; the query itself stays. */
static void
query_teardown(struct dns_query *q)
{
	struct dns_sock *s;

	q->done = true;
	lws_sul_cancel(&q->deadline_sul);
	lws_sul_cancel(&q->ares_sul);
	lws_sul_cancel(&q->kick_sul);
	if (q->ch != NULL) {
		/* Calls addrinfo_done (ignored) and sock_close for each. */
		ares_destroy(q->ch);
		q->ch = NULL;
	}
	/* c-ares closes all it opened; this is only a safety net. */
	while ((s = q->socks) != NULL) {
		q->socks = s->next;
		unwatch(s);
		close(s->fd);
		free(s);
	}
}

static void
destroy(struct dns *d)
{
	struct dns_query *q;

	while ((q = d->queries) != NULL) {
		d->queries = q->next;
		query_teardown(q);
		free(q);
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
		query_teardown(q);
		if (!q->cancelled && !d->free_pending) {
			d->in_callback = true;
			q->cb(q->arg, q->status, &q->res);
			d->in_callback = false;
			called = true;
		}
		free(q);
	}
	if (called)
		lws_cancel_service(d->ctx);
	if (d->free_pending)
		destroy(d);
}

/* An IPv4 or IPv6 literal answers itself. */
static bool
literal(const char *host, struct dns_result *res)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, buf) == 1)
		add_addr(res, AF_INET, buf);
	else if (inet_pton(AF_INET6, host, buf) == 1)
		add_addr(res, AF_INET6, buf);
	return res->count > 0;
}

static int
new_channel(struct dns *d, struct dns_query *q)
{
	struct ares_options o = { 0 };
	uint64_t try_ms = q->timeout_ms / 4;
	int rc;

	if (try_ms < ARES_TRY_MIN_MS)
		try_ms = ARES_TRY_MIN_MS;
	if (try_ms > ARES_TRY_MAX_MS)
		try_ms = ARES_TRY_MAX_MS;
	o.timeout = (int)try_ms;
	o.tries = ARES_TRIES;
	o.sock_state_cb = sock_state_changed;
	o.sock_state_cb_data = q;
	rc = ares_init_options(&q->ch, &o, ARES_OPT_TIMEOUTMS |
			       ARES_OPT_TRIES | ARES_OPT_SOCK_STATE_CB);
	if (rc != ARES_SUCCESS) {
		q->ch = NULL;
		return rc;
	}
	if (d->servers != NULL) {
		rc = ares_set_servers_ports_csv(q->ch, d->servers);
		if (rc != ARES_SUCCESS) {
			ares_destroy(q->ch);
			q->ch = NULL;
			return rc;
		}
	}
	ares_set_socket_functions(q->ch, &sock_funcs, q);
	return ARES_SUCCESS;
}

struct dns_query *
dns_resolve(struct dns *d, const char *host, uint64_t timeout_ms, dns_cb cb,
	    void *arg)
{
	struct ares_addrinfo_hints hints = { 0 };
	struct dns_query *q, **pp;
	char why[sizeof(q->res.error)];
	int rc;

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
	/* In order, so that answers ready together come back in order. */
	for (pp = &d->queries; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = q;

	if (literal(host, &q->res)) {
		conclude(q, DNS_OK, NULL);
		return q;
	}
	rc = new_channel(d, q);
	if (rc != ARES_SUCCESS) {
		snprintf(why, sizeof(why), "cannot set up the resolver: %s",
			 ares_strerror(rc));
		conclude(q, rc == ARES_ENOMEM ? DNS_ENOMEM : DNS_ECONFIG, why);
		return q;
	}
	lws_sul_schedule(d->ctx, 0, &q->deadline_sul, deadline_fired,
			 (lws_usec_t)q->timeout_ms * LWS_US_PER_MS);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	/*
	 * May answer at once (a literal c-ares parsed, /etc/hosts): then
	 * addrinfo_done has run already and only marked the query done.
	 */
	ares_getaddrinfo(q->ch, host, NULL, &hints, addrinfo_done, q);
	after_ares(q);
	return q;
}

void
dns_cancel(struct dns_query *q)
{
	if (q == NULL || q->cancelled)
		return;
	/*
	 * From inside its own callback q is freed once the callback returns;
	 * the mark is harmless.  Otherwise finish_sul tears it down unheard.
	 */
	q->cancelled = true;
	if (!q->done)
		conclude(q, DNS_EFAIL, "cancelled");
}

/*
 * One "ip", "ip:port", "ipv6" or "[ipv6]:port".  c-ares 1.18's parser is
 * lax: it takes "" as "keep /etc/resolv.conf" and a port of 99999 as
 * 34463, so the list is checked here first.
 */
static bool
server_ok(const char *s, size_t len)
{
	const char *end = s + len, *ip = s, *ip_end = end, *port = NULL;
	const char *colon = memchr(s, ':', len);
	char text[INET6_ADDRSTRLEN];
	unsigned char addr[sizeof(struct in6_addr)];
	int family = AF_INET;
	unsigned long v = 0;

	if (len > 0 && s[0] == '[') {
		ip = s + 1;
		ip_end = memchr(ip, ']', (size_t)(end - ip));
		if (ip_end == NULL)
			return false;
		/* c-ares takes brackets only with a port. */
		if (ip_end + 1 >= end || ip_end[1] != ':')
			return false;
		family = AF_INET6;
		port = ip_end + 2;
	} else if (colon != NULL &&
		   memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL) {
		family = AF_INET6;	/* a bare IPv6 address: no port */
	} else if (colon != NULL) {
		ip_end = colon;
		port = colon + 1;
	}
	if (ip_end == ip || (size_t)(ip_end - ip) >= sizeof(text))
		return false;
	memcpy(text, ip, (size_t)(ip_end - ip));
	text[ip_end - ip] = '\0';
	if (inet_pton(family, text, addr) != 1)
		return false;
	if (port == NULL)
		return true;
	if (port == end || end - port > 5)
		return false;
	for (const char *c = port; c < end; c++) {
		if (*c < '0' || *c > '9')
			return false;
		v = v * 10 + (unsigned long)(*c - '0');
	}
	return v >= 1 && v <= 65535;
}

static int
check_servers(const char *list, char *err, size_t errlen)
{
	const char *p = list, *comma;
	size_t len;

	do {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (!server_ok(p, len)) {
			snprintf(err, errlen, "DNS servers \"%s\": bad entry "
				 "\"%.*s\" (want ip, ip:port, ipv6 or "
				 "[ipv6]:port)", list, (int)len, p);
			return -EINVAL;
		}
		p = comma + 1;
	} while (comma != NULL);
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
	if (dns_set_servers(d, servers, err, errlen) < 0) {
		destroy(d);
		return NULL;
	}
	return d;
}

int
dns_set_servers(struct dns *d, const char *servers, char *err, size_t errlen)
{
	ares_channel probe;
	char *copy = NULL;
	int rc;

	if (servers != NULL) {
		/* Check the list now, so a typo is an error here, not later. */
		if (check_servers(servers, err, errlen) < 0)
			return -1;
		copy = strdup(servers);
		rc = copy == NULL ? ARES_ENOMEM : ares_init(&probe);
		if (rc == ARES_SUCCESS) {
			rc = ares_set_servers_ports_csv(probe, servers);
			ares_destroy(probe);
		}
		if (rc != ARES_SUCCESS) {
			snprintf(err, errlen, "DNS servers \"%s\": %s", servers,
				 rc == ARES_ENODATA ? "empty list" : ares_strerror(rc));
			free(copy);
			return -1;
		}
	}
	/* Queries under way keep the servers they started with. */
	free(d->servers);
	d->servers = copy;
	return 0;
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
