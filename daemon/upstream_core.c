/*
 * upstream_core.c - the upstream connection's decisions, joined.  See
 * upstream_core.h.
 *
 * Each input is handled here: it moves the socket (wsock.h) or the
 * heartbeat, and becomes events of the life cycle, which
 * upstream_step.c carries through fsm.h into deadlines and actions.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/upstream_core.h"
#include "wspushd/upstream_step.h"

static const char *const event_names[UEV_COUNT] = {
	[UEV_START] = "start",
	[UEV_TICK] = "tick",
	[UEV_RESOLVED] = "resolved",
	[UEV_UNRESOLVED] = "not resolved",
	[UEV_NO_SOCKET] = "no socket made",
	[UEV_UPGRADING] = "upgrading",
	[UEV_CONNECT_ERROR] = "connect error",
	[UEV_ESTABLISHED] = "handshake complete",
	[UEV_WRITABLE] = "writable",
	[UEV_WRITTEN] = "written",
	[UEV_PONG] = "pong",
	[UEV_RECEIVED] = "received",
	[UEV_PEER_CLOSE] = "server's Close",
	[UEV_CLOSED] = "closed",
	[UEV_DESTROYED] = "destroyed",
	[UEV_FIN_DONE] = "FIN wait over",
	[UEV_RESTART] = "restart",
	[UEV_SHUTDOWN] = "shutdown",
	[UEV_FENCE] = "fence",
	[UEV_RESUME] = "resume",
};

const char *
upstream_event_name(enum upstream_event e)
{
	return (unsigned)e < UEV_COUNT ? event_names[e] : "?";
}

const char *
upstream_close_reason(uint16_t code)
{
	switch (code) {
	case FSM_CLOSE_TOO_BIG:
		return "message too big";
	case FSM_CLOSE_GOING_AWAY:
		return "going away";
	default:
		return "reconnecting";
	}
}

/* ---- what the socket reports -------------------------------------------- */

/*
 * Whether a socket exists that the library can report about: not while
 * the attempt is only a DNS query, nor once it is gone.  A report
 * without one is stale, and means nothing.
 */
static bool
has_socket(const struct upstream_core *c)
{
	return c->sock.state != WSOCK_NONE && c->sock.state != WSOCK_RESOLVING;
}

static void
resolved(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	if (c->sock.state != WSOCK_RESOLVING)
		return;		/* a late answer for an attempt given up */
	wsock_connecting(&c->sock);
	s->out->address = fsm_address(&c->fsm, s->in->count);
	s->out->actions |= UACT_CONNECT;
}

/*
 * The attempt ended before a socket existed: its name did not resolve,
 * or the connect call made none.  The library may already have reported
 * the end of this attempt (and said why): then this means nothing.
 */
static void
failed_early(struct upstream_step *s, enum wsock_state during, bool say)
{
	struct upstream_core *c = s->c;

	if (c->sock.state != during)
		return;
	if (say) {
		s->out->why = s->in->why;
		s->out->actions |= UACT_SAY_FAILED;
	}
	upstream_drive(s, EV_CONNECT_FAILED, s->in->why);
	upstream_socket_says(s, wsock_failed_early(&c->sock), s->in->why);
}

static void
writable(struct upstream_step *s)
{
	struct upstream_core *c = s->c;
	uint64_t now = s->in->now;
	bool careful;

	/*
	 * Once our Close is out, lws 4.1 passes nothing more up, not even a
	 * Pong: what was written is confirmed first (a ping, its Pong), and
	 * only then the Close goes, bounded by the close deadline.
	 */
	if (c->sock.state == WSOCK_CLOSE_OWED && confirm_pending(&c->confirm) &&
	    now < c->close_confirm_by) {
		if (c->confirm.pinged < c->confirm.written) {
			s->out->ping_seq = confirm_ping_sent(&c->confirm, now);
			s->out->actions |= UACT_WRITE_PING;
		}
		return;
	}
	switch (wsock_writable(&c->sock)) {
	case WSOCK_WRITE_CLOSE:
		s->out->actions |= UACT_WRITE_CLOSE;
		s->out->close_code = c->sock.close_code;
		break;
	case WSOCK_WRITE_DATA:
		if (c->fsm.state != FSM_OPEN)
			break;
		/* What every connection says first, before anything queued. */
		if (greeting_hello_due(&c->greet)) {
			greeting_hello_written(&c->greet, now);
			s->out->actions |= UACT_WRITE_HELLO;
		}
		/*
		 * Ahead of any queued data, so a backlog cannot hide a dead
		 * peer; it confirms what was written before it.
		 */
		careful = resend_careful(&c->resend, &c->confirm);
		if (heartbeat_ping_due(&c->live) ||
		    confirm_wants_ping(&c->confirm, now, s->in->unsent) ||
		    (careful && c->confirm.pinged < c->confirm.written)) {
			heartbeat_ping_written(&c->live, now);
			s->out->ping_seq = confirm_ping_sent(&c->confirm, now);
			s->out->actions |= UACT_WRITE_PING;
		}
		if (greeting_beat_due(&c->greet)) {
			greeting_beat_written(&c->greet, now);
			s->out->actions |= UACT_WRITE_BEAT;
		}
		/* The server must answer the on-open messages first. */
		if (!greeting_queue_open(&c->greet))
			break;
		/* Careful: the next only once the one in flight is confirmed. */
		if (careful && confirm_pending(&c->confirm))
			break;
		s->out->actions |= UACT_WRITE_DATA;
		s->out->keep_written = c->confirm.interval_ms > 0;
		s->out->write_one = careful;
		break;
	default:
		break;
	}
}

/* The drain is over once every message is written and confirmed. */
static void
drained_if_done(struct upstream_step *s, bool done)
{
	if (s->c->fsm.stopping && done)
		upstream_drive(s, EV_QUEUE_DRAINED, "queue empty");
}

static void
written(struct upstream_step *s)
{
	struct upstream_core *c = s->c;
	uint64_t before = c->confirm.written;

	confirm_written(&c->confirm, s->in->sent_seq);
	/* A message went (not only a ping): no heartbeat is needed yet. */
	if (c->confirm.written != before)
		greeting_wrote(&c->greet, s->in->now);
	if (s->in->unsent ||
	    confirm_wants_ping(&c->confirm, s->in->now, false) ||
	    resend_careful(&c->resend, &c->confirm))
		s->out->actions |= UACT_WANT_WRITE;
	drained_if_done(s, s->in->queue_empty);
}

/* A Pong: a sign of life, and it confirms what its ping followed. */
static void
ponged(struct upstream_step *s)
{
	struct upstream_core *c = s->c;
	uint64_t upto;

	heartbeat_sign_of_life(&c->live);
	upto = confirm_pong(&c->confirm, s->in->pong, s->in->len);
	if (upto == 0)
		return;
	s->out->actions |= UACT_CONFIRM;
	s->out->confirm_upto = upto;
	/* A Close that waited for this may go now. */
	if (c->sock.state == WSOCK_CLOSE_OWED && !confirm_pending(&c->confirm))
		s->out->actions |= UACT_WANT_WRITE;
	drained_if_done(s, !s->in->unsent && upto >= c->confirm.written);
	/* Careful writes waited for this Pong. */
	if (confirm_wants_ping(&c->confirm, s->in->now, s->in->unsent) ||
	    s->in->unsent)
		s->out->actions |= UACT_WANT_WRITE;
}

/*
 * What the server sends is read and dropped: wspushd only pushes.  But a
 * server must not make us buffer without bound, so one of its messages
 * may be no larger than one of ours.
 */
static void
received(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	if (c->p.any_frame_is_alive)
		heartbeat_sign_of_life(&c->live);
	/* Once we fail the connection, what still comes is not our business. */
	if (!wsock_carrying(&c->sock))
		return;
	/* An answer to the on-open messages: the queue may go. */
	if (greeting_heard(&c->greet) && s->in->unsent)
		s->out->actions |= UACT_WANT_WRITE;
	s->out->actions |= UACT_COUNT_RX;
	c->rx_bytes += s->in->len;
	if (c->rx_bytes > c->p.max_message_bytes) {
		snprintf(s->out->text, sizeof(s->out->text),
			 "server message over %llu bytes (max_message_size)",
			 (unsigned long long)c->p.max_message_bytes);
		s->out->why = s->out->text;
		s->out->actions |= UACT_SAY_TOO_BIG;
		upstream_drive(s, EV_MESSAGE_TOO_BIG, s->out->text);
		/*
		 * Whatever else the server sends would only be read to be
		 * thrown away, at full speed, until close_timeout: read on at
		 * a bounded rate, enough to find its answering Close.
		 */
		s->out->actions |= UACT_THROTTLE_RX;
	} else if (s->in->final) {
		c->rx_bytes = 0;
	}
}

static void
peer_close(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	wsock_peer_close(&c->sock);
	if (close_code_set_has(&c->p.slow_codes, s->in->code)) {
		retry_set_floor(&c->retry, c->p.backoff.max_ms);
		s->out->slow_retry = true;
	}
}

static void
closed(struct upstream_step *s)
{
	struct upstream_core *c = s->c;

	if (!has_socket(c))
		return;
	/* After a clean close handshake, let the server close TCP first. */
	if (wsock_closed(&c->sock) & WSOCK_START_FIN_WAIT) {
		if (c->p.fin_timeout_ms == 0) {
			upstream_socket_says(s, wsock_fin_done(&c->sock), "socket closed");
		} else {
			upstream_set_deadline(s, DL_FIN, c->p.fin_timeout_ms);
			s->out->actions |= UACT_START_FIN_WAIT;
		}
	}
	upstream_drive(s, EV_PEER_CLOSED, s->in->why);
}

static void
shutdown_requested(struct upstream_step *s)
{
	upstream_drive(s, EV_SHUTDOWN, s->in->why);
	if (s->in->queue_empty)
		upstream_drive(s, EV_QUEUE_DRAINED, "queue empty");
	else
		s->out->actions |= UACT_SAY_DRAINING;
}

static void
dispatch(struct upstream_step *s)
{
	struct upstream_core *c = s->c;
	const struct upstream_input *in = s->in;

	switch (in->ev) {
	case UEV_START:
		upstream_drive(s, EV_CONNECT, "start");
		break;
	case UEV_TICK:
		upstream_tick(s);
		break;
	case UEV_RESOLVED:
		resolved(s);
		break;
	case UEV_UNRESOLVED:
		failed_early(s, WSOCK_RESOLVING, false);
		break;
	case UEV_NO_SOCKET:
		failed_early(s, WSOCK_CONNECTING, true);
		break;
	case UEV_UPGRADING:
		wsock_upgrading(&c->sock);
		break;
	case UEV_CONNECT_ERROR:
		if (!has_socket(c))
			break;
		if (in->floor_ms > 0)
			retry_set_floor(&c->retry, in->floor_ms);
		upstream_drive(s, EV_CONNECT_FAILED, in->why);
		break;
	case UEV_ESTABLISHED:
		if (c->sock.state != WSOCK_CONNECTING &&
		    c->sock.state != WSOCK_UPGRADING)
			break;
		wsock_open(&c->sock);
		upstream_drive(s, EV_ESTABLISHED, "handshake complete");
		break;
	case UEV_WRITABLE:
		writable(s);
		break;
	case UEV_WRITTEN:
		written(s);
		break;
	case UEV_PONG:
		ponged(s);
		break;
	case UEV_RECEIVED:
		received(s);
		break;
	case UEV_PEER_CLOSE:
		peer_close(s);
		break;
	case UEV_CLOSED:
		closed(s);
		break;
	case UEV_DESTROYED:
		if (has_socket(c))
			upstream_socket_says(s, wsock_destroyed(&c->sock),
					     "socket closed");
		break;
	case UEV_FIN_DONE:
		upstream_clear_deadline(s, DL_FIN);
		upstream_socket_says(s, wsock_fin_done(&c->sock), "socket closed");
		break;
	case UEV_RESTART:
		upstream_drive(s, EV_RESTART, in->why);
		break;
	case UEV_SHUTDOWN:
		shutdown_requested(s);
		break;
	case UEV_FENCE:
		upstream_drive(s, EV_FENCE, in->why);
		break;
	case UEV_RESUME:
		upstream_drive(s, EV_RESUME, in->why);
		break;
	case UEV_COUNT:
		break;
	}
}

void
upstream_core_step(struct upstream_core *c, const struct upstream_input *in,
		   struct upstream_output *out)
{
	struct upstream_step s = { .c = c, .in = in, .out = out };

	memset(out, 0, sizeof(*out));
	dispatch(&s);
	upstream_follow_ups(&s);
	/* The heartbeat and the confirmations keep their own times. */
	deadlines_set(&c->timers, DL_HEARTBEAT, heartbeat_next(&c->live));
	deadlines_set(&c->timers, DL_CONFIRM, upstream_core_wants_data(c) ?
		      confirm_next(&c->confirm) : 0);
	deadlines_set(&c->timers, DL_GREETING, upstream_core_wants_data(c) ?
		      greeting_next(&c->greet) : 0);
	out->deadline = upstream_core_deadline(c);
}

void
upstream_core_init(struct upstream_core *c, const struct upstream_params *p)
{
	memset(c, 0, sizeof(*c));
	c->p = *p;
	greeting_init(&c->greet, p->on_open_count, p->on_open_wait_ms,
		      p->heartbeat_interval_ms);
}

void
upstream_core_set_params(struct upstream_core *c, const struct upstream_params *p)
{
	c->p = *p;
	greeting_set(&c->greet, p->on_open_count, p->on_open_wait_ms,
		     p->heartbeat_interval_ms);
}

uint64_t
upstream_core_deadline(const struct upstream_core *c)
{
	return deadlines_next(&c->timers);
}

bool
upstream_core_wants_data(const struct upstream_core *c)
{
	return c->fsm.state == FSM_OPEN && wsock_carrying(&c->sock);
}

bool
upstream_core_reading(const struct upstream_core *c)
{
	/* Open, or closing: a server may flood while we wait for its Close. */
	return c->fsm.state == FSM_OPEN || c->fsm.state == FSM_CLOSING;
}

uint64_t
upstream_core_retry_at(const struct upstream_core *c)
{
	return c->timers.at[DL_RETRY];
}
