/*
 * stream_in.h - Redis Streams as a durable input: entries read with a
 * consumer group, queued for the upstream, and acknowledged (XACK) only
 * once the upstream has them.
 *
 * What happens when is stream_core.h's; this module carries it out.
 * Reads go over a connection of their own (the subscriber's "reader",
 * redis_sub.h: XREADGROUP BLOCK holds the connection it is sent on),
 * acknowledgements over the command connection.  An entry's message is
 * queued on the upstream connection under a sequence number (queue.h);
 * the connection reports what the queue delivered (confirmed, or written
 * with at-most-once) and what it dropped, and those entries are
 * acknowledged, in batches.  So an entry is acknowledged only after its
 * message reached the upstream, or after wspushd was told to drop it
 * (the queue's bounds, max_message_size, message_type): a daemon killed
 * at any moment leaves every other entry pending, read again at the next
 * start.
 *
 * An entry's message is the value of its field "data".  An entry without
 * one, or deleted while pending, cannot be delivered: it is logged (once
 * per run of them), counted, and acknowledged.  An entry the upstream
 * refuses (it closes the connection on it max_deliveries times: resend.h)
 * is added to the dead-letter stream ([redis] dead_letter, default the
 * stream's name with ":dead") with its stream, ID, the reason and its
 * data, and acknowledged once that XADD succeeded.
 *
 * The streams, the group and the consumer are copied at start; a reload
 * does not change them.
 */
#ifndef WSPUSHD_STREAM_IN_H
#define WSPUSHD_STREAM_IN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/stream_out.h"	/* struct stream_stats */

struct config;
struct conn;
struct lws_context;
struct redis_sub;
struct stream_in;


/*
 * Read cfg's streams over rs's reader connection, acknowledge over its
 * command connection, queue on conn (whose settled reports it takes).
 * Free it after rs (whose pending callbacks still find it then), before
 * conn.
 */
struct stream_in *stream_in_new(struct lws_context *ctx, const struct config *cfg,
				struct redis_sub *rs, struct conn *conn);
void stream_in_free(struct stream_in *si);
/* Before exit: the last acknowledgements onto the wire. */
void stream_in_flush(struct stream_in *si);

/* Redis came up (subscribed) or went down.  si may be NULL. */
void stream_in_redis(struct stream_in *si, bool up);
/*
 * Standing by (fleet.h): the queue is about to be dropped; forget its
 * entries, which stay pending on Redis for the leader and are never
 * acknowledged from here.
 */
void stream_in_forget(struct stream_in *si);
/* Shutdown: no more reads; acknowledgements still go while they can. */
void stream_in_stop(struct stream_in *si);

/* The streams' names and counters, for status and metrics: how many. */
size_t stream_in_view(const struct stream_in *si, char *const **names,
		      const struct stream_stats **stats);


#endif
