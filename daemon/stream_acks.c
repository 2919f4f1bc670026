/*
 * stream_acks.c - see stream_acks.h.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/stream_acks.h"

static int
grow(struct stream_acks *a)
{
	size_t cap = a->cap ? a->cap * 2 : 256;
	struct stream_ack *v = malloc(cap * sizeof(*v));

	if (v == NULL)
		return -1;
	/* Unroll the ring into the new array, oldest first. */
	for (size_t i = 0; i < a->len; i++)
		v[i] = a->v[(a->head + i) % a->cap];
	free(a->v);
	a->v = v;
	a->cap = cap;
	a->head = 0;
	return 0;
}

int
stream_acks_push(struct stream_acks *a, uint64_t seq, uint32_t stream,
		 const struct stream_id *id)
{
	struct stream_ack *e;

	if (a->len == a->cap && grow(a) < 0)
		return -1;
	e = &a->v[(a->head + a->len) % a->cap];
	e->seq = seq;
	e->stream = stream;
	e->id = *id;
	a->len++;
	return 0;
}

size_t
stream_acks_settle(struct stream_acks *a, uint64_t delivered_below,
		   uint64_t dropped_below,
		   void (*fn)(void *, const struct stream_ack *, int), void *arg)
{
	size_t n = 0;

	while (a->len > 0) {
		const struct stream_ack *e = &a->v[a->head];

		/*
		 * Below the head the queue had before this delivery: it was
		 * gone before, so it was dropped, not delivered.
		 */
		if (e->seq < dropped_below)
			fn(arg, e, 0);
		else if (e->seq < delivered_below)
			fn(arg, e, 1);
		else
			break;
		a->head = (a->head + 1) % a->cap;
		a->len--;
		n++;
	}
	if (a->len == 0)
		a->head = 0;
	return n;
}

bool
stream_acks_take(struct stream_acks *a, uint64_t seq, struct stream_ack *out)
{
	if (a->len == 0 || a->v[a->head].seq != seq)
		return false;
	*out = a->v[a->head];
	a->head = (a->head + 1) % a->cap;
	if (--a->len == 0)
		a->head = 0;
	return true;
}

void
stream_acks_free(struct stream_acks *a)
{
	free(a->v);
	memset(a, 0, sizeof(*a));
}
