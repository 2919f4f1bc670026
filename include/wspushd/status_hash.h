/*
 * status_hash.h - the fields of the status hash ([status] key), from a
 * snapshot.  Pure: text in, text out.
 *
 * The hash never contradicts itself: "state" is the state the "status"
 * line speaks of (waiting to retry is "connecting", as the line says),
 * "attempts" counts every connection attempt and "reconnects" every one
 * after the first, and "last_error" stays with its time once the
 * connection recovered (the line drops it).
 */
#ifndef WSPUSHD_STATUS_HASH_H
#define WSPUSHD_STATUS_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "wspushd/status.h"

/* What the snapshot does not hold. */
struct status_extra {
	const char *redis_state;	/* the subscription's state name */
	const char *inputs;		/* "2 channels, 0 patterns, 1 stream" */
	const char *version;
	uint64_t uptime_s;
	long pid;
	const char *host;		/* this host's name */
	time_t now;
	const char *last_error;		/* the last one ever ("" none) ... */
	time_t last_error_at;		/* ... and when (0: none) */
};

#define STATUS_HASH_MAX 28

struct status_hash {
	size_t n;
	const char *field[STATUS_HASH_MAX];
	const char *value[STATUS_HASH_MAX];
	char text[STATUS_HASH_MAX][32];	/* numbers written out */
	char line[300];			/* the status line */
};

/* The state as the hash and the events name it. */
const char *status_state(const struct conn_snapshot *s);

/* h's values point into s, x and h itself. */
void status_hash_build(const struct conn_snapshot *s,
		       const struct status_extra *x, struct status_hash *h);

#endif
