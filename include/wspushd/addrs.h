/*
 * addrs.h - the numeric addresses the configuration gives: the name
 * servers to ask ([daemon] dns_servers) and where to serve the metrics
 * ([metrics] listen).  host[:port] is split by hostport.h.
 *
 * Pure: parsers return 0 and set *out, or -1 with what is wrong in err
 * (no prefix).
 */
#ifndef WSPUSHD_ADDRS_H
#define WSPUSHD_ADDRS_H

#include <stddef.h>
#include <stdint.h>

#define DEFAULT_DNS_PORT 53
#define DEFAULT_SENTINEL_PORT 26379

/*
 * "192.0.2.53, [2001:db8::53]:5353": name servers by address,
 * comma-separated, port 53 unless given, no address twice.  *out is a
 * new string normalised as "192.0.2.53:53,[2001:db8::53]:5353"
 * (inet_ntop spelling, port always given, IPv6 in brackets, no blanks),
 * so the resolver can split it without validating it again; NULL for an
 * empty value (use /etc/resolv.conf).
 */
int parse_dns_servers(const char *value, char **out, char *err,
		      size_t errlen);

/*
 * "sentinel-1:26379, 10.0.0.2, [2001:db8::2]:26380": Redis Sentinels,
 * by name or address, comma-separated, port 26379 unless given, none
 * twice.  *out is "sentinel-1:26379,10.0.0.2:26379,[2001:db8::2]:26380"
 * (host names in lower case, IPv6 in brackets, port always given, no
 * blanks); NULL for an empty value (no Sentinel).
 */
int parse_sentinels(const char *value, char **out, char *err, size_t errlen);

/* [metrics] listen as parsed. */
struct listen_addr {
	char host[46];		/* numeric loopback address, as inet_ntop
				 * spells it, no brackets; "" when off */
	uint16_t port;		/* 1..65535; 0 when off */
};

/*
 * "127.x.y.z:PORT" or "[::1]:PORT"; "" is off.  The counters are served
 * without authentication, so nothing beyond this host may reach them
 * directly: any other address is refused.
 */
int parse_listen(const char *value, struct listen_addr *out, char *err,
		 size_t errlen);

#endif
