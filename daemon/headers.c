/*
 * headers.c - see headers.h.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wspushd/diag.h"
#include "wspushd/headers.h"
#include "wspushd/xalloc.h"

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

static bool
name_is(const struct header *h, const char *name)
{
	return strlen(name) == h->name_len &&
	       strncasecmp(name, h->name, h->name_len) == 0;
}

/* The name: present, a token, and not one wspushd writes itself. */
static int
check_name(const struct header *h, char *err, size_t errlen)
{
	if (h->name_len == 0) {
		snprintf(err, errlen, "header has no name (expected "
			 "'Name: value')");
		return -1;
	}
	if (!is_token(h->name, h->name_len)) {
		snprintf(err, errlen, "invalid header name '%s' (letters, "
			 "digits and !#$%%&'*+-.^_`|~ only, no spaces before "
			 "':')", h->shown);
		return -1;
	}
	for (const char *const *r = reserved_headers; *r != NULL; r++) {
		if (name_is(h, *r)) {
			snprintf(err, errlen, "header '%s' is set by wspushd "
				 "itself", h->shown);
			return -1;
		}
	}
	if (name_is(h, "Sec-WebSocket-Protocol")) {
		snprintf(err, errlen, "header '%s' is set by wspushd itself "
			 "(use subprotocol = ... instead)", h->shown);
		return -1;
	}
	return 0;
}

int
parse_header(const char *text, struct header *h, char *err, size_t errlen)
{
	const char *colon = strchr(text, ':'), *v;

	memset(h, 0, sizeof(*h));
	if (colon == NULL) {
		snprintf(err, errlen, "header without ':' (expected "
			 "'Name: value')");
		return -1;
	}
	h->name = text;
	h->name_len = (size_t)(colon - text);
	snprintf(h->shown, sizeof(h->shown), "%.*s", (int)h->name_len, text);
	if (check_name(h, err, errlen) < 0)
		return -1;
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0') {
		snprintf(err, errlen, "header '%s' has an empty value",
			 h->shown);
		return -1;
	}
	/* "@FILE": the value is read from FILE; "@@..." is "@..." itself. */
	if (v[0] == '@' && v[1] != '@')
		h->file = v + 1;
	else
		h->value = v[0] == '@' ? v + 1 : v;
	return 0;
}

char *
header_line(const struct header *h, const char *value, char *err,
	    size_t errlen)
{
	for (const char *p = value; *p != '\0'; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			snprintf(err, errlen, "header '%s': value contains "
				 "control characters", h->shown);
			return NULL;
		}
	}
	return xasprintf("%.*s: %s", (int)h->name_len, h->name, value);
}

int
parse_subprotocol(const char *value, char **out, char *err, size_t errlen)
{
	const char *p = value;
	char q[DIAG_QUOTE_BUF], *list = NULL;
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
	*out = list;
	return 0;

bad:
	fclose(fp);
	free(list);
	snprintf(err, errlen, "invalid subprotocol %s (expected a token such "
		 "as 'chat.v1', or several separated by commas)",
		 diag_quote(q, sizeof(q), value));
	return -1;
}

int
parse_header_name(const char *value, char **out, char *err, size_t errlen)
{
	char q[DIAG_QUOTE_BUF];

	*out = NULL;
	if (*value == '\0')
		return 0;
	if (!is_token(value, strlen(value))) {
		snprintf(err, errlen, "%s is not a header name (letters, digits "
			 "and !#$%%&'*+-.^_`|~ only)",
			 diag_quote(q, sizeof(q), value));
		return -1;
	}
	*out = xstrdup(value);
	return 0;
}
