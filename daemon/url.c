/*
 * url.c - ws://, wss://, redis:// and unix:// addresses.
 *
 * Only the shapes wspushd can actually use are accepted; anything else
 * is an error that names the part that is wrong.  Error messages never
 * repeat a password: they quote the host, port or database only.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "wspushd/units.h"
#include "wspushd/url.h"

#define REDIS_DEFAULT_PORT 6379
/* Redis allows "databases" up to INT_MAX; nobody sane goes near that. */
#define REDIS_MAX_DB 1000000
#define QUOTE_MAX 64

struct hostport {
	char *host;
	uint16_t port;
};

static void
oom(void)
{
	fputs("wspushd: out of memory\n", stderr);
	abort();
}

static char *
xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (p == NULL)
		oom();
	return p;
}

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

/*
 * Split "scheme://rest".  The scheme is compared case-insensitively, as
 * RFC 3986 asks.  Returns the scheme length, or 0 if there is none.
 */
static size_t
scheme_len(const char *text)
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

static bool
scheme_is(const char *text, size_t n, const char *want)
{
	return strlen(want) == n && strncasecmp(text, want, n) == 0;
}

/*
 * The checks both kinds of URL start with: a scheme, one of the two
 * wanted, and nothing that needs percent-encoding.  Returns the scheme's
 * length, or 0 with err set.
 */
static size_t
check_scheme(const char *text, const char *a, const char *b, char *err,
	     size_t errlen)
{
	size_t n = scheme_len(text);

	if (n == 0) {
		snprintf(err, errlen, "missing scheme (expected %s:// or %s://)",
			 a, b);
		return 0;
	}
	if (!scheme_is(text, n, a) && !scheme_is(text, n, b)) {
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

static int
parse_port(const char *s, size_t n, uint16_t *port, char *err, size_t errlen)
{
	char buf[QUOTE_MAX + 1];
	uint64_t v;

	if (n == 0) {
		snprintf(err, errlen, "empty port after ':'");
		return -1;
	}
	if (n > QUOTE_MAX)
		n = QUOTE_MAX;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (parse_uint(buf, 1, 65535, &v, NULL, 0) < 0) {
		snprintf(err, errlen, "invalid port '%s' (expected 1-65535)",
			 buf);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/*
 * "host", "host:port", "[v6]" or "[v6]:port", exactly n bytes.  The
 * brackets are dropped from IPv6 literals since every consumer (lws,
 * hiredis, getaddrinfo) wants the bare address.
 */
static int
parse_hostport(const char *s, size_t n, uint16_t defport,
	       struct hostport *hp, char *err, size_t errlen)
{
	const char *host, *colon = NULL;
	size_t hostlen;

	hp->host = NULL;
	hp->port = defport;
	if (n == 0) {
		snprintf(err, errlen, "missing host");
		return -1;
	}
	if (s[0] == '[') {
		const char *close = memchr(s, ']', n);
		char addr[INET6_ADDRSTRLEN + 1];
		struct in6_addr a6;

		if (close == NULL) {
			snprintf(err, errlen, "unterminated IPv6 literal "
				 "(missing ']')");
			return -1;
		}
		host = s + 1;
		hostlen = (size_t)(close - host);
		if (hostlen == 0 || hostlen >= sizeof(addr)) {
			snprintf(err, errlen, "invalid IPv6 address");
			return -1;
		}
		memcpy(addr, host, hostlen);
		addr[hostlen] = '\0';
		if (inet_pton(AF_INET6, addr, &a6) != 1) {
			snprintf(err, errlen, "invalid IPv6 address '%s'",
				 addr);
			return -1;
		}
		if (close + 1 < s + n) {
			if (close[1] != ':') {
				snprintf(err, errlen, "unexpected text after "
					 "']' (expected ':port')");
				return -1;
			}
			colon = close + 1;
		}
	} else {
		host = s;
		colon = memchr(s, ':', n);
		if (colon != NULL && memchr(colon + 1, ':',
					    (size_t)(s + n - colon - 1))) {
			snprintf(err, errlen, "IPv6 addresses must be written "
				 "in brackets, e.g. [::1]");
			return -1;
		}
		hostlen = colon != NULL ? (size_t)(colon - s) : n;
		if (hostlen == 0) {
			snprintf(err, errlen, "missing host");
			return -1;
		}
		if (!valid_reg_name(host, hostlen)) {
			snprintf(err, errlen, "invalid host '%.*s'",
				 (int)(hostlen > QUOTE_MAX ? QUOTE_MAX : hostlen),
				 host);
			return -1;
		}
	}
	if (colon != NULL &&
	    parse_port(colon + 1, (size_t)(s + n - colon - 1), &hp->port,
		       err, errlen) < 0)
		return -1;
	hp->host = xstrndup(host, hostlen);
	return 0;
}

int
ws_url_parse(const char *text, struct ws_url *out, char *err, size_t errlen)
{
	const char *auth, *rest;
	struct hostport hp;
	size_t n, authlen;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty URL (expected ws://host/path "
			 "or wss://host/path)");
		return -1;
	}
	if ((n = check_scheme(text, "ws", "wss", err, errlen)) == 0)
		return -1;
	/* RFC 6455 3: fragment identifiers MUST NOT be used. */
	if (strchr(text, '#') != NULL) {
		snprintf(err, errlen, "fragments ('#...') are not allowed in "
			 "WebSocket URLs");
		return -1;
	}
	auth = text + n + 3;
	authlen = strcspn(auth, "/?");
	rest = auth + authlen;
	if (memchr(auth, '@', authlen) != NULL) {
		snprintf(err, errlen, "credentials in WebSocket URLs are not "
			 "supported (send them with a header, e.g. "
			 "'Authorization: Bearer ...')");
		return -1;
	}
	if (parse_hostport(auth, authlen, n == 3 ? 443 : 80, &hp,
			   err, errlen) < 0)
		return -1;

	out->tls = n == 3;
	out->host = hp.host;
	out->port = hp.port;
	if (*rest == '\0') {
		out->path = xstrndup("/", 1);
	} else if (*rest == '?') {
		if (asprintf(&out->path, "/%s", rest) < 0)
			oom();
	} else {
		out->path = xstrndup(rest, strlen(rest));
	}
	return 0;
}

void
ws_url_free(struct ws_url *u)
{
	if (u == NULL)
		return;
	free(u->host);
	free(u->path);
	memset(u, 0, sizeof(*u));
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

/* Percent-decode n bytes; a decoded NUL is refused (AUTH takes C strings). */
static char *
pct_decode(const char *s, size_t n)
{
	char *out = malloc(n + 1), *o = out;
	int hi, lo;

	if (out == NULL)
		oom();
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

/*
 * "user:password", ":password" or "user:" is not accepted: AUTH needs a
 * password, and a bare "secret@" is far more often a password written
 * without its colon than an ACL user with no password.
 */
static int
parse_userinfo(const char *s, size_t n, struct redis_url *out,
	       char *err, size_t errlen)
{
	const char *colon = memchr(s, ':', n);
	size_t ulen, plen;

	if (colon == NULL) {
		snprintf(err, errlen, "credentials without ':' (write "
			 "redis://:PASSWORD@host or redis://USER:PASSWORD@host)");
		return -1;
	}
	ulen = (size_t)(colon - s);
	plen = n - ulen - 1;
	if (plen == 0) {
		snprintf(err, errlen, "empty password in URL");
		return -1;
	}
	out->password = pct_decode(colon + 1, plen);
	if (out->password == NULL) {
		snprintf(err, errlen, "invalid percent-encoding in password");
		return -1;
	}
	if (ulen > 0) {
		out->user = pct_decode(s, ulen);
		if (out->user == NULL) {
			snprintf(err, errlen, "invalid percent-encoding in "
				 "user name");
			return -1;
		}
	}
	return 0;
}

static int
parse_db(const char *s, int *db, char *err, size_t errlen)
{
	uint64_t v;
	char q[QUOTE_MAX + 1];

	if (parse_uint(s, 0, REDIS_MAX_DB, &v, NULL, 0) < 0) {
		snprintf(q, sizeof(q), "%s", s);
		snprintf(err, errlen, "invalid database '%s' (expected "
			 "0..%d)", q, REDIS_MAX_DB);
		return -1;
	}
	*db = (int)v;
	return 0;
}

/* redis://[[user]:password@]host[:port][/db], after the "redis://". */
static int
parse_redis_tcp(const char *s, struct redis_url *out, char *err, size_t errlen)
{
	const char *at, *host, *slash;
	struct hostport hp;
	size_t hostlen;

	/*
	 * The last '@' ends the credentials: nothing after the host may
	 * contain one, while an unencoded password may.
	 */
	at = strrchr(s, '@');
	if (at != NULL && parse_userinfo(s, (size_t)(at - s), out,
					 err, errlen) < 0)
		return -1;
	host = at != NULL ? at + 1 : s;
	if (strpbrk(host, "?#") != NULL) {
		snprintf(err, errlen, "query and fragment are not supported "
			 "in redis:// URLs (put the database in the path: "
			 "redis://host:6379/2)");
		return -1;
	}
	slash = strchr(host, '/');
	hostlen = slash != NULL ? (size_t)(slash - host) : strlen(host);
	if (parse_hostport(host, hostlen, REDIS_DEFAULT_PORT, &hp,
			   err, errlen) < 0)
		return -1;
	out->transport = REDIS_TCP;
	out->host = hp.host;
	out->port = hp.port;
	if (slash != NULL && slash[1] != '\0' &&
	    parse_db(slash + 1, &out->db, err, errlen) < 0)
		return -1;
	return 0;
}

/* unix://[[user]:password@]/path/to/sock[?db=N], after the "unix://". */
static int
parse_redis_unix(const char *s, struct redis_url *out, char *err,
		 size_t errlen)
{
	const size_t maxpath = sizeof(((struct sockaddr_un *)0)->sun_path);
	const char *slash = strchr(s, '/'), *query;
	size_t pathlen;

	if (slash == NULL) {
		snprintf(err, errlen, "socket path must be absolute "
			 "(unix:///path/to/redis.sock)");
		return -1;
	}
	if (slash != s) {
		const char *at = memchr(s, '@', (size_t)(slash - s));

		if (at == NULL || at + 1 != slash) {
			snprintf(err, errlen, "unix:// URLs take no host "
				 "(unix:///path/to/redis.sock)");
			return -1;
		}
		if (parse_userinfo(s, (size_t)(at - s), out, err, errlen) < 0)
			return -1;
	}
	if (strchr(slash, '#') != NULL) {
		snprintf(err, errlen, "fragments are not supported in "
			 "unix:// URLs");
		return -1;
	}
	query = strchr(slash, '?');
	pathlen = query != NULL ? (size_t)(query - slash) : strlen(slash);
	if (pathlen >= maxpath) {
		snprintf(err, errlen, "socket path is too long (%zu bytes, "
			 "at most %zu)", pathlen, maxpath - 1);
		return -1;
	}
	if (pathlen < 2) {
		snprintf(err, errlen, "empty socket path "
			 "(unix:///path/to/redis.sock)");
		return -1;
	}
	out->transport = REDIS_UNIX;
	out->socket_path = xstrndup(slash, pathlen);
	if (query == NULL)
		return 0;
	if (strncmp(query + 1, "db=", 3) != 0) {
		snprintf(err, errlen, "unsupported query in unix:// URL "
			 "(only ?db=N is understood)");
		return -1;
	}
	return parse_db(query + 4, &out->db, err, errlen);
}

int
redis_url_parse(const char *text, struct redis_url *out, char *err,
		size_t errlen)
{
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty URL (expected redis://host:port "
			 "or unix:///path/to/redis.sock)");
		return -1;
	}
	n = scheme_len(text);
	if (n > 0 && scheme_is(text, n, "rediss")) {
		snprintf(err, errlen, "TLS to Redis is not supported by "
			 "hiredis 0.14");
		return -1;
	}
	if ((n = check_scheme(text, "redis", "unix", err, errlen)) == 0)
		return -1;
	if (scheme_is(text, n, "redis"))
		rc = parse_redis_tcp(text + n + 3, out, err, errlen);
	else
		rc = parse_redis_unix(text + n + 3, out, err, errlen);
	if (rc < 0)
		redis_url_free(out);
	return rc;
}

void
redis_url_free(struct redis_url *u)
{
	if (u == NULL)
		return;
	free(u->host);
	free(u->socket_path);
	free(u->user);
	if (u->password != NULL) {
		explicit_bzero(u->password, strlen(u->password));
		free(u->password);
	}
	memset(u, 0, sizeof(*u));
}

/* Append n bytes to out, always leaving it NUL-terminated. */
static void
put(char *out, size_t outlen, size_t *pos, const char *s, size_t n)
{
	if (*pos + 1 >= outlen)
		return;
	if (n > outlen - 1 - *pos)
		n = outlen - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

void
url_redact(const char *text, char *out, size_t outlen)
{
	const char *auth, *at, *colon;
	size_t n, pos = 0, authlen;

	if (out == NULL || outlen == 0)
		return;
	out[0] = '\0';
	if (text == NULL)
		return;
	n = scheme_len(text);
	auth = n > 0 ? text + n + 3 : text;
	/*
	 * Find the credentials the same way the parsers do, so whatever
	 * they would take as a password is what gets hidden: the last '@'
	 * anywhere in a redis:// URL; in a unix:// URL the '@' just before
	 * the first '/' (user and password may hold '?' and '#' there);
	 * the last '@' before the path otherwise.
	 */
	if (n > 0 && (scheme_is(text, n, "redis") ||
		      scheme_is(text, n, "rediss"))) {
		at = strrchr(auth, '@');
	} else if (n > 0 && scheme_is(text, n, "unix")) {
		const char *slash = strchr(auth, '/');

		at = slash != NULL && slash > auth && slash[-1] == '@' ?
		     slash - 1 : NULL;
	} else {
		authlen = strcspn(auth, "/?#");
		at = memrchr(auth, '@', authlen);
	}
	if (at == NULL) {
		put(out, outlen, &pos, text, strlen(text));
		return;
	}
	colon = memchr(auth, ':', (size_t)(at - auth));
	if (colon == NULL) {
		/* "secret@host": a lone word is most likely a password. */
		put(out, outlen, &pos, text, (size_t)(auth - text));
		put(out, outlen, &pos, "***", 3);
	} else {
		put(out, outlen, &pos, text, (size_t)(colon + 1 - text));
		if (colon + 1 < at)
			put(out, outlen, &pos, "***", 3);
	}
	put(out, outlen, &pos, at, strlen(at));
}
