/*
 * conn_log.h - the upstream connection's log lines (conn_log.c).
 */
#ifndef WSPUSHD_CONN_LOG_H
#define WSPUSHD_CONN_LOG_H

struct conn;
struct upstream_output;

/* Each state change of a step; the last error and the time of change. */
void conn_log_transitions(struct conn *c, const struct upstream_output *out);
/* The lines a step's actions a ask for. */
void conn_say(struct conn *c, unsigned a, const struct upstream_output *out);

#endif
