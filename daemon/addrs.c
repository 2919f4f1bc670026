/*
 * addrs.c - see addrs.h.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/addrs.h"
#include "wspushd/config_values.h"
#include "wspushd/diag.h"
#include "wspushd/hostport.h"
#include "wspushd/strlist.h"
#include "wspushd/xalloc.h"

/*
 * One name server, "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]"
 * or "[2001:db8::53]:5353", written to out as inet_ntop spells the
 * address, with the port always given.  A bare IPv6 address is
 * refused: in "2001:db8::53:53" nobody can tell where a port begins.
 */
static int
parse_name_server(const char *s, size_t len, char *out, size_t outlen,
		  char *err, size_t errlen)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char canon[INET6_ADDRSTRLEN], q[DIAG_QUOTE_BUF], qp[DIAG_QUOTE_BUF];
	enum hostport_status st;
	struct hostport hp;
	uint16_t port = DEFAULT_DNS_PORT;
	int family;

	diag_quote_n(q, sizeof(q), s, len);
	st = hostport_split(s, len, &hp);
	family = hp.bracketed ? AF_INET6 : AF_INET;
	if (st == HOSTPORT_BARE_V6 && hostport_is_ipv6(s, len)) {
		snprintf(err, errlen, "IPv6 address %s must be in brackets: "
			 "'[%.*s]' or '[%.*s]:53'", q, (int)len, s, (int)len,
			 s);
		return -1;
	}
	if (st != HOSTPORT_OK ||
	    hostport_addr(hp.host, hp.host_len, family, addr) < 0)
		goto bad_address;
	if (hp.port != NULL &&
	    hostport_port(hp.port, hp.port_len, &port) < 0) {
		snprintf(err, errlen, "invalid port %s in %s (expected 1-65535)",
			 diag_quote_n(qp, sizeof(qp), hp.port, hp.port_len), q);
		return -1;
	}
	if (inet_ntop(family, addr, canon, sizeof(canon)) == NULL)
		goto bad_address;
	snprintf(out, outlen, hp.bracketed ? "[%s]:%u" : "%s:%u", canon,
		 (unsigned)port);
	return 0;

bad_address:
	snprintf(err, errlen, "invalid name server %s (expected an IP "
		 "address such as 192.0.2.53 or [2001:db8::53], optionally "
		 "with :PORT)", q);
	return -1;
}

/* The servers joined with commas, or NULL for none. */
static char *
join(const struct strlist *l)
{
	size_t total = 0;
	char *list;

	if (l->count == 0)
		return NULL;
	for (size_t i = 0; i < l->count; i++)
		total += strlen(l->items[i]) + 1;
	list = xmalloc(total);
	list[0] = '\0';
	for (size_t i = 0; i < l->count; i++) {
		if (i > 0)
			strcat(list, ",");
		strcat(list, l->items[i]);
	}
	return list;
}

/* One Sentinel, "host", "host:port", "[v6]" or "[v6]:port", into out. */
static int
parse_sentinel(const char *s, size_t len, char *out, size_t outlen,
	       char *err, size_t errlen)
{
	char q[DIAG_QUOTE_BUF], qp[DIAG_QUOTE_BUF];
	struct hostport hp;
	uint16_t port = DEFAULT_SENTINEL_PORT;
	size_t n;

	diag_quote_n(q, sizeof(q), s, len);
	if (hostport_split(s, len, &hp) != HOSTPORT_OK || hp.host_len == 0 ||
	    hp.host_len > 253 || memchr(hp.host, ' ', hp.host_len) != NULL) {
		snprintf(err, errlen, "invalid sentinel %s (expected HOST, "
			 "HOST:PORT or [IPv6]:PORT)", q);
		return -1;
	}
	if (hp.port != NULL && hostport_port(hp.port, hp.port_len, &port) < 0) {
		snprintf(err, errlen, "invalid port %s in %s (expected 1-65535)",
			 diag_quote_n(qp, sizeof(qp), hp.port, hp.port_len), q);
		return -1;
	}
	n = (size_t)snprintf(out, outlen, hp.bracketed ? "[%.*s]:%u" : "%.*s:%u",
			     (int)hp.host_len, hp.host, (unsigned)port);
	for (size_t i = 0; i < n && i < outlen; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return 0;
}

/* How each list differs: the item's parser, and the words for errors. */
struct list_kind {
	int (*one)(const char *s, size_t len, char *out, size_t outlen,
		   char *err, size_t errlen);
	const char *items;		/* "addresses", "sentinels" */
	const char *item;		/* "name server", "sentinel" */
};

/* A comma-separated list, each item normalised, none twice, joined. */
static int
parse_list(const char *value, const struct list_kind *k, char **out,
	   char *err, size_t errlen)
{
	struct strlist list = { 0 };
	char one[300], q[DIAG_QUOTE_BUF];
	struct list_iter it;
	const char *item;
	size_t len;

	list_iter_init(&it, value);
	while (list_iter_next(&it, &item, &len)) {
		if (len == 0) {
			snprintf(err, errlen, "empty item in %s (expected %s "
				 "separated by commas)",
				 diag_quote(q, sizeof(q), value), k->items);
			goto bad;
		}
		if (k->one(item, len, one, sizeof(one), err, errlen) < 0)
			goto bad;
		if (strlist_has(&list, one)) {
			snprintf(err, errlen, "%s %s is listed more than once",
				 k->item, diag_quote(q, sizeof(q), one));
			goto bad;
		}
		strlist_add(&list, one);
	}
	*out = join(&list);
	strlist_free(&list);
	return 0;

bad:
	strlist_free(&list);
	return -1;
}

int
parse_sentinels(const char *value, char **out, char *err, size_t errlen)
{
	static const struct list_kind k = { parse_sentinel, "sentinels",
					    "sentinel" };

	return parse_list(value, &k, out, err, errlen);
}

int
parse_dns_servers(const char *value, char **out, char *err, size_t errlen)
{
	static const struct list_kind k = { parse_name_server, "addresses",
					    "name server" };

	return parse_list(value, &k, out, err, errlen);
}

static bool
is_loopback(const struct hostport *hp, void *addr)
{
	if (hp->bracketed)
		return hostport_addr(hp->host, hp->host_len, AF_INET6,
				     addr) == 0 &&
		       IN6_IS_ADDR_LOOPBACK((struct in6_addr *)addr);
	return hostport_addr(hp->host, hp->host_len, AF_INET, addr) == 0 &&
	       ntohl(((struct in_addr *)addr)->s_addr) >> 24 == 127;
}

int
parse_listen(const char *value, struct listen_addr *out, char *err,
	     size_t errlen)
{
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	char canon[INET6_ADDRSTRLEN], q[DIAG_QUOTE_BUF], qp[DIAG_QUOTE_BUF];
	size_t len = strlen(value);
	enum hostport_status st;
	struct hostport hp;
	uint16_t port;

	if (*value == '\0') {
		memset(out, 0, sizeof(*out));
		return 0;
	}
	if (has_control(value)) {
		snprintf(err, errlen, "address contains control characters");
		return -1;
	}
	diag_quote(q, sizeof(q), value);
	st = hostport_split(value, len, &hp);
	if (st == HOSTPORT_BARE_V6 && hostport_is_ipv6(value, len)) {
		snprintf(err, errlen, "%s: an IPv6 address goes in brackets, "
			 "as in [::1]:9477", q);
		return -1;
	}
	if (st != HOSTPORT_OK || !is_loopback(&hp, &addr))
		goto not_loopback;
	if (hp.port == NULL) {
		snprintf(err, errlen, "%s has no port (expected e.g. "
			 "127.0.0.1:9477)", q);
		return -1;
	}
	if (hostport_port(hp.port, hp.port_len, &port) < 0) {
		snprintf(err, errlen, "invalid port %s in %s (expected "
			 "1-65535)", diag_quote(qp, sizeof(qp), hp.port), q);
		return -1;
	}
	if (inet_ntop(hp.bracketed ? AF_INET6 : AF_INET, &addr, canon,
		      sizeof(canon)) == NULL)
		goto not_loopback;
	memset(out, 0, sizeof(*out));
	snprintf(out->host, sizeof(out->host), "%s", canon);
	out->port = port;
	return 0;

not_loopback:
	snprintf(err, errlen, "%s: metrics are served on loopback only "
		 "(expected 127.x.y.z:PORT or [::1]:PORT)", q);
	return -1;
}
