/*
 * metrics.h - the counters over plain HTTP, for Prometheus, served from
 * the one event loop.
 *
 * A listening socket of our own (listener.h) on the configured address
 * hands each connection to lws' HTTP server, on a vhost of its own:
 * GET (or HEAD) /metrics answers 200 with the text the render callback
 * gives, as "text/plain; version=0.0.4"; any other path is 404, any
 * other method 405; a request to upgrade (WebSocket, h2c) is hung up
 * on.  Connections are few and short-lived: at most
 * METRICS_MAX_CLIENTS at once (more are closed on accept), and a client
 * that sends nothing, or too slowly, or keeps an idle keep-alive
 * connection, is closed by lws' timeouts after a few seconds, so no
 * client can hold the loop or pile up descriptors.
 *
 * Nor can clients take the descriptors the daemon's own connections
 * need: a connection that would leave fewer than METRICS_FD_RESERVE
 * below RLIMIT_NOFILE is closed on accept, and when none is left at all
 * the listener waits, without spinning, for one to be freed.
 */
#ifndef WSPUSHD_METRICS_H
#define WSPUSHD_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

struct metrics;

/* Connections served at once; a scraper needs one. */
#define METRICS_MAX_CLIENTS 8

/*
 * Descriptors a metrics client never takes.  While the upstream and
 * Redis are connected they hold theirs already; on top of those the
 * daemon may need, at once: the upstream's FIN-wait dup, a c-ares query
 * socket, a file read on reload (configuration, secrets, TLS
 * certificates), and a connection that was down coming back.  Should
 * more be missing, it is for seconds: metrics clients are closed by the
 * timeouts above, and the connections retry.
 */
#define METRICS_FD_RESERVE 4

/*
 * What is served, asked on the loop for every request.
 *
 * render(arg, buf, len), for every GET and HEAD of /metrics, behaves
 * like snprintf: it returns the length the whole text needs and writes
 * at most len bytes including a NUL; it is first called with buf NULL
 * and len 0 to measure.  metrics_render() wrapped in a function that
 * takes a snapshot fits.
 *
 * probe(arg, ready, why, len), for /healthz (ready false: is the
 * upstream open?) and /readyz (ready: can messages come in?): true
 * answers 200, false 503; why, the body, says what holds.
 */
struct metrics_source {
	size_t (*render)(void *arg, char *buf, size_t len);
	bool (*probe)(void *arg, bool ready, char *why, size_t len);
	void *arg;
};

/*
 * host is a numeric IPv4 or IPv6 address without brackets ("127.0.0.1",
 * "::1"), listened on exactly (an IPv4 address never becomes the IPv6
 * wildcard).  Returns NULL when it cannot listen, with err saying why:
 * "cannot listen on 127.0.0.1:9477: Address already in use".
 * Call after lws_create_context(); the context needs no special option.
 */
/*
 * [metrics] as cfg says: nothing when listen is unset, else metrics_new()
 * on its address.  0 (*out NULL or the listener), -EADDRINUSE when
 * another process holds the address, or -1; the reason logged.
 */
struct config;
int metrics_start(struct lws_context *ctx, const struct config *cfg,
		  const struct metrics_source *src, struct metrics **out);

struct metrics *metrics_new(struct lws_context *ctx, const char *host,
			    uint16_t port, const struct metrics_source *src,
			    char *err, size_t errlen);

/*
 * Stop serving: render is not called again, so arg may go away right
 * after, and connections still open are closed.  The listening socket
 * is closed on lws' next turn.  Call it before lws_context_destroy(),
 * which closes what is left.  NULL is a no-op.
 *
 * The daemon applies a changed address at the next start, not on
 * SIGHUP (main.c).
 */
void metrics_free(struct metrics *m);

#endif
