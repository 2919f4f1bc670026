/*
 * metrics_text.h - the counters as Prometheus text exposition format
 * 0.0.4, for the /metrics endpoint (metrics.h).
 * Pure: a snapshot in, text out.
 */
#ifndef WSPUSHD_METRICS_TEXT_H
#define WSPUSHD_METRICS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/status.h"

/* The Content-Type that goes with the text. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * Render every metric family, each with its # HELP and # TYPE lines.
 * redis_state is the subscriber's state name (NULL counts as not
 * subscribed); status_write_errors counts the status writes Redis
 * refused (status_pub.h); uptime_s is the time since the daemon started.
 *
 * Like snprintf: returns the length the whole text needs (without the
 * terminating NUL), writes at most len bytes including that NUL, and
 * NUL-terminates whenever len > 0.  buf may be NULL when len is 0, so
 * a first call can measure.  A truncated text is cut, never overrun;
 * a result >= len means it was cut.
 */
size_t metrics_render(const struct conn_snapshot *s, const char *redis_state,
		      uint64_t status_write_errors, uint64_t uptime_s,
		      char *buf, size_t len);

/* What the snapshot does not hold: Redis, reloads, the status key. */
struct metrics_extra {
	uint64_t redis_subscribed;	/* redis_sub.h's counts */
	uint64_t redis_failures;
	uint64_t reloads_applied;
	uint64_t reloads_rejected;
	int64_t last_reload_at;		/* Unix time; 0: none */
	bool last_reload_ok;
	bool status_conflict;		/* status_pub.h */
};

/* Their families, as metrics_render() does the snapshot's. */
size_t metrics_render_extra(const struct metrics_extra *x, char *buf,
			    size_t len);

#endif
