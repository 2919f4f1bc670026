/*
 * queue.c - see queue.h.
 *
 * Chunks form a singly linked list.  Frames are appended at the tail of
 * the last chunk and removed from the head of the first; a frame never
 * spans two chunks.  A frame larger than QUEUE_CHUNK_SIZE gets a chunk
 * of its own size.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/queue.h"
#include "wspushd/ws_frame.h"

struct queue_chunk {
	struct queue_chunk *next;
	size_t size;		/* bytes of data */
	size_t head;		/* first byte not yet consumed */
	size_t tail;		/* first free byte */
	unsigned char data[];
};

void
queue_init(struct queue *q, size_t max_count, size_t max_bytes,
	   enum overflow_policy policy)
{
	memset(q, 0, sizeof(*q));
	q->max_count = max_count;
	q->max_bytes = max_bytes;
	q->policy = policy;
}

static struct queue_chunk *
chunk_get(struct queue *q, size_t need)
{
	size_t size = need > QUEUE_CHUNK_SIZE ? need : QUEUE_CHUNK_SIZE;
	struct queue_chunk *c;

	if (q->spare != NULL && q->spare->size >= need) {
		c = q->spare;
		q->spare = NULL;
	} else {
		c = malloc(sizeof(*c) + size);
		if (c == NULL)
			return NULL;
		c->size = size;
	}
	c->next = NULL;
	c->head = c->tail = 0;
	return c;
}

/* Keep one standard chunk for the next push; oversized ones go back. */
static void
chunk_put(struct queue *q, struct queue_chunk *c)
{
	if (q->spare == NULL && c->size == QUEUE_CHUNK_SIZE)
		q->spare = c;
	else
		free(c);
}

/* Unlink the first chunk once everything in it is consumed. */
static void
release_head_chunk(struct queue *q)
{
	struct queue_chunk *c = q->first;

	if (c->head < c->tail)
		return;
	if (c == q->last && c->size == QUEUE_CHUNK_SIZE) {
		/* The only chunk: rewind it rather than give it back. */
		c->head = c->tail = 0;
		return;
	}
	q->first = c->next;
	if (q->first == NULL)
		q->last = NULL;
	chunk_put(q, c);
}

void
queue_pop(struct queue *q)
{
	struct queue_chunk *c = q->first;
	struct ws_frame_info f;

	if (q->count == 0)
		return;
	ws_frame_parse(c->data + c->head, c->tail - c->head, &f);
	c->head += f.header_len + f.payload_len;
	q->count--;
	q->bytes -= f.payload_len;
	q->head_seq++;
	if (q->unconfirmed > 0)
		q->unconfirmed--;
	release_head_chunk(q);
}

void
queue_free(struct queue *q)
{
	struct queue_chunk *c = q->first;

	while (c != NULL) {
		struct queue_chunk *next = c->next;

		free(c);
		c = next;
	}
	free(q->spare);
	q->first = q->last = q->spare = NULL;
	q->count = q->bytes = 0;
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

	while (q->count > 0 && !fits(q, len)) {
		queue_pop(q);
		n++;
	}
	q->dropped += n;
	return n;
}

static bool
room_at_tail(const struct queue *q, size_t need)
{
	return q->last != NULL && q->last->size - q->last->tail >= need;
}

enum queue_result
queue_push(struct queue *q, const void *data, size_t len, bool binary,
	   const unsigned char key[4], size_t *evicted)
{
	size_t need = ws_frame_header_len(len) + len;
	struct queue_chunk *fresh = NULL, *c;
	size_t n = 0;

	*evicted = 0;
	if (len > q->max_bytes || q->max_count == 0) {
		q->dropped++;
		return QUEUE_TOO_LARGE;
	}
	if (!fits(q, len) && q->policy == OVERFLOW_DROP_NEWEST) {
		q->dropped++;
		return QUEUE_REJECTED;
	}
	/* Allocate before evicting, so a failed malloc loses one, not two. */
	if (!room_at_tail(q, need) && (fresh = chunk_get(q, need)) == NULL) {
		q->dropped++;
		return QUEUE_NOMEM;
	}
	if (!fits(q, len))
		n = evict_for(q, len);
	if (fresh != NULL && room_at_tail(q, need)) {
		/* Evicting emptied and rewound the last chunk. */
		chunk_put(q, fresh);
		fresh = NULL;
	}
	if (fresh != NULL) {
		if (q->count == 0 && q->first != NULL) {
			/* An empty chunk too small for this frame. */
			chunk_put(q, q->first);
			q->first = q->last = NULL;
		}
		if (q->last != NULL)
			q->last->next = fresh;
		else
			q->first = fresh;
		q->last = fresh;
	}
	c = q->last;
	c->tail += ws_frame_encode(c->data + c->tail, data, len, binary, key);
	q->count++;
	q->bytes += len;
	*evicted = n;
	return n > 0 ? QUEUE_EVICTED : QUEUE_OK;
}

/*
 * Where the first unsent frame starts: the head while nothing is
 * unconfirmed, else the mark, moved past the end of a full chunk.
 */
static void
first_unsent(const struct queue *q, struct queue_chunk **cp, size_t *offp)
{
	struct queue_chunk *c = q->first;
	size_t off = c != NULL ? c->head : 0;

	if (q->unconfirmed > 0) {
		c = q->sent_chunk;
		off = q->sent_off;
	}
	while (c != NULL && off == c->tail && c->next != NULL) {
		c = c->next;
		off = c->head;
	}
	*cp = c;
	*offp = off;
}

bool
queue_peek_run(const struct queue *q, size_t max, struct queue_run *run)
{
	struct queue_chunk *c;
	size_t off, end;

	memset(run, 0, sizeof(*run));
	if (queue_unsent(q) == 0)
		return false;
	first_unsent(q, &c, &off);
	run->data = c->data + off;
	end = c->tail;
	while (off < end) {
		struct ws_frame_info f;
		size_t flen;

		ws_frame_parse(c->data + off, end - off, &f);
		flen = f.header_len + f.payload_len;
		if (run->count > 0 && run->len + flen > max)
			break;
		run->len += flen;
		run->count++;
		run->payload += f.payload_len;
		off += flen;
	}
	return true;
}

void
queue_consume(struct queue *q, const struct queue_run *run)
{
	/* Only with nothing unconfirmed: the run starts at the head. */
	q->first->head += run->len;
	q->count -= run->count;
	q->bytes -= run->payload;
	q->head_seq += run->count;
	release_head_chunk(q);
}

bool
queue_peek_head(const struct queue *q, struct queue_run *run)
{
	const struct queue_chunk *c = q->first;
	struct ws_frame_info f;

	memset(run, 0, sizeof(*run));
	if (q->count == 0)
		return false;
	ws_frame_parse(c->data + c->head, c->tail - c->head, &f);
	run->data = c->data + c->head;
	run->len = f.header_len + f.payload_len;
	run->count = 1;
	run->payload = f.payload_len;
	return true;
}

void
queue_mark_sent(struct queue *q, const struct queue_run *run)
{
	struct queue_chunk *c;
	size_t off;

	first_unsent(q, &c, &off);
	q->sent_chunk = c;
	q->sent_off = off + run->len;
	q->unconfirmed += run->count;
}

size_t
queue_confirm(struct queue *q, uint64_t upto)
{
	size_t n = 0;

	while (q->unconfirmed > 0 && q->head_seq < upto) {
		queue_pop(q);
		n++;
	}
	return n;
}

size_t
queue_rewind(struct queue *q)
{
	size_t n = q->unconfirmed;

	q->unconfirmed = 0;
	return n;
}

size_t
queue_set_limits(struct queue *q, size_t max_count, size_t max_bytes,
		 enum overflow_policy policy)
{
	size_t n = 0;

	q->max_count = max_count;
	q->max_bytes = max_bytes;
	q->policy = policy;
	while (q->count > 0 &&
	       (q->count > q->max_count || q->bytes > q->max_bytes)) {
		queue_pop(q);
		n++;
	}
	q->dropped += n;
	return n;
}
