/*
 * conn.h - the one WebSocket connection to the upstream.
 *
 * conn.c is glue: it turns libwebsockets callbacks (conn_callbacks.c)
 * and its one timer into inputs for the pure core (upstream_core.h) and
 * carries out the actions the core returns.  It owns the queue: every
 * message is queued, and the queue is flushed whenever the connection
 * is open and writable, so order is the queue's order.
 */
#ifndef WSPUSHD_CONN_H
#define WSPUSHD_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libwebsockets.h>

#include "wspushd/status.h"

struct config;
struct dns;
struct conn;


/* Name of the lws protocol the vhost must carry for the connection. */
#define CONN_PROTOCOL_NAME "wspushd-upstream"
/*
 * The most one write hands to the socket: a run of queued frames.  It is
 * also the protocol's tx_packet_size, because lws otherwise cuts every
 * write into pieces of its 4 KiB service buffer, one per poll.
 */
#define CONN_WRITE_RUN_BYTES (256 * 1024)

/*
 * on_exit runs (on the loop) once shutdown is complete.  dns resolves
 * the upstream host; it must outlive the connection.
 * Returns NULL on allocation failure.
 */
struct conn *conn_new(struct lws_context *ctx, struct lws_vhost *vh,
		      struct dns *dns, const struct config *cfg,
		      void (*on_exit)(void *arg), void *arg);
/* Before lws_context_destroy(): the timers and watches are the loop's. */
void conn_free(struct conn *c);

void conn_start(struct conn *c);	/* first connect */

/*
 * SIGHUP: take the new configuration (it must outlive the connection,
 * or the next call): rebuild what was derived from it (headers, names,
 * queue limits, the core's timings).  What is under way keeps going;
 * conn_restart() to reconnect.  0, or -1 when out of memory.
 */
int conn_reconfigure(struct conn *c, const struct config *cfg);

/*
 * The vhost new attempts connect through (it carries the TLS settings);
 * by default the one given to conn_new().
 */
void conn_set_client_vhost(struct conn *c, struct lws_vhost *vh);

/* Close through the normal path and connect again, keeping the queue. */
void conn_restart(struct conn *c);
void conn_shutdown(struct conn *c);	/* drain, close, then on_exit */
/*
 * The fleet lease (fleet.h): stand by, dropping the connection at once
 * (no Close handshake: another instance may be connecting) and making
 * none until conn_lead().  With discard, what is queued is dropped too
 * (counted as fenced), once the socket is gone: stream entries stay
 * pending on Redis for the next leader.  conn_lead() connects with the
 * lease's term for [fleet] fence_header.
 */
void conn_stand_by(struct conn *c, bool discard);
void conn_lead(struct conn *c, uint64_t term);

/* Queue one message for the upstream (copies it). */
void conn_submit(struct conn *c, const void *data, size_t len);
/*
 * The same, saying whether it was queued and under which sequence number
 * (queue.h), for conn_set_settled()'s reports.
 */
bool conn_submit_seq(struct conn *c, const void *data, size_t len,
		     uint64_t *seq);
/* How many more messages the queue takes now. */
size_t conn_room(const struct conn *c);
/*
 * fn(arg, delivered_below, dropped_below) runs whenever messages leave
 * the queue delivered (confirmed; with at-most-once, written): every one
 * below delivered_below was, and every one below dropped_below that was
 * not delivered had been dropped before (overflow).
 */
/*
 * fn(arg, seq, data, len) sees a message the upstream refused (it closed
 * the connection on it max_deliveries times, resend.h) just before it is
 * dropped.
 */
void conn_set_refused(struct conn *c,
		      void (*fn)(void *arg, uint64_t seq, const void *data,
				 size_t len), void *arg);
void conn_set_settled(struct conn *c,
		      void (*fn)(void *arg, uint64_t delivered_below,
				 uint64_t dropped_below), void *arg);

/*
 * A message of `len` bytes, over max_message_size, that was never read
 * into memory (redis_sub.h): count it as dropped and say so, naming the
 * channel (NULL: its name was over the limit too).
 */
void conn_drop_oversize(struct conn *c, const char *channel,
			size_t channel_len, uint64_t len);

const struct conn_stats *conn_get_stats(const struct conn *c);


void conn_snapshot(const struct conn *c, struct conn_snapshot *out);

/*
 * fn(arg) runs for every message queued (so counters are about to move):
 * keep it cheap, it is on the path of every message.
 */
void conn_set_activity(struct conn *c, void (*fn)(void *), void *arg);
/* One piece of a message from the server (conn_set_inbound). */
struct conn_fragment {
	const void *data;
	size_t len;
	bool first, final;	/* of its message */
	bool binary;		/* the message is binary, else text */
};

/*
 * fn(arg, f) sees every piece of every data message the server sends,
 * in order, as it is read (control frames never); valid only during the
 * call.  A message the server never finishes (its connection is lost,
 * or failed for being too big) is followed by a first piece of the next.
 */
void conn_set_inbound(struct conn *c,
		      void (*fn)(void *arg, const struct conn_fragment *f),
		      void *arg);
/* fn(arg) runs on the loop after every state change (and on a drop). */
void conn_set_observer(struct conn *c, void (*fn)(void *arg), void *arg);
size_t conn_queued(const struct conn *c);

/*
 * Call after every turn of the loop: the server's reading is checked
 * against rx_budget.h (a clock read; two system calls every 100 ms while
 * busy, none while idle).
 */
void conn_after_service(struct conn *c);

#endif
