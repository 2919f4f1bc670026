/*
 * status_hash.c - see status_hash.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/fsm.h"
#include "wspushd/status_hash.h"

const char *
status_state(const struct conn_snapshot *s)
{
	if (s->stopping)
		return "stopping";
	/* Between attempts, as the status line has it. */
	if (s->state == FSM_IDLE && s->retry_in_ms > 0)
		return "connecting";
	return s->state_name;
}

static void
add(struct status_hash *h, const char *field, const char *value)
{
	if (h->n == STATUS_HASH_MAX)
		return;
	h->field[h->n] = field;
	h->value[h->n] = value;
	h->n++;
}

static void
add_number(struct status_hash *h, const char *field, long long v)
{
	if (h->n == STATUS_HASH_MAX)
		return;
	snprintf(h->text[h->n], sizeof(h->text[h->n]), "%lld", v);
	add(h, field, h->text[h->n]);
}

void
status_hash_build(const struct conn_snapshot *s, const struct status_extra *x,
		  struct status_hash *h)
{
	const struct conn_stats *st = &s->stats;

	h->n = 0;
	status_line(s, x->redis_state, h->line, sizeof(h->line));
	add(h, "state", status_state(s));
	add(h, "status", h->line);
	add_number(h, "since", (long long)s->since);
	add(h, "url", s->endpoint);
	add_number(h, "received", (long long)st->received);
	add_number(h, "sent", (long long)st->sent);
	add_number(h, "dropped", (long long)(st->dropped_overflow +
		   st->dropped_oversize + st->dropped_invalid +
		   st->dropped_refused + st->dropped_fenced));
	add_number(h, "queued", (long long)s->queued);
	add_number(h, "attempts", (long long)st->attempts);
	add_number(h, "reconnects", (long long)(st->attempts > 0 ?
						 st->attempts - 1 : 0));
	add(h, "last_error", x->last_error);
	add_number(h, "last_error_at", (long long)x->last_error_at);
	add(h, "redis", x->redis_state);
	add(h, "inputs", x->inputs);
	add_number(h, "uptime", (long long)x->uptime_s);
	add(h, "version", x->version);
	add_number(h, "pid", x->pid);
	add(h, "host", x->host != NULL ? x->host : "");
	add_number(h, "updated", (long long)x->now);
	if (s->streams != NULL)
		add(h, "streams", s->streams);
	if (s->role != NULL) {
		add(h, "role", s->role);
		add_number(h, "term", (long long)s->term);
		add(h, "lease_holder", s->holder);
	}
}
