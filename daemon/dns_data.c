/*
 * dns_data.c - see dns_data.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "wspushd/dns_data.h"
#include "wspushd/hostport.h"

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

int
dns_status_from_ares(int status)
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

static size_t
add_addr(struct dns_result *res, int family, const void *addr)
{
	struct dns_addr *a;

	if (res->count >= DNS_MAX_ADDRS)
		return 0;
	a = &res->addrs[res->count];
	if (inet_ntop(family, addr, a->ip, sizeof(a->ip)) == NULL)
		return 0;
	for (size_t i = 0; i < res->count; i++)
		if (res->addrs[i].family == family &&
		    strcmp(res->addrs[i].ip, a->ip) == 0)
			return 0;
	a->family = family;
	res->count++;
	return 1;
}

size_t
dns_result_from_ares(struct dns_result *res, const struct ares_addrinfo *ai)
{
	const struct ares_addrinfo_node *n;
	size_t added = 0;

	for (n = ai != NULL ? ai->nodes : NULL; n != NULL; n = n->ai_next) {
		const void *sa = n->ai_addr;

		if (n->ai_family == AF_INET)
			added += add_addr(res, AF_INET,
					  &((const struct sockaddr_in *)sa)->sin_addr);
		else if (n->ai_family == AF_INET6)
			added += add_addr(res, AF_INET6,
					  &((const struct sockaddr_in6 *)sa)->sin6_addr);
	}
	return added;
}

bool
dns_literal(const char *host, struct dns_result *res)
{
	unsigned char buf[sizeof(struct in6_addr)];

	if (inet_pton(AF_INET, host, buf) == 1)
		add_addr(res, AF_INET, buf);
	else if (inet_pton(AF_INET6, host, buf) == 1)
		add_addr(res, AF_INET6, buf);
	return res->count > 0;
}

/* One "ip:port" or "[ipv6]:port". */
static int
server_node(const char *s, size_t len, struct ares_addr_port_node *n)
{
	struct hostport hp;
	uint16_t port;

	if (hostport_split(s, len, &hp) != HOSTPORT_OK || hp.port == NULL ||
	    hostport_port(hp.port, hp.port_len, &port) < 0)
		return -1;
	n->family = hp.bracketed ? AF_INET6 : AF_INET;
	n->udp_port = n->tcp_port = port;
	return hostport_addr(hp.host, hp.host_len, n->family, &n->addr);
}

int
dns_servers_to_ares(const char *list, struct ares_addr_port_node **out,
		    char *err, size_t errlen)
{
	struct ares_addr_port_node *nodes;
	const char *p = list, *comma;
	size_t n = 1, len;

	for (const char *c = list; *c != '\0'; c++)
		n += *c == ',';
	nodes = calloc(n, sizeof(*nodes));
	if (nodes == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (server_node(p, len, &nodes[i]) < 0) {
			snprintf(err, errlen, "DNS servers \"%s\": bad entry "
				 "\"%.*s\" (want ip:port or [ipv6]:port)",
				 list, (int)len, p);
			free(nodes);
			return -1;
		}
		if (comma != NULL)
			p = comma + 1;
		nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
	}
	*out = nodes;
	return 0;
}
