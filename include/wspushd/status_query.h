/*
 * status_query.h - wspushd --status: read the status hash a running
 * daemon keeps in Redis and print it for a human.
 */
#ifndef WSPUSHD_STATUS_QUERY_H
#define WSPUSHD_STATUS_QUERY_H

#include <stdio.h>

struct config;

/* Exit status: 0 open, 1 not open, 2 no status found (or Redis unreachable). */
int status_query(const struct config *cfg, FILE *out);

#endif
