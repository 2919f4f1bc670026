/*
 * url.h - the two kinds of address wspushd understands: the upstream's
 * (here) and Redis' (redis_url.h, included for its users).
 *
 * Parsing is pure: a string in, a struct out, or an error message that
 * says what is wrong with the string.  Nothing here resolves names.
 */
#ifndef WSPUSHD_URL_H
#define WSPUSHD_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/redis_url.h"

/* ws://host[:port][/path][?query] or wss://... */
struct ws_url {
	bool tls;		/* wss:// */
	char *host;		/* without brackets for IPv6 literals */
	uint16_t port;		/* 80 / 443 by default */
	char *path;		/* always starts with '/'; includes "?query" */
};

/*
 * On success return 0 and fill *out (caller frees with ws_url_free).
 * On failure return -1, leave *out zeroed, and write a one-line reason
 * (no trailing newline, no prefix) into err.
 */
int ws_url_parse(const char *text, struct ws_url *out, char *err, size_t errlen);
void ws_url_free(struct ws_url *u);

/*
 * Write a copy of a URL with any password replaced by "***", for logs.
 * Always NUL-terminates.
 */
void url_redact(const char *text, char *out, size_t outlen);

#endif
