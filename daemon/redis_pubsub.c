/*
 * redis_pubsub.c - the subscribed connection.  See redis_pubsub.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/redis_link.h"
#include "wspushd/redis_pubsub.h"
#include "wspushd/strlist.h"

/* See redis_link_free(): onDisconnect must find the context not ours. */
void
redis_pubsub_close(struct redis_pubsub *ps)
{
	redis_link_free(&ps->ac);
}

void
redis_pubsub_hang_up(struct redis_pubsub *ps)
{
	/* Deferred by hiredis while inside a callback; onDisconnect follows. */
	if (ps->ac != NULL)
		redisAsyncDisconnect(ps->ac);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_pubsub *ps = ac->data;

	if (ac != ps->ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees this context when we return. */
		ps->ac = NULL;
		ps->report(ps->report_arg, REV_FAILED,
			   ac->c.errstr[0] ? ac->c.errstr : "connect failed");
		return;
	}
	ps->report(ps->report_arg, REV_CONNECTED, NULL);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_pubsub *ps = ac->data;

	if (ac != ps->ac)
		return;		/* a context we dropped on purpose */
	ps->ac = NULL;
	ps->report(ps->report_arg, REV_FAILED, status == REDIS_OK ? "disconnected" :
		   ac->errstr != NULL && ac->errstr[0] ? ac->errstr :
		   ac->c.errstr[0] ? ac->c.errstr : "connection lost");
}

/* Outside any hiredis callback: the socket hung up, or Redis spoke nonsense. */
static void
on_link_failed(redisAsyncContext *ac, const char *why)
{
	struct redis_pubsub *ps = ac->data;

	if (ac != ps->ac)
		return;
	/* Freed at once: nothing more is read from it, not even to drain. */
	redis_pubsub_close(ps);
	ps->report(ps->report_arg, REV_FAILED, why);
}

static void
on_setup_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_pubsub *ps = privdata;
	redisReply *reply = r;

	if (reply == NULL || ac != ps->ac)
		return;
	if (reply->type != REDIS_REPLY_ERROR) {
		ps->report(ps->report_arg, REV_SETUP_DONE, NULL);
		return;
	}
	/* Said as the attempt's failure, once, then summarised (redis_sub.c). */
	ps->report(ps->report_arg, REV_SETUP_REFUSED, reply->str);
}

/* A message, or a (P)SUBSCRIBE confirmed; anything else is not ours. */
static void
on_sub_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_pubsub *ps = privdata;
	redisReply *reply = r, *kind, *channel, *payload;
	struct redis_message m = { 0 };

	/* A NULL reply means the context is being freed. */
	if (reply == NULL || ac != ps->ac)
		return;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING) {
		log_warnx("redis: unexpected reply type %d on the subscription",
			  reply->type);
		return;
	}
	kind = reply->element[0];
	if (strcasecmp(kind->str, "message") == 0) {
		channel = reply->element[1];
		payload = reply->element[2];
	} else if (strcasecmp(kind->str, "pmessage") == 0 &&
		   reply->elements >= 4) {
		channel = reply->element[2];
		payload = reply->element[3];
		if (reply->element[1]->type == REDIS_REPLY_STRING) {
			m.pattern = reply->element[1]->str;
			m.pattern_len = reply->element[1]->len;
		}
	} else {
		if (strcasecmp(kind->str, "subscribe") == 0 ||
		    strcasecmp(kind->str, "psubscribe") == 0)
			ps->report(ps->report_arg, REV_CONFIRMED, NULL);
		return;
	}
	/* A nil stands for a string over max_message_size (redis_link.h). */
	if (channel->type == REDIS_REPLY_STRING) {
		m.channel = channel->str;
		m.channel_len = channel->len;
	}
	if (payload->type == REDIS_REPLY_STRING) {
		m.data = payload->str;
		m.len = payload->len;
	} else if (payload->type != REDIS_REPLY_NIL ||
		   (m.len = (size_t)redis_link_skipped(ac)) == 0) {
		return;
	}
	ps->on_message(ps->message_arg, &m);
}

static int
send_items(struct redis_pubsub *ps, const char *cmd, const char *const *items,
	   size_t n)
{
	if (n == 0)
		return 0;
	return redis_link_send_list(ps->ac, on_sub_reply, ps, cmd, items, n);
}

static int
send_strlist(struct redis_pubsub *ps, const char *cmd, const struct strlist *l)
{
	return send_items(ps, cmd, (const char *const *)l->items, l->count);
}

int
redis_pubsub_open(struct redis_pubsub *ps, const char *address,
		  uint16_t port, char *err, size_t errlen)
{
	const struct config *cfg = ps->cfg;
	redisAsyncContext *ac;

	ac = redis_link_connect(ps->vh, cfg, REDIS_LINK_SUBSCRIBER, address,
				port, on_link_failed, err, errlen);
	if (ac == NULL)
		return -1;
	ac->data = ps;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	ps->ac = ac;
	if (redis_link_send_setup(ac, cfg, on_setup_reply, ps) < 0 ||
	    send_strlist(ps, "SUBSCRIBE", &cfg->channels) < 0 ||
	    send_strlist(ps, "PSUBSCRIBE", &cfg->patterns) < 0) {
		redis_pubsub_close(ps);
		snprintf(err, errlen, "cannot queue the subscription commands");
		return -1;
	}
	return 0;
}

static int
send_minus(struct redis_pubsub *ps, const char *cmd, const struct strlist *a,
	   const struct strlist *b, const char **tmp)
{
	return send_items(ps, cmd, tmp, strlist_minus(a, b, tmp));
}

int
redis_pubsub_update(struct redis_pubsub *ps, const struct config *old,
		    const struct config *cur)
{
	const char **tmp;
	int r = -1;

	if (ps->ac == NULL)
		return -1;
	tmp = calloc(old->channels.count + old->patterns.count +
		     cur->channels.count + cur->patterns.count + 1, sizeof(*tmp));
	/*
	 * New subscriptions first: hiredis 0.14 leaves subscribed mode when
	 * the count of subscriptions reaches zero on the way.
	 */
	if (tmp != NULL &&
	    send_minus(ps, "SUBSCRIBE", &cur->channels, &old->channels, tmp) == 0 &&
	    send_minus(ps, "PSUBSCRIBE", &cur->patterns, &old->patterns, tmp) == 0 &&
	    send_minus(ps, "UNSUBSCRIBE", &old->channels, &cur->channels, tmp) == 0 &&
	    send_minus(ps, "PUNSUBSCRIBE", &old->patterns, &cur->patterns, tmp) == 0)
		r = 0;
	free(tmp);
	return r;
}

void
redis_pubsub_drain(struct redis_pubsub *ps)
{
	for (int i = 0; i < 1024 && ps->ac != NULL; i++) {
		int pending = 0;

		if (ioctl(ps->ac->c.fd, FIONREAD, &pending) < 0 || pending <= 0)
			break;
		redis_link_read(ps->ac);
	}
}

void
redis_pubsub_reconfigure(struct redis_pubsub *ps, const struct config *cfg)
{
	ps->cfg = cfg;
	redis_link_set_limits(ps->ac, cfg);
}
