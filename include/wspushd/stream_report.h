/*
 * stream_report.h - the streams' counters for people: Prometheus text
 * for /metrics, and one line for the status hash.  Pure.
 */
#ifndef WSPUSHD_STREAM_REPORT_H
#define WSPUSHD_STREAM_REPORT_H

#include <stddef.h>

#include "wspushd/stream_out.h"		/* struct stream_stats */

/*
 * The wspushd_stream_* families, one series per stream (its name the
 * label, escaped).  Like snprintf: returns the length the whole text
 * needs, writes at most len bytes, NUL-terminated when len > 0.
 */
size_t stream_report_metrics(char *const *names, const struct stream_stats *st,
			     size_t n, char *buf, size_t len);

/* "ws:out: 120 read, 119 acked, 1 pending, 0 lag, 0 claimed, 0 dead; ..." */
void stream_report_line(char *const *names, const struct stream_stats *st,
			size_t n, char *buf, size_t len);

#endif
