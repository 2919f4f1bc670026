/*
 * status.c - see status.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/fsm.h"
#include "wspushd/status.h"

static unsigned long long
dropped(const struct conn_snapshot *s)
{
	return (unsigned long long)(s->stats.dropped_overflow +
				    s->stats.dropped_oversize +
				    s->stats.dropped_invalid);
}

void
status_line(const struct conn_snapshot *s, const char *redis_state,
	    char *buf, size_t len)
{
	const char *err = s->last_error[0] ? s->last_error : NULL;
	size_t n;
	int r = 0;

	if (s->stopping) {
		r = snprintf(buf, len, "stopping: %zu queued, %llu sent",
			     s->queued, (unsigned long long)s->stats.sent);
	} else if (s->state == FSM_OPEN) {
		r = snprintf(buf, len, "open to %s, %llu sent, %llu dropped",
			     s->endpoint, (unsigned long long)s->stats.sent,
			     dropped(s));
	} else if (s->state == FSM_IDLE && s->retry_in_ms > 0) {
		/* Waiting between attempts reads as part of connecting. */
		r = snprintf(buf, len, "connecting (attempt %llu, next in %llu.%llus)%s%s",
			     (unsigned long long)s->attempt + 1,
			     (unsigned long long)(s->retry_in_ms / 1000),
			     (unsigned long long)(s->retry_in_ms % 1000 / 100),
			     err ? ": " : "", err ? err : "");
	} else if (s->state == FSM_CONNECTING || s->state == FSM_IDLE) {
		r = snprintf(buf, len, "connecting (attempt %llu)%s%s",
			     (unsigned long long)(s->attempt ? s->attempt : 1),
			     err ? ": " : "", err ? err : "");
	} else {
		r = snprintf(buf, len, "closing%s%s", err ? ": " : "",
			     err ? err : "");
	}
	if (r < 0 || (size_t)r >= len || redis_state == NULL ||
	    strcmp(redis_state, "subscribed") == 0)
		return;
	n = (size_t)r;
	snprintf(buf + n, len - n, "; redis %s", redis_state);
}
