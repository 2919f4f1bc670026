/*
 * status_query.h - wspushd --status: read the status hash a running
 * daemon keeps in Redis and print it for a human.
 *
 * Redis is found as the daemon finds it: [redis] url, or with Sentinel
 * the master the first answering sentinel names; in a cluster a -MOVED
 * answer is followed once.
 */
#ifndef WSPUSHD_STATUS_QUERY_H
#define WSPUSHD_STATUS_QUERY_H

#include <stdio.h>

struct config;

/* Exit statuses, as an init script's "status" has them. */
#define STATUS_OPEN 0		/* the connection is open */
#define STATUS_NOT_OPEN 1	/* a daemon reports, its connection is not open */
#define STATUS_NONE 2		/* Redis answered: no daemon status there */
#define STATUS_UNKNOWN 4	/* Redis could not be asked (the reason printed) */

int status_query(const struct config *cfg, FILE *out);

#endif
