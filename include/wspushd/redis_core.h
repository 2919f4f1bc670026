/*
 * redis_core.h - the life cycle of the Redis subscription, as plain data
 * and a pure function: (state, event, now) -> (new state, actions, next
 * deadline).  No hiredis or libwebsockets types appear here; redis_sub.c
 * carries out the actions and feeds back what hiredis, c-ares and the
 * one timer report.
 *
 *   down --start, retry--> connecting --connected--> authenticating
 *    ^                     (resolving, TCP)  |          (AUTH, SELECT)
 *    |                                       | none due        | accepted
 *    |                                       v                 |
 *    |                                  subscribing <----------'
 *    |                                       | all confirmed
 *    |                                       v
 *    +-- failed, timeout, no PONG, reload -- subscribed (and every state
 *                                                        since connecting)
 *   any --stop--> stopped (for good)
 *
 * The rules it keeps:
 *  - One attempt at a time: a subscription context exists only in
 *    connecting (once resolved), authenticating, subscribing and
 *    subscribed, and every way out of those states closes it.
 *  - Each attempt is bounded as a whole by connect_timeout: resolving,
 *    connecting, AUTH and SELECT, and every subscription confirmed
 *    (hiredis 0.14 has no timeout of its own).
 *  - Failures count until the subscription has stayed up for
 *    backoff_reset: a Redis that confirms SUBSCRIBE and fails at once
 *    slows down to backoff_max instead of being hammered (retry.h).
 *  - While subscribed, a PING goes every ping_interval on the command
 *    connection; no answer within ping_timeout is a failure (a stopped
 *    Redis still holds our TCP connection open).
 *  - The command connection may be opened only while subscribed; it is
 *    closed when the subscription goes down, and at shutdown kept (the
 *    last status writes) but never opened again.
 *
 * Deadlines are absolute monotonic milliseconds, 0 meaning none (the
 * monotonic clock is never 0 on a running system).  Each state keeps
 * only the deadlines it needs; the one state setter clears the rest.
 * The glue arms one timer for redis_core_deadline() and feeds REV_TICK
 * when it fires; a tick handles the earliest due deadline only, so a
 * step never holds two of the timed events (a later one is due at once).
 */
#ifndef WSPUSHD_REDIS_CORE_H
#define WSPUSHD_REDIS_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/retry.h"

enum redis_state {
	RC_DOWN,		/* no connection; an attempt may be due */
	RC_CONNECTING,		/* resolving the host, opening the socket */
	RC_AUTHENTICATING,	/* connected; AUTH / SELECT not all answered */
	RC_SUBSCRIBING,		/* subscriptions not all confirmed */
	RC_SUBSCRIBED,		/* messages flow; PING checks liveness */
	RC_STOPPED,		/* shutdown: no connection, ever again */
	RC_STATE_COUNT
};

enum redis_event {
	REV_START,		/* begin (once, at start) */
	REV_RESOLVED,		/* the host's addresses are known: in.count
				   (once per RACT_RESOLVE) */
	REV_CONNECTED,		/* the socket RACT_OPEN opened connected */
	REV_SETUP_DONE,		/* one AUTH or SELECT answered OK */
	REV_SETUP_REFUSED,	/* AUTH or SELECT answered with an error */
	REV_CONFIRMED,		/* one SUBSCRIBE / PSUBSCRIBE confirmed */
	REV_FAILED,		/* the attempt or connection is over: in.why */
	REV_PONG,		/* the command connection answered PING */
	REV_TICK,		/* the timer for redis_core_deadline() fired */
	REV_SUBS_CHANGED,	/* a reload changed the channels or patterns */
	REV_UPDATE_FAILED,	/* the difference could not be sent */
	REV_RESTART,		/* a reload changed the address or credentials */
	REV_STOP,		/* shutdown */
	REV_COUNT
};

/*
 * Actions, as bits, for the glue to carry out, in this order: up to
 * RACT_REPORT before the step's state changes are logged and observed
 * (what the old state held is given back first, and the command
 * connection is ready for an observer that writes the status), the
 * rest after.
 */
enum redis_action {
	RACT_DRAIN	   = 1u << 0,	/* read what the socket holds (stopping) */
	RACT_CANCEL_RESOLVE = 1u << 1,
	RACT_CLOSE	   = 1u << 2,	/* free the subscription context */
	RACT_CMD_CLOSE	   = 1u << 3,	/* close the command connection */
	RACT_CMD_DISABLE   = 1u << 4,	/* no new command connection; keep the open one */
	RACT_CMD_ENABLE	   = 1u << 5,	/* it may open, at the subscription's address */
	RACT_REPORT	   = 1u << 6,	/* the attempt failed: out.why, out.retry_in_ms */
	RACT_HEALTHY	   = 1u << 7,	/* backoff reset: out.failures forgotten */
	RACT_ANNOUNCE	   = 1u << 8,	/* subscribed: say so */
	RACT_HANG_UP	   = 1u << 9,	/* disconnect politely; REV_FAILED follows */
	RACT_UPDATE_SUBS   = 1u << 10,	/* send the SUBSCRIBE/UNSUBSCRIBE difference */
	RACT_PING	   = 1u << 11,	/* PING on the command connection */
	RACT_RESOLVE	   = 1u << 12,	/* start resolving the host */
	RACT_OPEN	   = 1u << 13,	/* open at address out.address, queue setup
					   and subscriptions */
};

/* What the configuration says; redis_sub.c fills it from [redis]. */
struct redis_core_params {
	uint64_t connect_timeout_ms;
	struct retry_policy backoff;	/* backoff_min, backoff_max */
	uint64_t backoff_reset_ms;
	uint64_t ping_interval_ms;	/* 0 = no PING */
	uint64_t ping_timeout_ms;
	bool resolve;			/* TCP: resolve the host first */
	uint32_t setup;			/* AUTH and SELECT commands sent first */
	uint32_t subscriptions;		/* channels + patterns */
};

/* The whole machine.  Give it its parameters with redis_core_init(). */
struct redis_core {
	enum redis_state state;
	struct redis_core_params p;
	struct retry retry;		/* consecutive failures */
	uint32_t setup_due;		/* AUTH / SELECT replies still due */
	uint32_t subs_due;		/* confirmations still due */
	/* Deadlines, absolute monotonic ms, 0 = none. */
	uint64_t retry_at;		/* down: the next attempt */
	uint64_t connect_by;		/* connecting .. subscribing */
	uint64_t ping_at;		/* subscribed: the next PING */
	uint64_t pong_by;		/* subscribed: a PING awaits its answer */
	uint64_t healthy_at;		/* subscribed: the backoff resets */
};

struct redis_input {
	enum redis_event ev;
	uint64_t now;			/* monotonic ms, never 0 */
	uint64_t random;		/* for the backoff's jitter */
	uint32_t count;			/* REV_RESOLVED: addresses (>= 1) */
	const char *why;		/* REV_FAILED: what happened */
};

/* A change of state: the glue logs "redis: from -> to (why)". */
struct redis_transition {
	enum redis_state from, to;
	const char *why;
	uint32_t failures;		/* at the time: > 0 = log it quietly */
};

#define RC_MAX_TRANSITIONS 4

/*
 * The result of one step.  The strings point into the input or into
 * this output, or are constants: use them before the next step.
 */
struct redis_output {
	unsigned actions;		/* enum redis_action bits */
	size_t ntrans;
	struct redis_transition trans[RC_MAX_TRANSITIONS];
	uint32_t address;		/* RACT_OPEN: index of the address */
	const char *why;		/* RACT_REPORT: why the attempt failed */
	uint64_t retry_in_ms;		/* RACT_REPORT: delay of the next attempt */
	uint32_t failures;		/* RACT_REPORT: failures so far;
					   RACT_HEALTHY: failures forgotten */
	uint64_t deadline;		/* redis_core_deadline() after the step */
	char text[96];			/* a reason the core wrote itself */
};

/* Zero the machine: down, no failures, no deadline; p is copied. */
void redis_core_init(struct redis_core *c, const struct redis_core_params *p);

/* A reload: the new parameters apply from the next use of each. */
void redis_core_set_params(struct redis_core *c, const struct redis_core_params *p);

/* Feed one event; the machine is updated in place. */
void redis_core_step(struct redis_core *c, const struct redis_input *in,
		     struct redis_output *out);

/* The earliest deadline, or 0 when none. */
uint64_t redis_core_deadline(const struct redis_core *c);

const char *redis_state_name(enum redis_state s);
const char *redis_event_name(enum redis_event e);

#endif
