/*
 * watch.h - put a foreign descriptor (the hiredis socket, the signalfd)
 * on the libwebsockets poll loop, so the daemon has exactly one loop.
 *
 * watch_add(): lws adopts the descriptor itself (no dup(), so lsof shows
 * each socket once) and closes it when the watch ends: after
 * watch_remove(), or on its own when the descriptor hangs up, which
 * closed() reports.  Either way the owner must then forget the number.
 *
 * watch_lend(): for a descriptor a library keeps using and closes
 * itself (c-ares' sockets).  lws is given a duplicate, so the number
 * the owner holds stays valid until the owner closes it.  lws closes an
 * adopted descriptor by itself on POLLERR/POLLHUP without POLLIN (a UDP
 * socket after an ICMP "port unreachable" does that): then the watch
 * reports readable(), and writable() if a write was awaited, on the
 * next turn of the loop, so the owner's own read or write meets the
 * error, and goes on watching a fresh duplicate.  Only after
 * WATCH_MAX_LOSSES such losses does closed() run; the watch then stays
 * inert until watch_remove().
 *
 * A watch outlives watch_remove() until lws has finished with it, and
 * after watch_remove() none of its callbacks runs again, so an owner
 * may remove its watch from inside one of those callbacks.
 */
#ifndef WSPUSHD_WATCH_H
#define WSPUSHD_WATCH_H

#include <stdbool.h>

#include <libwebsockets.h>

struct watch;

struct watch_ops {
	void (*readable)(void *arg);
	void (*writable)(void *arg);	/* once per watch_want_write() */
	void (*closed)(void *arg);	/* lws dropped the descriptor */
};

/* Name of the lws protocol the vhost must carry for watches. */
#define WATCH_PROTOCOL_NAME "wspushd-fd"

/* Takes fd on success; on failure returns NULL and fd stays the caller's. */
struct watch *watch_add(struct lws_vhost *vh, int fd,
			const struct watch_ops *ops, void *arg);
/*
 * Watches a duplicate of fd (see above); fd stays the caller's, to
 * close after watch_remove().  NULL on failure, errno set.
 */
struct watch *watch_lend(struct lws_vhost *vh, int fd,
			 const struct watch_ops *ops, void *arg);
/* How often a lent descriptor's duplicate may be lost and replaced. */
#define WATCH_MAX_LOSSES 3

void watch_want_read(struct watch *w, bool on);
void watch_want_write(struct watch *w);
void watch_remove(struct watch *w);
/*
 * Like watch_remove(), but closed() still runs once, when the descriptor
 * is really closed: for owners that must know the moment it is gone.
 */
void watch_remove_notify(struct watch *w);

/* The callback of the WATCH_PROTOCOL_NAME protocol. */
int watch_protocol_callback(struct lws *wsi, enum lws_callback_reasons reason,
			    void *user, void *in, size_t len);

#endif
