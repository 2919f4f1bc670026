/*
 * upstream_core.h - the whole behaviour of the one upstream WebSocket
 * connection, as plain data and a pure function: (state, event, now) ->
 * (new state, actions, next deadline).  No libwebsockets, hiredis or
 * c-ares types appear here; conn.c feeds what the library and the one
 * timer report and carries out the actions, deciding nothing itself.
 *
 * The core is made of four parts, each pure and tested on its own, and
 * joined only here:
 *  - fsm.h: the life cycle (idle / connecting / open / closing), the
 *    consecutive failures, stopping and draining;
 *  - wsock.h: the socket inside it (resolving, connecting, upgrading,
 *    open, and closing's sub-states: Close owed, Close sent, Close seen,
 *    dropping, ended, waiting for the server's FIN), which alone says
 *    when the socket is gone;
 *  - heartbeat.h: pings and the deadline for a sign of life;
 *  - deadlines.h: every timer as an absolute time; the glue arms one
 *    timer for upstream_core_deadline() and feeds UEV_TICK.
 * Retry floors (Retry-After, slow close codes) and the choice of address
 * are retry.h's, the same rules the Redis side keeps.
 *
 * The rule everything hangs on: UACT_RESOLVE (a new attempt, the start
 * of a socket) comes only out of idle, and idle is entered only when
 * wsock.h says the previous socket is gone.  So there is never more
 * than one socket to the upstream, whatever order the library's
 * callbacks and the timers arrive in.
 *
 * Deadlines are absolute monotonic milliseconds, 0 meaning none.  A tick
 * handles the earliest due deadline only; a later one that is also due
 * makes upstream_core_deadline() lie in the past, so the glue's timer
 * fires again at once.
 */
#ifndef WSPUSHD_UPSTREAM_CORE_H
#define WSPUSHD_UPSTREAM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "wspushd/upstream_types.h"

/* What [upstream] and [daemon] say, as the core's parameters. */
struct config;
void upstream_params_from(const struct config *cfg, struct upstream_params *p);

/* Zero the machine: idle, no failures, no deadline; p is copied. */
void upstream_core_init(struct upstream_core *c, const struct upstream_params *p);

/* A reload: the new parameters apply from the next use of each. */
void upstream_core_set_params(struct upstream_core *c,
			      const struct upstream_params *p);

/* Feed one event; the machine is updated in place. */
void upstream_core_step(struct upstream_core *c, const struct upstream_input *in,
			struct upstream_output *out);

/* The earliest deadline, or 0 when none. */
uint64_t upstream_core_deadline(const struct upstream_core *c);

/* Whether a newly queued message should ask for a write now. */
bool upstream_core_wants_data(const struct upstream_core *c);
/* Whether what the server sends is read (and so budgeted) now. */
bool upstream_core_reading(const struct upstream_core *c);
/* When the next attempt is due (0: none scheduled). */
uint64_t upstream_core_retry_at(const struct upstream_core *c);
/* The words a Close with this code carries. */
const char *upstream_close_reason(uint16_t code);

const char *upstream_event_name(enum upstream_event e);

#endif
