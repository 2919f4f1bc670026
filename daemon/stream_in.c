/*
 * stream_in.c - Redis Streams in: stream_core.h's decisions carried out
 * with hiredis replies.  See stream_in.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <libwebsockets.h>

#include "wspushd/backoff.h"
#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/redis_link.h"
#include "wspushd/redis_sub.h"
#include "wspushd/stream_acks.h"
#include "wspushd/stream_claim.h"
#include "wspushd/stream_core.h"
#include "wspushd/stream_group.h"
#include "wspushd/stream_info.h"
#include "wspushd/stream_in.h"
#include "wspushd/stream_out.h"
#include "wspushd/stream_reply.h"
#include "wspushd/xalloc.h"

/* Most entries per stream per read; the queue's room bounds it too. */
#define READ_BATCH 1000
/* How long one read of new entries may wait in Redis. */
#define READ_BLOCK_MS "2000"
/* How often the group's pending count and lag are asked for. */
#define STREAM_INFO_EVERY_MS 5000
#define PENDING_EVENTS 4

/* One stream: where its reads stand, and what waits for XACK. */
struct stream {
	char *name;
	struct stream_id cursor;	/* history: read after this */
	bool history_done;		/* no own pending entry is left */
	struct stream_id mark;		/* the newest entry queued this run */
	bool marked;

};

struct stream_in {
	struct lws_context *ctx;
	struct redis_cmd *reader, *cmd;
	struct conn *conn;
	struct stream *s;
	struct stream_stats *stats;	/* per stream */
	struct stream_out out;		/* XACK, dead letters */
	struct stream_claim claim;	/* others' idle entries */
	struct stream_group grp;	/* created; in a fleet, taken over */
	struct stream_info info;	/* the group, as Redis sees it */
	unsigned max_deliveries;
	char **names;			/* the streams' names, for replies */
	bool *seen;			/* per stream: in the last reply */
	size_t n;
	bool reading_history;		/* the reply being taken is history */
	char *group, *consumer;
	char *dead_letter;		/* NULL: "<stream>:dead" */
	struct stream_core core;
	struct stream_acks acks;	/* queued entries, in queue order */
	struct rng rng;
	lws_sorted_usec_list_t timer;	/* the core's deadline */
	struct stream_input pending[PENDING_EVENTS];
	size_t npending;
	bool stepping;
	struct log_repeat err_log;	/* failed commands */
};

static void carry_out(struct stream_in *si, const struct stream_output *out);
static void timer_fired(lws_sorted_usec_list_t *sul);

/* ---- stepping the core ------------------------------------------------- */

static void
step(struct stream_in *si, struct stream_input in)
{
	struct stream_output out;

	if (si->stepping) {
		/* A report from inside an action: after it. */
		if (si->npending < PENDING_EVENTS)
			si->pending[si->npending++] = in;
		return;
	}
	si->stepping = true;
	for (;;) {
		in.now = monotonic_ms();
		in.random = rng_next(&si->rng);
		in.room = conn_room(si->conn);
		stream_core_step(&si->core, &in, &out);
		if (out.from != out.to)
			log_debug("streams: %s -> %s", stream_state_name(out.from),
				  stream_state_name(out.to));
		if (out.deadline == 0)
			lws_sul_cancel(&si->timer);
		else
			lws_sul_schedule(si->ctx, 0, &si->timer, timer_fired,
					 (lws_usec_t)(out.deadline > in.now ?
						      out.deadline - in.now : 0) *
					 LWS_US_PER_MS);
		carry_out(si, &out);
		if (si->npending == 0)
			break;
		in = si->pending[0];
		memmove(si->pending, si->pending + 1,
			--si->npending * sizeof(si->pending[0]));
	}
	si->stepping = false;
}

static void
report(struct stream_in *si, enum stream_event ev, const char *why)
{
	step(si, (struct stream_input){ .ev = ev, .why = why });
}

static void
timer_fired(lws_sorted_usec_list_t *sul)
{
	report(lws_container_of(sul, struct stream_in, timer), SEV_TICK, NULL);
}

/* ---- acknowledging ------------------------------------------------------ */

static void
settled_one(void *arg, const struct stream_ack *e, int delivered)
{
	struct stream_in *si = arg;

	if (delivered)
		si->stats[e->stream].acked++;
	else
		si->stats[e->stream].dropped++;
	stream_out_due(&si->out, e->stream, &e->id);
}

/* The upstream refused the message of queue number seq (resend.h). */
static void
refused(void *arg, uint64_t seq, const void *data, size_t len)
{
	struct stream_in *si = arg;
	struct stream_ack e;

	/* What is older than it in the queue left it before. */
	stream_acks_settle(&si->acks, 0, seq, settled_one, si);
	if (stream_acks_take(&si->acks, seq, &e))
		stream_out_dead(&si->out, e.stream, &e.id, data, len);
	/* else a Pub/Sub message: nowhere to keep it */
}

/* The connection's report: what left its queue, and how. */
static void
settled(void *arg, uint64_t delivered_below, uint64_t dropped_below)
{
	struct stream_in *si = arg;

	if (stream_acks_settle(&si->acks, delivered_below, dropped_below,
			       settled_one, si) > 0)
		stream_out_flush(&si->out);
	report(si, SEV_ROOM, NULL);
}

/* ---- reading ------------------------------------------------------------ */

/* One entry of a read: queued, or acknowledged as told. */
static void
take_entry(void *arg, const struct stream_entry *e)
{
	struct stream_in *si = arg;
	struct stream *st = &si->s[e->stream];
	uint64_t seq;

	si->stats[st - si->s].read++;
	if (si->reading_history) {
		st->cursor = e->id;
		/* Still queued from before Redis went away: not twice. */
		if (st->marked && stream_id_cmp(&e->id, &st->mark) <= 0)
			return;
	}
	if (!st->marked || stream_id_cmp(&e->id, &st->mark) > 0) {
		st->mark = e->id;
		st->marked = true;
	}
	switch (e->kind) {
	case SE_DATA:
		if (conn_submit_seq(si->conn, e->data, e->len, &seq)) {
			if (stream_acks_push(&si->acks, seq, (uint32_t)e->stream,
					     &e->id) < 0)
				log_warnx("streams: out of memory; %s entry stays "
					  "pending", st->name);
			return;
		}
		break;		/* dropped as told, and counted by the queue */
	case SE_OVERSIZE:
		/* Longer than max_message_size: never read whole. */
		conn_drop_oversize(si->conn, st->name, strlen(st->name), 0);
		break;
	case SE_DELETED:
		stream_out_invalid(&si->out, e->stream, &e->id, "deleted while pending");
		return;
	case SE_NO_DATA:
		stream_out_invalid(&si->out, e->stream, &e->id, "no field \"data\"");
		return;
	case SE_NOT_STRING:
		stream_out_invalid(&si->out, e->stream, &e->id,
				   "field \"data\" is not a string");
		return;
	}
	si->stats[st - si->s].dropped++;
	stream_out_due(&si->out, (size_t)(st - si->s), &e->id);
}

/* An entry taken over from another consumer. */
static void
take_claimed(void *arg, const struct stream_entry *e, uint64_t deliveries)
{
	struct stream_in *si = arg;

	/* Delivered too often already (by consumers that died on it). */
	si->stats[e->stream].claimed++;
	if (deliveries > si->max_deliveries && e->kind == SE_DATA) {
		stream_out_dead(&si->out, e->stream, &e->id, e->data, e->len);
		return;
	}
	si->reading_history = false;
	take_entry(si, e);
	stream_out_flush(&si->out);
}

static void
claim_done(void *arg)
{
	report(arg, SEV_CLAIMED, NULL);
}

/* A history read's streams: those with pending entries left. */
static bool
history_left(const struct stream_in *si, size_t k)
{
	return !si->s[k].history_done;
}

static void
read_reply(void *arg, const struct redisReply *r, bool history)
{
	struct stream_in *si = arg;
	struct stream_input in = { .ev = SEV_READ, .exhausted = true };
	bool *seen = si->seen;

	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		report(si, SEV_FAILED, r == NULL ? "connection lost" : r->str);
		return;
	}
	memset(seen, 0, si->n * sizeof(*seen));
	si->reading_history = history;
	if (!stream_reply_walk(r, si->names, si->n, take_entry, si, seen)) {
		report(si, SEV_FAILED, "XREADGROUP answered with no stream");
		return;
	}
	stream_out_flush(&si->out);
	/* A stream that gave no pending entry has none left. */
	for (size_t k = 0; history && k < si->n; k++) {
		si->s[k].history_done = si->s[k].history_done || !seen[k];
		if (history_left(si, k))
			in.exhausted = false;
	}
	step(si, in);
}

static void
history_reply(void *arg, const struct redisReply *r)
{
	read_reply(arg, r, true);
}

static void
new_reply(void *arg, const struct redisReply *r)
{
	read_reply(arg, r, false);
}

static void
send_read(struct stream_in *si, uint32_t count, bool history)
{
	size_t max = 9 + 2 * si->n, argc = 0, nids = 0;
	const char **argv = xcalloc(max, sizeof(*argv));
	char (*ids)[STREAM_ID_MAX] = xcalloc(si->n, sizeof(*ids));
	char num[24];

	snprintf(num, sizeof(num), "%u", count);
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = si->group;
	argv[argc++] = si->consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = num;
	if (!history) {
		argv[argc++] = "BLOCK";
		argv[argc++] = READ_BLOCK_MS;
	}
	argv[argc++] = "STREAMS";
	for (size_t k = 0; k < si->n; k++)
		if (!history || history_left(si, k))
			argv[argc++] = si->s[k].name;
	for (size_t k = 0; k < si->n; k++) {
		if (!history) {
			argv[argc++] = ">";
		} else if (history_left(si, k)) {
			stream_id_format(&si->s[k].cursor, ids[nids]);
			argv[argc++] = ids[nids++];
		}
	}
	if (redis_cmd_send(si->reader, history ? history_reply : new_reply, si,
			   (int)argc, argv, NULL) < 0)
		report(si, SEV_FAILED, "cannot send XREADGROUP");
	free(ids);
	free(argv);
}

/* ---- the group ---------------------------------------------------------- */

/* Created, or taken over: the step the core waits for is over. */
static void
group_ready(void *arg, const char *why)
{
	struct stream_in *si = arg;

	if (why != NULL)
		report(si, SEV_FAILED, why);
	else
		report(si, si->core.state == SR_TAKEOVER ? SEV_TAKEN : SEV_CREATED,
			NULL);
}

static void
send_creates(struct stream_in *si)
{
	/* Read this consumer's own pending entries from the start. */
	for (size_t k = 0; k < si->n; k++) {
		memset(&si->s[k].cursor, 0, sizeof(si->s[k].cursor));
		si->s[k].history_done = false;
	}
	stream_group_create(&si->grp);
}

static void
carry_out(struct stream_in *si, const struct stream_output *out)
{
	if (out->actions & SACT_REPORT)
		log_repeated(&si->err_log, strcmp(out->why, "connection lost") == 0 ?
			     LOG_DEBUG : LOG_WARNING,
			     "streams: %s; reading again in %llums", out->why,
			     (unsigned long long)out->retry_in_ms);
	if (out->actions & SACT_CREATE)
		send_creates(si);
	if (out->actions & SACT_TAKEOVER)
		stream_group_take_over(&si->grp);
	if (out->actions & SACT_READ_HISTORY)
		send_read(si, out->count, true);
	if (out->actions & SACT_READ_NEW)
		send_read(si, out->count, false);
	if (out->actions & SACT_CLAIM)
		stream_claim_round(&si->claim, out->count);
}

/* ---- life --------------------------------------------------------------- */

struct stream_in *
stream_in_new(struct lws_context *ctx, const struct config *cfg,
	      struct redis_sub *rs, struct conn *conn)
{
	struct stream_in *si = xcalloc(1, sizeof(*si));
	struct stream_params p = {
		.streams = (uint32_t)cfg->streams.count,
		.batch = READ_BATCH,
		.backoff = { cfg->redis_backoff_min_ms, cfg->redis_backoff_max_ms },
	};

	si->ctx = ctx;
	si->reader = redis_sub_reader(rs);
	si->cmd = redis_sub_commands(rs);
	si->conn = conn;
	si->n = cfg->streams.count;
	si->s = xcalloc(si->n, sizeof(*si->s));
	si->stats = xcalloc(si->n, sizeof(*si->stats));
	si->names = xcalloc(si->n, sizeof(*si->names));
	si->seen = xcalloc(si->n, sizeof(*si->seen));
	for (size_t k = 0; k < si->n; k++)
		si->names[k] = si->s[k].name = xstrdup(cfg->streams.items[k]);
	si->group = xstrdup(cfg->stream_group);
	si->consumer = xstrdup(cfg->stream_consumer);
	si->dead_letter = cfg->dead_letter ? xstrdup(cfg->dead_letter) : NULL;
	stream_out_init(&si->out, si->cmd, si->group, si->names, si->stats,
			si->n, si->dead_letter, cfg->max_deliveries);
	si->max_deliveries = cfg->max_deliveries;
	/* Over the reader: claimed entries are as long as read ones. */
	si->claim = (struct stream_claim){
		.cmd = si->reader, .group = si->group, .consumer = si->consumer,
		.names = si->names, .n = si->n, .idle_ms = cfg->claim_idle_ms,
		.take = take_claimed, .done = claim_done, .arg = si,
	};
	p.claim_every_ms = cfg->claim_idle_ms / 2;
	si->grp = (struct stream_group){
		.cmd = si->reader, .group = si->group, .consumer = si->consumer,
		.names = si->names, .n = si->n, .done = group_ready, .arg = si,
		.oldest = cfg->stream_start == STREAM_START_OLDEST,
	};
	p.takeover = cfg->lease_key != NULL;
	si->info = (struct stream_info){
		.ctx = ctx, .cmd = si->cmd, .group = si->group, .names = si->names,
		.stats = si->stats, .n = si->n, .every_ms = STREAM_INFO_EVERY_MS,
	};
	stream_info_start(&si->info);
	rng_seed_random(&si->rng);
	si->err_log.interval_ms = 10000;
	/* COUNT is per stream; the reply must fit what the link keeps. */
	if (p.batch > redis_link_stream_batch(cfg) / si->n)
		p.batch = (uint32_t)(redis_link_stream_batch(cfg) / si->n);
	if (p.batch == 0)
		p.batch = 1;
	stream_core_init(&si->core, &p);
	conn_set_settled(conn, settled, si);
	conn_set_refused(conn, refused, si);
	return si;
}

void
stream_in_free(struct stream_in *si)
{
	if (si == NULL)
		return;
	lws_sul_cancel(&si->timer);
	stream_info_free(&si->info);
	for (size_t k = 0; k < si->n; k++) {
		free(si->s[k].name);
	}
	stream_out_free(&si->out);
	free(si->s);
	free(si->stats);
	free(si->names);
	free(si->seen);
	free(si->group);
	free(si->dead_letter);
	free(si->consumer);
	stream_acks_free(&si->acks);
	free(si);
}

void
stream_in_flush(struct stream_in *si)
{
	if (si != NULL)
		redis_cmd_flush(si->cmd);
}

void
stream_in_redis(struct stream_in *si, bool up)
{
	if (si == NULL)
		return;
	report(si, up ? SEV_UP : SEV_DOWN, NULL);
	if (up)
		stream_out_flush(&si->out);
}

void
stream_in_forget(struct stream_in *si)
{
	if (si != NULL)
		stream_acks_free(&si->acks);
}

void
stream_in_stop(struct stream_in *si)
{
	if (si != NULL)
		report(si, SEV_STOP, NULL);
}

size_t
stream_in_view(const struct stream_in *si, char *const **names,
	       const struct stream_stats **stats)
{
	*names = si->names;
	*stats = si->stats;
	return si->n;
}
