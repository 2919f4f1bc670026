/*
 * fsm.h - the life cycle of the one upstream WebSocket connection.
 *
 * This is plain data and a pure function: an event goes in, the new
 * state and a set of actions come out.  No libwebsockets or hiredis
 * types appear here, so every state/event pair is unit-tested without a
 * socket.  It is one part of the upstream core (upstream_core.h), which
 * turns its actions into deadlines and into what the glue carries out.
 *
 * The central rule: a socket exists from ACT_OPEN_SOCKET until the core
 * reports EV_SOCKET_GONE (when wsock.h says so).  Between those two points the machine is in
 * CONNECTING, OPEN or CLOSING, and in those states a connect request is
 * refused.  A new socket can therefore only be opened from IDLE, which is
 * entered only once the previous socket is definitely gone.  That is
 * what keeps "at most one socket to the upstream" true during reconnect
 * storms and while an old connection is still closing.
 */
#ifndef WSPUSHD_FSM_H
#define WSPUSHD_FSM_H

#include <stdbool.h>
#include <stdint.h>

enum fsm_state {
	FSM_IDLE,		/* no socket; a retry may be scheduled */
	FSM_CONNECTING,		/* socket open, handshake not complete */
	FSM_OPEN,		/* handshake complete, frames flow */
	FSM_CLOSING,		/* close requested or seen; socket not yet gone */
	FSM_STATE_COUNT
};

enum fsm_event {
	EV_CONNECT,		/* start a connection (at start, or retry timer) */
	EV_CONNECT_TIMEOUT,	/* the attempt took longer than connect_timeout */
	EV_ESTABLISHED,		/* the upgrade succeeded */
	EV_CONNECT_FAILED,	/* the attempt failed (refused, HTTP status, TLS) */
	EV_PEER_CLOSED,		/* the open connection ended (Close frame or EOF) */
	EV_SOCKET_GONE,		/* the socket is destroyed: the one definitive end */
	EV_STABLE,		/* open for backoff_reset: forget past failures */
	EV_SHUTDOWN,		/* SIGTERM/SIGINT: drain, close, exit */
	EV_QUEUE_DRAINED,	/* while stopping, the queue became empty */
	EV_DRAIN_TIMEOUT,	/* while stopping, drain_timeout expired */
	EV_CLOSE_TIMEOUT,	/* the close handshake took too long */
	EV_RESTART,		/* close the connection and connect again */
	EV_PEER_DEAD,		/* no sign of life within pong_timeout */
	EV_MESSAGE_TOO_BIG,	/* the server sent more than we accept */
	EV_FENCE,		/* stand by: drop the socket, connect no more */
	EV_RESUME,		/* connect again after EV_FENCE */
	FSM_EVENT_COUNT
};

/* Actions, as bits, carried out by the glue in the order listed here. */
enum fsm_action {
	ACT_CANCEL_RETRY_TIMER   = 1u << 0,
	ACT_CANCEL_CONNECT_TIMER = 1u << 1,
	ACT_CANCEL_STABLE_TIMER  = 1u << 2,
	ACT_CANCEL_CLOSE_TIMER   = 1u << 3,
	ACT_CANCEL_PING_TIMERS   = 1u << 4,	/* ping period and pong deadline */
	ACT_RESET_BACKOFF        = 1u << 5,
	ACT_OPEN_SOCKET          = 1u << 6,	/* start one connection attempt */
	ACT_ARM_CONNECT_TIMER    = 1u << 7,
	ACT_ARM_STABLE_TIMER     = 1u << 8,
	ACT_ARM_PING_TIMER       = 1u << 9,
	ACT_START_SENDING        = 1u << 10,	/* flush the queue */
	ACT_ARM_DRAIN_TIMER      = 1u << 11,
	ACT_SEND_CLOSE           = 1u << 12,	/* Close frame with out.close_code */
	ACT_ABORT_SOCKET         = 1u << 13,	/* drop the socket without handshake */
	ACT_ARM_CLOSE_TIMER      = 1u << 14,
	ACT_ARM_RETRY_TIMER      = 1u << 15,	/* next attempt after backoff */
	ACT_EXIT                 = 1u << 16,	/* shutdown complete */
	ACT_REFUSED              = 1u << 17,	/* event refused in this state */
};

/* The whole machine.  Zero-initialised it is IDLE, not stopping. */
struct fsm {
	enum fsm_state state;
	bool stopping;		/* EV_SHUTDOWN seen */
	bool drained;		/* while stopping: queue empty or drain expired */
	bool restart;		/* closing on purpose; reconnect without delay */
	bool held;		/* standing by (EV_FENCE): no connection, no retry */
	uint32_t failures;	/* consecutive failed attempts, for backoff */
};

struct fsm_output {
	enum fsm_state old_state;
	enum fsm_state new_state;
	unsigned actions;	/* enum fsm_action bits */
	uint16_t close_code;	/* with ACT_SEND_CLOSE */
	uint32_t attempt;	/* with ACT_ARM_RETRY_TIMER: failures so far */
};

#define FSM_CLOSE_NORMAL 1000
#define FSM_CLOSE_GOING_AWAY 1001
#define FSM_CLOSE_TOO_BIG 1009

/* Feed one event; the machine is updated in place. */
struct fsm_output fsm_step(struct fsm *m, enum fsm_event ev);

/*
 * Which of the `count` addresses a name resolved to the attempt now
 * starting dials: the one numbered by the consecutive failures so far.
 * The first attempt dials the first address; each failure moves on to
 * the next, so one dead address cannot pin us.
 */
uint32_t fsm_address(const struct fsm *m, uint32_t count);

const char *fsm_state_name(enum fsm_state s);
const char *fsm_event_name(enum fsm_event e);

#endif
