/*
 * inbound_queue.h - the server's messages on their way into Redis:
 * bounded, in order, each one accounted for.  Pure: no I/O.
 *
 * A message is pending from the moment it is taken until Redis answers
 * for it: queued here (a copy, waiting for its command) or in flight
 * (its command sent, the reply still to come; hiredis holds that copy).
 * Both count against max_pending and max_pending_bytes (payload bytes),
 * so whatever the server sends and however slow Redis is, what waits
 * for Redis stays within the bounds; a message that would pass them is
 * dropped (the newest: what waits is older, and keeps its order) and
 * counted.  Commands in flight are also capped at INBOUND_WINDOW: enough
 * to keep a pipeline full, few enough that a Redis that stopped reading
 * holds only so many (when the connection goes, they are lost).
 *
 * Every message taken ends as exactly one of: forwarded (Redis answered
 * it), dropped as full or too big (never sent), refused (Redis answered
 * an error) or lost (the connection went with it in flight: it may or
 * may not have been applied).  So, always,
 *   received = forwarded + dropped (every reason) + pending.
 *
 * A reload's new bounds apply to the next messages: what waits stays,
 * even over them, and goes out in order.
 */
#ifndef WSPUSHD_INBOUND_QUEUE_H
#define WSPUSHD_INBOUND_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Commands in flight at most. */
#define INBOUND_WINDOW 256

enum inbound_drop {
	INBOUND_FULL,		/* over max_pending or max_pending_bytes */
	INBOUND_TOO_BIG,	/* over max_message_size */
	INBOUND_REFUSED,	/* Redis answered an error */
	INBOUND_LOST,		/* the connection went with it in flight */
	INBOUND_DROPS,
};

/* What came of a command in flight. */
enum inbound_answer {
	INBOUND_ACCEPTED,	/* a reply */
	INBOUND_ERROR,		/* an error reply */
	INBOUND_GONE,		/* no reply: the connection went */
};

struct inbound_stats {
	uint64_t received;	/* messages taken from the server */
	uint64_t forwarded;	/* accepted by Redis */
	uint64_t dropped[INBOUND_DROPS];
};

/* One queued message, with its copy. */
struct inbound_item {
	struct inbound_item *next;
	void *tag;		/* the caller's (where it goes); not touched */
	int64_t at_ms;		/* when it was received, Unix ms */
	size_t len;
	bool binary;
	unsigned char data[];
};

struct inbound_queue {
	struct inbound_item *head, *tail;
	size_t queued, queued_bytes;		/* waiting to be sent */
	size_t in_flight, in_flight_bytes;	/* sent, not answered */
	size_t max_pending, max_pending_bytes;
	struct inbound_stats stats;
};

void inbound_queue_init(struct inbound_queue *q, size_t max_pending,
			size_t max_pending_bytes);
/* A reload: bounds for the next messages. */
void inbound_queue_limits(struct inbound_queue *q, size_t max_pending,
			  size_t max_pending_bytes);

/*
 * A whole message of len bytes was received: true if it may wait for
 * Redis, false if it is dropped as full (counted).  Then, when true,
 * inbound_queue_sent() or inbound_queue_push() must follow.
 */
bool inbound_queue_admit(struct inbound_queue *q, size_t len);
/* A message over max_message_size was received and dropped. */
void inbound_queue_too_big(struct inbound_queue *q);

/* May the message just admitted go at once: none waits before it, and
 * the window has room? */
bool inbound_queue_direct(const struct inbound_queue *q);
/* The message admitted was sent at once: in flight. */
void inbound_queue_sent(struct inbound_queue *q, size_t len);
/* The message admitted waits: copied in, behind the others. */
void inbound_queue_push(struct inbound_queue *q, const void *data, size_t len,
			bool binary, int64_t at_ms, void *tag);

/* The next message to send, or NULL: none waits, or the window is full. */
const struct inbound_item *inbound_queue_next(const struct inbound_queue *q);
/* The next one was sent: in flight, its copy freed. */
void inbound_queue_next_sent(struct inbound_queue *q);
/* The first waiting message, or NULL; and, at exit, let it go uncounted. */
const struct inbound_item *inbound_queue_head(const struct inbound_queue *q);
void inbound_queue_discard_head(struct inbound_queue *q);

/* Redis answered (or the connection went) for len bytes in flight. */
void inbound_queue_answered(struct inbound_queue *q, size_t len,
			    enum inbound_answer a);

size_t inbound_queue_pending(const struct inbound_queue *q);
size_t inbound_queue_pending_bytes(const struct inbound_queue *q);

/*
 * The wspushd_inbound_* families as Prometheus text; snprintf-like, as
 * metrics_text.h says.
 */
size_t inbound_queue_metrics(const struct inbound_queue *q, char *buf,
			     size_t len);

#endif
