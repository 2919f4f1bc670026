/*
 * queue.h - the bounded FIFO of messages waiting to go upstream.
 *
 * Every message passes through here, whether the connection is open or
 * not, so there is one path and one order.  The queue is bounded by
 * count and by bytes; when a new message does not fit, the overflow
 * policy decides which message is lost, and the loss is counted.
 *
 * Each message is one allocation holding a fixed headroom before the
 * payload, so the WebSocket layer can write its frame header in place
 * (libwebsockets' LWS_PRE) without copying the payload again.
 */
#ifndef WSPUSHD_QUEUE_H
#define WSPUSHD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/config.h"

struct queue_msg {
	struct queue_msg *next;
	size_t len;		/* payload bytes */
	bool binary;		/* send as a binary frame */
	unsigned char buf[];	/* headroom, then payload */
};

struct queue {
	struct queue_msg *head, *tail;
	size_t count;		/* messages queued */
	size_t bytes;		/* payload bytes queued */
	size_t max_count;
	size_t max_bytes;
	size_t headroom;
	enum overflow_policy policy;
	uint64_t dropped;	/* lost to overflow, ever */
};

enum queue_result {
	QUEUE_OK,		/* queued, nothing lost */
	QUEUE_EVICTED,		/* queued, older message(s) dropped to fit */
	QUEUE_REJECTED,		/* not queued: full under drop-newest */
	QUEUE_TOO_LARGE,	/* not queued: larger than max_bytes */
	QUEUE_NOMEM,		/* not queued: out of memory */
};

void queue_init(struct queue *q, size_t max_count, size_t max_bytes,
		enum overflow_policy policy, size_t headroom);
void queue_free(struct queue *q);	/* drops everything */

/* Copy a payload in.  *evicted gets how many older messages were lost. */
enum queue_result queue_push(struct queue *q, const void *data, size_t len,
			     bool binary, size_t *evicted);

static inline struct queue_msg *
queue_peek(const struct queue *q)
{
	return q->head;
}

/* Where the payload of m starts (headroom bytes into buf). */
static inline unsigned char *
queue_payload(const struct queue *q, struct queue_msg *m)
{
	return m->buf + q->headroom;
}

void queue_pop(struct queue *q);	/* free the head; no-op when empty */

/* Change the limits; evicts from the head (counted) if now over. */
size_t queue_set_limits(struct queue *q, size_t max_count, size_t max_bytes,
			enum overflow_policy policy);

#endif
