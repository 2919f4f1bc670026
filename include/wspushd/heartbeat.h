/*
 * heartbeat.h - is the server still there?  Pings, and the deadline for
 * a sign of life after one.
 *
 * While the connection is open, a ping falls due every ping_interval
 * (0: never); the glue writes it at the next WRITEABLE, ahead of any
 * queued data, so a backlog cannot hide a dead peer.  The first ping
 * written while none is awaited starts a deadline of pong_timeout; a
 * sign of life (a Pong, or with liveness = any, any frame) clears it;
 * passing it means the peer is dead.  Deadlines are plain data
 * (monotonic ms, 0 = none): the glue arms one timer at
 * heartbeat_next() and calls heartbeat_tick() when it fires.
 *
 * Pure: unit-tested in tests/unit/test_heartbeat.c.
 */
#ifndef WSPUSHD_HEARTBEAT_H
#define WSPUSHD_HEARTBEAT_H

#include <stdbool.h>
#include <stdint.h>

struct heartbeat {
	uint64_t interval_ms;	/* ping period; 0 = no pings */
	uint64_t timeout_ms;	/* a sign of life is due this long after a ping */
	uint64_t ping_at;	/* next ping falls due; 0 = none */
	uint64_t alive_by;	/* deadline for a sign of life; 0 = none awaited */
	bool ping_due;		/* a ping waits for WRITEABLE */
};

enum heartbeat_verdict {
	HEARTBEAT_NOTHING_DUE,		/* nothing to do */
	HEARTBEAT_PING_DUE,		/* a ping fell due: ask for WRITEABLE */
	HEARTBEAT_DEAD,		/* no sign of life in time */
};

/* The connection opened at now_ms. */
void heartbeat_start(struct heartbeat *l, uint64_t now_ms, uint64_t interval_ms,
		    uint64_t timeout_ms);
/* The connection is no longer open: nothing falls due any more. */
void heartbeat_stop(struct heartbeat *l);
/* A timer fired: what is due at now_ms (a death outranks a ping). */
enum heartbeat_verdict heartbeat_tick(struct heartbeat *l, uint64_t now_ms);
/* At WRITEABLE: whether to write a ping now. */
bool heartbeat_ping_due(const struct heartbeat *l);
/* The ping was written at now_ms. */
void heartbeat_ping_written(struct heartbeat *l, uint64_t now_ms);
/* The server showed it is alive. */
void heartbeat_sign_of_life(struct heartbeat *l);
/* The earliest deadline, or 0 when none is set. */
uint64_t heartbeat_next(const struct heartbeat *l);

#endif
