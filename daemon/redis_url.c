/*
 * redis_url.c - redis:// and unix:// addresses.  See redis_url.h.
 *
 * Error messages never repeat a password: they quote the host, port or
 * database only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "wspushd/redis_url.h"
#include "wspushd/units.h"
#include "wspushd/url_parts.h"
#include "wspushd/xalloc.h"

#define REDIS_DEFAULT_PORT 6379
/* Redis allows "databases" up to INT_MAX; nobody sane goes near that. */
#define REDIS_MAX_DB 1000000
#define QUOTE_MAX 64

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
	out->password = url_pct_decode(colon + 1, plen);
	if (out->password == NULL) {
		snprintf(err, errlen, "invalid percent-encoding in password");
		return -1;
	}
	if (ulen > 0) {
		out->user = url_pct_decode(s, ulen);
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
	if (url_hostport(host, hostlen, REDIS_DEFAULT_PORT, &out->host,
			   &out->port, err, errlen) < 0)
		return -1;
	out->transport = REDIS_TCP;
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
	n = url_scheme_len(text);
	if (n > 0 && url_scheme_is(text, n, "rediss")) {
		snprintf(err, errlen, "TLS to Redis is not supported by "
			 "hiredis 0.14");
		return -1;
	}
	if ((n = url_check_scheme(text, "redis", "unix", err, errlen)) == 0)
		return -1;
	if (url_scheme_is(text, n, "redis"))
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
