/*
 * upgrade.h - the upgrade request to the upstream: the configured headers
 * as libwebsockets wants them, the endpoint as the logs name it, and the
 * one call that starts a connection attempt.
 *
 * What the request carries is the configuration's business and is
 * checked there (headers.h); here it is only put on the wire.  The
 * request never follows a redirect: it carries credentials, which are
 * for this upstream and nowhere else.
 */
#ifndef WSPUSHD_UPGRADE_H
#define WSPUSHD_UPGRADE_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

struct config;

struct upgrade {
	char **names;		/* "authorization:", as lws writes it */
	const char **values;	/* into the configuration: see upgrade_set() */
	size_t count;
	char endpoint[300];	/* ws://host:port/path, for logs */
	char *fence_name;	/* [fleet] fence_header, as lws writes it; NULL */
	char fence_value[24];	/* the lease's term; "" until there is one */
};

/*
 * Take cfg's headers and URL.  The values point into cfg: call again
 * whenever the configuration is replaced.  0, or -1 out of memory.
 */
int upgrade_set(struct upgrade *u, const struct config *cfg);
void upgrade_free(struct upgrade *u);
/* The fleet lease's term, for fence_header from the next attempt on. */
void upgrade_set_term(struct upgrade *u, uint64_t term);

/* At LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: 0, or -1 if too long. */
int upgrade_append_headers(const struct upgrade *u, struct lws *wsi,
			   void *in, size_t len);

/*
 * Start one attempt to ip through client_vh, the wsi's opaque user data
 * set to opaque and *pwsi kept by lws.  NULL if lws failed at once.
 */
struct lws *upgrade_connect(const struct upgrade *u, const struct config *cfg,
			    struct lws_context *ctx, struct lws_vhost *client_vh,
			    const char *ip, const char *protocol_name,
			    void *opaque, struct lws **pwsi);

/*
 * The upgrade was answered with HTTP status instead of 101 (at
 * CLIENT_CONNECTION_ERROR): write why into why (refusal.h decides the
 * words) and return the wait the server asked for in ms (0: none).
 */
uint64_t upgrade_refusal(struct lws *wsi, int status, char *why, size_t whylen);

#endif
