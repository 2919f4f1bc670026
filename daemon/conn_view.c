/*
 * conn_view.c - the upstream connection as reports see it: the snapshot
 * for STATUS=, the status hash and /metrics, its counters and the queue
 * length.  See conn.h.
 */
#include <stddef.h>

#include "conn_state.h"
#include "wspushd/conn.h"

void
conn_snapshot(const struct conn *c, struct conn_snapshot *out)
{
	uint64_t now = monotonic_ms(), retry_at = upstream_core_retry_at(&c->core);

	out->state = (int)c->core.fsm.state;
	out->state_name = fsm_state_name(c->core.fsm.state);
	out->stopping = c->core.fsm.stopping;
	out->since = c->state_since;
	out->attempt = c->stats.attempts;
	out->retry_in_ms = retry_at > now ? retry_at - now : 0;
	out->endpoint = c->req.endpoint;
	out->last_error = c->last_error;
	out->stats = c->stats;
	out->queued = outbox_count(&c->out);
	out->queued_bytes = c->out.queue.bytes;
	out->queue_max_messages = c->out.queue.max_count;
	out->queue_max_bytes = c->out.queue.max_bytes;
}

const struct conn_stats *
conn_get_stats(const struct conn *c)
{
	return &c->stats;
}

size_t
conn_queued(const struct conn *c)
{
	return outbox_count(&c->out);
}
