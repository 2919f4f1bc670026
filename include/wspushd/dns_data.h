/*
 * dns_data.h - what a lookup answers (dns.h), and c-ares' data in
 * those terms and back: status codes, answers, IP literals, the server
 * list.  Pure: no I/O, no loop.
 */
#ifndef WSPUSHD_DNS_DATA_H
#define WSPUSHD_DNS_DATA_H

#include <stdbool.h>
#include <stddef.h>

struct ares_addrinfo;
struct ares_addr_port_node;

/* Addresses kept per answer; more are dropped. */
#define DNS_MAX_ADDRS		8

/* Query status: 0, or one of these. */
enum {
	DNS_OK = 0,
	DNS_ENOTFOUND = -1,	/* the name does not exist (NXDOMAIN) */
	DNS_ENODATA = -2,	/* the name exists, without A or AAAA records */
	DNS_ETIMEOUT = -3,	/* our deadline passed first */
	DNS_ENOANSWER = -4,	/* c-ares gave up: no server answered */
	DNS_ESERVFAIL = -5,	/* a server said it could not resolve it */
	DNS_EREFUSED = -6,	/* servers answered "refused", or are
				   unreachable (ICMP port unreachable) */
	DNS_EBADNAME = -7,	/* not a valid host name */
	DNS_ECONFIG = -8,	/* resolver configuration unusable */
	DNS_ENOMEM = -9,
	DNS_EFAIL = -10,	/* anything else (bad answer, system error) */
};

struct dns_addr {
	int family;		/* AF_INET or AF_INET6 */
	char ip[46];		/* numeric: "127.0.0.1", "::1" */
};

/*
 * The numeric strings are what lws_client_connect_via_info()'s address
 * and redisAsyncConnect() take.
 */
struct dns_result {
	size_t count;		/* addrs[0 .. count-1], preferred first */
	struct dns_addr addrs[DNS_MAX_ADDRS];
	char error[96];		/* status < 0: a sentence for the log,
				   e.g. "DNS timeout after 5000ms" */
};

/* Short text for a status: "name not found", "DNS timeout", ... */
const char *dns_strerror(int status);

/* A c-ares status as a dns.h status. */
int dns_status_from_ares(int status);

/*
 * The addresses of ai (or of an IP literal) added to res, as numeric
 * text, without duplicates, at most DNS_MAX_ADDRS; the number added.
 */
size_t dns_result_from_ares(struct dns_result *res,
			    const struct ares_addrinfo *ai);
/* Whether host is an IPv4 or IPv6 literal; if so it is res' answer. */
bool dns_literal(const char *host, struct dns_result *res);

/*
 * The configuration's normalised [daemon] dns_servers ("ip:port" and
 * "[ipv6]:port", comma-separated, every port given) as c-ares' list:
 * *out, one allocation, for ares_set_servers_ports().  0, or -1 with
 * the entry that is not in that form named in err.
 */
int dns_servers_to_ares(const char *list, struct ares_addr_port_node **out,
			char *err, size_t errlen);

#endif
