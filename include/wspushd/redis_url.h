/*
 * redis_url.h - where Redis is: redis:// or unix://.
 *
 * Parsing is pure: a string in, a struct out, or an error message that
 * says what is wrong with the string.  Nothing here resolves names.
 */
#ifndef WSPUSHD_REDIS_URL_H
#define WSPUSHD_REDIS_URL_H

#include <stddef.h>
#include <stdint.h>

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
 * On success return 0 and fill *out (caller frees with redis_url_free).
 * On failure return -1, leave *out zeroed, and write a one-line reason
 * (no trailing newline, no prefix) into err.
 */
int redis_url_parse(const char *text, struct redis_url *out, char *err,
		    size_t errlen);
void redis_url_free(struct redis_url *u);

#endif
