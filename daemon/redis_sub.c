/*
 * redis_sub.c - the subscribed Redis connection.  See redis_sub.h.
 *
 * hiredis' async context is driven through the six event hooks it
 * exposes, mapped onto a watch (watch.c) on the lws loop.  The rules of
 * hiredis 0.14 that shape this file:
 *   - a refused connect arrives as onConnect(REDIS_ERR) and hiredis then
 *     frees the context itself;
 *   - freeing a context that never connected does not call onDisconnect;
 *   - redisAsyncFree() on a connected context calls onDisconnect from
 *     inside the call.
 * So rs->ac is always cleared *before* a context is freed, and every
 * hiredis callback first checks that it speaks for the current context.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "wspushd/backoff.h"
#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/redis_sub.h"
#include "wspushd/watch.h"

enum rs_state {
	RS_DOWN,		/* no context; a retry may be scheduled */
	RS_CONNECTING,		/* context exists, not all subscriptions confirmed */
	RS_SUBSCRIBED,
	RS_STOPPED,		/* no more connections, ever */
};

static const char *const rs_state_names[] = {
	[RS_DOWN] = "down",
	[RS_CONNECTING] = "connecting",
	[RS_SUBSCRIBED] = "subscribed",
	[RS_STOPPED] = "stopped",
};

struct redis_sub {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	const struct config *cfg;
	redis_message_fn on_message;
	void *arg;

	enum rs_state state;
	redisAsyncContext *ac;		/* the current context, or NULL */
	size_t awaiting;		/* subscription confirmations still due */
	uint32_t failures;
	struct rng rng;
	lws_sorted_usec_list_t retry_sul, timeout_sul;
	struct log_repeat err_log;
	char endpoint[300];		/* redacted, for logs */
};

static void connect_now(struct redis_sub *rs);

static void
set_state(struct redis_sub *rs, enum rs_state s, const char *why)
{
	if (rs->state == s)
		return;
	log_msg(rs->failures > 0 && s != RS_SUBSCRIBED ? LOG_DEBUG : LOG_INFO,
		"redis: %s -> %s (%s)", rs_state_names[rs->state],
		rs_state_names[s], why);
	rs->state = s;
}

/* ---- hiredis event hooks -------------------------------------------- */

/*
 * One hiredis context on the loop.  lws owns the descriptor (see
 * watch.h), so when hiredis lets go of the context the hook below takes
 * the number away from hiredis before redisFree() could close it twice.
 */
struct redis_link {
	struct redis_sub *rs;
	redisAsyncContext *ac;
	struct watch *watch;
};

static void
hook_add_read(void *p)
{
	struct redis_link *l = p;

	watch_want_read(l->watch, true);
}

static void
hook_del_read(void *p)
{
	struct redis_link *l = p;

	watch_want_read(l->watch, false);
}

static void
hook_add_write(void *p)
{
	struct redis_link *l = p;

	watch_want_write(l->watch);
}

static void
hook_del_write(void *p)
{
	/* lws writability is one-shot: nothing to undo. */
}

static void
hook_cleanup(void *p)
{
	struct redis_link *l = p;

	/* hiredis is freeing the context; lws closes the descriptor. */
	l->ac->c.fd = -1;
	l->ac->ev.data = NULL;
	watch_remove(l->watch);
	free(l);
}

static void
link_readable(void *arg)
{
	struct redis_link *l = arg;

	redisAsyncHandleRead(l->ac);
}

static void
link_writable(void *arg)
{
	struct redis_link *l = arg;

	redisAsyncHandleWrite(l->ac);
}

static void drop_context(struct redis_sub *rs);
static void went_down(struct redis_sub *rs, const char *why);

static void
link_closed(void *arg)
{
	struct redis_link *l = arg;
	struct redis_sub *rs = l->rs;

	/* lws saw the socket hang up and closed it: the context is dead. */
	l->ac->c.fd = -1;
	if (l->ac == rs->ac) {
		drop_context(rs);
		went_down(rs, "connection closed");
	}
}

static const struct watch_ops redis_watch_ops = {
	.readable = link_readable,
	.writable = link_writable,
	.closed = link_closed,
};

/* ---- failure and retry ---------------------------------------------- */

static void
retry_fired(lws_sorted_usec_list_t *sul)
{
	struct redis_sub *rs = lws_container_of(sul, struct redis_sub, retry_sul);

	if (rs->state == RS_DOWN)
		connect_now(rs);
}

/* The current attempt or connection is over: schedule the next one. */
static void
went_down(struct redis_sub *rs, const char *why)
{
	uint64_t ms;

	lws_sul_cancel(&rs->timeout_sul);
	if (rs->state == RS_STOPPED)
		return;
	log_repeated(&rs->err_log, LOG_WARNING, "redis: %s: %s", rs->endpoint, why);
	set_state(rs, RS_DOWN, why);
	if (rs->failures < UINT32_MAX)
		rs->failures++;
	ms = backoff_delay_ms(rs->cfg->redis_backoff_min_ms,
			      rs->cfg->redis_backoff_max_ms, rs->failures,
			      rng_next(&rs->rng));
	log_debug("redis: next attempt in %llums", (unsigned long long)ms);
	lws_sul_schedule(rs->ctx, 0, &rs->retry_sul, retry_fired,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}

/* Free the current context from outside any hiredis callback. */
static void
drop_context(struct redis_sub *rs)
{
	redisAsyncContext *ac = rs->ac;

	rs->ac = NULL;		/* first: onDisconnect may run inside the free */
	if (ac != NULL)
		redisAsyncFree(ac);
}

static void
timeout_fired(lws_sorted_usec_list_t *sul)
{
	struct redis_sub *rs = lws_container_of(sul, struct redis_sub, timeout_sul);
	char why[96];

	if (rs->state != RS_CONNECTING)
		return;
	snprintf(why, sizeof(why), "no answer within %llums",
		 (unsigned long long)rs->cfg->redis_connect_timeout_ms);
	drop_context(rs);
	went_down(rs, why);
}

/* ---- hiredis callbacks ---------------------------------------------- */

static void
on_connect(const redisAsyncContext *ac, int status)
{
	struct redis_sub *rs = ac->data;

	if (rs == NULL || ac != rs->ac)
		return;
	if (status != REDIS_OK) {
		/* hiredis frees this context when we return. */
		rs->ac = NULL;
		went_down(rs, ac->c.errstr[0] ? ac->c.errstr : "connect failed");
		return;
	}
	log_debug("redis: TCP connected to %s", rs->endpoint);
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_sub *rs = ac->data;

	if (rs == NULL || ac != rs->ac)
		return;		/* a context we dropped on purpose */
	rs->ac = NULL;
	went_down(rs, status == REDIS_OK ? "disconnected" :
		  ac->errstr != NULL && ac->errstr[0] ? ac->errstr :
		  ac->c.errstr[0] ? ac->c.errstr : "connection lost");
}

static void
on_auth_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_sub *rs = privdata;
	redisReply *reply = r;

	if (reply == NULL || ac != rs->ac)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		log_err("redis: %s: setup command refused: %s", rs->endpoint,
			reply->str);
		/* Deferred by hiredis while inside a callback; onDisconnect follows. */
		redisAsyncDisconnect(ac);
	}
}

static void
subscribed_one(struct redis_sub *rs)
{
	if (rs->awaiting > 0 && --rs->awaiting == 0) {
		lws_sul_cancel(&rs->timeout_sul);
		rs->failures = 0;
		log_repeat_reset(&rs->err_log, LOG_WARNING);
		set_state(rs, RS_SUBSCRIBED, "all subscriptions confirmed");
		log_info("redis: subscribed on %s to %zu channel(s), %zu pattern(s)",
			 rs->endpoint, rs->cfg->channels.count,
			 rs->cfg->patterns.count);
	}
}

static void
on_sub_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_sub *rs = privdata;
	redisReply *reply = r, *kind, *payload;

	/* A NULL reply means the context is being freed. */
	if (reply == NULL || ac != rs->ac || rs->state == RS_STOPPED)
		return;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
	    reply->element[0]->type != REDIS_REPLY_STRING) {
		log_warnx("redis: unexpected reply type %d on the subscription",
			  reply->type);
		return;
	}
	kind = reply->element[0];
	if (strcasecmp(kind->str, "message") == 0) {
		payload = reply->element[2];
	} else if (strcasecmp(kind->str, "pmessage") == 0 &&
		   reply->elements >= 4) {
		payload = reply->element[3];
	} else if (strcasecmp(kind->str, "subscribe") == 0 ||
		   strcasecmp(kind->str, "psubscribe") == 0) {
		subscribed_one(rs);
		return;
	} else {
		return;
	}
	if (payload->type != REDIS_REPLY_STRING)
		return;
	rs->on_message(rs->arg, payload->str, payload->len);
}

/* ---- connecting ------------------------------------------------------ */

static int
send_argv(struct redis_sub *rs, redisCallbackFn *fn, const char *cmd,
	  const struct strlist *args)
{
	size_t n = args->count + 1;
	const char **argv = calloc(n, sizeof(*argv));
	size_t *lens = calloc(n, sizeof(*lens));
	int r = -1;

	if (argv != NULL && lens != NULL) {
		argv[0] = cmd;
		lens[0] = strlen(cmd);
		for (size_t k = 0; k < args->count; k++) {
			argv[k + 1] = args->items[k];
			lens[k + 1] = strlen(args->items[k]);
		}
		r = redisAsyncCommandArgv(rs->ac, fn, rs, (int)n, argv, lens);
	}
	free(argv);
	free(lens);
	return r == REDIS_OK ? 0 : -1;
}

/*
 * Queue AUTH, SELECT and the subscriptions; hiredis sends them as soon
 * as the socket connects, so one round trip suffices.
 */
static int
send_handshake(struct redis_sub *rs)
{
	const struct redis_url *u = &rs->cfg->redis;
	const struct config *cfg = rs->cfg;

	if (u->password != NULL) {
		struct strlist a = { 0 };
		int r;

		if (u->user != NULL)
			strlist_add(&a, u->user);
		strlist_add(&a, u->password);
		r = send_argv(rs, on_auth_reply, "AUTH", &a);
		strlist_free(&a);
		if (r < 0)
			return -1;
	}
	if (u->db != 0 &&
	    redisAsyncCommand(rs->ac, on_auth_reply, rs, "SELECT %d", u->db) != REDIS_OK)
		return -1;
	rs->awaiting = cfg->channels.count + cfg->patterns.count;
	if (cfg->channels.count > 0 &&
	    send_argv(rs, on_sub_reply, "SUBSCRIBE", &cfg->channels) < 0)
		return -1;
	if (cfg->patterns.count > 0 &&
	    send_argv(rs, on_sub_reply, "PSUBSCRIBE", &cfg->patterns) < 0)
		return -1;
	return 0;
}

static void
connect_now(struct redis_sub *rs)
{
	const struct redis_url *u = &rs->cfg->redis;
	struct redis_link *link;
	redisAsyncContext *ac;

	set_state(rs, RS_CONNECTING, "connecting");
	if (u->transport == REDIS_UNIX)
		ac = redisAsyncConnectUnix(u->socket_path);
	else
		ac = redisAsyncConnect(u->host, u->port);
	if (ac == NULL) {
		went_down(rs, "out of memory");
		return;
	}
	if (ac->err) {
		char why[128];

		snprintf(why, sizeof(why), "%s", ac->errstr);
		redisAsyncFree(ac);
		went_down(rs, why);
		return;
	}
	/* hiredis 0.14 does not open its socket close-on-exec. */
	fcntl(ac->c.fd, F_SETFD, FD_CLOEXEC);
	if (u->transport == REDIS_TCP)
		redisEnableKeepAlive(&ac->c);
	link = calloc(1, sizeof(*link));
	if (link != NULL)
		link->watch = watch_add(rs->vh, ac->c.fd, &redis_watch_ops, link);
	if (link == NULL || link->watch == NULL) {
		free(link);
		redisAsyncFree(ac);
		went_down(rs, "cannot watch the socket");
		return;
	}
	link->rs = rs;
	link->ac = ac;
	ac->data = rs;
	ac->ev.data = link;
	ac->ev.addRead = hook_add_read;
	ac->ev.delRead = hook_del_read;
	ac->ev.addWrite = hook_add_write;
	ac->ev.delWrite = hook_del_write;
	ac->ev.cleanup = hook_cleanup;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	rs->ac = ac;
	lws_sul_schedule(rs->ctx, 0, &rs->timeout_sul, timeout_fired,
			 (lws_usec_t)rs->cfg->redis_connect_timeout_ms * LWS_US_PER_MS);
	if (send_handshake(rs) < 0) {
		drop_context(rs);
		went_down(rs, "cannot queue the subscription commands");
	}
}

/* ---- life cycle ------------------------------------------------------ */

struct redis_sub *
redis_sub_new(struct lws_context *ctx, struct lws_vhost *vh,
	      const struct config *cfg, redis_message_fn on_message, void *arg)
{
	struct redis_sub *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->ctx = ctx;
	rs->vh = vh;
	rs->cfg = cfg;
	rs->on_message = on_message;
	rs->arg = arg;
	rng_seed_random(&rs->rng);
	url_redact(cfg->redis_url_text, rs->endpoint, sizeof(rs->endpoint));
	return rs;
}

void
redis_sub_start(struct redis_sub *rs)
{
	if (rs->state == RS_DOWN)
		connect_now(rs);
}

void
redis_sub_stop(struct redis_sub *rs)
{
	if (rs == NULL || rs->state == RS_STOPPED)
		return;
	set_state(rs, RS_STOPPED, "shutdown");
	lws_sul_cancel(&rs->retry_sul);
	lws_sul_cancel(&rs->timeout_sul);
	drop_context(rs);
}

void
redis_sub_free(struct redis_sub *rs)
{
	if (rs == NULL)
		return;
	redis_sub_stop(rs);
	free(rs);
}
