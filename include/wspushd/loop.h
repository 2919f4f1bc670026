/*
 * loop.h - the one event loop: the libwebsockets context, with the
 * protocols every vhost of ours carries (the upstream's, the watches').
 */
#ifndef WSPUSHD_LOOP_H
#define WSPUSHD_LOOP_H

#include <libwebsockets.h>

struct config;

/* The protocols a vhost of ours carries; for tls_upstream_vhost() too. */
const struct lws_protocols *loop_protocols(void);

/*
 * The context for cfg, and its default vhost in *vh.  NULL (logged) if
 * it cannot be made.  lws' own log lines are routed first (lws_log.h).
 */
struct lws_context *loop_create(const struct config *cfg, struct lws_vhost **vh);

/*
 * The soft RLIMIT_NOFILE up to the hard one, said at debug: the
 * kernel's default soft 1024 (systemd's too) is an old select() guard;
 * we use none.  Before loop_create(): lws sizes its tables from it.
 */
void loop_raise_fd_limit(void);

#endif
