/*
 * fsm.c - transitions of the upstream connection.  See fsm.h.
 *
 * Each handler below covers one state and says, for every event, what
 * happens.  An event that makes no sense in a state (a stale timer, a
 * late callback) is ignored on purpose: timers and library callbacks can
 * race with each other, and the machine must be the one place that
 * decides what they still mean.
 */
#include "wspushd/fsm.h"
#include "wspushd/retry.h"

static const char *const state_names[FSM_STATE_COUNT] = {
	[FSM_IDLE] = "idle",
	[FSM_CONNECTING] = "connecting",
	[FSM_OPEN] = "open",
	[FSM_CLOSING] = "closing",
};

static const char *const event_names[FSM_EVENT_COUNT] = {
	[EV_CONNECT] = "connect",
	[EV_CONNECT_TIMEOUT] = "connect timeout",
	[EV_ESTABLISHED] = "handshake complete",
	[EV_CONNECT_FAILED] = "connect failed",
	[EV_PEER_CLOSED] = "connection closed",
	[EV_SOCKET_GONE] = "socket gone",
	[EV_STABLE] = "connection stable",
	[EV_SHUTDOWN] = "shutdown",
	[EV_QUEUE_DRAINED] = "queue drained",
	[EV_DRAIN_TIMEOUT] = "drain timeout",
	[EV_CLOSE_TIMEOUT] = "close timeout",
	[EV_RESTART] = "restart",
	[EV_FENCE] = "fence",
	[EV_RESUME] = "resume",
	[EV_PEER_DEAD] = "no sign of life",
	[EV_MESSAGE_TOO_BIG] = "message too big",
};

const char *
fsm_state_name(enum fsm_state s)
{
	return (unsigned)s < FSM_STATE_COUNT ? state_names[s] : "?";
}

uint32_t
fsm_address(const struct fsm *m, uint32_t count)
{
	/* The one rule, shared with the Redis side. */
	const struct retry r = { .failures = m->failures };

	return retry_address(&r, count);
}

const char *
fsm_event_name(enum fsm_event e)
{
	return (unsigned)e < FSM_EVENT_COUNT ? event_names[e] : "?";
}

/* Timers that only make sense while a socket exists. */
#define SOCKET_TIMERS (ACT_CANCEL_CONNECT_TIMER | ACT_CANCEL_STABLE_TIMER | \
		       ACT_CANCEL_CLOSE_TIMER | ACT_CANCEL_PING_TIMERS)

/* Leaving OPEN: the timers that only an open connection needs. */
#define OPEN_TIMERS (ACT_CANCEL_STABLE_TIMER | ACT_CANCEL_PING_TIMERS)

/* A half-made connection dropped: its socket goes, bounded by the close timer. */
#define DROP_ATTEMPT (ACT_CANCEL_CONNECT_TIMER | ACT_ABORT_SOCKET | \
		      ACT_ARM_CLOSE_TIMER)

/*
 * The socket is gone: decide between exiting and trying again.  This is
 * the only way into IDLE, so it is the only place a retry is scheduled,
 * which is why two retries can never be pending at once.
 */
static void
socket_gone(struct fsm *m, struct fsm_output *out)
{
	out->new_state = FSM_IDLE;
	out->actions |= SOCKET_TIMERS;
	if (m->stopping && m->drained) {
		out->actions |= ACT_EXIT;
		return;
	}
	if (m->held) {
		/* Closed on purpose, to stand by: no failure, no retry. */
		m->restart = false;
		return;
	}
	if (m->restart) {
		/* A deliberate reconnect is not a failure: no backoff. */
		m->restart = false;
		out->attempt = 0;
	} else {
		if (m->failures < UINT32_MAX)
			m->failures++;
		out->attempt = m->failures;
	}
	out->actions |= ACT_ARM_RETRY_TIMER;
}

/*
 * While stopping, the queue is empty or the drain time is up: whatever
 * the state, head for the exit by the shortest clean path.
 */
static void
finish_draining(struct fsm *m, struct fsm_output *out)
{
	m->drained = true;
	switch (m->state) {
	case FSM_IDLE:
		out->actions |= ACT_CANCEL_RETRY_TIMER | ACT_EXIT;
		break;
	case FSM_CONNECTING:
		/* Nothing left to deliver: a half-made connection is dropped. */
		out->new_state = FSM_CLOSING;
		out->actions |= DROP_ATTEMPT;
		break;
	case FSM_OPEN:
		out->new_state = FSM_CLOSING;
		out->actions |= OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER;
		out->close_code = FSM_CLOSE_GOING_AWAY;
		break;
	case FSM_CLOSING:
	case FSM_STATE_COUNT:
		/* Already on the way out; EV_SOCKET_GONE will finish. */
		break;
	}
}

static void
step_idle(struct fsm *m, enum fsm_event ev, struct fsm_output *out)
{
	switch (ev) {
	case EV_CONNECT:
		if ((m->stopping && m->drained) || m->held) {
			out->actions |= ACT_REFUSED;
			break;
		}
		out->new_state = FSM_CONNECTING;
		out->actions |= ACT_CANCEL_RETRY_TIMER | ACT_OPEN_SOCKET |
				ACT_ARM_CONNECT_TIMER;
		break;
	default:
		/* No socket: every socket or timer event here is stale. */
		break;
	}
}

static void
step_connecting(struct fsm *m, enum fsm_event ev, struct fsm_output *out)
{
	switch (ev) {
	case EV_CONNECT:
		out->actions |= ACT_REFUSED;
		break;
	case EV_CONNECT_TIMEOUT:
		out->new_state = FSM_CLOSING;
		out->actions |= ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER;
		break;
	case EV_ESTABLISHED:
		out->new_state = FSM_OPEN;
		out->actions |= ACT_CANCEL_CONNECT_TIMER | ACT_ARM_STABLE_TIMER |
				ACT_ARM_PING_TIMER | ACT_START_SENDING;
		break;
	case EV_CONNECT_FAILED:
	case EV_PEER_CLOSED:
		/* The library tears the socket down; wait for it, bounded. */
		out->new_state = FSM_CLOSING;
		out->actions |= ACT_CANCEL_CONNECT_TIMER | ACT_ARM_CLOSE_TIMER;
		break;
	case EV_SOCKET_GONE:
		socket_gone(m, out);
		break;
	case EV_RESTART:
		m->restart = true;
		out->new_state = FSM_CLOSING;
		out->actions |= DROP_ATTEMPT;
		break;
	default:
		break;
	}
}

static void
step_open(struct fsm *m, enum fsm_event ev, struct fsm_output *out)
{
	switch (ev) {
	case EV_CONNECT:
		out->actions |= ACT_REFUSED;
		break;
	case EV_STABLE:
		m->failures = 0;
		out->actions |= ACT_RESET_BACKOFF;
		break;
	case EV_CONNECT_FAILED:
	case EV_PEER_CLOSED:
		out->new_state = FSM_CLOSING;
		out->actions |= OPEN_TIMERS | ACT_ARM_CLOSE_TIMER;
		break;
	case EV_MESSAGE_TOO_BIG:
		out->new_state = FSM_CLOSING;
		out->actions |= OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER;
		out->close_code = FSM_CLOSE_TOO_BIG;
		break;
	case EV_PEER_DEAD:
		/* A dead peer will not answer a Close: drop the socket. */
		out->new_state = FSM_CLOSING;
		out->actions |= OPEN_TIMERS | ACT_ABORT_SOCKET | ACT_ARM_CLOSE_TIMER;
		break;
	case EV_SOCKET_GONE:
		socket_gone(m, out);
		break;
	case EV_RESTART:
		m->restart = true;
		out->new_state = FSM_CLOSING;
		out->actions |= OPEN_TIMERS | ACT_SEND_CLOSE | ACT_ARM_CLOSE_TIMER;
		out->close_code = FSM_CLOSE_NORMAL;
		break;
	default:
		break;
	}
}

static void
step_closing(struct fsm *m, enum fsm_event ev, struct fsm_output *out)
{
	switch (ev) {
	case EV_CONNECT:
		out->actions |= ACT_REFUSED;
		break;
	case EV_CLOSE_TIMEOUT:
		/* The peer never finished the handshake: drop the socket. */
		out->actions |= ACT_ABORT_SOCKET;
		break;
	case EV_SOCKET_GONE:
		socket_gone(m, out);
		break;
	case EV_RESTART:
		m->restart = true;
		break;
	default:
		break;
	}
}

/*
 * Stand by: whatever the state, end the connection and make no new one
 * until EV_RESUME.  No Close handshake: this is for when the right to
 * hold the connection may be gone already (a lost lease), and another
 * process may be connecting while we would wait for the server.
 */
static void
fence(struct fsm *m, struct fsm_output *out)
{
	m->held = true;
	switch (m->state) {
	case FSM_IDLE:
		out->actions |= ACT_CANCEL_RETRY_TIMER;
		break;
	case FSM_CONNECTING:
		out->new_state = FSM_CLOSING;
		out->actions |= DROP_ATTEMPT;
		break;
	case FSM_OPEN:
		out->new_state = FSM_CLOSING;
		out->actions |= OPEN_TIMERS | ACT_ARM_CLOSE_TIMER |
				ACT_ABORT_SOCKET;
		break;
	case FSM_CLOSING:
		out->actions |= ACT_ABORT_SOCKET;
		break;
	case FSM_STATE_COUNT:
		break;
	}
}

static void
resume(struct fsm *m, struct fsm_output *out)
{
	m->held = false;
	/* With a socket still closing, EV_SOCKET_GONE schedules the retry. */
	if (m->state == FSM_IDLE)
		step_idle(m, EV_CONNECT, out);
}

struct fsm_output
fsm_step(struct fsm *m, enum fsm_event ev)
{
	struct fsm_output out = {
		.old_state = m->state,
		.new_state = m->state,
	};

	/* Shutdown and draining apply to every state alike. */
	switch (ev) {
	case EV_SHUTDOWN:
		if (!m->stopping) {
			m->stopping = true;
			out.actions |= ACT_ARM_DRAIN_TIMER;
		}
		return out;
	case EV_QUEUE_DRAINED:
	case EV_DRAIN_TIMEOUT:
		if (m->stopping && !m->drained)
			finish_draining(m, &out);
		m->state = out.new_state;
		return out;
	case EV_FENCE:
		fence(m, &out);
		m->state = out.new_state;
		return out;
	case EV_RESUME:
		if (m->held)
			resume(m, &out);
		m->state = out.new_state;
		return out;
	default:
		break;
	}

	switch (m->state) {
	case FSM_IDLE:
		step_idle(m, ev, &out);
		break;
	case FSM_CONNECTING:
		step_connecting(m, ev, &out);
		break;
	case FSM_OPEN:
		step_open(m, ev, &out);
		break;
	case FSM_CLOSING:
		step_closing(m, ev, &out);
		break;
	case FSM_STATE_COUNT:
		break;
	}
	m->state = out.new_state;
	return out;
}
