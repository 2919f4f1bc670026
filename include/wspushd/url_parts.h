/*
 * url_parts.h - what ws://, redis:// and unix:// URLs are made of: a
 * scheme, a host[:port] (split by hostport.h, worded for URLs here) and
 * percent-encoded credentials.  For url.c and redis_url.c.
 *
 * Pure: a string in, parts or a one-line reason (no prefix) out.
 */
#ifndef WSPUSHD_URL_PARTS_H
#define WSPUSHD_URL_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Length of the scheme of "scheme://rest", or 0 if there is none.  The
 * scheme is compared case-insensitively, as RFC 3986 asks.
 */
size_t url_scheme_len(const char *text);
bool url_scheme_is(const char *text, size_t n, const char *want);

/*
 * The checks every URL starts with: a scheme, one of the two wanted (a
 * or b), and nothing that needs percent-encoding.  Returns the scheme's
 * length, or 0 with err set.
 */
size_t url_check_scheme(const char *text, const char *a, const char *b,
			char *err, size_t errlen);

/*
 * "host", "host:port", "[v6]" or "[v6]:port", exactly n bytes.  A host
 * without brackets is a DNS name or an IPv4 address.  The brackets are
 * dropped from IPv6 literals since every consumer (lws, hiredis,
 * getaddrinfo) wants the bare address.  Sets *host (allocated) and
 * *port (defport when none is given) only on success.
 */
int url_hostport(const char *s, size_t n, uint16_t defport, char **host,
		 uint16_t *port, char *err, size_t errlen);

/*
 * Percent-decode n bytes into a new string, or NULL for a bad escape or
 * a decoded NUL (AUTH takes C strings).
 */
char *url_pct_decode(const char *s, size_t n);

#endif
