/*
 * url.c - ws:// and wss:// addresses, and redacting any URL for a log.
 *
 * Only the shapes wspushd can actually use are accepted; anything else
 * is an error that names the part that is wrong.  redis:// and unix://
 * are read by redis_url.c; what both kinds share is in url_parts.c.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/url.h"
#include "wspushd/url_parts.h"
#include "wspushd/xalloc.h"

int
ws_url_parse(const char *text, struct ws_url *out, char *err, size_t errlen)
{
	const char *auth, *rest;
	size_t n, authlen;

	memset(out, 0, sizeof(*out));
	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty URL (expected ws://host/path "
			 "or wss://host/path)");
		return -1;
	}
	if ((n = url_check_scheme(text, "ws", "wss", err, errlen)) == 0)
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
	if (url_hostport(auth, authlen, n == 3 ? 443 : 80, &out->host,
			   &out->port, err, errlen) < 0)
		return -1;

	out->tls = n == 3;
	if (*rest == '\0') {
		out->path = xstrndup("/", 1);
	} else if (*rest == '?') {
		out->path = xasprintf("/%s", rest);
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
	n = url_scheme_len(text);
	auth = n > 0 ? text + n + 3 : text;
	/*
	 * Find the credentials the same way the parsers do, so whatever
	 * they would take as a password is what gets hidden: the last '@'
	 * anywhere in a redis:// URL; in a unix:// URL the '@' just before
	 * the first '/' (user and password may hold '?' and '#' there);
	 * the last '@' before the path otherwise.
	 */
	if (n > 0 && (url_scheme_is(text, n, "redis") ||
		      url_scheme_is(text, n, "rediss"))) {
		at = strrchr(auth, '@');
	} else if (n > 0 && url_scheme_is(text, n, "unix")) {
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
