/*
 * redis_sub.c - the subscribed Redis connection.  See redis_sub.h.
 *
 * hiredis' async contexts live on the lws loop through redis_link.c.
 * A subscribed hiredis 0.14 connection cannot carry a PING, so Redis'
 * liveness is checked on a second, plain connection (the probe): a Redis
 * that stops answering (SIGSTOP, a frozen VM) still holds our TCP
 * connection open, and only an unanswered PING tells.
 * The rules of hiredis 0.14 that shape this file:
 *   - a refused connect arrives as onConnect(REDIS_ERR) and hiredis then
 *     frees the context itself;
 *   - freeing a context that never connected does not call onDisconnect;
 *   - redisAsyncFree() on a connected context calls onDisconnect from
 *     inside the call.
 * So rs->ac is always cleared *before* a context is freed, and every
 * hiredis callback first checks that it speaks for the current context.
 */
#include <stdlib.h>
#include <sys/ioctl.h>
#include <string.h>
#include <strings.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "wspushd/backoff.h"
#include "wspushd/config.h"
#include "wspushd/dns.h"
#include "wspushd/log.h"
#include "wspushd/redis_link.h"
#include "wspushd/redis_sub.h"
#include "wspushd/strlist.h"

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
	redisAsyncContext *ac;		/* the subscribed context, or NULL */
	redisAsyncContext *probe;	/* a second one, for PING, or NULL */
	struct dns *dns;
	struct dns_query *query;	/* resolving the host, or NULL */
	char address[46];		/* the host's address, once resolved */
	bool pong_armed;		/* a PING awaits its answer */
	size_t awaiting;		/* subscription confirmations still due */
	/*
	 * Failed attempts since the subscription was last healthy for
	 * [redis] backoff_reset: a Redis that confirms SUBSCRIBE and then
	 * fails at once must not reset the backoff every time.
	 */
	uint32_t failures;
	struct rng rng;
	lws_sorted_usec_list_t retry_sul, timeout_sul, ping_sul, pong_sul;
	lws_sorted_usec_list_t stable_sul;
	struct log_repeat err_log;	/* why attempts fail */
	struct log_repeat sub_log;	/* "subscribed", while flapping */
	char endpoint[300];		/* redacted, for logs */
	void (*observer)(void *, bool);
	void *observer_arg;
};

static void connect_now(struct redis_sub *rs);

static void
set_state(struct redis_sub *rs, enum rs_state s, const char *why)
{
	if (rs->state == s)
		return;
	/* While Redis keeps failing, the cycle is the same every time. */
	log_msg(rs->failures > 0 ? LOG_DEBUG : LOG_INFO,
		"redis: %s -> %s (%s)", rs_state_names[rs->state],
		rs_state_names[s], why);
	rs->state = s;
	if (rs->observer != NULL)
		rs->observer(rs->observer_arg, s == RS_SUBSCRIBED);
}

static void drop_context(struct redis_sub *rs);
static void went_down(struct redis_sub *rs, const char *why);
static void free_probe(struct redis_sub *rs);
static void cancel_query(struct redis_sub *rs);
static void stop_liveness(struct redis_sub *rs);
static void on_link_failed(redisAsyncContext *ac, const char *why);
static int send_auth(struct redis_sub *rs, redisAsyncContext *ac);
static void on_auth_reply(redisAsyncContext *ac, void *r, void *privdata);

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
	lws_sul_cancel(&rs->stable_sul);
	stop_liveness(rs);
	cancel_query(rs);
	if (rs->state == RS_STOPPED)
		return;
	log_repeated(&rs->err_log, LOG_WARNING, "redis: %s: %s", rs->endpoint, why);
	if (rs->failures < UINT32_MAX)
		rs->failures++;
	set_state(rs, RS_DOWN, why);
	ms = backoff_delay_ms(rs->cfg->redis_backoff_min_ms,
			      rs->cfg->redis_backoff_max_ms, rs->failures,
			      rng_next(&rs->rng));
	log_debug("redis: next attempt in %llums (failure %u)",
		  (unsigned long long)ms, rs->failures);
	lws_sul_schedule(rs->ctx, 0, &rs->retry_sul, retry_fired,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}

/*
 * Free a context we hold in *slot, from outside any hiredis callback.
 * The slot is cleared first: onDisconnect may run inside the free, and
 * must find that the context is no longer ours.
 */
static void
free_context(redisAsyncContext **slot)
{
	redisAsyncContext *ac = *slot;

	*slot = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
}

static void
drop_context(struct redis_sub *rs)
{
	free_context(&rs->ac);
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
	cancel_query(rs);
	drop_context(rs);
	went_down(rs, why);
}

/* ---- liveness: PING on a second connection --------------------------- */

static void
free_probe(struct redis_sub *rs)
{
	free_context(&rs->probe);
}

static void
stop_liveness(struct redis_sub *rs)
{
	lws_sul_cancel(&rs->ping_sul);
	lws_sul_cancel(&rs->pong_sul);
	rs->pong_armed = false;
	free_probe(rs);
}

static void
pong_fired(lws_sorted_usec_list_t *sul)
{
	struct redis_sub *rs = lws_container_of(sul, struct redis_sub, pong_sul);
	char why[96];

	rs->pong_armed = false;
	snprintf(why, sizeof(why), "no answer to PING within %llums",
		 (unsigned long long)rs->cfg->redis_ping_timeout_ms);
	drop_context(rs);
	went_down(rs, why);
}

static void
on_pong(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_sub *rs = privdata;

	/* NULL: the probe is being freed.  Any reply, even an error, is life. */
	if (r == NULL || ac != rs->probe || !rs->pong_armed)
		return;
	rs->pong_armed = false;
	lws_sul_cancel(&rs->pong_sul);
}

static void
on_probe_disconnect(const redisAsyncContext *ac, int status)
{
	struct redis_sub *rs = ac->data;

	/* Not a verdict on Redis: the PING deadline gives that. */
	if (ac == rs->probe)
		rs->probe = NULL;
}

static void
on_probe_connect(const redisAsyncContext *ac, int status)
{
	struct redis_sub *rs = ac->data;

	if (status != REDIS_OK && ac == rs->probe)
		rs->probe = NULL;	/* hiredis frees it */
}

/* The subscription stayed up for backoff_reset: Redis is healthy again. */
static void
stable_fired(lws_sorted_usec_list_t *sul)
{
	struct redis_sub *rs = lws_container_of(sul, struct redis_sub, stable_sul);

	if (rs->state != RS_SUBSCRIBED)
		return;
	if (rs->failures > 0)
		log_debug("redis: subscribed for %llums, backoff reset",
			  (unsigned long long)rs->cfg->redis_backoff_reset_ms);
	rs->failures = 0;
	log_repeat_reset(&rs->err_log, LOG_WARNING);
	log_repeat_reset(&rs->sub_log, LOG_INFO);
}

/*
 * The second connection, opened on first use while subscribed: it
 * carries PING and the status writes, which a subscribed hiredis 0.14
 * connection cannot.
 */
static redisAsyncContext *
command_conn(struct redis_sub *rs)
{
	const struct redis_url *u = &rs->cfg->redis;
	char err[128];

	if (rs->probe != NULL || rs->state != RS_SUBSCRIBED)
		return rs->probe;
	rs->probe = redis_link_connect(rs->vh, rs->cfg, REDIS_LINK_COMMANDS,
				       rs->address, on_link_failed, err,
				       sizeof(err));
	if (rs->probe == NULL) {
		log_debug("redis: command connection: %s", err);
		return NULL;
	}
	rs->probe->data = rs;
	redisAsyncSetConnectCallback(rs->probe, on_probe_connect);
	redisAsyncSetDisconnectCallback(rs->probe, on_probe_disconnect);
	if (send_auth(rs, rs->probe) < 0 ||
	    (u->db != 0 && redisAsyncCommand(rs->probe, on_auth_reply, rs,
					     "SELECT %d", u->db) != REDIS_OK))
		free_probe(rs);
	return rs->probe;
}

int
redis_sub_command(struct redis_sub *rs, redisCallbackFn *fn, void *privdata,
		  int argc, const char **argv, const size_t *lens)
{
	redisAsyncContext *ac = command_conn(rs);

	if (ac == NULL)
		return -1;
	return redisAsyncCommandArgv(ac, fn, privdata, argc, argv, lens) ==
	       REDIS_OK ? 0 : -1;
}

static void
ping_fired(lws_sorted_usec_list_t *sul)
{
	struct redis_sub *rs = lws_container_of(sul, struct redis_sub, ping_sul);

	if (rs->state != RS_SUBSCRIBED)
		return;
	lws_sul_schedule(rs->ctx, 0, &rs->ping_sul, ping_fired,
			 (lws_usec_t)rs->cfg->redis_ping_interval_ms * LWS_US_PER_MS);
	command_conn(rs);
	if (rs->probe != NULL &&
	    redisAsyncCommand(rs->probe, on_pong, rs, "PING") != REDIS_OK)
		free_probe(rs);
	/* One deadline per unanswered PING, not one per tick. */
	if (!rs->pong_armed) {
		rs->pong_armed = true;
		lws_sul_schedule(rs->ctx, 0, &rs->pong_sul, pong_fired,
				 (lws_usec_t)rs->cfg->redis_ping_timeout_ms *
				 LWS_US_PER_MS);
	}
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

	if (reply == NULL || (ac != rs->ac && ac != rs->probe))
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
		set_state(rs, RS_SUBSCRIBED, "all subscriptions confirmed");
		/* Logged once per healthy spell, not once per flap. */
		log_repeated(&rs->sub_log, LOG_INFO,
			     "redis: subscribed on %s to %zu channel(s), %zu pattern(s)",
			     rs->endpoint, rs->cfg->channels.count,
			     rs->cfg->patterns.count);
		lws_sul_schedule(rs->ctx, 0, &rs->stable_sul, stable_fired,
				 (lws_usec_t)rs->cfg->redis_backoff_reset_ms *
				 LWS_US_PER_MS);
		if (rs->cfg->redis_ping_interval_ms > 0)
			lws_sul_schedule(rs->ctx, 0, &rs->ping_sul, ping_fired,
					 (lws_usec_t)rs->cfg->redis_ping_interval_ms *
					 LWS_US_PER_MS);
	}
}

static void
on_sub_reply(redisAsyncContext *ac, void *r, void *privdata)
{
	struct redis_sub *rs = privdata;
	redisReply *reply = r, *kind, *channel, *payload;
	struct redis_message m = { 0 };

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
		channel = reply->element[1];
		payload = reply->element[2];
	} else if (strcasecmp(kind->str, "pmessage") == 0 &&
		   reply->elements >= 4) {
		channel = reply->element[2];
		payload = reply->element[3];
	} else if (strcasecmp(kind->str, "subscribe") == 0 ||
		   strcasecmp(kind->str, "psubscribe") == 0) {
		subscribed_one(rs);
		return;
	} else {
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
	} else if (payload->type == REDIS_REPLY_NIL &&
		   (m.len = (size_t)redis_link_skipped(ac)) > 0) {
		m.data = NULL;
	} else {
		return;
	}
	rs->on_message(rs->arg, &m);
}

/* ---- connecting ------------------------------------------------------ */

static int
send_argv(redisAsyncContext *ac, redisCallbackFn *fn, void *privdata,
	  const char *cmd, const struct strlist *args)
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
		r = redisAsyncCommandArgv(ac, fn, privdata, (int)n, argv, lens);
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
send_auth(struct redis_sub *rs, redisAsyncContext *ac)
{
	const struct redis_url *u = &rs->cfg->redis;
	struct strlist a = { 0 };
	int r;

	if (u->password == NULL)
		return 0;
	if (u->user != NULL)
		strlist_add(&a, u->user);
	strlist_add(&a, u->password);
	r = send_argv(ac, on_auth_reply, rs, "AUTH", &a);
	strlist_free(&a);
	return r;
}

static int
send_handshake(struct redis_sub *rs)
{
	const struct redis_url *u = &rs->cfg->redis;
	const struct config *cfg = rs->cfg;

	if (send_auth(rs, rs->ac) < 0)
		return -1;
	if (u->db != 0 &&
	    redisAsyncCommand(rs->ac, on_auth_reply, rs, "SELECT %d", u->db) != REDIS_OK)
		return -1;
	rs->awaiting = cfg->channels.count + cfg->patterns.count;
	if (cfg->channels.count > 0 &&
	    send_argv(rs->ac, on_sub_reply, rs, "SUBSCRIBE", &cfg->channels) < 0)
		return -1;
	if (cfg->patterns.count > 0 &&
	    send_argv(rs->ac, on_sub_reply, rs, "PSUBSCRIBE", &cfg->patterns) < 0)
		return -1;
	return 0;
}

/* Outside any hiredis callback: the socket hung up, or Redis spoke nonsense. */
static void
on_link_failed(redisAsyncContext *ac, const char *why)
{
	struct redis_sub *rs = ac->data;

	if (ac == rs->probe) {
		/* A hang-up is the subscription's news; nonsense is news here. */
		log_msg(strncmp(why, "protocol", 8) == 0 ? LOG_WARNING : LOG_DEBUG,
			"redis: command connection to %s: %s", rs->endpoint, why);
		free_probe(rs);
	} else if (ac == rs->ac) {
		drop_context(rs);
		went_down(rs, why);
	}
}

static void
cancel_query(struct redis_sub *rs)
{
	if (rs->query != NULL) {
		dns_cancel(rs->query);
		rs->query = NULL;
	}
}

/* Open the subscribed context, at the resolved address for TCP. */
static void
connect_resolved(struct redis_sub *rs)
{
	redisAsyncContext *ac;
	char err[128];

	ac = redis_link_connect(rs->vh, rs->cfg, REDIS_LINK_SUBSCRIBER,
				rs->address, on_link_failed, err, sizeof(err));
	if (ac == NULL) {
		went_down(rs, err);
		return;
	}
	ac->data = rs;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	rs->ac = ac;
	if (send_handshake(rs) < 0) {
		drop_context(rs);
		went_down(rs, "cannot queue the subscription commands");
	}
}

static void
resolved(void *arg, int status, const struct dns_result *res)
{
	struct redis_sub *rs = arg;

	rs->query = NULL;
	if (status != DNS_OK) {
		went_down(rs, res->error);
		return;
	}
	snprintf(rs->address, sizeof(rs->address), "%s",
		 res->addrs[rs->failures % res->count].ip);
	connect_resolved(rs);
}

/*
 * One attempt, bounded as a whole by connect_timeout: resolving the name
 * (hiredis would block the loop in getaddrinfo), connecting, AUTH and
 * every subscription confirmed.
 */
static void
connect_now(struct redis_sub *rs)
{
	set_state(rs, RS_CONNECTING, "connecting");
	lws_sul_schedule(rs->ctx, 0, &rs->timeout_sul, timeout_fired,
			 (lws_usec_t)rs->cfg->redis_connect_timeout_ms * LWS_US_PER_MS);
	if (rs->cfg->redis.transport == REDIS_UNIX) {
		connect_resolved(rs);
		return;
	}
	rs->query = dns_resolve(rs->dns, rs->cfg->redis.host,
				rs->cfg->dns_timeout_ms, resolved, rs);
	if (rs->query == NULL)
		went_down(rs, "cannot start resolving the host");
}

/* ---- life cycle ------------------------------------------------------ */

struct redis_sub *
redis_sub_new(struct lws_context *ctx, struct lws_vhost *vh, struct dns *dns,
	      const struct config *cfg, redis_message_fn on_message, void *arg)
{
	struct redis_sub *rs = calloc(1, sizeof(*rs));

	if (rs == NULL)
		return NULL;
	rs->ctx = ctx;
	rs->vh = vh;
	rs->dns = dns;
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

/*
 * Messages Redis has already sent us count as ours: read what is in the
 * socket before closing it, so a SIGTERM right after a PUBLISH does not
 * lose it.  Bounded: a flood cannot keep us here.
 */
static void
drain_subscription(struct redis_sub *rs)
{
	for (int i = 0; i < 1024 && rs->ac != NULL && rs->state == RS_SUBSCRIBED; i++) {
		int pending = 0;

		if (ioctl(rs->ac->c.fd, FIONREAD, &pending) < 0 || pending <= 0)
			break;
		redis_link_read(rs->ac);
	}
}

void
redis_sub_stop(struct redis_sub *rs)
{
	if (rs == NULL || rs->state == RS_STOPPED)
		return;
	drain_subscription(rs);
	/*
	 * The command connection stays: the last status writes still go
	 * through it while the queue drains.
	 */
	set_state(rs, RS_STOPPED, "shutdown");
	lws_sul_cancel(&rs->retry_sul);
	lws_sul_cancel(&rs->timeout_sul);
	lws_sul_cancel(&rs->ping_sul);
	lws_sul_cancel(&rs->pong_sul);
	lws_sul_cancel(&rs->stable_sul);
	rs->pong_armed = false;
	cancel_query(rs);
	drop_context(rs);
}

static int
send_list(struct redis_sub *rs, const char *cmd, const char **items, size_t n)
{
	struct strlist l = { 0 };
	int r;

	if (n == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		strlist_add(&l, items[i]);
	r = send_argv(rs->ac, on_sub_reply, rs, cmd, &l);
	strlist_free(&l);
	return r;
}

void
redis_sub_update(struct redis_sub *rs, const struct config *old,
		 const struct config *cur)
{
	const struct strlist *oc = &old->channels, *op = &old->patterns;
	const struct strlist *nc = &cur->channels, *np = &cur->patterns;
	const char **tmp;
	size_t cap = oc->count + op->count + nc->count + np->count + 1, n;
	int r = 0;

	if (rs->state != RS_SUBSCRIBED) {
		/* Not live yet: the next (re)connect subscribes to the new set. */
		if (rs->state == RS_CONNECTING)
			redis_sub_restart(rs);
		return;
	}
	tmp = calloc(cap, sizeof(*tmp));
	if (tmp == NULL) {
		redis_sub_restart(rs);
		return;
	}
	/*
	 * New subscriptions first: hiredis 0.14 leaves subscribed mode when
	 * the count of subscriptions reaches zero on the way.
	 */
	n = strlist_minus(nc, oc, tmp);
	r |= send_list(rs, "SUBSCRIBE", tmp, n);
	n = strlist_minus(np, op, tmp);
	r |= send_list(rs, "PSUBSCRIBE", tmp, n);
	n = strlist_minus(oc, nc, tmp);
	r |= send_list(rs, "UNSUBSCRIBE", tmp, n);
	n = strlist_minus(op, np, tmp);
	r |= send_list(rs, "PUNSUBSCRIBE", tmp, n);
	free(tmp);
	if (r != 0) {
		log_warnx("redis: cannot update the subscriptions; resubscribing");
		redis_sub_restart(rs);
		return;
	}
	log_info("redis: subscriptions updated: %zu channel(s), %zu pattern(s)",
		 nc->count, np->count);
}

void
redis_sub_restart(struct redis_sub *rs)
{
	if (rs->state == RS_STOPPED)
		return;
	lws_sul_cancel(&rs->retry_sul);
	lws_sul_cancel(&rs->timeout_sul);
	lws_sul_cancel(&rs->stable_sul);
	stop_liveness(rs);
	cancel_query(rs);
	drop_context(rs);
	rs->failures = 0;
	set_state(rs, RS_DOWN, "configuration reloaded");
	connect_now(rs);
}

void
redis_sub_config_changed(struct redis_sub *rs)
{
	url_redact(rs->cfg->redis_url_text, rs->endpoint, sizeof(rs->endpoint));
	redis_link_set_limits(rs->ac, rs->cfg);
	redis_link_set_limits(rs->probe, rs->cfg);
}

void
redis_sub_set_observer(struct redis_sub *rs, void (*fn)(void *, bool), void *arg)
{
	rs->observer = fn;
	rs->observer_arg = arg;
}

const char *
redis_sub_state_name(const struct redis_sub *rs)
{
	return rs_state_names[rs->state];
}

void
redis_sub_free(struct redis_sub *rs)
{
	if (rs == NULL)
		return;
	redis_sub_stop(rs);
	free_probe(rs);
	free(rs);
}
