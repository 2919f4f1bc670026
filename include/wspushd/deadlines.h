/*
 * deadlines.h - a connection's timers as plain data: one absolute time
 * per kind, and which falls due first.
 *
 * The glue keeps one libwebsockets timer, armed for deadlines_next(),
 * and when it fires takes the due deadlines one by one, each becoming
 * the event it stands for.  So "which timers are armed" is data that
 * can be read, tested and logged, and a state change can never leave a
 * stray timer behind: clearing a deadline is setting it to 0.
 *
 * Pure: tests/unit/test_deadlines.c.
 */
#ifndef WSPUSHD_DEADLINES_H
#define WSPUSHD_DEADLINES_H

#include <stdint.h>

enum deadline_kind {
	DL_RETRY,		/* the next attempt */
	DL_CONNECT,		/* an attempt's connect_timeout */
	DL_STABLE,		/* open for backoff_reset */
	DL_CLOSE,		/* the close handshake's bound */
	DL_DRAIN,		/* drain_timeout while stopping */
	DL_HEARTBEAT,		/* the next ping, or the pong deadline */
	DL_FIN,			/* the wait for the server's FIN */
	DL_CONFIRM,		/* a ping to confirm what was written */
	DL_CLOSE_CONFIRM,	/* our Close stops waiting for confirmation */
	DL_GREETING,		/* the wait for the server's answer, or the
				   next application heartbeat */
	DL_COUNT
};

struct deadlines {
	uint64_t at[DL_COUNT];	/* monotonic ms; 0 = not armed */
};

/* Arm kind k for at (monotonic ms), or disarm it with 0. */
void deadlines_set(struct deadlines *d, enum deadline_kind k, uint64_t at);
/* The earliest armed deadline, 0 when none is. */
uint64_t deadlines_next(const struct deadlines *d);
/*
 * The earliest deadline due at now (ties: in the order of the enum),
 * disarmed; DL_COUNT when none is due.
 */
enum deadline_kind deadlines_take_due(struct deadlines *d, uint64_t now);
const char *deadline_name(enum deadline_kind k);

#endif
