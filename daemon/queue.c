/*
 * queue.c - see queue.h.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/queue.h"

void
queue_init(struct queue *q, size_t max_count, size_t max_bytes,
	   enum overflow_policy policy, size_t headroom)
{
	memset(q, 0, sizeof(*q));
	q->max_count = max_count;
	q->max_bytes = max_bytes;
	q->policy = policy;
	q->headroom = headroom;
}

void
queue_pop(struct queue *q)
{
	struct queue_msg *m = q->head;

	if (m == NULL)
		return;
	q->head = m->next;
	if (q->head == NULL)
		q->tail = NULL;
	q->count--;
	q->bytes -= m->len;
	free(m);
}

void
queue_free(struct queue *q)
{
	while (q->head != NULL)
		queue_pop(q);
}

static bool
fits(const struct queue *q, size_t len)
{
	return q->count < q->max_count && len <= q->max_bytes - q->bytes;
}

/* Drop from the head until len more bytes and one more message fit. */
static size_t
evict_for(struct queue *q, size_t len)
{
	size_t n = 0;

	while (q->head != NULL && !fits(q, len)) {
		queue_pop(q);
		n++;
	}
	q->dropped += n;
	return n;
}

enum queue_result
queue_push(struct queue *q, const void *data, size_t len, bool binary,
	   size_t *evicted)
{
	struct queue_msg *m;
	size_t n = 0;

	*evicted = 0;
	if (len > q->max_bytes || q->max_count == 0) {
		q->dropped++;
		return QUEUE_TOO_LARGE;
	}
	if (!fits(q, len)) {
		if (q->policy == OVERFLOW_DROP_NEWEST) {
			q->dropped++;
			return QUEUE_REJECTED;
		}
		/* Allocate before evicting so a failed malloc loses one, not two. */
	}
	m = malloc(sizeof(*m) + q->headroom + len);
	if (m == NULL) {
		q->dropped++;
		return QUEUE_NOMEM;
	}
	if (!fits(q, len))
		n = evict_for(q, len);
	m->next = NULL;
	m->len = len;
	m->binary = binary;
	if (len > 0)
		memcpy(m->buf + q->headroom, data, len);
	if (q->tail != NULL)
		q->tail->next = m;
	else
		q->head = m;
	q->tail = m;
	q->count++;
	q->bytes += len;
	*evicted = n;
	return n > 0 ? QUEUE_EVICTED : QUEUE_OK;
}

size_t
queue_set_limits(struct queue *q, size_t max_count, size_t max_bytes,
		 enum overflow_policy policy)
{
	size_t n = 0;

	q->max_count = max_count;
	q->max_bytes = max_bytes;
	q->policy = policy;
	while (q->head != NULL &&
	       (q->count > q->max_count || q->bytes > q->max_bytes)) {
		queue_pop(q);
		n++;
	}
	q->dropped += n;
	return n;
}
