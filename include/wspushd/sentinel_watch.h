/*
 * sentinel_watch.h - a failover, heard the moment Sentinel announces it.
 *
 * A master that Sentinel replaces may go on accepting our subscription
 * for seconds, until Sentinel gets round to reconfiguring it as a
 * replica: meanwhile messages are published on the new master, to
 * nobody.  So one connection to a sentinel (each of [redis] sentinel in
 * turn, a second apart, while none holds) is subscribed to
 * +switch-master; when the message names [redis] master, the owner is
 * told at once and reconnects, asking Sentinel where the master is now.
 */
#ifndef WSPUSHD_SENTINEL_WATCH_H
#define WSPUSHD_SENTINEL_WATCH_H

struct config;
struct dns;
struct lws_context;
struct lws_vhost;
struct sentinel_watch;

/* on_switch(arg, text) with the announcement ("name old-ip old-port new-ip new-port"). */
struct sentinel_watch *sentinel_watch_new(struct lws_context *ctx,
					  struct lws_vhost *vh, struct dns *dns,
					  const struct config *cfg,
					  void (*on_switch)(void *arg,
							    const char *text),
					  void *arg);
/* Watch while cfg has sentinels (again after every reload); idempotent. */
void sentinel_watch_start(struct sentinel_watch *w);
void sentinel_watch_stop(struct sentinel_watch *w);
void sentinel_watch_reconfigure(struct sentinel_watch *w, const struct config *cfg);
void sentinel_watch_free(struct sentinel_watch *w);

#endif
