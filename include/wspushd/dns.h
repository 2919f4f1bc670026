/*
 * dns.h - resolve host names on the libwebsockets loop without blocking
 * it, with a deadline of our own per query.
 *
 * getaddrinfo() blocks, and neither lws 4.1.6 as packaged nor hiredis
 * 0.14 has anything else, so names are resolved here with c-ares and
 * the numeric result is handed to them instead.
 *
 * Rules for callers:
 *  - Every callback runs on the loop, from a timer of this module, never
 *    from inside dns_resolve() or dns_cancel(): a caller may start,
 *    cancel or free anything from inside it.  After the callback this
 *    module calls lws_cancel_service(), so a flag the callback sets is
 *    seen by the caller's loop without waiting for the next event.
 *  - A query's callback runs exactly once, unless dns_cancel() comes
 *    first; then it never runs.
 *  - A query handle is valid until its callback returns or until
 *    dns_cancel(); forget it then.  dns_cancel() on a query from inside
 *    that query's own callback is allowed and does nothing.
 *  - dns_free() cancels every query still running (their callbacks do
 *    not run).  It may be called from inside a callback.  Call it before
 *    lws_context_destroy(): the sockets of running queries are watches
 *    on the loop.
 */
#ifndef WSPUSHD_DNS_H
#define WSPUSHD_DNS_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "wspushd/dns_data.h"	/* struct dns_result, DNS_OK, ... */

struct dns;
struct dns_query;

/* What dns_resolve() uses when given a timeout of 0, and its ceiling. */
#define DNS_DEFAULT_TIMEOUT_MS	5000
#define DNS_MAX_TIMEOUT_MS	(24 * 3600 * 1000)

/*
 * status is DNS_OK with res->count >= 1, or negative with res->count 0.
 * res is never NULL and is valid only during the call.
 */
typedef void (*dns_cb)(void *arg, int status, const struct dns_result *res);

/*
 * servers: NULL to use /etc/resolv.conf (looked at before every query,
 * so a change there is picked up), or the list as the configuration
 * normalises [daemon] dns_servers (addrs.h): "ip:port" or
 * "[ipv6]:port", comma-separated, every port given, to ask only those,
 * in that order.  The vhost must carry the WATCH_PROTOCOL_NAME protocol
 * (watch.h).  On failure (a list not in that form, say) returns NULL
 * and writes the reason into err.
 */
struct dns *dns_new(struct lws_context *ctx, struct lws_vhost *vh,
		    const char *servers, char *err, size_t errlen);
void dns_free(struct dns *d);

/*
 * Change the servers later queries ask (SIGHUP); same form as dns_new().
 * A query still under way when the next one starts is asked again of
 * the new servers, within its own deadline.
 * 0, or -1 with the reason in err and nothing changed.
 */
int dns_set_servers(struct dns *d, const char *servers, char *err, size_t errlen);

/*
 * Resolve host (a name, or an IPv4 or IPv6 literal without brackets) to
 * its A and AAAA addresses, within timeout_ms (0: the default).  A
 * literal is answered without any network I/O, on the next loop turn
 * like every other answer.  Returns NULL with errno set (EINVAL, ENOMEM)
 * if the query could not even be started; cb is then never called.
 */
struct dns_query *dns_resolve(struct dns *d, const char *host,
			      uint64_t timeout_ms, dns_cb cb, void *arg);
void dns_cancel(struct dns_query *q);

#endif
