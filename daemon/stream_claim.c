/*
 * stream_claim.c - see stream_claim.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/stream_claim.h"
#include "wspushd/xalloc.h"

/* One stream's round: the entries found, then claimed. */
struct job {
	struct stream_claim *c;
	size_t stream;
	size_t n;
	struct stream_id *ids;
	uint64_t *deliveries;
};

static void
job_done(struct job *j)
{
	struct stream_claim *c = j->c;

	free(j->ids);
	free(j->deliveries);
	free(j);
	if (c->due > 0 && --c->due == 0)
		c->done(c->arg);
}

static void
take(void *arg, const struct stream_entry *e)
{
	struct job *j = arg;
	uint64_t deliveries = 0;

	for (size_t i = 0; i < j->n; i++)
		if (stream_id_cmp(&j->ids[i], &e->id) == 0)
			deliveries = j->deliveries[i];
	j->c->take(j->c->arg, e, deliveries);
}

static void
claimed(void *arg, const struct redisReply *r)
{
	struct job *j = arg;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY)
		stream_reply_entries(r, j->stream, take, j);
	job_done(j);
}

/* An XPENDING item: [id, consumer, idle, deliveries], not ours. */
static void
found(struct job *j, const redisReply *p, const char *consumer)
{
	const redisReply *id = p->element[0], *who = p->element[1];

	if (who->type != REDIS_REPLY_STRING ||
	    (who->len == strlen(consumer) &&
	     memcmp(who->str, consumer, who->len) == 0) ||
	    id->type != REDIS_REPLY_STRING ||
	    p->element[3]->type != REDIS_REPLY_INTEGER ||
	    !stream_id_parse(id->str, id->len, &j->ids[j->n]))
		return;
	j->deliveries[j->n++] = (uint64_t)p->element[3]->integer;
}

static void
pending(void *arg, const struct redisReply *r)
{
	struct job *j = arg;
	struct stream_claim *c = j->c;
	char idle[24], (*text)[STREAM_ID_MAX];
	const char **argv;


	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		if (r != NULL && r->type == REDIS_REPLY_ERROR)
			log_warnx("streams: XPENDING %s: %s", c->names[j->stream],
				  r->str);
		job_done(j);
		return;
	}
	j->ids = xcalloc(r->elements, sizeof(*j->ids));
	j->deliveries = xcalloc(r->elements, sizeof(*j->deliveries));
	for (size_t i = 0; i < r->elements; i++)
		if (r->element[i]->type == REDIS_REPLY_ARRAY &&
		    r->element[i]->elements == 4)
			found(j, r->element[i], c->consumer);
	if (j->n == 0) {
		job_done(j);
		return;
	}
	snprintf(idle, sizeof(idle), "%llu", (unsigned long long)c->idle_ms);
	argv = xcalloc(5 + j->n, sizeof(*argv));
	text = xcalloc(j->n, sizeof(*text));
	argv[0] = "XCLAIM", argv[1] = c->names[j->stream], argv[2] = c->group;
	argv[3] = c->consumer, argv[4] = idle;
	for (size_t i = 0; i < j->n; i++) {
		stream_id_format(&j->ids[i], text[i]);
		argv[5 + i] = text[i];
	}
	log_info("streams: taking over %zu entr%s of %s idle for %sms",
		 j->n, j->n == 1 ? "y" : "ies", c->names[j->stream], idle);
	if (redis_cmd_send(c->cmd, claimed, j, (int)(5 + j->n), argv, NULL) < 0)
		job_done(j);
	free(text);
	free(argv);
}

void
stream_claim_round(struct stream_claim *c, uint32_t count)
{
	char idle[24], num[24];

	snprintf(idle, sizeof(idle), "%llu", (unsigned long long)c->idle_ms);
	snprintf(num, sizeof(num), "%u", count);
	c->due = (unsigned)c->n + 1;	/* held until every stream is sent */
	for (size_t k = 0; k < c->n; k++) {
		const char *argv[] = { "XPENDING", c->names[k], c->group, "IDLE",
				       idle, "-", "+", num };
		struct job *j = xcalloc(1, sizeof(*j));

		j->c = c;
		j->stream = k;
		if (redis_cmd_send(c->cmd, pending, j, 8, argv, NULL) < 0)
			job_done(j);
	}
	if (--c->due == 0)
		c->done(c->arg);
}
