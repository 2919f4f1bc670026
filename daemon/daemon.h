/*
 * daemon.h - the daemon's parts, and nothing else: what main.c and
 * daemon_reload.c share.
 */
#ifndef WSPUSHD_DAEMON_H
#define WSPUSHD_DAEMON_H

#include <stdbool.h>

#include <libwebsockets.h>

#include "wspushd/report.h"

struct config;
struct conn;
struct dns;
struct fleet;
struct inbound;
struct lockfile;
struct metrics;
struct notify;
struct redis_sub;
struct signals;
struct status_pub;
struct stream_in;

struct daemon {
	struct config *cfg;		/* the running one; a reload replaces it */
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct dns *dns;
	struct conn *conn;
	struct redis_sub *redis;
	struct stream_in *streams;	/* NULL without [redis] stream */
	struct fleet *fleet;		/* NULL without [fleet] lease_key */
	struct inbound *inbound;	/* the server's messages, into Redis */
	bool redis_up;			/* subscribed (or standing by, connected) */
	struct signals *signals;
	struct notify *notify;
	struct status_pub *status;	/* NULL when [status] is off */
	struct metrics *metrics;	/* NULL when [metrics] is off */
	struct report report;		/* for the status and /metrics */
	lws_sorted_usec_list_t status_sul;	/* refreshes STATUS= */
	bool stopping;
	bool done;
	struct lockfile *lock;		/* held until exit; NULL if none */
	int argc;			/* kept for SIGHUP: flags still override */
	char **argv;
};

#endif
