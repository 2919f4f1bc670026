/*
 * hostport.c - see hostport.h.
 */
#include <arpa/inet.h>
#include <string.h>

#include "wspushd/hostport.h"

enum hostport_status
hostport_split(const char *s, size_t n, struct hostport *hp)
{
	const char *end = s + n, *colon;

	memset(hp, 0, sizeof(*hp));
	if (n > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', n);

		hp->bracketed = true;
		if (close == NULL)
			return HOSTPORT_NO_CLOSE;
		hp->host = s + 1;
		hp->host_len = (size_t)(close - hp->host);
		if (close + 1 == end)
			return HOSTPORT_OK;
		if (close[1] != ':')
			return HOSTPORT_AFTER_CLOSE;
		hp->port = close + 2;
		hp->port_len = (size_t)(end - hp->port);
		return HOSTPORT_OK;
	}
	colon = memchr(s, ':', n);
	if (colon != NULL &&
	    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL)
		return HOSTPORT_BARE_V6;
	hp->host = s;
	hp->host_len = colon != NULL ? (size_t)(colon - s) : n;
	if (colon != NULL) {
		hp->port = colon + 1;
		hp->port_len = (size_t)(end - hp->port);
	}
	return HOSTPORT_OK;
}

int
hostport_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		/* Past 65535 only the digits still matter. */
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
hostport_addr(const char *s, size_t n, int family, void *addr)
{
	char text[HOSTPORT_ADDR_MAX + 1];

	if (n == 0 || n > HOSTPORT_ADDR_MAX)
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	return inet_pton(family, text, addr) == 1 ? 0 : -1;
}

bool
hostport_is_ipv6(const char *s, size_t n)
{
	struct in6_addr a;

	return hostport_addr(s, n, AF_INET6, &a) == 0;
}
