/*
 * stream_info.c - see stream_info.h.
 */
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "wspushd/redis_cmd.h"
#include "wspushd/stream_info.h"
#include "wspushd/stream_out.h"
#include "wspushd/xalloc.h"

static bool
is(const redisReply *r, const char *s)
{
	return r->type == REDIS_REPLY_STRING && r->len == strlen(s) &&
	       memcmp(r->str, s, r->len) == 0;
}

/* Our group's map [k, v, ...] into the counters of stream k. */
static void
take_group(struct stream_stats *st, const redisReply *g)
{
	for (size_t k = 0; k + 1 < g->elements; k += 2) {
		const redisReply *v = g->element[k + 1];

		if (is(g->element[k], "pending") && v->type == REDIS_REPLY_INTEGER)
			st->pending = (uint64_t)v->integer;
		else if (is(g->element[k], "lag") && v->type == REDIS_REPLY_INTEGER)
			st->lag = (uint64_t)v->integer;
	}
	st->known = true;
}

static void
answered(void *arg, const struct redisReply *r)
{
	struct stream_ask *a = arg;
	struct stream_info *i = a->i;

	for (size_t g = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
			   g < r->elements; g++) {
		const redisReply *m = r->element[g];

		for (size_t k = 0; m->type == REDIS_REPLY_ARRAY &&
				   k + 1 < m->elements; k += 2)
			if (is(m->element[k], "name") &&
			    is(m->element[k + 1], i->group))
				take_group(&i->stats[a->stream], m);
	}
	if (i->due > 0)
		i->due--;
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	struct stream_info *i = lws_container_of(sul, struct stream_info, timer);

	/* One round at a time: a Redis slow to answer is not asked twice. */
	for (size_t k = 0; i->due == 0 && k < i->n; k++) {
		const char *argv[] = { "XINFO", "GROUPS", i->names[k] };

		i->asks[k] = (struct stream_ask){ .i = i, .stream = k };
		if (redis_cmd_send(i->cmd, answered, &i->asks[k], 3, argv, NULL) == 0)
			i->due++;
	}
	lws_sul_schedule(i->ctx, 0, &i->timer, tick,
			 (lws_usec_t)i->every_ms * LWS_US_PER_MS);
}

void
stream_info_start(struct stream_info *i)
{
	i->asks = xcalloc(i->n, sizeof(*i->asks));
	lws_sul_schedule(i->ctx, 0, &i->timer, tick, 0);
}

void
stream_info_stop(struct stream_info *i)
{
	lws_sul_cancel(&i->timer);
}

void
stream_info_free(struct stream_info *i)
{
	stream_info_stop(i);
	free(i->asks);
	i->asks = NULL;
}
