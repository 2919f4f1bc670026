/*
 * redis_sub.c - the Redis side.  See redis_sub.h.
 *
 * Glue only: what happens when is decided by redis_core.c.  Every report
 * (from the subscribed connection, redis_pubsub.c; a DNS answer; a PING
 * answered on the command connection, redis_cmd.c; the one timer)
 * becomes an event for the core, and every decision comes back as
 * actions, carried out here.  Events reported while actions run (a
 * connect that fails at once) wait in a small ring and are fed in order
 * once the current step is done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "wspushd/backoff.h"
#include "wspushd/config.h"
#include "wspushd/dns.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/redis_core.h"
#include "wspushd/redis_link.h"
#include "wspushd/redis_pubsub.h"
#include "wspushd/redis_sub.h"
#include "wspushd/redis_where.h"
#include "wspushd/sentinel_watch.h"
#include "wspushd/url.h"

/* Events waiting while a step's actions run; two or three at most. */
#define EVENT_RING 8

struct posted {
	enum redis_event ev;
	uint32_t count;
	char why[160];
};

struct redis_sub {
	struct lws_context *ctx;
	const struct config *cfg;

	struct redis_core core;
	struct redis_pubsub sub;	/* the subscribed connection */
	struct redis_cmd *cmd;		/* the command connection */
	struct redis_cmd *reader;	/* streams: XREADGROUP BLOCK holds it */
	struct redis_where where;	/* DNS, or Sentinel */
	struct sentinel_watch *watch;	/* with Sentinel: +switch-master */
	struct dns_addr addrs[DNS_MAX_ADDRS];	/* the last answer */
	uint32_t naddrs;
	char address[46];		/* the address dialled ("" for unix) */
	uint16_t port;			/* its port; 0: [redis] url's */
	/* Only during redis_sub_reconfigure(): the two subscription sets. */
	const struct config *diff_old, *diff_new;
	struct rng rng;
	lws_sorted_usec_list_t timer;	/* for redis_core_deadline() */
	struct posted ring[EVENT_RING];
	unsigned ring_head, ring_len;
	bool dispatching;		/* a step's actions are running */
	char refused[160];		/* AUTH or SELECT refused: Redis' words,
					   the reason of the failure that follows */
	struct log_repeat err_log;	/* why attempts fail */
	struct redis_counts counts;
	struct log_repeat sub_log;	/* "subscribed", while flapping */
	char endpoint[300];		/* redacted, for logs */
	void (*observer)(void *, bool);
	void *observer_arg;
	/*
	 * Standing by (fleet.h): the connection is kept, subscribed to
	 * nothing.  The subscription then sees idle_view, a shallow copy
	 * of cfg without channels or patterns (it owns nothing, and is
	 * refreshed whenever cfg is replaced).
	 */
	bool standby;
	struct config idle_view;
};

static void run_actions(struct redis_sub *rs, const struct redis_output *out);

/* What the subscription holds: cfg's channels, or none standing by. */
static const struct config *
view(struct redis_sub *rs)
{
	if (!rs->standby)
		return rs->cfg;
	rs->idle_view = *rs->cfg;
	rs->idle_view.channels = (struct strlist){ 0 };
	rs->idle_view.patterns = (struct strlist){ 0 };
	return &rs->idle_view;
}

static void timer_fired(lws_sorted_usec_list_t *sul);

/* The one timer, at the core's earliest deadline. */
static void
arm(struct redis_sub *rs)
{
	uint64_t at = redis_core_deadline(&rs->core), now = monotonic_ms();

	if (at == 0) {
		lws_sul_cancel(&rs->timer);
		return;
	}
	lws_sul_schedule(rs->ctx, 0, &rs->timer, timer_fired,
			 at > now ? (lws_usec_t)(at - now) * LWS_US_PER_MS : 0);
}

/* Feed an event to the core, and carry out what it decides. */
static void
post(struct redis_sub *rs, enum redis_event ev, uint32_t count, const char *why)
{
	struct posted *p;

	if (rs->ring_len == EVENT_RING) {
		log_err("redis: event ring full, dropping '%s'", redis_event_name(ev));
		return;
	}
	p = &rs->ring[(rs->ring_head + rs->ring_len) % EVENT_RING];
	p->ev = ev;
	p->count = count;
	/* Redis hangs up after refusing AUTH: that refusal is the reason. */
	if (ev == REV_SETUP_REFUSED)
		snprintf(rs->refused, sizeof(rs->refused), "refused: %s",
			 why != NULL ? why : "");
	if (ev == REV_FAILED && rs->refused[0] != '\0')
		why = rs->refused;
	snprintf(p->why, sizeof(p->why), "%s", why != NULL ? why : "");
	if (ev == REV_FAILED)
		rs->refused[0] = '\0';
	rs->ring_len++;
	if (rs->dispatching)
		return;
	rs->dispatching = true;
	while (rs->ring_len > 0) {
		struct posted cur = rs->ring[rs->ring_head];
		struct redis_input in = {
			.ev = cur.ev, .now = monotonic_ms(),
			.random = rng_next(&rs->rng), .count = cur.count,
			.why = cur.why,
		};
		struct redis_output out;

		rs->ring_head = (rs->ring_head + 1) % EVENT_RING;
		rs->ring_len--;
		redis_core_step(&rs->core, &in, &out);
		run_actions(rs, &out);
	}
	rs->dispatching = false;
	arm(rs);
}

static void
timer_fired(lws_sorted_usec_list_t *sul)
{
	struct redis_sub *rs = lws_container_of(sul, struct redis_sub, timer);

	post(rs, REV_TICK, 0, NULL);
}

/* ---- reports --------------------------------------------------------- */

static void
on_report(void *arg, enum redis_event ev, const char *why)
{
	post(arg, ev, 0, why);
}

/* The command connection answered PING: any reply, even an error, is life. */
static void
on_pong(void *arg, const struct redisReply *reply)
{
	struct redis_sub *rs = arg;

	/* NULL: the command connection went first; PING's deadline judges. */
	if (reply != NULL)
		post(rs, REV_PONG, 0, NULL);
}

/* ---- actions --------------------------------------------------------- */

/* Sentinel moved the master: reconnect now, not at the next failure. */
static void
master_moved(void *arg, const char *text)
{
	(void)text;
	post(arg, REV_FAILED, 0, "Sentinel moved the master");
}

/* Where Redis is (DNS, or Sentinel), for the attempt under way. */
static void
located(void *arg, const struct dns_addr *addrs, uint32_t n, uint16_t port,
	const char *why)
{
	struct redis_sub *rs = arg;

	if (n == 0) {
		post(rs, REV_FAILED, 0, why);
		return;
	}
	rs->naddrs = n;
	memcpy(rs->addrs, addrs, n * sizeof(rs->addrs[0]));
	rs->port = port;
	post(rs, REV_RESOLVED, n, NULL);
}

/* Open the subscribed connection at the address the core chose. */
static void
open_link(struct redis_sub *rs, uint32_t address)
{
	char err[128];

	snprintf(rs->address, sizeof(rs->address), "%s",
		 address < rs->naddrs ? rs->addrs[address].ip : "");
	if (redis_pubsub_open(&rs->sub, rs->address, rs->port, err,
			      sizeof(err)) < 0)
		post(rs, REV_FAILED, 0, err);
}

/* A reload changed the subscriptions: send the difference, live. */
static void
update_subscriptions(struct redis_sub *rs)
{
	const struct config *old = rs->diff_old, *cur = rs->diff_new;

	if (old == NULL || cur == NULL ||
	    redis_pubsub_update(&rs->sub, old, cur) < 0) {
		log_warnx("redis: cannot update the subscriptions; resubscribing");
		post(rs, REV_UPDATE_FAILED, 0, NULL);
		return;
	}
	log_info("redis: subscriptions updated: %zu channel(s), %zu pattern(s)",
		 cur->channels.count, cur->patterns.count);
}

static void
ping(struct redis_sub *rs)
{
	const char *argv[] = { "PING" };
	const size_t lens[] = { 4 };

	/* No connection to send it on: PING's deadline still runs. */
	redis_cmd_send(rs->cmd, on_pong, rs, 1, argv, lens);
}

/* The subscription stayed up for backoff_reset: Redis is healthy again. */
static void
healthy(struct redis_sub *rs, uint32_t forgotten)
{
	if (forgotten > 0)
		log_debug("redis: subscribed for %llums, backoff reset",
			  (unsigned long long)rs->cfg->redis_backoff_reset_ms);
	log_repeat_reset(&rs->err_log, LOG_WARNING);
	log_repeat_reset(&rs->sub_log, LOG_INFO);
}

static void
changed(struct redis_sub *rs, const struct redis_transition *t)
{
	/* While Redis keeps failing, the cycle is the same every time. */
	log_msg(t->failures > 0 ? LOG_DEBUG : LOG_INFO, "redis: %s -> %s (%s)",
		redis_state_name(t->from), redis_state_name(t->to), t->why);
	if (t->to == RC_SUBSCRIBED)
		rs->counts.subscribed++;
	if (rs->observer != NULL)
		rs->observer(rs->observer_arg, t->to == RC_SUBSCRIBED);
}

/* In the order redis_core.h lists them; state changes after what they release. */
static void
run_actions(struct redis_sub *rs, const struct redis_output *out)
{
	unsigned a = out->actions;

	if (a & RACT_DRAIN)
		redis_pubsub_drain(&rs->sub);
	if (a & RACT_CANCEL_RESOLVE)
		redis_where_cancel(&rs->where);
	if (a & RACT_CLOSE)
		redis_pubsub_close(&rs->sub);
	if (a & RACT_CMD_CLOSE)
		redis_cmd_close(rs->cmd);
	if (a & RACT_CMD_DISABLE)
		redis_cmd_disable(rs->cmd);
	/* Reading ends with the subscription, at shutdown too. */
	if (a & (RACT_CMD_CLOSE | RACT_CMD_DISABLE))
		redis_cmd_close(rs->reader);
	if (a & RACT_CMD_ENABLE) {
		redis_cmd_enable(rs->cmd, rs->address, rs->port);
		redis_cmd_enable(rs->reader, rs->address, rs->port);
	}
	if (a & RACT_REPORT) {
		rs->counts.failures++;
		log_repeated(&rs->err_log, LOG_WARNING, "redis: %s: %s",
			     rs->endpoint, out->why);
	}
	for (size_t i = 0; i < out->ntrans; i++)
		changed(rs, &out->trans[i]);
	if (a & RACT_REPORT)
		log_debug("redis: next attempt in %llums (failure %u)",
			  (unsigned long long)out->retry_in_ms, out->failures);
	if (a & RACT_HEALTHY)
		healthy(rs, out->failures);
	if (a & RACT_ANNOUNCE)
		/* Logged once per healthy spell, not once per flap. */
		log_repeated(&rs->sub_log, LOG_INFO,
			     "redis: subscribed on %s to %zu channel(s), %zu pattern(s)",
			     rs->endpoint, view(rs)->channels.count,
			     view(rs)->patterns.count);
	if (a & RACT_HANG_UP)
		redis_pubsub_hang_up(&rs->sub);
	if (a & RACT_UPDATE_SUBS)
		update_subscriptions(rs);
	if (a & RACT_PING)
		ping(rs);
	if (a & RACT_RESOLVE)
		redis_where_ask(&rs->where, located, rs);
	if (a & RACT_OPEN)
		open_link(rs, out->address);
}

/* ---- life cycle ------------------------------------------------------ */

/* Redis as the logs name it: its URL without the password, or the master. */
static void
name_endpoint(struct redis_sub *rs, const struct config *cfg)
{
	if (cfg->sentinels != NULL)
		snprintf(rs->endpoint, sizeof(rs->endpoint), "master %s (sentinel)",
			 cfg->sentinel_master);
	else
		url_redact(cfg->redis_url_text, rs->endpoint, sizeof(rs->endpoint));
}

static void
params_from(const struct config *cfg, struct redis_core_params *p)
{
	p->connect_timeout_ms = cfg->redis_connect_timeout_ms;
	p->backoff.min_ms = cfg->redis_backoff_min_ms;
	p->backoff.max_ms = cfg->redis_backoff_max_ms;
	p->backoff_reset_ms = cfg->redis_backoff_reset_ms;
	p->ping_interval_ms = cfg->redis_ping_interval_ms;
	p->ping_timeout_ms = cfg->redis_ping_timeout_ms;
	p->resolve = cfg->redis.transport == REDIS_TCP;
	p->setup = redis_link_setup_count(cfg);
	p->subscriptions = (uint32_t)(cfg->channels.count + cfg->patterns.count);
}

struct redis_sub *
redis_sub_new(struct lws_context *ctx, struct lws_vhost *vh, struct dns *dns,
	      const struct config *cfg, redis_message_fn on_message, void *arg)
{
	struct redis_sub *rs = calloc(1, sizeof(*rs));
	struct redis_core_params p;

	if (rs == NULL)
		return NULL;
	rs->cmd = redis_cmd_new(vh, cfg, rs->endpoint, REDIS_LINK_COMMANDS);
	redis_where_init(&rs->where, ctx, vh, dns, cfg);
	rs->watch = sentinel_watch_new(ctx, vh, dns, cfg, master_moved, rs);
	rs->reader = redis_cmd_new(vh, cfg, rs->endpoint, REDIS_LINK_STREAMS);
	if (rs->cmd == NULL || rs->reader == NULL) {
		redis_cmd_free(rs->cmd);
		redis_cmd_free(rs->reader);
		free(rs);
		return NULL;
	}
	rs->ctx = ctx;
	rs->cfg = cfg;
	rs->sub = (struct redis_pubsub){
		.vh = vh, .cfg = cfg, .endpoint = rs->endpoint,
		.report = on_report, .report_arg = rs,
		.on_message = on_message, .message_arg = arg,
	};
	params_from(view(rs), &p);
	redis_core_init(&rs->core, &p);
	rng_seed_random(&rs->rng);
	name_endpoint(rs, cfg);
	return rs;
}

void
redis_sub_start(struct redis_sub *rs)
{
	sentinel_watch_start(rs->watch);
	post(rs, REV_START, 0, NULL);
}

void
redis_sub_stop(struct redis_sub *rs)
{
	if (rs == NULL)
		return;
	sentinel_watch_stop(rs->watch);
	post(rs, REV_STOP, 0, NULL);
}


void
redis_sub_restart(struct redis_sub *rs)
{
	post(rs, REV_RESTART, 0, NULL);
}

void
redis_sub_reconfigure(struct redis_sub *rs, const struct config *cfg,
		      bool update_subscriptions)
{
	struct redis_core_params p;

	/* Standing by, nothing is subscribed, before or after. */
	if (update_subscriptions && !rs->standby) {
		rs->diff_old = rs->cfg;
		rs->diff_new = cfg;
		post(rs, REV_SUBS_CHANGED, 0, NULL);
		rs->diff_old = NULL;
		rs->diff_new = NULL;
	}
	rs->cfg = cfg;
	name_endpoint(rs, cfg);
	redis_pubsub_reconfigure(&rs->sub, view(rs));
	redis_cmd_reconfigure(rs->cmd, cfg);
	redis_cmd_reconfigure(rs->reader, cfg);
	redis_where_reconfigure(&rs->where, cfg);
	sentinel_watch_reconfigure(rs->watch, cfg);
	params_from(view(rs), &p);
	redis_core_set_params(&rs->core, &p);
}

void
redis_sub_stand_by(struct redis_sub *rs, bool standby)
{
	struct config before;
	struct redis_core_params p;

	if (rs->standby == standby)
		return;
	before = *view(rs);	/* a shallow copy: the channels it had */
	rs->standby = standby;
	rs->diff_old = &before;
	rs->diff_new = view(rs);
	post(rs, REV_SUBS_CHANGED, 0, NULL);
	rs->diff_old = NULL;
	rs->diff_new = NULL;
	redis_pubsub_reconfigure(&rs->sub, view(rs));
	params_from(view(rs), &p);
	redis_core_set_params(&rs->core, &p);
	/* A blocked read must not hand this process entries any more. */
	if (standby && rs->core.state == RC_SUBSCRIBED) {
		redis_cmd_close(rs->reader);
		redis_cmd_enable(rs->reader, rs->address, rs->port);
	}
}

struct redis_cmd *
redis_sub_commands(struct redis_sub *rs)
{
	return rs->cmd;
}

struct redis_cmd *
redis_sub_reader(struct redis_sub *rs)
{
	return rs->reader;
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
	return redis_state_name(rs->core.state);
}

void
redis_sub_counts(const struct redis_sub *rs, struct redis_counts *out)
{
	*out = rs->counts;
}

void
redis_sub_free(struct redis_sub *rs)
{
	if (rs == NULL)
		return;
	redis_sub_stop(rs);
	/* Callbacks still pending on it run now, with NULL, while rs lives. */
	redis_cmd_free(rs->cmd);
	redis_cmd_free(rs->reader);
	redis_where_free(&rs->where);
	sentinel_watch_free(rs->watch);
	lws_sul_cancel(&rs->timer);
	free(rs);
}
