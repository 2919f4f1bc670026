/*
 * stream_core.c - see stream_core.h.
 */
#include <string.h>

#include "wspushd/stream_core.h"

/* With the queue full, a round due waits this long before it looks again. */
#define CLAIM_NO_ROOM_MS 1000

static const char *const names[SR_STATE_COUNT] = {
	[SR_IDLE] = "idle",
	[SR_CREATING] = "creating",
	[SR_TAKEOVER] = "takeover",
	[SR_HISTORY] = "history",
	[SR_READING] = "reading",
	[SR_FULL] = "full",
	[SR_BACKOFF] = "backoff",
	[SR_STOPPED] = "stopped",
};

const char *
stream_state_name(enum stream_state s)
{
	return (unsigned)s < SR_STATE_COUNT ? names[s] : "?";
}

void
stream_core_init(struct stream_core *c, const struct stream_params *p)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	if (c->p.streams == 0)
		c->p.streams = 1;
}

uint64_t
stream_core_deadline(const struct stream_core *c)
{
	uint64_t r = c->state == SR_BACKOFF ? c->retry_at : 0;

	if (c->claim_at != 0 && (r == 0 || c->claim_at < r))
		r = c->claim_at;
	return r;
}

/* A round of taking over, if one is due and the queue has room. */
static void
maybe_claim(struct stream_core *c, const struct stream_input *in,
	    struct stream_output *out)
{
	size_t per = in->room / c->p.streams;

	if (c->claim_at == 0 || in->now < c->claim_at ||
	    c->state == SR_CREATING || c->state == SR_TAKEOVER ||
	    c->state == SR_BACKOFF)
		return;
	if (per == 0) {
		/* No room now: look again in a while, not at once. */
		c->claim_at = in->now + CLAIM_NO_ROOM_MS;
		return;
	}
	c->claim_at = 0;
	out->actions |= SACT_CLAIM;
	out->count = per < c->p.batch ? (uint32_t)per : c->p.batch;
}

/* The next read, as much as the queue can take, or wait for room. */
static void
next_read(struct stream_core *c, const struct stream_input *in,
	  struct stream_output *out)
{
	size_t per = in->room / c->p.streams;

	if (per == 0) {
		c->state = SR_FULL;
		return;
	}
	out->count = per < c->p.batch ? (uint32_t)per : c->p.batch;
	if (!c->history_done) {
		c->state = SR_HISTORY;
		out->actions |= SACT_READ_HISTORY;
	} else {
		c->state = SR_READING;
		out->actions |= SACT_READ_NEW;
	}
}

/* The group is there (and, in a fleet, every pending entry ours). */
static void
begin_reading(struct stream_core *c, const struct stream_input *in,
	      struct stream_output *out)
{
	next_read(c, in, out);
	if (c->claim_at == 0)
		c->claim_at = in->now + c->p.claim_every_ms;
}

static void
failed(struct stream_core *c, const struct stream_input *in,
       struct stream_output *out)
{
	retry_failed(&c->retry);
	out->retry_in_ms = retry_delay_ms(&c->retry, &c->p.backoff, in->random);
	c->retry_at = in->now + out->retry_in_ms;
	c->state = SR_BACKOFF;
	out->actions |= SACT_REPORT;
	out->why = in->why != NULL ? in->why : "failed";
}

static void
start(struct stream_core *c, struct stream_output *out)
{
	/* Own pending entries first, every time: see stream_core.h. */
	c->history_done = false;
	c->state = SR_CREATING;
	out->actions |= SACT_CREATE;
}

/* Redis is up, in one of the states that work with it. */
static void
step_active(struct stream_core *c, const struct stream_input *in,
	    struct stream_output *out)
{
	switch (in->ev) {
	case SEV_CREATED:
		if (c->state != SR_CREATING)
			break;
		if (c->p.takeover) {
			c->state = SR_TAKEOVER;
			out->actions |= SACT_TAKEOVER;
		} else {
			begin_reading(c, in, out);
		}
		break;
	case SEV_TAKEN:
		if (c->state == SR_TAKEOVER)
			begin_reading(c, in, out);
		break;
	case SEV_CLAIMED:
		c->claim_at = in->now + c->p.claim_every_ms;
		break;
	case SEV_READ:
		if (c->state == SR_HISTORY && in->exhausted)
			c->history_done = true;
		if (c->state == SR_HISTORY || c->state == SR_READING) {
			retry_reset(&c->retry);
			next_read(c, in, out);
		}
		break;
	case SEV_FAILED:
		if (c->state != SR_FULL)
			failed(c, in, out);
		break;
	case SEV_ROOM:
		if (c->state == SR_FULL)
			next_read(c, in, out);
		break;
	case SEV_TICK:
		if (c->state == SR_BACKOFF && in->now >= c->retry_at)
			start(c, out);
		else
			maybe_claim(c, in, out);
		break;
	default:
		break;
	}
}

void
stream_core_step(struct stream_core *c, const struct stream_input *in,
		 struct stream_output *out)
{
	memset(out, 0, sizeof(*out));
	out->from = c->state;
	if (c->state == SR_STOPPED) {
		/* Nothing, ever again. */
	} else if (in->ev == SEV_STOP) {
		c->state = SR_STOPPED;
		c->claim_at = 0;
	} else if (in->ev == SEV_DOWN) {
		c->state = SR_IDLE;
		c->claim_at = 0;
	} else if (in->ev == SEV_UP) {
		if (c->state == SR_IDLE)
			start(c, out);
	} else if (c->state != SR_IDLE) {
		step_active(c, in, out);
	}
	out->to = c->state;
	out->deadline = stream_core_deadline(c);
}
