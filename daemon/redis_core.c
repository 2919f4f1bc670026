/*
 * redis_core.c - transitions of the Redis subscription.  See redis_core.h.
 *
 * Each handler below covers one group of states and says, for every
 * event, what happens.  An event that makes no sense in a state (a late
 * callback of a context already dropped, a confirmation after a reload)
 * is ignored on purpose: the machine is the one place that decides what
 * such a report still means.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/redis_core.h"

static const char *const state_names[RC_STATE_COUNT] = {
	[RC_DOWN] = "down",
	[RC_CONNECTING] = "connecting",
	[RC_AUTHENTICATING] = "authenticating",
	[RC_SUBSCRIBING] = "subscribing",
	[RC_SUBSCRIBED] = "subscribed",
	[RC_STOPPED] = "stopped",
};

static const char *const event_names[REV_COUNT] = {
	[REV_START] = "start",
	[REV_RESOLVED] = "resolved",
	[REV_CONNECTED] = "connected",
	[REV_SETUP_DONE] = "setup accepted",
	[REV_SETUP_REFUSED] = "setup refused",
	[REV_CONFIRMED] = "subscription confirmed",
	[REV_FAILED] = "failed",
	[REV_PONG] = "PING answered",
	[REV_TICK] = "tick",
	[REV_SUBS_CHANGED] = "subscriptions changed",
	[REV_UPDATE_FAILED] = "update failed",
	[REV_RESTART] = "configuration reloaded",
	[REV_STOP] = "shutdown",
};

const char *
redis_state_name(enum redis_state s)
{
	return (unsigned)s < RC_STATE_COUNT ? state_names[s] : "?";
}

const char *
redis_event_name(enum redis_event e)
{
	return (unsigned)e < REV_COUNT ? event_names[e] : "?";
}

void
redis_core_init(struct redis_core *c, const struct redis_core_params *p)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
}

void
redis_core_set_params(struct redis_core *c, const struct redis_core_params *p)
{
	c->p = *p;
}

static bool
attempting(enum redis_state s)
{
	return s == RC_CONNECTING || s == RC_AUTHENTICATING ||
	       s == RC_SUBSCRIBING;
}

/* What leaving the current state for down or stopped gives back. */
static unsigned
released(const struct redis_core *c, enum redis_state s)
{
	enum redis_state old = c->state;
	unsigned a = 0;

	if (old == RC_CONNECTING && c->p.resolve)
		a |= RACT_CANCEL_RESOLVE;
	if (old != RC_DOWN)
		a |= RACT_CLOSE;
	/*
	 * Messages Redis has already sent count as ours: at shutdown read
	 * them first.  The command connection carries the last status
	 * writes while the queue drains, so it stays, but is not reopened.
	 */
	if (old == RC_SUBSCRIBED)
		a |= s == RC_DOWN ? RACT_CMD_CLOSE : RACT_DRAIN | RACT_CMD_DISABLE;
	return a;
}

/*
 * The one state setter: it gives back what the new state does not hold
 * (the attempt, the connections, every deadline of the old state), arms
 * the deadlines the new state starts with, and records the change.
 */
static void
set_state(struct redis_core *c, uint64_t now, struct redis_output *out,
	  enum redis_state s, const char *why)
{
	enum redis_state old = c->state;

	if (old == s)
		return;
	if (s == RC_DOWN || s == RC_STOPPED) {
		out->actions |= released(c, s);
		c->setup_due = 0;
		c->subs_due = 0;
	}
	c->retry_at = 0;
	if (s == RC_CONNECTING)
		c->connect_by = now + c->p.connect_timeout_ms;
	else if (!attempting(s))
		c->connect_by = 0;
	c->ping_at = 0;
	c->pong_by = 0;
	c->healthy_at = 0;
	if (s == RC_SUBSCRIBED) {
		c->healthy_at = now + c->p.backoff_reset_ms;
		if (c->p.ping_interval_ms > 0)
			c->ping_at = now + c->p.ping_interval_ms;
		out->actions |= RACT_CMD_ENABLE | RACT_ANNOUNCE;
	}
	if (out->ntrans < RC_MAX_TRANSITIONS)
		out->trans[out->ntrans++] = (struct redis_transition){
			.from = old, .to = s, .why = why,
			.failures = c->retry.failures,
		};
	c->state = s;
}

/* Open the subscription context: setup and subscriptions go with it. */
static void
open_at(struct redis_output *out, uint32_t address)
{
	out->actions |= RACT_OPEN;
	out->address = address;
}

/* One attempt, bounded as a whole by connect_timeout. */
static void
begin(struct redis_core *c, uint64_t now, struct redis_output *out)
{
	set_state(c, now, out, RC_CONNECTING, "connecting");
	/* What this attempt waits for, with the configuration of now. */
	c->setup_due = c->p.setup;
	c->subs_due = c->p.subscriptions;
	if (c->p.resolve)
		out->actions |= RACT_RESOLVE;
	else
		open_at(out, 0);
}

/* The attempt or the connection is over: count it, wait, try again. */
static void
fail(struct redis_core *c, const struct redis_input *in,
     struct redis_output *out, const char *why)
{
	if (why == NULL || why[0] == '\0')
		why = "connection lost";
	retry_failed(&c->retry);
	out->actions |= RACT_REPORT;
	out->why = why;
	out->failures = c->retry.failures;
	out->retry_in_ms = retry_delay_ms(&c->retry, &c->p.backoff, in->random);
	set_state(c, in->now, out, RC_DOWN, why);
	c->retry_at = in->now + out->retry_in_ms;
}

/*
 * A new address, credentials or subscription list: start over, without
 * counting a failure.  The attempt begins on the next turn of the loop,
 * once the reload has put the new configuration in place.
 */
static void
restart(struct redis_core *c, uint64_t now, struct redis_output *out)
{
	retry_reset(&c->retry);
	set_state(c, now, out, RC_DOWN, "configuration reloaded");
	c->retry_at = now;
}

/* After a reply: move on once nothing more is due in this phase. */
static void
advance(struct redis_core *c, uint64_t now, struct redis_output *out)
{
	if (c->state == RC_AUTHENTICATING && c->setup_due == 0)
		set_state(c, now, out, RC_SUBSCRIBING, "setup accepted");
	if (c->state == RC_SUBSCRIBING && c->subs_due == 0)
		set_state(c, now, out, RC_SUBSCRIBED,
			  "all subscriptions confirmed");
}

/* The earliest deadline that is due; on a tie, the first listed here. */
static uint64_t *
earliest_due(struct redis_core *c, uint64_t now)
{
	uint64_t *all[] = { &c->connect_by, &c->pong_by, &c->healthy_at,
			    &c->ping_at, &c->retry_at };
	uint64_t *best = NULL;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (*all[i] != 0 && *all[i] <= now &&
		    (best == NULL || *all[i] < *best))
			best = all[i];
	return best;
}

/* The timer fired: handle the earliest due deadline (one per tick). */
static void
tick(struct redis_core *c, const struct redis_input *in,
     struct redis_output *out)
{
	uint64_t *due = earliest_due(c, in->now), now = in->now;

	if (due == NULL)
		return;		/* early, or a deadline since cleared */
	*due = 0;
	if (due == &c->connect_by) {
		snprintf(out->text, sizeof(out->text), "no answer within %llums",
			 (unsigned long long)c->p.connect_timeout_ms);
		fail(c, in, out, out->text);
	} else if (due == &c->pong_by) {
		snprintf(out->text, sizeof(out->text),
			 "no answer to PING within %llums",
			 (unsigned long long)c->p.ping_timeout_ms);
		fail(c, in, out, out->text);
	} else if (due == &c->healthy_at) {
		out->actions |= RACT_HEALTHY;
		out->failures = c->retry.failures;
		retry_reset(&c->retry);
	} else if (due == &c->ping_at) {
		out->actions |= RACT_PING;
		if (c->p.ping_interval_ms > 0)
			c->ping_at = now + c->p.ping_interval_ms;
		/* One deadline per unanswered PING, not one per PING. */
		if (c->pong_by == 0)
			c->pong_by = now + c->p.ping_timeout_ms;
	} else {
		begin(c, now, out);
	}
}

static void
on_down(struct redis_core *c, const struct redis_input *in,
	struct redis_output *out)
{
	switch (in->ev) {
	case REV_START:
		begin(c, in->now, out);
		break;
	case REV_TICK:
		tick(c, in, out);
		break;
	case REV_RESTART:
		restart(c, in->now, out);
		break;
	case REV_STOP:
		set_state(c, in->now, out, RC_STOPPED, "shutdown");
		break;
	default:
		/* Late news of a connection already dropped. */
		break;
	}
}

/* connecting, authenticating, subscribing */
static void
on_attempt(struct redis_core *c, const struct redis_input *in,
	   struct redis_output *out)
{
	switch (in->ev) {
	case REV_RESOLVED:
		/* Once per attempt: the glue's query answers once. */
		if (c->state == RC_CONNECTING && c->p.resolve)
			open_at(out, retry_address(&c->retry, in->count));
		break;
	case REV_CONNECTED:
		if (c->state == RC_CONNECTING) {
			set_state(c, in->now, out, c->setup_due > 0 ?
				  RC_AUTHENTICATING : RC_SUBSCRIBING,
				  "connected");
			advance(c, in->now, out);
		}
		break;
	case REV_SETUP_DONE:
		if (c->setup_due > 0)
			c->setup_due--;
		advance(c, in->now, out);
		break;
	case REV_SETUP_REFUSED:
		/* Redis answers the rest with errors and hangs up. */
		if (c->setup_due > 0)
			out->actions |= RACT_HANG_UP;
		break;
	case REV_CONFIRMED:
		if (c->subs_due > 0)
			c->subs_due--;
		advance(c, in->now, out);
		break;
	case REV_FAILED:
		fail(c, in, out, in->why);
		break;
	case REV_TICK:
		tick(c, in, out);
		break;
	case REV_SUBS_CHANGED:	/* not live yet: start over with the new set */
	case REV_RESTART:
		restart(c, in->now, out);
		break;
	case REV_STOP:
		set_state(c, in->now, out, RC_STOPPED, "shutdown");
		break;
	default:
		break;
	}
}

static void
on_subscribed(struct redis_core *c, const struct redis_input *in,
	      struct redis_output *out)
{
	switch (in->ev) {
	case REV_PONG:
		c->pong_by = 0;
		break;
	case REV_FAILED:
		fail(c, in, out, in->why);
		break;
	case REV_TICK:
		tick(c, in, out);
		break;
	case REV_SUBS_CHANGED:
		out->actions |= RACT_UPDATE_SUBS;
		break;
	case REV_UPDATE_FAILED:
	case REV_RESTART:
		restart(c, in->now, out);
		break;
	case REV_STOP:
		set_state(c, in->now, out, RC_STOPPED, "shutdown");
		break;
	default:
		/* A reload's new subscriptions confirmed; nothing is due. */
		break;
	}
}

void
redis_core_step(struct redis_core *c, const struct redis_input *in,
		struct redis_output *out)
{
	memset(out, 0, sizeof(*out));
	switch (c->state) {
	case RC_DOWN:
		on_down(c, in, out);
		break;
	case RC_CONNECTING:
	case RC_AUTHENTICATING:
	case RC_SUBSCRIBING:
		on_attempt(c, in, out);
		break;
	case RC_SUBSCRIBED:
		on_subscribed(c, in, out);
		break;
	default:
		/* stopped: for good */
		break;
	}
	out->deadline = redis_core_deadline(c);
}

uint64_t
redis_core_deadline(const struct redis_core *c)
{
	const uint64_t all[] = { c->connect_by, c->pong_by, c->healthy_at,
				 c->ping_at, c->retry_at };
	uint64_t best = 0;

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (all[i] != 0 && (best == 0 || all[i] < best))
			best = all[i];
	return best;
}
