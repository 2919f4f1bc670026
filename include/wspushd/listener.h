/*
 * listener.h - a listening TCP socket on the loop that never spins and
 * never takes the daemon's last descriptors.
 *
 * lws 4.1.6's own listener cannot be trusted with that: when accept()
 * fails with EMFILE it logs "accept: errno 24" and returns with the
 * listening socket still readable, so poll() wakes it at once, forever,
 * at 100% CPU.  This one accepts by itself (accept4, close-on-exec,
 * non-blocking) and gives each connection to its owner, who may hand
 * it to lws with lws_adopt_descriptor_vhost().
 *
 * Running short of descriptors stops it accepting, never the loop:
 *  - when fewer than `reserve` descriptors would be left below
 *    RLIMIT_NOFILE with the new connection open (fdlimit.h), the
 *    connection is closed at once: refused, so the descriptors the
 *    daemon's own connections need stay free, and the client learns at
 *    once instead of waiting;
 *  - when accept() itself fails for want of descriptors or memory
 *    (EMFILE, ENFILE, ENOBUFS, ENOMEM), the connection cannot even be
 *    taken off the queue: the socket is no longer watched for reads
 *    until LISTENER_RETRY_MS have passed, or until the owner says a
 *    descriptor was freed (listener_room()).
 * Each episode is logged once (repeat suppression), with a count of the
 * refusals when it ends.
 *
 * Lifetime: the listening socket is a watch (watch.h) on the vhost given,
 * which must carry the WATCH_PROTOCOL_NAME protocol.  Callbacks run on
 * the loop, never from inside listener_new() or listener_free().
 */
#ifndef WSPUSHD_LISTENER_H
#define WSPUSHD_LISTENER_H

#include <stddef.h>
#include <sys/socket.h>

#include <libwebsockets.h>

struct listener;

/* Retry after accept() failed for want of descriptors or memory. */
#define LISTENER_RETRY_MS 1000

/*
 * accepted(arg, fd): a new connection; fd (close-on-exec, non-blocking)
 * is the callee's, who must close it or give it to someone who will.
 * It may call listener_room() but not listener_free().
 */
typedef void (*listener_accepted_fn)(void *arg, int fd);

/*
 * Listen on the address sa (AF_INET or AF_INET6, bound exactly as
 * given).  name ("metrics") starts every log line; where
 * ("127.0.0.1:9477", "[::1]:9477") names the address in them and in
 * err.  Returns NULL with err saying why: "cannot listen on
 * 127.0.0.1:9477: Address already in use".
 */
struct listener *listener_new(struct lws_context *ctx, struct lws_vhost *vh,
			      const struct sockaddr *sa, socklen_t salen,
			      const char *name, const char *where,
			      unsigned reserve, listener_accepted_fn accepted,
			      void *arg, char *err, size_t errlen);

/*
 * A descriptor was freed (say, a client of the owner's closed): if the
 * listener was waiting for one, it accepts again at once.  Cheap; NULL
 * is a no-op.
 */
void listener_room(struct listener *l);

/*
 * Stop accepting and close the listening socket (on lws' next turn).
 * accepted() is not called again.  Call before lws_context_destroy().
 * NULL is a no-op.
 */
void listener_free(struct listener *l);

#endif
