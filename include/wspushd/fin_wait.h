/*
 * fin_wait.h - after a clean WebSocket close handshake, keep the socket
 * until the server closes TCP first (RFC 6455 7.1.1), so that TIME_WAIT
 * lands on the server and not on us.
 *
 * lws 4.1 closes its descriptor as soon as the handshake is over; a
 * duplicate taken just before keeps the connection alive, is watched
 * for the server's FIN, and is closed on FIN or when the owner ends the
 * wait (its deadline is the owner's: upstream_core.h).  Until done()
 * runs, the connection still exists: the owner must not count it gone
 * before.
 */
#ifndef WSPUSHD_FIN_WAIT_H
#define WSPUSHD_FIN_WAIT_H

#include <libwebsockets.h>

struct fin_wait;

/*
 * Duplicate fd and wait for the peer's FIN.  done(arg) runs exactly
 * once, on the loop, after the duplicate is closed.  NULL if the
 * duplicate could not be made or watched (nothing to wait for).
 */
struct fin_wait *fin_wait_start(struct lws_vhost *vh, int fd,
				void (*done)(void *arg), void *arg);

/* Stop waiting and close now; done() still follows. */
void fin_wait_end(struct fin_wait *l);

/* For teardown: close without calling done(). */
void fin_wait_abandon(struct fin_wait *l);

#endif
