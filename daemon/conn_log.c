/*
 * conn_log.c - what the upstream connection says: its state changes, and
 * the lines the core asked for (upstream_core.h's UACT_SAY_*).
 */
#include <stdio.h>
#include <time.h>

#include "conn_log.h"
#include "conn_state.h"
#include "wspushd/fsm.h"
#include "wspushd/log.h"

void
conn_log_transitions(struct conn *c, const struct upstream_output *out)
{
	for (size_t i = 0; i < out->ntrans; i++) {
		const struct upstream_transition *t = &out->trans[i];

		log_msg(t->quiet ? LOG_DEBUG : LOG_INFO, "upstream: %s -> %s (%s)",
			fsm_state_name(t->from), fsm_state_name(t->to), t->why);
		if (t->is_error)
			snprintf(c->last_error, sizeof(c->last_error), "%s", t->why);
	}
	if (out->ntrans > 0)
		c->state_since = time(NULL);
}

void
conn_say(struct conn *c, unsigned a, const struct upstream_output *out)
{
	if (a & UACT_SAY_FAILED)
		log_repeated(&c->err_log, LOG_WARNING,
			     "upstream: connect to %s failed: %s",
			     c->req.endpoint, out->why);
	if (a & UACT_SAY_DEAD)
		log_warnx("upstream: %s: %s, the connection is dead",
			  c->req.endpoint, out->why);
	if (a & UACT_SAY_TOO_BIG)
		log_warnx("upstream: %s: closing with 1009", out->why);
	if (a & UACT_SAY_UNDRAINED)
		log_warnx("upstream: drain time over with %zu message(s) undelivered",
			  outbox_count(&c->out));
	if (a & UACT_SAY_DRAINING)
		log_info("upstream: draining %zu queued message(s)",
			 outbox_count(&c->out));
	if (a & UACT_HEALTHY)
		log_debug("upstream: connection stable, backoff reset");
	if (a & UACT_RETRY)
		log_debug("upstream: next attempt in %llu.%03llus (failure %u)",
			  (unsigned long long)(out->retry_in_ms / 1000),
			  (unsigned long long)(out->retry_in_ms % 1000),
			  out->failures);
}
