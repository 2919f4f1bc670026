/*
 * conn_internal.h - what conn.c lends conn_callbacks.c (what
 * libwebsockets reports, as the core's inputs): reporting an input,
 * stepping one at once, the timer.  The data is conn_state.h's.
 */
#ifndef WSPUSHD_CONN_INTERNAL_H
#define WSPUSHD_CONN_INTERNAL_H

#include "conn_state.h"

/* Report one input: stepped now, or after the step under way. */
void conn_report(struct conn *c, const struct upstream_input *in);
/* The same, for an input that carries only its kind and reason. */
void conn_report_event(struct conn *c, enum upstream_event ev, const char *why);
/*
 * Step one input at once, outside the ring, and carry out what it says
 * (but the writes, which are the caller's): for WRITEABLE, whose return
 * value is the answer.  Never while a step is under way.
 */
void conn_step_now(struct conn *c, struct upstream_input *in,
		   struct upstream_output *out);
/* The part of an input the glue knows: time, randomness, the queue. */
void conn_fill(struct conn *c, struct upstream_input *in);
/* Messages left the queue: tell the owner (conn_set_settled()). */
void conn_settled(struct conn *c, uint64_t delivered_below,
		  uint64_t dropped_below);
/* Arm the one timer for the core's deadline at (0: none). */
void conn_rearm(struct conn *c, uint64_t at);

#endif
