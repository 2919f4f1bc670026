/*
 * config_values.c - one setter per kind of value (durations, sizes, URLs,
 * headers, close codes, name servers, ...), each checking its value and
 * saying what is wrong with it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "wspushd/config.h"
#include "wspushd/units.h"

#include "config_internal.h"

struct enum_name {
	const char *name;
	int value;
};

static const struct enum_name message_types[] = {
	{ "auto", MESSAGE_AUTO },
	{ "text", MESSAGE_TEXT },
	{ "binary", MESSAGE_BINARY },
	{ NULL, 0 },
};

static const struct enum_name overflows[] = {
	{ "drop-oldest", OVERFLOW_DROP_OLDEST },
	{ "drop-newest", OVERFLOW_DROP_NEWEST },
	{ NULL, 0 },
};

static const struct enum_name livenesses[] = {
	{ "pong", LIVENESS_PONG },
	{ "any", LIVENESS_ANY },
	{ NULL, 0 },
};

static const struct enum_name booleans[] = {
	{ "yes", 1 },
	{ "no", 0 },
	{ NULL, 0 },
};

static const struct enum_name log_levels[] = {
	{ "error", LOG_ERR },
	{ "warn", LOG_WARNING },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
	{ NULL, 0 },
};

/*
 * Headers libwebsockets writes itself during the upgrade; a second copy
 * would make the handshake invalid or ambiguous.
 */
static const char *const reserved_headers[] = {
	"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
	"Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
	"Sec-WebSocket-Accept", "Content-Length", "Transfer-Encoding",
	NULL,
};

/* ---- values -------------------------------------------------------- */

static int
set_number(struct loader *ld, struct config *cfg, const struct key_def *k,
	   const char *where, const char *value)
{
	char err[ERRLEN], lo[32], hi[32], q[QUOTE_MAX + 8];
	uint64_t v;
	size_t sz;
	int rc;

	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
		rc = parse_duration_ms(value, &v, err, sizeof(err));
		break;
	case KIND_SIZE:
		rc = parse_size(value, &sz, err, sizeof(err));
		v = sz;
		break;
	default:
		/* Says "out of range (expected MIN..MAX)" by itself. */
		rc = parse_uint(value, k->min, k->max, &v, err, sizeof(err));
		break;
	}
	if (rc < 0) {
		fail(ld, "%s: %s", where, err);
		return -1;
	}
	if (k->kind == KIND_SECONDS && v % SECS(1) != 0) {
		fail(ld, "%s: duration %s is not a whole number of seconds "
		     "(the kernel takes this setting in seconds)", where,
		     quote(q, sizeof(q), value));
		return -1;
	}
	if (v < k->min || v > k->max) {
		fail(ld, "%s: %s %s is out of range (expected %s..%s)", where,
		     k->kind == KIND_SIZE ? "size" : "duration",
		     quote(q, sizeof(q), value),
		     fmt_value(lo, sizeof(lo), k, k->min),
		     fmt_value(hi, sizeof(hi), k, k->max));
		return -1;
	}
	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
		*(uint64_t *)field(cfg, k) = v;
		break;
	case KIND_UINT:
		*(unsigned *)field(cfg, k) = (unsigned)v;
		break;
	default:
		*(size_t *)field(cfg, k) = (size_t)v;
		break;
	}
	return 0;
}

static int
set_enum(struct loader *ld, const char *where, const struct enum_name *names,
	 const char *value, int *out)
{
	char expect[128] = "", q[QUOTE_MAX + 8];
	size_t n = 0;

	for (const struct enum_name *e = names; e->name != NULL; e++) {
		if (strcmp(e->name, value) == 0) {
			*out = e->value;
			return 0;
		}
	}
	for (const struct enum_name *e = names; e->name != NULL; e++) {
		n += (size_t)snprintf(expect + n, sizeof(expect) - n, "%s%s",
				      e == names ? "" :
				      e[1].name == NULL ? " or " : ", ",
				      e->name);
		if (n >= sizeof(expect))
			break;
	}
	fail(ld, "%s: invalid value %s (expected %s)", where,
	     quote(q, sizeof(q), value), expect);
	return -1;
}

/* RFC 7230 tchar: the characters allowed in a header name. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
						      c) != NULL);
}

static bool
is_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return n > 0;
}

/*
 * "Name: value", stored back as "Name: value" with exactly one space so
 * the connection code can split it without re-validating.  The value
 * is never echoed: it is usually a credential.  "Name: @FILE" takes the
 * value from FILE (see read_secret), so the credential need not be in
 * the config file at all.
 */
static int
set_header(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	const char *colon = strchr(value, ':'), *v;
	char name[QUOTE_MAX + 1], prefix[1024], *line, *secret = NULL;
	size_t nlen;

	if (colon == NULL) {
		fail(ld, "%s: header without ':' (expected 'Name: value')",
		     where);
		return -1;
	}
	nlen = (size_t)(colon - value);
	snprintf(name, sizeof(name), "%.*s", (int)nlen, value);
	if (nlen == 0) {
		fail(ld, "%s: header has no name (expected 'Name: value')",
		     where);
		return -1;
	}
	if (!is_token(value, nlen)) {
		fail(ld, "%s: invalid header name '%s' (letters, digits and "
		     "!#$%%&'*+-.^_`|~ only, no spaces before ':')", where,
		     name);
		return -1;
	}
	for (const char *const *r = reserved_headers; *r != NULL; r++) {
		if (strlen(*r) == nlen && strncasecmp(*r, value, nlen) == 0) {
			fail(ld, "%s: header '%s' is set by wspushd itself",
			     where, name);
			return -1;
		}
	}
	if (nlen == strlen("Sec-WebSocket-Protocol") &&
	    strncasecmp(value, "Sec-WebSocket-Protocol", nlen) == 0) {
		fail(ld, "%s: header '%s' is set by wspushd itself (use "
		     "subprotocol = ... instead)", where, name);
		return -1;
	}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0') {
		fail(ld, "%s: header '%s' has an empty value", where, name);
		return -1;
	}
	/* "@FILE": the value is read from FILE; "@@..." is "@..." itself. */
	if (v[0] == '@' && v[1] == '@') {
		v++;
	} else if (v[0] == '@') {
		snprintf(prefix, sizeof(prefix), "%s: header '%s'", where,
			 name);
		secret = read_secret(ld, prefix, v + 1, true);
		if (secret == NULL)
			return -1;
		v = secret;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			fail(ld, "%s: header '%s': value contains control "
			     "characters", where, name);
			return -1;
		}
	}
	if (asprintf(&line, "%.*s: %s", (int)nlen, value, v) < 0)
		oom();
	strlist_add(&cfg->headers, line);
	wipe(line);
	free(line);
	wipe(secret);
	free(secret);
	return 0;
}

/*
 * Sec-WebSocket-Protocol: one or more comma-separated tokens.  Stored
 * as "a, b": libwebsockets matches the server's choice against this
 * list skipping only spaces after each comma, so "a ,b" would never
 * match "a".
 */
static int
set_subprotocol(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	const char *p = value;
	char q[QUOTE_MAX + 8], *list = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&list, &len);
	if (fp == NULL)
		oom();
	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (!is_token(p, n))
			goto bad;
		fprintf(fp, "%s%.*s", len > 0 ? ", " : "", (int)n, p);
		fflush(fp);
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	if (fclose(fp) != 0)
		oom();
	free(cfg->subprotocol);
	cfg->subprotocol = list;
	return 0;

bad:
	fclose(fp);
	free(list);
	fail(ld, "%s: invalid subprotocol %s (expected a token such as "
	     "'chat.v1', or several separated by commas)", where,
	     quote(q, sizeof(q), value));
	return -1;
}

static int
set_name(struct loader *ld, struct config *cfg, const struct key_def *k,
	 const char *where, const char *value)
{
	struct strlist *l = field(cfg, k);
	const char *what = k->kind == KIND_CHANNEL ? "channel" : "pattern";
	char q[QUOTE_MAX + 8];

	if (*value == '\0') {
		fail(ld, "%s: empty %s name", where, what);
		return -1;
	}
	/*
	 * Subscribing twice gets two confirmations for one subscription,
	 * which would throw off anyone counting them; it is also never
	 * what was meant.
	 */
	if (strlist_has(l, value)) {
		fail(ld, "%s: %s %s is listed more than once", where, what,
		     quote(q, sizeof(q), value));
		return -1;
	}
	strlist_add(l, value);
	return 0;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *
skip_blanks_until(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Length of the next comma-separated item at p, trailing blanks cut. */
static size_t
item_len(const char *p)
{
	size_t n = strcspn(p, ",");

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * Digits of a close code.  Past six digits nothing more is added, so
 * a long run reads as "out of range" instead of wrapping around.
 * Returns the number of digits.
 */
static size_t
scan_code(const char *p, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9') {
		if (v < 100000)
			v = v * 10 + (unsigned)(p[n] - '0');
		n++;
	}
	*out = v;
	return n;
}

static const char *
fmt_code_range(char *buf, size_t buflen, unsigned lo, unsigned hi)
{
	if (lo == hi)
		snprintf(buf, buflen, "'%u'", lo);
	else
		snprintf(buf, buflen, "'%u-%u'", lo, hi);
	return buf;
}

/*
 * One item of a close code list: "1008" or "4000-4999", blanks allowed
 * around the '-'.  Returns 0, or -1 having said what is wrong.
 */
static int
parse_code_item(struct loader *ld, const struct key_def *k, const char *where,
		const char *item, size_t len, unsigned *lo, unsigned *hi)
{
	const char *p = item, *end = item + len, *bad = NULL;
	char q[QUOTE_MAX + 8];
	size_t nlo, nhi = 0;
	const char *lo_text, *hi_text = NULL;

	/*
	 * A digit run cannot go on past end: the item is followed by a
	 * blank, ',' or the end of the value, never by a digit.
	 */
	lo_text = p;
	nlo = scan_code(p, lo);
	p = skip_blanks_until(p + nlo, end);
	*hi = *lo;
	if (nlo > 0 && p < end && *p == '-') {
		p = skip_blanks_until(p + 1, end);
		hi_text = p;
		nhi = scan_code(p, hi);
		p = skip_blanks_until(p + nhi, end);
	}
	if (nlo == 0 || (hi_text != NULL && nhi == 0) || p != end) {
		fail(ld, "%s: invalid close code %s (expected a code such as "
		     "1008 or a range such as 4000-4999)", where,
		     quote_n(q, sizeof(q), item, len));
		return -1;
	}
	if (*lo < k->min || *lo > k->max)
		bad = lo_text;
	else if (hi_text != NULL && (*hi < k->min || *hi > k->max))
		bad = hi_text;
	if (bad != NULL) {
		fail(ld, "%s: close code %s is out of range (expected "
		     "%llu..%llu)", where,
		     quote_n(q, sizeof(q), bad, bad == lo_text ? nlo : nhi),
		     (unsigned long long)k->min, (unsigned long long)k->max);
		return -1;
	}
	if (*lo > *hi) {
		fail(ld, "%s: range %s is backwards (expected %u-%u)", where,
		     quote_n(q, sizeof(q), item, len), *hi, *lo);
		return -1;
	}
	return 0;
}

/*
 * "1003, 1008, 4000-4999": codes and inclusive ranges, separated by
 * commas; an empty value is the empty set.  Overlaps are refused like
 * a channel listed twice: harmless, but never what was meant.
 */
static int
set_close_codes(struct loader *ld, struct config *cfg,
		const struct key_def *k, const char *where, const char *value)
{
	struct close_code_set set;
	const char *p = skip_blanks(value);
	char q[QUOTE_MAX + 8], r[32];

	memset(&set, 0, sizeof(set));
	if (*p == '\0')
		goto done;
	for (;;) {
		size_t len = item_len(p);
		unsigned lo, hi;

		/* ",1003", "1003,,1008" and "1003," */
		if (len == 0) {
			fail(ld, "%s: empty item in %s (expected codes or "
			     "ranges separated by commas)", where,
			     quote(q, sizeof(q), value));
			return -1;
		}
		if (parse_code_item(ld, k, where, p, len, &lo, &hi) < 0)
			return -1;
		for (size_t i = 0; i < set.count; i++) {
			if (lo <= set.ranges[i].hi && hi >= set.ranges[i].lo) {
				fail(ld, "%s: %s overlaps %s (list each code "
				     "once)", where,
				     quote_n(q, sizeof(q), p, len),
				     fmt_code_range(r, sizeof(r),
						    set.ranges[i].lo,
						    set.ranges[i].hi));
				return -1;
			}
		}
		if (set.count == CLOSE_CODES_MAX) {
			fail(ld, "%s: more than %zu items (join neighbouring "
			     "codes into ranges such as 4000-4099)", where,
			     CLOSE_CODES_MAX);
			return -1;
		}
		set.ranges[set.count].lo = (uint16_t)lo;
		set.ranges[set.count].hi = (uint16_t)hi;
		set.count++;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p = skip_blanks(p + 1);
	}
done:
	*(struct close_code_set *)field(cfg, k) = set;
	return 0;
}

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
	char host[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	char q[QUOTE_MAX + 8], qp[QUOTE_MAX + 8];
	const char *h = s, *colon = NULL, *port = NULL, *end = s + len;
	size_t hlen = len;
	unsigned long pv = DEFAULT_DNS_PORT;
	bool v6 = false;

	quote_n(q, sizeof(q), s, len);
	if (*s == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			goto bad_address;
		v6 = true;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (close + 1 < end) {
			if (close[1] != ':')
				goto bad_address;
			port = close + 2;
		}
	} else {
		colon = memchr(s, ':', len);
		if (colon != NULL &&
		    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL) {
			if (len < sizeof(host)) {
				memcpy(host, s, len);
				host[len] = '\0';
				if (inet_pton(AF_INET6, host, addr) == 1) {
					snprintf(err, errlen, "IPv6 address %s "
						 "must be in brackets: "
						 "'[%s]' or '[%s]:53'", q,
						 host, host);
					return -1;
				}
			}
			goto bad_address;
		}
		if (colon != NULL) {
			hlen = (size_t)(colon - s);
			port = colon + 1;
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad_address;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1)
		goto bad_address;
	if (port != NULL) {
		size_t plen = (size_t)(end - port);

		pv = 0;
		for (size_t i = 0; i < plen && pv <= 65535; i++) {
			if (port[i] < '0' || port[i] > '9') {
				pv = 0;
				break;
			}
			pv = pv * 10 + (unsigned long)(port[i] - '0');
		}
		if (pv < 1 || pv > 65535) {
			snprintf(err, errlen, "invalid port %s in %s "
				 "(expected 1-65535)",
				 quote_n(qp, sizeof(qp), port, plen), q);
			return -1;
		}
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, addr, canon,
		      sizeof(canon)) == NULL)
		goto bad_address;
	snprintf(out, outlen, v6 ? "[%s]:%lu" : "%s:%lu", canon, pv);
	return 0;

bad_address:
	snprintf(err, errlen, "invalid name server %s (expected an IP "
		 "address such as 192.0.2.53 or [2001:db8::53], optionally "
		 "with :PORT)", q);
	return -1;
}

/*
 * Name servers by address, comma-separated; empty means "use
 * /etc/resolv.conf".  Stored normalised ("192.0.2.53:53,[::1]:5353":
 * no blanks, every port given) so the resolver can split it without
 * validating it again.
 */
static int
set_dns_servers(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	struct strlist servers = { 0 };
	const char *p = skip_blanks(value);
	char err[ERRLEN], one[INET6_ADDRSTRLEN + 16], q[QUOTE_MAX + 8];
	char *list = NULL;
	size_t total = 0;

	if (*p == '\0')
		goto done;
	for (;;) {
		size_t len = item_len(p);

		if (len == 0) {
			fail(ld, "%s: empty item in %s (expected addresses "
			     "separated by commas)", where,
			     quote(q, sizeof(q), value));
			goto bad;
		}
		if (parse_name_server(p, len, one, sizeof(one), err,
				      sizeof(err)) < 0) {
			fail(ld, "%s: %s", where, err);
			goto bad;
		}
		if (strlist_has(&servers, one)) {
			fail(ld, "%s: name server %s is listed more than once",
			     where, quote(q, sizeof(q), one));
			goto bad;
		}
		strlist_add(&servers, one);
		total += strlen(one) + 1;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p = skip_blanks(p + 1);
	}
	list = malloc(total);
	if (list == NULL)
		oom();
	list[0] = '\0';
	for (size_t i = 0; i < servers.count; i++) {
		if (i > 0)
			strcat(list, ",");
		strcat(list, servers.items[i]);
	}
done:
	strlist_free(&servers);
	free(cfg->dns_servers);
	cfg->dns_servers = list;
	return 0;

bad:
	strlist_free(&servers);
	return -1;
}

/*
 * tls_server_name: a DNS name as a certificate holds it, dot-separated
 * labels of letters, digits and '-' (1..63 bytes, no '-' at either
 * end), 253 bytes in all.  An IPv4 address passes as such a name; an
 * IPv6 one cannot be sent as SNI.
 */
static bool
is_dns_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > SERVER_NAME_MAX)
		return false;
	for (;;) {
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

		if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
			return false;
		s += n;
		if (*s == '\0')
			return true;
		if (*s++ != '.')
			return false;
	}
}

static int
set_server_name(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	char q[QUOTE_MAX + 8];

	if (*value != '\0' && !is_dns_name(value)) {
		fail(ld, "%s: invalid server name %s (expected a host name "
		     "such as push.example.com)", where,
		     has_control(value) ? "with control characters" :
		     quote(q, sizeof(q), value));
		return -1;
	}
	free(cfg->tls_server_name);
	cfg->tls_server_name = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * [status] key and channel: any bytes Redis takes, short of control
 * characters (they would only garble redis-cli output and logs), at
 * most 256 of them.  Empty turns the feature off.
 */
static int
set_redis_name(struct loader *ld, struct config *cfg, const struct key_def *k,
	       const char *where, const char *value)
{
	char **dst = field(cfg, k);

	if (strlen(value) > REDIS_NAME_MAX) {
		fail(ld, "%s: %s name is longer than %d bytes", where, k->name,
		     REDIS_NAME_MAX);
		return -1;
	}
	if (has_control(value)) {
		fail(ld, "%s: %s name contains control characters", where,
		     k->name);
		return -1;
	}
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * [metrics] listen: "127.x.y.z:PORT" or "[::1]:PORT".  The counters
 * are served without authentication, so nothing beyond this host may
 * reach them directly.
 */
static int
set_listen(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	char host[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	char q[QUOTE_MAX + 8], qp[QUOTE_MAX + 8];
	const char *port, *colon;
	size_t hlen;
	unsigned long pv = 0;
	bool v6 = value[0] == '[', loopback;

	if (*value == '\0') {
		free(cfg->metrics_listen);
		cfg->metrics_listen = NULL;
		memset(cfg->metrics_host, 0, sizeof(cfg->metrics_host));
		cfg->metrics_port = 0;
		return 0;
	}
	if (has_control(value)) {
		fail(ld, "%s: address contains control characters", where);
		return -1;
	}
	quote(q, sizeof(q), value);
	if (v6) {
		const char *close = strchr(value, ']');

		if (close == NULL)
			goto not_loopback;
		hlen = (size_t)(close - value - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (colon == NULL && close[1] != '\0')
			goto not_loopback;
	} else {
		colon = strchr(value, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			if (inet_pton(AF_INET6, value, &addr) == 1) {
				fail(ld, "%s: %s: an IPv6 address goes in "
				     "brackets, as in [::1]:9477", where, q);
				return -1;
			}
			goto not_loopback;
		}
		hlen = colon != NULL ? (size_t)(colon - value) : strlen(value);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto not_loopback;
	memcpy(host, value + v6, hlen);
	host[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, &addr) != 1)
		goto not_loopback;
	loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&addr.v6) :
			ntohl(addr.v4.s_addr) >> 24 == 127;
	if (!loopback)
		goto not_loopback;
	if (colon == NULL) {
		fail(ld, "%s: %s has no port (expected e.g. 127.0.0.1:9477)",
		     where, q);
		return -1;
	}
	port = colon + 1;
	for (const char *p = port; *p != '\0' && pv <= 65535; p++) {
		if (*p < '0' || *p > '9') {
			pv = 0;
			break;
		}
		pv = pv * 10 + (unsigned long)(*p - '0');
	}
	if (pv < 1 || pv > 65535) {
		fail(ld, "%s: invalid port %s in %s (expected 1-65535)", where,
		     quote(qp, sizeof(qp), port), q);
		return -1;
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, &addr, canon,
		      sizeof(canon)) == NULL)
		goto not_loopback;
	free(cfg->metrics_listen);
	cfg->metrics_listen = xstrdup(value);
	snprintf(cfg->metrics_host, sizeof(cfg->metrics_host), "%s", canon);
	cfg->metrics_port = (uint16_t)pv;
	return 0;

not_loopback:
	fail(ld, "%s: %s: metrics are served on loopback only (expected "
	     "127.x.y.z:PORT or [::1]:PORT)", where, q);
	return -1;
}

/*
 * [daemon] runtime_dir.  Not required to exist yet: systemd makes it
 * (RuntimeDirectory=) just before starting the daemon, and
 * --check-config may well run before that.
 */
static int
set_runtime_dir(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	char q[QUOTE_MAX + 8];

	if (*value == '\0') {
		fail(ld, "%s: empty directory name (leave the key out for the "
		     "default: $RUNTIME_DIRECTORY, else %s)", where,
		     DEFAULT_RUNTIME_DIR);
		return -1;
	}
	if (has_control(value)) {
		fail(ld, "%s: directory name contains control characters",
		     where);
		return -1;
	}
	if (value[0] != '/') {
		fail(ld, "%s: %s is not an absolute path", where,
		     quote(q, sizeof(q), value));
		return -1;
	}
	free(cfg->runtime_dir);
	cfg->runtime_dir = xstrdup(value);
	return 0;
}

static int
set_ws_url(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	char err[ERRLEN];
	struct ws_url u;

	if (ws_url_parse(value, &u, err, sizeof(err)) < 0) {
		fail(ld, "%s: %s", where, err);
		return -1;
	}
	ws_url_free(&cfg->url);
	free(cfg->url_text);
	cfg->url = u;
	cfg->url_text = xstrdup(value);
	return 0;
}

static int
set_redis_url(struct loader *ld, struct config *cfg, const char *where,
	      const char *value)
{
	char err[ERRLEN];
	struct redis_url u;

	if (redis_url_parse(value, &u, err, sizeof(err)) < 0) {
		fail(ld, "%s: %s", where, err);
		return -1;
	}
	redis_url_free(&cfg->redis);
	wipe(cfg->redis_url_text);
	free(cfg->redis_url_text);
	cfg->redis = u;
	cfg->redis_url_text = xstrdup(value);
	return 0;
}

/*
 * Parse one value into cfg.  where is the message prefix, already
 * naming the key ("file:3: connect_timeout") or flag ("command line:
 * --url").
 */
int
set_value(struct loader *ld, struct config *cfg, enum key_id id,
	  const char *where, const char *value)
{
	const struct key_def *k = &cfg_keys[id];
	int v, rc;

	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
	case KIND_SIZE:
	case KIND_COUNT:
	case KIND_UINT:
		return set_number(ld, cfg, k, where, value);
	case KIND_WS_URL:
		return set_ws_url(ld, cfg, where, value);
	case KIND_REDIS_URL:
		return set_redis_url(ld, cfg, where, value);
	case KIND_HEADER:
		return set_header(ld, cfg, where, value);
	case KIND_CHANNEL:
	case KIND_PATTERN:
		return set_name(ld, cfg, k, where, value);
	case KIND_SUBPROTOCOL:
		return set_subprotocol(ld, cfg, where, value);
	case KIND_MESSAGE_TYPE:
		rc = set_enum(ld, where, message_types, value, &v);
		if (rc == 0)
			cfg->message_type = (enum message_type)v;
		return rc;
	case KIND_OVERFLOW:
		rc = set_enum(ld, where, overflows, value, &v);
		if (rc == 0)
			cfg->overflow = (enum overflow_policy)v;
		return rc;
	case KIND_LOG_LEVEL:
		rc = set_enum(ld, where, log_levels, value, &v);
		if (rc == 0)
			cfg->log_level = v;
		return rc;
	case KIND_LIVENESS:
		rc = set_enum(ld, where, livenesses, value, &v);
		if (rc == 0)
			cfg->liveness = (enum liveness)v;
		return rc;
	case KIND_CLOSE_CODES:
		return set_close_codes(ld, cfg, k, where, value);
	case KIND_DNS_SERVERS:
		return set_dns_servers(ld, cfg, where, value);
	case KIND_FILE:
	case KIND_DIR:
		return set_path(ld, cfg, k, where, value);
	case KIND_SERVER_NAME:
		return set_server_name(ld, cfg, where, value);
	case KIND_BOOL:
		rc = set_enum(ld, where, booleans, value, &v);
		if (rc == 0)
			*(bool *)field(cfg, k) = v != 0;
		return rc;
	case KIND_PASSWORD_FILE:
		return set_password_file(ld, where, value);
	case KIND_REDIS_NAME:
		return set_redis_name(ld, cfg, k, where, value);
	case KIND_LISTEN:
		return set_listen(ld, cfg, where, value);
	case KIND_RUNTIME_DIR:
		return set_runtime_dir(ld, cfg, where, value);
	}
	return -1;
}
