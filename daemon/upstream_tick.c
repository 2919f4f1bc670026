/*
 * upstream_tick.c - the upstream core's timers: which deadline fell due,
 * and what it means.  Part of upstream_core.c's step (upstream_step.h).
 */
#include <stdio.h>

#include "wspushd/upstream_core.h"
#include "wspushd/upstream_step.h"

static void
connect_timed_out(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	snprintf(s->out->text, sizeof(s->out->text),
		 "timed out after %llums during %s",
		 (unsigned long long)c->p.connect_timeout_ms,
		 wsock_phase(&c->sock, c->p.tls, s->in->tcp_up));
	s->out->why = s->out->text;
	s->out->actions |= UACT_SAY_FAILED;
	upstream_drive(s, EV_CONNECT_TIMEOUT, s->out->text);
}

static void
heartbeat_due(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	switch (heartbeat_tick(&c->live, s->in->now)) {
	case HEARTBEAT_PING_DUE:
		s->out->actions |= UACT_WANT_WRITE;
		break;
	case HEARTBEAT_DEAD:
		snprintf(s->out->text, sizeof(s->out->text),
			 "no %s within %llums of a ping",
			 c->p.any_frame_is_alive ? "frame" : "pong",
			 (unsigned long long)c->p.pong_timeout_ms);
		s->out->why = s->out->text;
		s->out->actions |= UACT_SAY_DEAD;
		upstream_drive(s, EV_PEER_DEAD, s->out->text);
		break;
	case HEARTBEAT_NOTHING_DUE:
		break;
	}
}

/* The wait for the server's answer is over, or a heartbeat fell due. */
static void
greeting_due(struct upstream_step *s)
{
	switch (greeting_tick(&s->c->greet, s->in->now)) {
	case GREETING_QUEUE_OPENS:
		if (s->in->unsent)
			s->out->actions |= UACT_WANT_WRITE;
		break;
	case GREETING_BEAT_DUE:
		s->out->actions |= UACT_WANT_WRITE;
		break;
	case GREETING_NOTHING:
		break;
	}
}

void
upstream_tick(struct upstream_step *s)
{
	switch (deadlines_take_due(&s->c->timers, s->in->now)) {
	case DL_RETRY:
		upstream_drive(s, EV_CONNECT, "retry timer");
		break;
	case DL_CONNECT:
		connect_timed_out(s);
		break;
	case DL_STABLE:
		upstream_drive(s, EV_STABLE, "connection stable");
		break;
	case DL_CLOSE:
		upstream_drive(s, EV_CLOSE_TIMEOUT, "close handshake timed out");
		break;
	case DL_DRAIN:
		if (!s->in->queue_empty)
			s->out->actions |= UACT_SAY_UNDRAINED;
		upstream_drive(s, EV_DRAIN_TIMEOUT, "drain time over");
		break;
	case DL_HEARTBEAT:
		heartbeat_due(s);
		break;
	case DL_FIN:
		/* The server did not close TCP in time: close our end. */
		s->out->actions |= UACT_END_FIN_WAIT;
		break;
	case DL_CLOSE_CONFIRM:
		/* Confirmation is given up on: the Close goes now. */
		s->out->actions |= UACT_WANT_WRITE;
		break;
	case DL_CONFIRM:
		if (confirm_wants_ping(&s->c->confirm, s->in->now, s->in->unsent)) {
			confirm_asked(&s->c->confirm);
			s->out->actions |= UACT_WANT_WRITE;
		}
		break;
	case DL_GREETING:
		greeting_due(s);
		break;
	case DL_COUNT:
		break;
	}
}

