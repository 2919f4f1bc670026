/*
 * report.h - the daemon as operators see it, gathered from its parts:
 * the connection's snapshot with the streams' line (for the status hash
 * and STATUS=), and the /metrics text (the connection's families, then
 * the streams').
 */
#ifndef WSPUSHD_REPORT_H
#define WSPUSHD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/sub_counts.h"

struct conn;
struct conn_snapshot;
struct fleet;
struct inbound;
struct redis_sub;
struct stream_in;

/* SIGHUPs, and what came of them. */
struct reload_counts {
	uint64_t applied, rejected;
	int64_t last_at;		/* Unix time; 0: none */
	bool last_ok;
};

struct report {
	struct conn *conn;
	struct redis_sub *redis;
	struct stream_in *streams;	/* NULL: none */
	struct fleet *fleet;		/* NULL: no lease */
	struct inbound *inbound;	/* the server's messages into Redis */
	uint64_t started_ms;		/* monotonic, for the uptime */
	struct sub_counts subs;		/* messages per subscription */
	struct reload_counts reloads;
	char streams_line[2048];	/* what the last snapshot pointed to */
};

/* status_pub.h's snapshot callback; arg is a struct report. */
void report_snapshot(void *arg, struct conn_snapshot *out);
/* metrics.h's probe for /healthz (ready false) and /readyz. */
bool report_probe(void *arg, bool ready, char *why, size_t len);
/* metrics.h's render callback; arg is a struct report. */
size_t report_metrics(void *arg, char *buf, size_t len);

#endif
