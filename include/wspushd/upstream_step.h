/*
 * upstream_step.h - one step of the upstream core (upstream_core.h), the
 * part that carries a life-cycle event through fsm.h: the deadlines it
 * arms and clears, the actions it asks of the glue, the transitions it
 * records.
 *
 * When the socket turns out to be gone, or a drained queue matters, that
 * is a follow-up event, taken once the event that caused it is complete,
 * exactly as if it had come from outside: so a deadline the finished
 * event armed is still cleared by the socket's end.
 *
 * Pure; used only by upstream_core.c, tested through it.
 */
#ifndef WSPUSHD_UPSTREAM_STEP_H
#define WSPUSHD_UPSTREAM_STEP_H

#include <stddef.h>
#include <stdint.h>

#include "wspushd/upstream_types.h"

/* Follow-ups one input can cause: the socket gone, the queue drained. */
#define UPSTREAM_FOLLOW_UPS 4

/* One input's work: the output, and the life-cycle events it caused. */
struct upstream_step {
	struct upstream_core *c;
	const struct upstream_input *in;
	struct upstream_output *out;
	struct {
		enum fsm_event ev;
		const char *why;
	} follow[UPSTREAM_FOLLOW_UPS];
	size_t nfollow;
};

/* Deadline k, ms from the input's now. */
void upstream_set_deadline(struct upstream_step *s, enum deadline_kind k,
			   uint64_t ms_from_now);
void upstream_clear_deadline(struct upstream_step *s, enum deadline_kind k);

/* What wsock.h said about the socket (its action bits), as the glue's. */
void upstream_socket_says(struct upstream_step *s, unsigned wsock_actions,
			  const char *why);

/* One life-cycle event, and what fsm.h asks for, in its order. */
void upstream_drive(struct upstream_step *s, enum fsm_event ev, const char *why);

/* UEV_TICK: the deadlines due, each as what it stands for (upstream_tick.c). */
void upstream_tick(struct upstream_step *s);

/* The follow-up events the step caused, in order. */
void upstream_follow_ups(struct upstream_step *s);

#endif
