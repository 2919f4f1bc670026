/*
 * headers.h - what the upgrade request carries besides what
 * libwebsockets writes: extra headers ("Name: value", [upstream]
 * header) and the subprotocols to ask for ([upstream] subprotocol).
 *
 * Pure: parsers return 0, or -1 with what is wrong in err (no prefix).
 * A header's value is never echoed: it is usually a credential.
 */
#ifndef WSPUSHD_HEADERS_H
#define WSPUSHD_HEADERS_H

#include <stddef.h>

/* A header name is echoed at most this long. */
#define HEADER_NAME_SHOWN 64

/* One "Name: value" or "Name: @FILE", pointing into the text parsed. */
struct header {
	const char *name;	/* an RFC 7230 token, not a reserved one */
	size_t name_len;
	char shown[HEADER_NAME_SHOWN + 1];	/* the name, for messages */
	const char *value;	/* blanks before it skipped, "@@" read as
				 * "@"; NULL when file is set */
	const char *file;	/* "@FILE": FILE, for the caller to read
				 * the value from; else NULL */
};

/*
 * Split and check "Name: value".  Names libwebsockets writes itself
 * (Host, Upgrade, Sec-WebSocket-Key, ...) are refused: a second copy
 * would make the handshake invalid or ambiguous.
 */
int parse_header(const char *text, struct header *h, char *err,
		 size_t errlen);

/*
 * "Name: value" with exactly one space, so the connection code can
 * split it without checking it again: h's name, and value (h->value,
 * or what h->file holds).  A new string (wipe it: it holds a
 * credential), or NULL with err set when value holds control
 * characters other than tab.
 */
char *header_line(const struct header *h, const char *value, char *err,
		  size_t errlen);

/*
 * Sec-WebSocket-Protocol: one or more comma-separated tokens.  *out is
 * a new string, "a, b": libwebsockets matches the server's choice
 * against this list skipping only spaces after each comma, so "a ,b"
 * would never match "a".
 */
int parse_subprotocol(const char *value, char **out, char *err,
		      size_t errlen);

/* One header's name (an HTTP token); "" gives NULL, none. */
int parse_header_name(const char *value, char **out, char *err,
		      size_t errlen);

#endif
