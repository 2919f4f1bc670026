/*
 * greeting.c - see greeting.h.
 */
#include "wspushd/greeting.h"

void
greeting_init(struct greeting *g, uint32_t hellos, uint64_t wait_ms,
	      uint64_t beat_ms)
{
	*g = (struct greeting){ .phase = GREET_CLOSED };
	greeting_set(g, hellos, wait_ms, beat_ms);
}

void
greeting_set(struct greeting *g, uint32_t hellos, uint64_t wait_ms,
	     uint64_t beat_ms)
{
	g->hellos = hellos;
	g->wait_ms = wait_ms;
	g->beat_ms = beat_ms;
	if (beat_ms == 0)
		g->beat_due = false;
}

/* Past the on-open messages: wait for the server, or flow at once. */
static void
after_hello(struct greeting *g, uint64_t now)
{
	g->quiet_since = now;
	if (g->wait_ms > 0) {
		g->phase = GREET_WAITING;
		g->wait_until = now + g->wait_ms;
	} else {
		g->phase = GREET_READY;
	}
}

void
greeting_start(struct greeting *g, uint64_t now)
{
	g->beat_due = false;
	g->wait_until = 0;
	if (g->hellos > 0) {
		g->phase = GREET_HELLO;
		g->quiet_since = now;
	} else {
		after_hello(g, now);
	}
}

void
greeting_stop(struct greeting *g)
{
	g->phase = GREET_CLOSED;
	g->beat_due = false;
	g->wait_until = 0;
}

bool
greeting_hello_due(const struct greeting *g)
{
	return g->phase == GREET_HELLO;
}

void
greeting_hello_written(struct greeting *g, uint64_t now)
{
	if (g->phase == GREET_HELLO)
		after_hello(g, now);
}

bool
greeting_heard(struct greeting *g)
{
	/* Only an answer to what we said: not one that came before it. */
	if (g->phase != GREET_WAITING)
		return false;
	g->phase = GREET_READY;
	g->wait_until = 0;
	return true;
}

bool
greeting_queue_open(const struct greeting *g)
{
	return g->phase == GREET_READY;
}

void
greeting_wrote(struct greeting *g, uint64_t now)
{
	if (g->phase != GREET_CLOSED) {
		g->quiet_since = now;
		g->beat_due = false;
	}
}

bool
greeting_beat_due(const struct greeting *g)
{
	return g->beat_due && g->phase == GREET_READY;
}

void
greeting_beat_written(struct greeting *g, uint64_t now)
{
	greeting_wrote(g, now);
}

enum greeting_due
greeting_tick(struct greeting *g, uint64_t now)
{
	if (g->phase == GREET_WAITING && now >= g->wait_until) {
		g->phase = GREET_READY;
		g->wait_until = 0;
		return GREETING_QUEUE_OPENS;
	}
	if (g->phase == GREET_READY && g->beat_ms > 0 && !g->beat_due &&
	    now >= g->quiet_since + g->beat_ms) {
		g->beat_due = true;
		return GREETING_BEAT_DUE;
	}
	return GREETING_NOTHING;
}

uint64_t
greeting_next(const struct greeting *g)
{
	if (g->phase == GREET_WAITING)
		return g->wait_until;
	if (g->phase == GREET_READY && g->beat_ms > 0 && !g->beat_due)
		return g->quiet_since + g->beat_ms;
	return 0;
}
