/*
 * url_parts.c - see url_parts.h.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wspushd/hostport.h"
#include "wspushd/url_parts.h"
#include "wspushd/xalloc.h"

#define QUOTE_MAX 64

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

/* Control characters and spaces are never part of a URL we accept. */
static bool
has_bad_chars(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

size_t
url_scheme_len(const char *text)
{
	const char *sep = strstr(text, "://");
	size_t n;

	if (sep == NULL || sep == text)
		return 0;
	n = (size_t)(sep - text);
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(text[i]) && text[i] != '+' && text[i] != '-' &&
		    text[i] != '.')
			return 0;
	return n;
}

bool
url_scheme_is(const char *text, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(text, want, n) == 0;
}

size_t
url_check_scheme(const char *text, const char *a, const char *b, char *err,
	     size_t errlen)
{
	size_t n = url_scheme_len(text);

	if (n == 0) {
		snprintf(err, errlen, "missing scheme (expected %s:// or %s://)",
			 a, b);
		return 0;
	}
	if (!url_scheme_is(text, n, a) && !url_scheme_is(text, n, b)) {
		snprintf(err, errlen, "unsupported scheme '%.*s' "
			 "(expected %s:// or %s://)",
			 (int)(n > QUOTE_MAX ? QUOTE_MAX : n), text, a, b);
		return 0;
	}
	if (has_bad_chars(text)) {
		snprintf(err, errlen, "URL contains spaces or control "
			 "characters (percent-encode them)");
		return 0;
	}
	return n;
}

/* A DNS name or IPv4 address; percent-encoded names are not supported. */
static bool
valid_reg_name(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-' && s[i] != '.' &&
		    s[i] != '_')
			return false;
	return n > 0;
}

/* The port after "host:" or "[v6]:", n bytes of it. */
static int
parse_port(const char *s, size_t n, uint16_t *port, char *err, size_t errlen)
{
	if (n == 0) {
		snprintf(err, errlen, "empty port after ':'");
		return -1;
	}
	if (hostport_port(s, n, port) < 0) {
		snprintf(err, errlen, "invalid port '%.*s' (expected 1-65535)",
			 (int)(n > QUOTE_MAX ? QUOTE_MAX : n), s);
		return -1;
	}
	return 0;
}

/* The address between the brackets of "[v6]". */
static int
check_ipv6(const struct hostport *hp, char *err, size_t errlen)
{
	struct in6_addr a6;

	if (hp->host_len == 0 || hp->host_len > HOSTPORT_ADDR_MAX) {
		snprintf(err, errlen, "invalid IPv6 address");
		return -1;
	}
	if (hostport_addr(hp->host, hp->host_len, AF_INET6, &a6) < 0) {
		snprintf(err, errlen, "invalid IPv6 address '%.*s'",
			 (int)hp->host_len, hp->host);
		return -1;
	}
	return 0;
}

/* A host written without brackets: a DNS name or an IPv4 address. */
static int
check_reg_name(const struct hostport *hp, char *err, size_t errlen)
{
	if (hp->host_len == 0) {
		snprintf(err, errlen, "missing host");
		return -1;
	}
	if (!valid_reg_name(hp->host, hp->host_len)) {
		snprintf(err, errlen, "invalid host '%.*s'",
			 (int)(hp->host_len > QUOTE_MAX ? QUOTE_MAX :
			       hp->host_len), hp->host);
		return -1;
	}
	return 0;
}

int
url_hostport(const char *s, size_t n, uint16_t defport, char **host,
	       uint16_t *port, char *err, size_t errlen)
{
	enum hostport_status st;
	struct hostport hp;
	uint16_t p = defport;

	if (n == 0) {
		snprintf(err, errlen, "missing host");
		return -1;
	}
	st = hostport_split(s, n, &hp);
	if (st == HOSTPORT_NO_CLOSE) {
		snprintf(err, errlen, "unterminated IPv6 literal "
			 "(missing ']')");
		return -1;
	}
	if (st == HOSTPORT_BARE_V6) {
		snprintf(err, errlen, "IPv6 addresses must be written "
			 "in brackets, e.g. [::1]");
		return -1;
	}
	if (hp.bracketed ? check_ipv6(&hp, err, errlen) < 0 :
			   check_reg_name(&hp, err, errlen) < 0)
		return -1;
	if (st == HOSTPORT_AFTER_CLOSE) {
		snprintf(err, errlen, "unexpected text after "
			 "']' (expected ':port')");
		return -1;
	}
	if (hp.port != NULL &&
	    parse_port(hp.port, hp.port_len, &p, err, errlen) < 0)
		return -1;
	*host = xstrndup(hp.host, hp.host_len);
	*port = p;
	return 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *
url_pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	int hi, lo;

	for (size_t i = 0; i < n; i++) {
		if (s[i] != '%') {
			*o++ = s[i];
			continue;
		}
		hi = i + 2 < n ? hexval(s[i + 1]) : -1;
		lo = i + 2 < n ? hexval(s[i + 2]) : -1;
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
			/* What was decoded so far is part of a password. */
			explicit_bzero(out, n + 1);
			free(out);
			return NULL;
		}
		*o++ = (char)(hi << 4 | lo);
		i += 2;
	}
	*o = '\0';
	return out;
}
