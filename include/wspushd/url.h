/*
 * url.h - the two kinds of address wspushd understands.
 *
 * Parsing is pure: a string in, a struct out, or an error message that
 * says what is wrong with the string.  Nothing here resolves names.
 */
#ifndef WSPUSHD_URL_H
#define WSPUSHD_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ws://host[:port][/path][?query] or wss://... */
struct ws_url {
	bool tls;		/* wss:// */
	char *host;		/* without brackets for IPv6 literals */
	uint16_t port;		/* 80 / 443 by default */
	char *path;		/* always starts with '/'; includes "?query" */
};

enum redis_transport { REDIS_TCP, REDIS_UNIX };

/*
 * redis://[[user]:password@]host[:port][/db]
 * unix:///path/to/redis.sock[?db=N]
 */
struct redis_url {
	enum redis_transport transport;
	char *host;		/* REDIS_TCP */
	uint16_t port;		/* REDIS_TCP, default 6379 */
	char *socket_path;	/* REDIS_UNIX */
	char *user;		/* NULL if none (AUTH password only) */
	char *password;		/* NULL if none; percent-decoded */
	int db;			/* 0 by default */
};

/*
 * On success return 0 and fill *out (caller frees with *_url_free).
 * On failure return -1, leave *out zeroed, and write a one-line reason
 * (no trailing newline, no prefix) into err.
 */
int ws_url_parse(const char *text, struct ws_url *out, char *err, size_t errlen);
void ws_url_free(struct ws_url *u);

int redis_url_parse(const char *text, struct redis_url *out, char *err, size_t errlen);
void redis_url_free(struct redis_url *u);

/*
 * Write a copy of a URL with any password replaced by "***", for logs.
 * Always NUL-terminates.
 */
void url_redact(const char *text, char *out, size_t outlen);

#endif
