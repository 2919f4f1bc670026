/*
 * hostport.h - "host", "host:port", "[v6]" and "[v6]:port".
 *
 * Every place that takes a host with an optional port (ws:// and
 * redis:// URLs, [daemon] dns_servers, [metrics] listen) splits it
 * here, so the rules are the same everywhere:
 *   - an IPv6 literal is written in brackets, and the brackets are not
 *     part of the host;
 *   - more than one ':' outside brackets is a bare IPv6 address, which
 *     is refused: in "2001:db8::53:53" nobody can tell where a port
 *     begins;
 *   - a port is digits only, 1..65535 (leading zeros allowed).
 * What a host may be (a name, an IPv4 address, loopback only, ...) is
 * the caller's to decide, and so are the words of every message: these
 * functions only say what they found.  Pure: nothing is allocated and
 * nothing is resolved.
 */
#ifndef WSPUSHD_HOSTPORT_H
#define WSPUSHD_HOSTPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text tried as a numeric address: INET6_ADDRSTRLEN. */
#define HOSTPORT_ADDR_MAX 46

enum hostport_status {
	HOSTPORT_OK,
	HOSTPORT_NO_CLOSE,	/* '[' without ']' */
	HOSTPORT_AFTER_CLOSE,	/* ']' followed by something other than ':' */
	HOSTPORT_BARE_V6,	/* more than one ':' outside brackets */
};

/* The parts of one host[:port], pointing into the text split. */
struct hostport {
	const char *host;	/* without brackets; may be empty */
	size_t host_len;
	bool bracketed;		/* written "[...]" */
	const char *port;	/* after the ':', NULL when there is no ':' */
	size_t port_len;	/* may be 0: "host:" */
};

/*
 * Split the n bytes at s.  Fills hp as far as it got: with
 * HOSTPORT_AFTER_CLOSE the bracketed host is there, so a caller may
 * judge the address before the text after it.
 */
enum hostport_status hostport_split(const char *s, size_t n,
				    struct hostport *hp);

/* The n bytes at s as a port: digits only, 1..65535.  0 or -1. */
int hostport_port(const char *s, size_t n, uint16_t *port);

/*
 * The n bytes at s as a numeric address of family (AF_INET or
 * AF_INET6), into addr (a struct in_addr or struct in6_addr).  0, or
 * -1 for an empty text, one over HOSTPORT_ADDR_MAX bytes, or no address.
 */
int hostport_addr(const char *s, size_t n, int family, void *addr);

/* Whether the n bytes at s are an IPv6 address, as in "::1". */
bool hostport_is_ipv6(const char *s, size_t n);

#endif
