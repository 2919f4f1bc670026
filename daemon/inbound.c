/*
 * inbound.c - see inbound.h.
 */
#include <stdlib.h>
#include <time.h>

#include <hiredis/hiredis.h>
#include <libwebsockets.h>

#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/inbound.h"
#include "wspushd/inbound_dest.h"
#include "wspushd/inbound_msg.h"
#include "wspushd/inbound_queue.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/redis_sub.h"
#include "wspushd/xalloc.h"

/* Repeats of a drop are summarised at most this often. */
#define SUMMARY_MS 10000

/*
 * After the command connection went with commands in flight, what waits
 * is sent again this much later: it would otherwise wait for the next
 * message or reply, which a quiet server may never give, and at once
 * would be a busy loop while Redis is away.
 */
#define RETRY_MS 500

/*
 * A command in flight: what its reply settles.  Its privdata, so it
 * lives until the reply, even past the inbound that sent it, which then
 * has disowned it (owner NULL).
 */
struct sent {
	struct sent *prev, *next;	/* the owner's, while it has one */
	struct inbound *owner;
	struct inbound_dest *dest;	/* a reference, for the log */
	size_t len;
};

struct inbound {
	lws_sorted_usec_list_t retry;	/* see RETRY_MS */
	struct lws_context *ctx;
	struct conn *conn;
	struct redis_cmd *cmd;
	const struct config *cfg;
	struct inbound_dest *dest;	/* the next messages'; NULL: off */
	struct inbound_msg msg;
	struct inbound_queue q;
	struct sent *flying;		/* commands in flight */
	struct log_repeat full_log, big_log, refused_log, lost_log;
};

static int64_t
unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
unlink_sent(struct inbound *in, struct sent *s)
{
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		in->flying = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
}

static void flush(struct inbound *in);

static void
retry_fired(lws_sorted_usec_list_t *sul)
{
	flush(lws_container_of(sul, struct inbound, retry));
}

static void
retry_soon(struct inbound *in)
{
	lws_sul_schedule(in->ctx, 0, &in->retry, retry_fired,
			 (lws_usec_t)RETRY_MS * LWS_US_PER_MS);
}

/* Redis' answer, counted and, when it is an error, said (once). */
static void
settle(struct inbound *in, const struct sent *s, const redisReply *r)
{
	char text[160];

	if (r == NULL) {
		inbound_queue_answered(&in->q, s->len, INBOUND_GONE);
		log_repeated(&in->lost_log, LOG_WARNING, "inbound: the connection "
			     "to Redis went with the server's messages in "
			     "flight; they may or may not have been applied");
		retry_soon(in);
		return;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		inbound_queue_answered(&in->q, s->len, INBOUND_ERROR);
		log_repeated(&in->refused_log, LOG_WARNING,
			     "inbound: %s %s refused by Redis: %s",
			     s->dest->stream ? "XADD" : "PUBLISH", s->dest->name,
			     log_printable(text, sizeof(text), r->str, r->len));
	} else {
		inbound_queue_answered(&in->q, s->len, INBOUND_ACCEPTED);
		if (in->refused_log.last[0] != '\0') {
			log_repeat_reset(&in->refused_log, LOG_WARNING);
			log_notice("inbound: %s %s accepted by Redis again",
				   s->dest->stream ? "XADD" : "PUBLISH",
				   s->dest->name);
		}
	}
	/* It answers: what waits may go. */
	flush(in);
}

static void
on_reply(void *arg, const redisReply *r)
{
	struct sent *s = arg;
	struct inbound *in = s->owner;

	if (in != NULL) {
		unlink_sent(in, s);
		settle(in, s, r);
		/* Nothing waits any more: report the drops only counted. */
		if (inbound_queue_pending(&in->q) == 0) {
			log_repeat_reset(&in->full_log, LOG_WARNING);
			log_repeat_reset(&in->lost_log, LOG_WARNING);
		}
	}
	inbound_dest_unref(s->dest);
	free(s);
}

/* One message's command, pipelined: 0, or -1 if Redis cannot take it now. */
static int
send_one(struct inbound *in, struct inbound_dest *d, const void *data,
	 size_t len, bool binary, int64_t at_ms)
{
	const char *argv[INBOUND_ARGC_MAX];
	size_t lens[INBOUND_ARGC_MAX];
	char stamp[24];
	int argc = inbound_dest_command(d, data, len, binary, at_ms, stamp,
					argv, lens);
	struct sent *s = xmalloc(sizeof(*s));

	*s = (struct sent){
		.next = in->flying, .owner = in, .dest = inbound_dest_ref(d),
		.len = len,
	};
	if (in->flying != NULL)
		in->flying->prev = s;
	in->flying = s;
	if (redis_cmd_send(in->cmd, on_reply, s, argc, argv, lens) < 0) {
		unlink_sent(in, s);
		inbound_dest_unref(s->dest);
		free(s);
		return -1;
	}
	return 0;
}

/* What waits goes, in order, as far as the window and Redis allow. */
static void
flush(struct inbound *in)
{
	const struct inbound_item *it;

	while ((it = inbound_queue_next(&in->q)) != NULL) {
		if (send_one(in, it->tag, it->data, it->len, it->binary,
			     it->at_ms) < 0) {
			/* Redis cannot take it now: kept, and tried again. */
			retry_soon(in);
			return;
		}
		inbound_dest_unref(it->tag);
		inbound_queue_next_sent(&in->q);
	}
}

/* A whole message from the server: sent at once, or queued, or dropped. */
static void
take(struct inbound *in, const struct inbound_piece *m)
{
	int64_t at = in->dest->stream ? unix_ms() : 0;

	if (!inbound_queue_admit(&in->q, m->len)) {
		log_repeated(&in->full_log, LOG_WARNING, "inbound: Redis is not "
			     "keeping up (max_pending %zu or max_pending_bytes "
			     "%zu reached): dropping the server's newest "
			     "messages", in->q.max_pending,
			     in->q.max_pending_bytes);
		return;
	}
	/* The common case: nothing waits, so no copy of our own. */
	if (inbound_queue_direct(&in->q)) {
		if (send_one(in, in->dest, m->data, m->len, m->binary, at) == 0) {
			inbound_queue_sent(&in->q, m->len);
			return;
		}
		inbound_queue_push(&in->q, m->data, m->len, m->binary, at,
				   inbound_dest_ref(in->dest));
		retry_soon(in);
		return;
	}
	inbound_queue_push(&in->q, m->data, m->len, m->binary, at,
			   inbound_dest_ref(in->dest));
	flush(in);
}

/* conn_set_inbound's hook: every piece of every data message. */
static void
on_fragment(void *arg, const struct conn_fragment *f)
{
	struct inbound *in = arg;
	struct inbound_piece p = {
		.data = f->data, .len = f->len, .first = f->first,
		.final = f->final, .binary = f->binary,
	}, m;
	size_t max = in->cfg->max_message_bytes;

	switch (inbound_msg_add(&in->msg, &p, max, &m)) {
	case INMSG_MORE:
		break;
	case INMSG_TOO_BIG:
		inbound_queue_too_big(&in->q);
		log_repeated(&in->big_log, LOG_WARNING, "inbound: a server "
			     "message over max_message_size (%zu bytes) dropped",
			     max);
		break;
	case INMSG_WHOLE:
		take(in, &m);
		inbound_msg_done(&in->msg);
		break;
	}
}

static void
say_dest(const struct inbound_dest *d)
{
	if (d == NULL)
		log_info("inbound: the server's messages are not forwarded");
	else if (d->stream)
		log_info("inbound: the server's messages go to stream %s "
			 "(MAXLEN ~ %s)", d->name, d->maxlen);
	else
		log_info("inbound: the server's messages go to channel %s",
			 d->name);
}

void
inbound_reconfigure(struct inbound *in, const struct config *cfg)
{
	struct inbound_dest *d = inbound_dest_new(cfg);

	in->cfg = cfg;
	inbound_queue_limits(&in->q, cfg->inbound_max_pending,
			     cfg->inbound_max_pending_bytes);
	if (inbound_dest_same(d, in->dest)) {
		inbound_dest_unref(d);
		return;
	}
	if (d != NULL || in->dest != NULL)
		say_dest(d);
	inbound_dest_unref(in->dest);
	in->dest = d;
	if (d == NULL)
		inbound_msg_reset(&in->msg);
	/* Off: the connection does not even call. */
	conn_set_inbound(in->conn, d != NULL ? on_fragment : NULL, in);
}

struct inbound *
inbound_new(struct lws_context *ctx, struct conn *conn, struct redis_sub *rs,
	    const struct config *cfg)
{
	struct inbound *in = xcalloc(1, sizeof(*in));

	in->ctx = ctx;
	in->conn = conn;
	in->cmd = redis_sub_commands(rs);
	inbound_queue_init(&in->q, cfg->inbound_max_pending,
			   cfg->inbound_max_pending_bytes);
	in->full_log.interval_ms = SUMMARY_MS;
	in->big_log.interval_ms = SUMMARY_MS;
	in->refused_log.interval_ms = SUMMARY_MS;
	in->lost_log.interval_ms = SUMMARY_MS;
	inbound_reconfigure(in, cfg);
	return in;
}

void
inbound_redis_up(struct inbound *in)
{
	if (in != NULL)
		flush(in);
}

size_t
inbound_metrics(const struct inbound *in, char *buf, size_t len)
{
	if (in == NULL) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	return inbound_queue_metrics(&in->q, buf, len);
}

void
inbound_free(struct inbound *in)
{
	const struct inbound_item *it;
	size_t n = 0;

	if (in == NULL)
		return;
	conn_set_inbound(in->conn, NULL, NULL);
	lws_sul_cancel(&in->retry);
	for (struct sent *s = in->flying; s != NULL; s = s->next)
		s->owner = NULL;
	while ((it = inbound_queue_head(&in->q)) != NULL) {
		inbound_dest_unref(it->tag);
		inbound_queue_discard_head(&in->q);
		n++;
	}
	if (n > 0)
		log_warnx("inbound: %zu of the server's message(s) still waiting "
			  "for Redis discarded at exit", n);
	log_repeat_reset(&in->full_log, LOG_WARNING);
	log_repeat_reset(&in->big_log, LOG_WARNING);
	log_repeat_reset(&in->refused_log, LOG_WARNING);
	log_repeat_reset(&in->lost_log, LOG_WARNING);
	inbound_msg_free(&in->msg);
	inbound_dest_unref(in->dest);
	free(in);
}
