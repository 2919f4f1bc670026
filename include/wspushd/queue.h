/*
 * queue.h - the bounded FIFO of messages waiting to go upstream.
 *
 * Every message passes through here, whether the connection is open or
 * not, so there is one path and one order.  The queue is bounded by
 * count and by payload bytes; when a new message does not fit, the
 * overflow policy decides which message is lost, and the loss is
 * counted.
 *
 * A message is stored as the masked WebSocket frame that will carry it
 * (ws_frame.h), back to back with its neighbours in large chunks.  So
 * pushing costs one copy and no allocation in the steady state, a run
 * of frames leaves in one write straight from the chunk, and a message
 * costs its frame header (6 bytes at 100 B) beyond its payload.  A
 * frame is valid on any connection, so a frame that a broken connection
 * did not take goes out unchanged on the next one.
 *
 * Every message has a sequence number, counted from the first ever
 * pushed.  A run that was written either leaves at once (at most once:
 * queue_consume()), or stays at the head, written but unconfirmed
 * (queue_mark_sent()), until the server confirms it (queue_confirm():
 * everything below a sequence number) or the connection is lost
 * (queue_rewind(): all of it is unsent again, in order, and goes first on
 * the next connection).  Unconfirmed messages count against the bounds
 * like any other, and overflow may drop them like any other.
 */
#ifndef WSPUSHD_QUEUE_H
#define WSPUSHD_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/config.h"

#define QUEUE_CHUNK_SIZE (256 * 1024)

struct queue_chunk;

struct queue {
	struct queue_chunk *first, *last;
	struct queue_chunk *spare;	/* one emptied chunk, kept for reuse */
	size_t count;		/* messages queued */
	size_t bytes;		/* payload bytes queued */
	size_t max_count;
	size_t max_bytes;
	enum overflow_policy policy;
	uint64_t dropped;	/* lost to overflow, ever */
	uint64_t head_seq;	/* sequence number of the head message */
	size_t unconfirmed;	/* head messages written, not confirmed */
	/* Where the first unsent frame starts, while unconfirmed > 0. */
	struct queue_chunk *sent_chunk;
	size_t sent_off;
};

enum queue_result {
	QUEUE_OK,		/* queued, nothing lost */
	QUEUE_EVICTED,		/* queued, older message(s) dropped to fit */
	QUEUE_REJECTED,		/* not queued: full under drop-newest */
	QUEUE_TOO_LARGE,	/* not queued: larger than max_bytes */
	QUEUE_NOMEM,		/* not queued: out of memory */
};

void queue_init(struct queue *q, size_t max_count, size_t max_bytes,
		enum overflow_policy policy);
void queue_free(struct queue *q);	/* drops everything */

/*
 * Frame a payload with the masking key and copy it in.  *evicted gets
 * how many older messages were lost to make room.
 */
enum queue_result queue_push(struct queue *q, const void *data, size_t len,
			     bool binary, const unsigned char key[4],
			     size_t *evicted);

/* A run of whole frames at the head, contiguous in memory. */
struct queue_run {
	const unsigned char *data;
	size_t len;		/* bytes of frames */
	size_t count;		/* frames */
	size_t payload;		/* payload bytes in them */
};

/*
 * The first unsent frames, as many as fit in max bytes (at least one,
 * however large).  Returns false when none is unsent.
 */
bool queue_peek_run(const struct queue *q, size_t max, struct queue_run *run);

/* Remove a run that queue_peek_run() returned, once it was written. */
void queue_consume(struct queue *q, const struct queue_run *run);

/* The head frame alone, unsent or not; false when the queue is empty. */
bool queue_peek_head(const struct queue *q, struct queue_run *run);

/* Keep a run that queue_peek_run() returned, written, until confirmed. */
void queue_mark_sent(struct queue *q, const struct queue_run *run);

/* The sequence number after the last message written. */
static inline uint64_t
queue_sent_seq(const struct queue *q)
{
	return q->head_seq + q->unconfirmed;
}

/* Messages not written yet. */
static inline size_t
queue_unsent(const struct queue *q)
{
	return q->count - q->unconfirmed;
}

/*
 * The server read every message below sequence number upto: they leave.
 * Returns how many did.
 */
size_t queue_confirm(struct queue *q, uint64_t upto);

/* The connection is lost: every unconfirmed message is unsent again. */
size_t queue_rewind(struct queue *q);

void queue_pop(struct queue *q);	/* drop the head; no-op when empty */

/* Change the limits; evicts from the head (counted) if now over. */
size_t queue_set_limits(struct queue *q, size_t max_count, size_t max_bytes,
			enum overflow_policy policy);

#endif
