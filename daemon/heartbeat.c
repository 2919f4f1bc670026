/*
 * heartbeat.c - see heartbeat.h.
 */
#include "wspushd/heartbeat.h"

void
heartbeat_start(struct heartbeat *l, uint64_t now_ms, uint64_t interval_ms,
	       uint64_t timeout_ms)
{
	l->interval_ms = interval_ms;
	l->timeout_ms = timeout_ms;
	l->ping_at = interval_ms > 0 ? now_ms + interval_ms : 0;
	l->alive_by = 0;
	l->ping_due = false;
}

void
heartbeat_stop(struct heartbeat *l)
{
	l->ping_at = 0;
	l->alive_by = 0;
	l->ping_due = false;
}

enum heartbeat_verdict
heartbeat_tick(struct heartbeat *l, uint64_t now_ms)
{
	if (l->alive_by != 0 && now_ms >= l->alive_by) {
		l->alive_by = 0;
		return HEARTBEAT_DEAD;
	}
	if (l->ping_at != 0 && now_ms >= l->ping_at) {
		/* The period runs on whether or not the last was answered. */
		l->ping_at = now_ms + l->interval_ms;
		l->ping_due = true;
		return HEARTBEAT_PING_DUE;
	}
	return HEARTBEAT_NOTHING_DUE;
}

bool
heartbeat_ping_due(const struct heartbeat *l)
{
	return l->ping_due;
}

void
heartbeat_ping_written(struct heartbeat *l, uint64_t now_ms)
{
	l->ping_due = false;
	/* One deadline per unanswered ping, not one per ping. */
	if (l->alive_by == 0)
		l->alive_by = now_ms + l->timeout_ms;
}

void
heartbeat_sign_of_life(struct heartbeat *l)
{
	l->alive_by = 0;
}

uint64_t
heartbeat_next(const struct heartbeat *l)
{
	if (l->ping_at == 0)
		return l->alive_by;
	if (l->alive_by == 0)
		return l->ping_at;
	return l->ping_at < l->alive_by ? l->ping_at : l->alive_by;
}
