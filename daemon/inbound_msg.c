/*
 * inbound_msg.c - see inbound_msg.h.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/inbound_msg.h"
#include "wspushd/xalloc.h"

/* The first buffer; it doubles from there, never past max. */
#define FIRST_CAP 4096

static void
gather(struct inbound_msg *m, const void *data, size_t len, size_t max)
{
	if (len == 0)
		return;
	if (m->len + len > m->cap) {
		size_t cap = m->cap > 0 ? m->cap : FIRST_CAP;

		while (cap < m->len + len && cap < max)
			cap = cap > max / 2 ? max : cap * 2;
		/* Whatever max says, the buffer holds what is put in it. */
		if (cap < m->len + len)
			cap = m->len + len;
		m->buf = xreallocarray(m->buf, cap, 1);
		m->cap = cap;
	}
	memcpy(m->buf + m->len, data, len);
	m->len += len;
}

/* The message is over the limit: nothing of it is kept. */
static enum inbound_msg_verdict
too_big(struct inbound_msg *m, const struct inbound_piece *p)
{
	m->len = 0;
	m->state = p->final ? INMSG_IDLE : INMSG_SKIPPING;
	inbound_msg_done(m);
	return INMSG_TOO_BIG;
}

enum inbound_msg_verdict
inbound_msg_add(struct inbound_msg *m, const struct inbound_piece *p,
		size_t max, struct inbound_piece *out)
{
	if (p->first) {
		/* Whatever was gathered belongs to a message never finished. */
		m->state = INMSG_IDLE;
		m->len = 0;
	} else if (m->state == INMSG_IDLE) {
		m->state = INMSG_SKIPPING;	/* joined in the middle */
	}
	if (m->state == INMSG_SKIPPING) {
		if (p->final)
			m->state = INMSG_IDLE;
		return INMSG_MORE;
	}
	/* max may have shrunk (a reload) below what is already gathered. */
	if (m->len > max || p->len > max - m->len)
		return too_big(m, p);
	if (p->first && p->final) {
		/* In one piece: handed back where it lies. */
		*out = *p;
		return INMSG_WHOLE;
	}
	if (p->first) {
		m->binary = p->binary;
		m->state = INMSG_GATHERING;
	}
	gather(m, p->data, p->len, max);
	if (!p->final)
		return INMSG_MORE;
	*out = (struct inbound_piece){
		.data = m->buf, .len = m->len, .first = true, .final = true,
		.binary = m->binary,
	};
	m->state = INMSG_IDLE;
	m->len = 0;
	return INMSG_WHOLE;
}

void
inbound_msg_done(struct inbound_msg *m)
{
	if (m->cap <= INBOUND_MSG_KEEP || m->state == INMSG_GATHERING)
		return;
	free(m->buf);
	m->buf = NULL;
	m->cap = 0;
}

void
inbound_msg_reset(struct inbound_msg *m)
{
	m->state = INMSG_IDLE;
	m->len = 0;
	inbound_msg_done(m);
}

void
inbound_msg_free(struct inbound_msg *m)
{
	free(m->buf);
	*m = (struct inbound_msg){ 0 };
}
