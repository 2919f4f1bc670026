/*
 * upstream_step.c - see upstream_step.h.
 */
#include <string.h>

#include "wspushd/upstream_step.h"

/* Even past the drain time, a Close gets this long to be answered. */
#define CLOSE_WAIT_MIN_MS 250

static void
follow_up(struct upstream_step *s, enum fsm_event ev, const char *why)
{
	/* Bounded by construction (one socket, one drain); never silently. */
	if (s->nfollow < UPSTREAM_FOLLOW_UPS) {
		s->follow[s->nfollow].ev = ev;
		s->follow[s->nfollow].why = why;
		s->nfollow++;
	}
}

void
upstream_set_deadline(struct upstream_step *s, enum deadline_kind k, uint64_t ms_from_now)
{
	deadlines_set(&s->c->timers, k, s->in->now + ms_from_now);
}

void
upstream_clear_deadline(struct upstream_step *s, enum deadline_kind k)
{
	deadlines_set(&s->c->timers, k, 0);
}

void
upstream_socket_says(struct upstream_step *s, unsigned w, const char *why)
{
	if (w & WSOCK_CANCEL_QUERY)
		s->out->actions |= UACT_CANCEL_QUERY;
	if (w & WSOCK_KILL)
		s->out->actions |= UACT_KILL;
	if (w & WSOCK_END_FIN_WAIT)
		s->out->actions |= UACT_END_FIN_WAIT;
	if (w & WSOCK_WANT_WRITE)
		s->out->actions |= UACT_WANT_WRITE;
	if (w & WSOCK_GONE) {
		struct upstream_core *c = s->c;

		/* What it carried unconfirmed goes first on the next one. */
		s->out->actions |= UACT_REWIND;
		if (resend_lost(&c->resend, &c->confirm, c->p.max_deliveries,
				&s->out->give_up_seq))
			s->out->actions |= UACT_GIVE_UP;
		/* Its confirmations end with it. */
		confirm_start(&c->confirm, c->p.confirm_interval_ms,
			      c->confirm.written);
		upstream_clear_deadline(s, DL_FIN);
		follow_up(s, EV_SOCKET_GONE, why);
	}
}

/*
 * How long a close may take.  While stopping, the whole shutdown is
 * meant to fit in drain_timeout: a server that does not answer the Close
 * gets what is left of it (but a moment at least), not close_timeout.
 */
static uint64_t
close_wait_ms(const struct upstream_core *c, uint64_t now)
{
	uint64_t ms = c->p.close_timeout_ms, left;

	if (!c->fsm.stopping)
		return ms;
	left = c->drain_by > now ? c->drain_by - now : 0;
	if (left < CLOSE_WAIT_MIN_MS)
		left = CLOSE_WAIT_MIN_MS;
	return left < ms ? left : ms;
}

static void
schedule_retry(struct upstream_step *s, uint32_t attempt)
{
	struct upstream_core *c = s->c;
	uint64_t ms;

	c->retry.failures = attempt;
	ms = retry_delay_ms(&c->retry, &c->p.backoff, s->in->random);
	upstream_set_deadline(s, DL_RETRY, ms);
	s->out->actions |= UACT_RETRY;
	s->out->retry_in_ms = ms;
	s->out->failures = attempt;
}

static void
record(struct upstream_step *s, const struct fsm_output *f, const char *why)
{
	struct upstream_output *out = s->out;
	struct upstream_transition *t;

	if (f->old_state == f->new_state || out->ntrans == UC_MAX_TRANSITIONS)
		return;
	t = &out->trans[out->ntrans++];
	t->from = f->old_state;
	t->to = f->new_state;
	t->why = why;
	/*
	 * While the upstream keeps failing, the cycle of state changes is
	 * the same every time: it is logged quietly, and the repeat-
	 * suppressed failure line speaks for it.
	 */
	t->quiet = s->c->fsm.failures > 0 && f->new_state != FSM_OPEN &&
		   f->old_state != FSM_OPEN;
	t->is_error = f->new_state == FSM_CLOSING && !s->c->fsm.stopping &&
		      !s->c->fsm.held;
}

/* The timers fsm.h asks to give back. */
static void
release_timers(struct upstream_step *s, unsigned a)
{
	if (a & ACT_CANCEL_RETRY_TIMER)
		upstream_clear_deadline(s, DL_RETRY);
	if (a & ACT_CANCEL_CONNECT_TIMER)
		upstream_clear_deadline(s, DL_CONNECT);
	if (a & ACT_CANCEL_STABLE_TIMER)
		upstream_clear_deadline(s, DL_STABLE);
	if (a & ACT_CANCEL_CLOSE_TIMER) {
		upstream_clear_deadline(s, DL_CLOSE);
		upstream_clear_deadline(s, DL_CLOSE_CONFIRM);
	}
	if (a & ACT_CANCEL_PING_TIMERS) {
		heartbeat_stop(&s->c->live);
		greeting_stop(&s->c->greet);
	}
}

/* The connection opened: send what waits, or, stopping, head out. */
static void
start_sending(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	confirm_start(&c->confirm, c->p.confirm_interval_ms, s->in->sent_seq);
	greeting_start(&c->greet, s->in->now);
	s->out->actions |= UACT_CONNECTED;
	if (s->in->unsent || greeting_hello_due(&c->greet))
		s->out->actions |= UACT_WANT_WRITE;
	else if (c->fsm.stopping && s->in->queue_empty)
		follow_up(s, EV_QUEUE_DRAINED, "queue empty");
}

void
upstream_drive(struct upstream_step *s, enum fsm_event ev, const char *why)
{
	struct upstream_core *c = s->c;
	const struct upstream_params *p = &c->p;
	uint64_t now = s->in->now;
	struct fsm_output f = fsm_step(&c->fsm, ev);
	unsigned a = f.actions;

	record(s, &f, why);
	release_timers(s, a);
	if (a & ACT_RESET_BACKOFF)
		s->out->actions |= UACT_HEALTHY;
	if (a & ACT_OPEN_SOCKET) {
		wsock_attempt(&c->sock);
		c->rx_bytes = 0;
		s->out->actions |= UACT_RESOLVE;
	}
	if (a & ACT_ARM_CONNECT_TIMER)
		upstream_set_deadline(s, DL_CONNECT, p->connect_timeout_ms);
	if (a & ACT_ARM_STABLE_TIMER)
		upstream_set_deadline(s, DL_STABLE, p->backoff_reset_ms);
	if (a & ACT_ARM_PING_TIMER)
		heartbeat_start(&c->live, now, p->ping_interval_ms,
				p->pong_timeout_ms);
	if (a & ACT_START_SENDING)
		start_sending(s);
	if (a & ACT_ARM_DRAIN_TIMER) {
		c->drain_by = now + p->drain_timeout_ms;
		upstream_set_deadline(s, DL_DRAIN, p->drain_timeout_ms);
	}
	if (a & ACT_SEND_CLOSE)
		upstream_socket_says(s, wsock_close(&c->sock, f.close_code), why);
	if (a & ACT_ABORT_SOCKET)
		upstream_socket_says(s, wsock_drop(&c->sock), "socket dropped");
	if (a & ACT_ARM_CLOSE_TIMER) {
		uint64_t wait = close_wait_ms(c, now);

		upstream_set_deadline(s, DL_CLOSE, wait);
		/*
		 * A Close that waits for confirmation waits half of it: a
		 * server that answers no ping still gets our Close, and the
		 * other half to answer it.
		 */
		c->close_confirm_by = now + wait / 2;
		if (c->sock.state == WSOCK_CLOSE_OWED &&
		    confirm_pending(&c->confirm))
			upstream_set_deadline(s, DL_CLOSE_CONFIRM, wait / 2);
	}
	if (a & ACT_ARM_RETRY_TIMER)
		schedule_retry(s, f.attempt);
	if (a & ACT_REFUSED)
		s->out->actions |= UACT_REFUSED;
	if (a & ACT_EXIT) {
		upstream_clear_deadline(s, DL_DRAIN);
		upstream_clear_deadline(s, DL_RETRY);
		s->out->actions |= UACT_EXIT;
	}
}

void
upstream_follow_ups(struct upstream_step *s)
{
	/* A follow-up may cause another (a drop that ends a DNS query). */
	for (size_t i = 0; i < s->nfollow; i++)
		upstream_drive(s, s->follow[i].ev, s->follow[i].why);
}
