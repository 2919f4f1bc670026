/*
 * greeting.h - what a connection says of its own accord: the on-open
 * messages first, then (optionally) a wait for the server's answer
 * before anything queued goes, and an application-level heartbeat
 * whenever nothing else was sent for a while.
 *
 * Real upstreams want a login or a subscribe on every connection, and
 * some want it accepted before anything else arrives; some drop a
 * connection that sends no message for 30 s, whatever WebSocket Pings
 * it gets.  So, per connection:
 *
 *   HELLO    the on-open messages are owed: written at the next
 *            WRITEABLE, before any queued message (and before pings);
 *   WAITING  they are out; the queue waits for the server's first
 *            message, or on_open_wait, whichever comes first;
 *   READY    the queue flows; heartbeat_message is owed whenever
 *            heartbeat_interval passed with nothing written.
 *
 * A connection with no on-open messages and no wait starts READY.  The
 * glue writes; this decides.  Times are monotonic ms, 0 = none.
 *
 * Pure: tests/unit/test_greeting.c.
 */
#ifndef WSPUSHD_GREETING_H
#define WSPUSHD_GREETING_H

#include <stdbool.h>
#include <stdint.h>

enum greeting_phase {
	GREET_CLOSED,		/* no open connection */
	GREET_HELLO,		/* the on-open messages are owed */
	GREET_WAITING,		/* the queue waits for the server's answer */
	GREET_READY,		/* the queue flows */
};

struct greeting {
	/* What the configuration says. */
	uint32_t hellos;	/* on-open messages */
	uint64_t wait_ms;	/* on_open_wait; 0: no wait */
	uint64_t beat_ms;	/* heartbeat_interval; 0: no heartbeat */
	/* Per connection. */
	enum greeting_phase phase;
	uint64_t wait_until;	/* WAITING: the queue goes at the latest then */
	uint64_t quiet_since;	/* READY: when something was last written */
	bool beat_due;		/* a heartbeat waits for WRITEABLE */
};

enum greeting_due {
	GREETING_NOTHING,	/* nothing to do */
	GREETING_QUEUE_OPENS,	/* the wait is over: the queue may go */
	GREETING_BEAT_DUE,	/* a heartbeat fell due: ask for WRITEABLE */
};

void greeting_init(struct greeting *g, uint32_t hellos, uint64_t wait_ms,
		   uint64_t beat_ms);
/* New settings (a reload); an open connection keeps its phase. */
void greeting_set(struct greeting *g, uint32_t hellos, uint64_t wait_ms,
		  uint64_t beat_ms);
/* The connection opened at now. */
void greeting_start(struct greeting *g, uint64_t now);
/* The connection is no longer open. */
void greeting_stop(struct greeting *g);

/* At WRITEABLE: whether the on-open messages are to be written now. */
bool greeting_hello_due(const struct greeting *g);
/* They were written at now. */
void greeting_hello_written(struct greeting *g, uint64_t now);
/* The server sent a message: true if it was the awaited answer. */
bool greeting_heard(struct greeting *g);
/* Whether queued messages may be written. */
bool greeting_queue_open(const struct greeting *g);
/* Queued messages were written at now: the heartbeat starts over. */
void greeting_wrote(struct greeting *g, uint64_t now);

/* At WRITEABLE: whether a heartbeat is to be written now. */
bool greeting_beat_due(const struct greeting *g);
/* It was written at now. */
void greeting_beat_written(struct greeting *g, uint64_t now);

/* The timer fired: what is due at now. */
enum greeting_due greeting_tick(struct greeting *g, uint64_t now);
/* The earliest deadline, 0 when none. */
uint64_t greeting_next(const struct greeting *g);

#endif
