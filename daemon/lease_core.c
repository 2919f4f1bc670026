/*
 * lease_core.c - see lease_core.h.
 */
#include <string.h>

#include "wspushd/lease_core.h"

/* Claims and retries at least this often, at most this often. */
#define POLL_MIN_MS 50
#define POLL_MAX_MS 500

void
lease_params_for(uint64_t ttl_ms, struct lease_params *p)
{
	uint64_t poll = ttl_ms / 10;

	p->ttl_ms = ttl_ms;
	p->renew_ms = ttl_ms / 3;
	p->poll_ms = poll < POLL_MIN_MS ? POLL_MIN_MS :
		     poll > POLL_MAX_MS ? POLL_MAX_MS : poll;
	/*
	 * A fifth of the TTL: two renewals may fail before it, and it
	 * leaves the fence time to drop the socket and a clock that runs
	 * fast by up to 20%.
	 */
	p->margin_ms = ttl_ms / 5;
}

void
lease_core_init(struct lease_core *c, const struct lease_params *p,
		uint64_t now)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	c->role = LEASE_STANDBY;
	c->next_at = now;
}

/* The lease is ours until asked_at + ttl; renew it from a third on. */
static void
hold_from(struct lease_core *c, uint64_t now)
{
	c->fence_at = c->asked_at + c->p.ttl_ms - c->p.margin_ms;
	c->next_at = c->asked_at + c->p.renew_ms;
	if (c->next_at < now)
		c->next_at = now;
}

static void
fence(struct lease_core *c, const struct lease_input *in,
      struct lease_output *out, const char *why)
{
	c->role = LEASE_STANDBY;
	c->fence_at = 0;
	c->next_at = in->now + c->p.poll_ms;
	out->actions |= LACT_FENCE;
	out->why = why;
}

static void
answered(struct lease_core *c, const struct lease_input *in,
	 struct lease_output *out)
{
	bool leader = c->role == LEASE_LEADER;

	c->asking = false;
	switch (in->ev) {
	case LEV_WON:
		if (leader)
			break;	/* cannot happen: leaders renew */
		if (c->asked_at + c->p.ttl_ms - c->p.margin_ms <= in->now) {
			c->next_at = in->now;	/* too late to use: again */
			break;
		}
		c->role = LEASE_LEADER;
		c->term = in->term;
		out->actions |= LACT_LEAD;
		out->term = in->term;
		hold_from(c, in->now);
		break;
	case LEV_RENEWED:
		if (leader)
			hold_from(c, in->now);
		break;
	case LEV_LOST:
		if (leader)
			fence(c, in, out, "the lease is held by another instance");
		break;
	case LEV_HELD:
	case LEV_FAILED:
	default:
		/* Standby: claim again later.  Leader: renew again soon. */
		c->next_at = in->now + c->p.poll_ms;
		if (leader && c->next_at > c->fence_at)
			c->next_at = c->fence_at;
		break;
	}
}

static void
tick(struct lease_core *c, const struct lease_input *in,
     struct lease_output *out)
{
	if (c->role == LEASE_LEADER && in->now >= c->fence_at) {
		fence(c, in, out, "the lease was not renewed in time");
		return;
	}
	if (c->asking || in->now < c->next_at)
		return;
	c->asking = true;
	c->asked_at = in->now;
	c->next_at = 0;
	out->actions |= c->role == LEASE_LEADER ? LACT_RENEW : LACT_CLAIM;
}

void
lease_core_step(struct lease_core *c, const struct lease_input *in,
		struct lease_output *out)
{
	memset(out, 0, sizeof(*out));
	out->from = c->role;
	if (c->role == LEASE_RELEASED) {
		/* Nothing, ever again. */
	} else if (in->ev == LEV_STOP) {
		/* A standby too: a fenced leader's key may still be its own. */
		out->actions |= LACT_RELEASE;
		c->role = LEASE_RELEASED;
		c->asking = false;
		c->next_at = c->fence_at = 0;
	} else if (c->role == LEASE_LEADER && in->now >= c->fence_at) {
		/* Whatever came, the fence time is past (a late timer, a late
		 * reply): the lease may be another's already. */
		fence(c, in, out, "the lease was not renewed in time");
		c->asking = c->asking && in->ev == LEV_TICK;
	} else if (in->ev == LEV_TICK) {
		tick(c, in, out);
	} else if (c->asking) {
		answered(c, in, out);
	}
	out->to = c->role;
	out->deadline = lease_core_deadline(c);
}

uint64_t
lease_core_deadline(const struct lease_core *c)
{
	uint64_t r = c->asking ? 0 : c->next_at;

	if (c->role == LEASE_LEADER && (r == 0 || c->fence_at < r))
		r = c->fence_at;
	return r;
}

const char *
lease_role_name(enum lease_role r)
{
	switch (r) {
	case LEASE_STANDBY:
		return "standby";
	case LEASE_LEADER:
		return "leader";
	case LEASE_RELEASED:
		return "released";
	}
	return "?";
}
