/*
 * inbound_queue.c - see inbound_queue.h.
 *
 * A singly linked list: a message is copied in once, with its header, in
 * one allocation, and freed the moment its command is sent.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/inbound_queue.h"
#include "wspushd/textbuf.h"
#include "wspushd/xalloc.h"

void
inbound_queue_init(struct inbound_queue *q, size_t max_pending,
		   size_t max_pending_bytes)
{
	*q = (struct inbound_queue){ 0 };
	inbound_queue_limits(q, max_pending, max_pending_bytes);
}

void
inbound_queue_limits(struct inbound_queue *q, size_t max_pending,
		     size_t max_pending_bytes)
{
	q->max_pending = max_pending;
	q->max_pending_bytes = max_pending_bytes;
}

size_t
inbound_queue_pending(const struct inbound_queue *q)
{
	return q->queued + q->in_flight;
}

size_t
inbound_queue_pending_bytes(const struct inbound_queue *q)
{
	return q->queued_bytes + q->in_flight_bytes;
}

bool
inbound_queue_admit(struct inbound_queue *q, size_t len)
{
	size_t bytes = inbound_queue_pending_bytes(q);

	q->stats.received++;
	/* Written so that nothing overflows, even past a lowered bound. */
	if (inbound_queue_pending(q) >= q->max_pending ||
	    len > q->max_pending_bytes || bytes > q->max_pending_bytes - len) {
		q->stats.dropped[INBOUND_FULL]++;
		return false;
	}
	return true;
}

void
inbound_queue_too_big(struct inbound_queue *q)
{
	q->stats.received++;
	q->stats.dropped[INBOUND_TOO_BIG]++;
}

bool
inbound_queue_direct(const struct inbound_queue *q)
{
	return q->head == NULL && q->in_flight < INBOUND_WINDOW;
}

void
inbound_queue_sent(struct inbound_queue *q, size_t len)
{
	q->in_flight++;
	q->in_flight_bytes += len;
}

void
inbound_queue_push(struct inbound_queue *q, const void *data, size_t len,
		   bool binary, int64_t at_ms, void *tag)
{
	struct inbound_item *it = xmalloc(sizeof(*it) + len);

	*it = (struct inbound_item){
		.tag = tag, .at_ms = at_ms, .len = len, .binary = binary,
	};
	if (len > 0)
		memcpy(it->data, data, len);
	if (q->tail != NULL)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->queued++;
	q->queued_bytes += len;
}

const struct inbound_item *
inbound_queue_head(const struct inbound_queue *q)
{
	return q->head;
}

const struct inbound_item *
inbound_queue_next(const struct inbound_queue *q)
{
	return q->in_flight < INBOUND_WINDOW ? q->head : NULL;
}

void
inbound_queue_discard_head(struct inbound_queue *q)
{
	struct inbound_item *it = q->head;

	if (it == NULL)
		return;
	q->head = it->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->queued--;
	q->queued_bytes -= it->len;
	free(it);
}

void
inbound_queue_next_sent(struct inbound_queue *q)
{
	size_t len;

	if (q->head == NULL)
		return;
	len = q->head->len;
	inbound_queue_discard_head(q);
	inbound_queue_sent(q, len);
}

void
inbound_queue_answered(struct inbound_queue *q, size_t len,
		       enum inbound_answer a)
{
	if (q->in_flight == 0 || len > q->in_flight_bytes)
		return;		/* not ours: nothing was in flight */
	q->in_flight--;
	q->in_flight_bytes -= len;
	switch (a) {
	case INBOUND_ACCEPTED:
		q->stats.forwarded++;
		break;
	case INBOUND_ERROR:
		q->stats.dropped[INBOUND_REFUSED]++;
		break;
	case INBOUND_GONE:
		q->stats.dropped[INBOUND_LOST]++;
		break;
	}
}

size_t
inbound_queue_metrics(const struct inbound_queue *q, char *buf, size_t len)
{
	static const char *const reasons[INBOUND_DROPS] = {
		[INBOUND_FULL] = "full", [INBOUND_TOO_BIG] = "too_big",
		[INBOUND_REFUSED] = "refused", [INBOUND_LOST] = "lost",
	};
	const struct inbound_stats *s = &q->stats;
	struct textbuf t = { .buf = buf, .len = len };

	if (len > 0)
		buf[0] = '\0';
	textbuf_put(&t, "# HELP wspushd_inbound_messages_total Messages the "
		    "server sent, taken while [inbound] is on.\n"
		    "# TYPE wspushd_inbound_messages_total counter\n"
		    "wspushd_inbound_messages_total %llu\n",
		    (unsigned long long)s->received);
	textbuf_put(&t, "# HELP wspushd_inbound_forwarded_total The server's "
		    "messages Redis accepted (PUBLISH or XADD answered).\n"
		    "# TYPE wspushd_inbound_forwarded_total counter\n"
		    "wspushd_inbound_forwarded_total %llu\n",
		    (unsigned long long)s->forwarded);
	textbuf_put(&t, "# HELP wspushd_inbound_dropped_total The server's "
		    "messages that did not reach Redis, by reason.\n"
		    "# TYPE wspushd_inbound_dropped_total counter\n");
	for (int i = 0; i < INBOUND_DROPS; i++)
		textbuf_put(&t, "wspushd_inbound_dropped_total{reason=\"%s\"} "
			    "%llu\n", reasons[i],
			    (unsigned long long)s->dropped[i]);
	textbuf_put(&t, "# HELP wspushd_inbound_pending The server's messages "
		    "waiting for Redis: queued, or sent and not answered.\n"
		    "# TYPE wspushd_inbound_pending gauge\n"
		    "wspushd_inbound_pending %zu\n", inbound_queue_pending(q));
	textbuf_put(&t, "# HELP wspushd_inbound_pending_bytes Their bytes.\n"
		    "# TYPE wspushd_inbound_pending_bytes gauge\n"
		    "wspushd_inbound_pending_bytes %zu\n",
		    inbound_queue_pending_bytes(q));
	return t.used;
}
