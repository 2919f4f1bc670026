/*
 * stream_acks.h - the stream entries whose messages wait in the queue,
 * in queue order, until they can be acknowledged.
 *
 * Each message taken from a stream is queued with a sequence number
 * (queue.h); the entry is kept here under that number.  When the queue
 * says everything below some number was delivered (confirmed, or with
 * at-most-once written), those entries are due for XACK; entries below
 * the queue's head that were not delivered were dropped (overflow): they
 * are due for XACK too, as told, and counted apart.
 *
 * Pure: tests/unit/test_stream_acks.c.
 */
#ifndef WSPUSHD_STREAM_ACKS_H
#define WSPUSHD_STREAM_ACKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/stream_id.h"

struct stream_ack {
	uint64_t seq;		/* the message's number in the queue */
	uint32_t stream;	/* index into [redis] stream */
	struct stream_id id;
};

struct stream_acks {
	struct stream_ack *v;	/* a ring of cap entries */
	size_t head, len, cap;
};

/* Keep entry id of stream (index) under queue number seq.  0, or -1. */
int stream_acks_push(struct stream_acks *a, uint64_t seq, uint32_t stream,
		     const struct stream_id *id);

/*
 * The queue delivered every message below delivered_below, and every
 * message below dropped_below that was not delivered is gone: fn(arg,
 * entry, delivered) for each such entry, oldest first, and they leave.
 */
size_t stream_acks_settle(struct stream_acks *a, uint64_t delivered_below,
			  uint64_t dropped_below,
			  void (*fn)(void *arg, const struct stream_ack *e,
				     int delivered),
			  void *arg);

/* The oldest entry, if it is seq's: out, and it leaves.  False if not. */
bool stream_acks_take(struct stream_acks *a, uint64_t seq, struct stream_ack *out);

static inline size_t
stream_acks_count(const struct stream_acks *a)
{
	return a->len;
}

void stream_acks_free(struct stream_acks *a);

#endif
