/*
 * stream_group.c - see stream_group.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/stream_group.h"

/* Per call; and the calls per stream, so a takeover is bounded. */
#define TAKE_COUNT "1000"
#define TAKE_MAX_ROUNDS 10000

static void send_next(struct stream_group *t);

static void
finish(struct stream_group *t, const char *why)
{
	if (why == NULL && t->taken > 0)
		log_info("streams: took over %llu pending entr%s of group %s",
			 (unsigned long long)t->taken, t->taken == 1 ? "y" : "ies",
			 t->group);
	t->done(t->arg, why);
}

/* [next-cursor, [id, ...], [deleted-id, ...] (Redis 7)] */
static void
taken(void *arg, const redisReply *r)
{
	struct stream_group *t = arg;
	const redisReply *cur;

	if (r == NULL) {
		finish(t, "connection lost");
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_warnx("streams: XAUTOCLAIM %s: %s", t->names[t->stream], r->str);
		finish(t, "XAUTOCLAIM failed");
		return;
	}
	if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    r->element[0]->len >= sizeof(t->cursor) ||
	    r->element[1]->type != REDIS_REPLY_ARRAY) {
		finish(t, "XAUTOCLAIM gave an unexpected reply");
		return;
	}
	cur = r->element[0];
	t->taken += r->element[1]->elements;
	memcpy(t->cursor, cur->str, cur->len);
	t->cursor[cur->len] = '\0';
	if (strcmp(t->cursor, "0-0") == 0 || ++t->rounds >= TAKE_MAX_ROUNDS) {
		if (t->rounds >= TAKE_MAX_ROUNDS)
			log_warnx("streams: %s: stopped taking over after %u "
				  "rounds; the rest waits for claim_idle",
				  t->names[t->stream], t->rounds);
		t->stream++;
		t->rounds = 0;
		snprintf(t->cursor, sizeof(t->cursor), "0-0");
	}
	send_next(t);
}

static void
send_next(struct stream_group *t)
{
	const char *argv[] = { "XAUTOCLAIM", NULL, t->group, t->consumer, "0",
			       t->cursor, "COUNT", TAKE_COUNT, "JUSTID" };

	if (t->stream == t->n) {
		finish(t, NULL);
		return;
	}
	argv[1] = t->names[t->stream];
	if (redis_cmd_send(t->cmd, taken, t, 9, argv, NULL) < 0)
		finish(t, "cannot send XAUTOCLAIM");
}

void
stream_group_take_over(struct stream_group *t)
{
	t->stream = 0;
	t->rounds = 0;
	t->taken = 0;
	snprintf(t->cursor, sizeof(t->cursor), "0-0");
	send_next(t);
}

static void
created(void *arg, const redisReply *r)
{
	struct stream_group *g = arg;

	if (g->due == 0)
		return;		/* a failure was said already */
	if (r == NULL || (r->type == REDIS_REPLY_ERROR &&
			  strncmp(r->str, "BUSYGROUP", 9) != 0)) {
		g->due = 0;
		g->done(g->arg, r == NULL ? "connection lost" : r->str);
		return;
	}
	if (--g->due == 0)
		g->done(g->arg, NULL);
}

void
stream_group_create(struct stream_group *g)
{
	g->due = (unsigned)g->n;
	for (size_t k = 0; k < g->n; k++) {
		const char *argv[] = { "XGROUP", "CREATE", g->names[k], g->group,
				       g->oldest ? "0" : "$", "MKSTREAM" };

		if (redis_cmd_send(g->cmd, created, g, 6, argv, NULL) < 0) {
			g->due = 0;
			g->done(g->arg, "cannot send XGROUP CREATE");
			return;
		}
	}
}
