/*
 * fleet.c - see fleet.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <libwebsockets.h>

#include "wspushd/config.h"
#include "wspushd/fleet.h"
#include "wspushd/lease_core.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/redis_sub.h"
#include "wspushd/xalloc.h"

/* A release Redis does not answer does not hold up the exit longer. */
#define RELEASE_WAIT_MS 1000

/*
 * Each a single atomic step on Redis.  KEYS[1] the lease, KEYS[2] its
 * term counter; ARGV[1] this instance, ARGV[2] the TTL in ms.  A claim
 * takes the key when it is free or already ours (a leader that fenced
 * itself while Redis was away), with a new term either way.
 */
static const char claim_script[] =
	"local v = redis.call('GET', KEYS[1]) "
	"if v == false or v == ARGV[1] then "
	"redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
	"return {1, redis.call('INCR', KEYS[2])} end "
	"return {0, v, redis.call('PTTL', KEYS[1])}";
static const char renew_script[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";
static const char release_script[] =
	"if redis.call('GET', KEYS[1]) == ARGV[1] then "
	"return redis.call('DEL', KEYS[1]) end return 0";

struct fleet {
	struct lws_context *ctx;
	struct redis_cmd *cmd;
	/* Copied at start: a reload changes them only at the next start. */
	char *key, *instance;
	uint64_t ttl_ms;
	struct lease_core core;
	lws_sorted_usec_list_t timer;
	char *term_key;			/* lease_key + ":term" */
	char holder[257];
	uint64_t terms_won, fenced;
	struct log_repeat err_log;
	void (*on_role)(void *, bool, uint64_t, const char *);
	void *arg;
	void (*released)(void *);	/* fleet_release()'s done; NULL */
	void *released_arg;
	lws_sorted_usec_list_t release_timer;
};

static void step(struct fleet *f, struct lease_input *in);

static void
feed(struct fleet *f, enum lease_event ev, uint64_t term, const char *why)
{
	struct lease_input in = { .ev = ev, .now = monotonic_ms(),
				  .term = term, .why = why };

	step(f, &in);
}

static void
say_error(struct fleet *f, const redisReply *r, const char *what)
{
	if (r == NULL)	/* the connection went: the subscription says why */
		return;
	log_repeated(&f->err_log, LOG_WARNING, "fleet: %s %s: %.*s", what,
		     f->key, r->type == REDIS_REPLY_ERROR ?
		     (int)r->len : 16, r->type == REDIS_REPLY_ERROR ?
		     r->str : "unexpected reply");
}

static void
on_claim(void *arg, const redisReply *r)
{
	struct fleet *f = arg;

	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER &&
	    r->element[0]->integer == 1 &&
	    r->element[1]->type == REDIS_REPLY_INTEGER) {
		feed(f, LEV_WON, (uint64_t)r->element[1]->integer, NULL);
		return;
	}
	if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[1]->type == REDIS_REPLY_STRING) {
		snprintf(f->holder, sizeof(f->holder), "%.*s",
			 (int)r->element[1]->len, r->element[1]->str);
		feed(f, LEV_HELD, 0, NULL);
		return;
	}
	say_error(f, r, "cannot claim");
	feed(f, LEV_FAILED, 0, "no answer");
}

static void
on_renew(void *arg, const redisReply *r)
{
	struct fleet *f = arg;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER) {
		feed(f, r->integer == 1 ? LEV_RENEWED : LEV_LOST, 0, NULL);
		return;
	}
	say_error(f, r, "cannot renew");
	feed(f, LEV_FAILED, 0, "no answer");
}

static void
finish_release(struct fleet *f)
{
	void (*done)(void *) = f->released;

	if (done == NULL)
		return;
	f->released = NULL;
	lws_sul_cancel(&f->release_timer);
	done(f->released_arg);
}

static void
on_release(void *arg, const redisReply *r)
{
	struct fleet *f = arg;

	if (r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1)
		log_info("fleet: lease %s given back", f->key);
	finish_release(f);
}

static void
release_waited(lws_sorted_usec_list_t *sul)
{
	struct fleet *f = lws_container_of(sul, struct fleet, release_timer);

	log_warnx("fleet: Redis did not answer the release; %s passes when "
		  "it expires", f->key);
	finish_release(f);
	lws_cancel_service(f->ctx);
}

/* One script: 0, or -1 when it cannot go (no connection). */
static int
send_script(struct fleet *f, const char *script, redis_reply_fn *fn)
{
	char ttl[24];
	const char *argv[] = { "EVAL", script, "2", f->key,
			       f->term_key, f->instance, ttl };
	size_t lens[7];

	snprintf(ttl, sizeof(ttl), "%llu",
		 (unsigned long long)f->ttl_ms);
	for (size_t i = 0; i < 7; i++)
		lens[i] = strlen(argv[i]);
	return redis_cmd_send(f->cmd, fn, f, 7, argv, lens);
}

static void
tick(lws_sorted_usec_list_t *sul)
{
	struct fleet *f = lws_container_of(sul, struct fleet, timer);

	feed(f, LEV_TICK, 0, NULL);
	/* A sul runs before poll(): make sure the loop sees what changed. */
	lws_cancel_service(f->ctx);
}

static void
arm(struct fleet *f, uint64_t deadline)
{
	uint64_t now = monotonic_ms();

	lws_sul_cancel(&f->timer);
	if (deadline == 0)
		return;
	lws_sul_schedule(f->ctx, 0, &f->timer, tick, deadline > now ?
			 (lws_usec_t)(deadline - now) * LWS_US_PER_MS : 0);
}

static void
changed(struct fleet *f, const struct lease_output *out)
{
	if (out->actions & LACT_LEAD) {
		f->terms_won++;
		snprintf(f->holder, sizeof(f->holder), "%s", f->instance);
		log_info("fleet: leading as %s, term %llu (lease %s)",
			 f->instance, (unsigned long long)out->term,
			 f->key);
		f->on_role(f->arg, true, out->term, "lease won");
	}
	if (out->actions & LACT_FENCE) {
		f->fenced++;
		f->holder[0] = '\0';
		log_warnx("fleet: standing by: %s; upstream dropped", out->why);
		f->on_role(f->arg, false, f->core.term, out->why);
	}
}

static void
step(struct fleet *f, struct lease_input *in)
{
	struct lease_output out;

	/* Bounded: a failed send gives one LEV_FAILED, which sends nothing. */
	for (int i = 0; i < 2; i++) {
		lease_core_step(&f->core, in, &out);
		changed(f, &out);
		if ((out.actions & LACT_CLAIM) &&
		    send_script(f, claim_script, on_claim) < 0) {
			*in = (struct lease_input){ .ev = LEV_FAILED,
				.now = in->now, .why = "Redis is not connected" };
			continue;
		}
		if ((out.actions & LACT_RENEW) &&
		    send_script(f, renew_script, on_renew) < 0) {
			*in = (struct lease_input){ .ev = LEV_FAILED,
				.now = in->now, .why = "Redis is not connected" };
			continue;
		}
		if ((out.actions & LACT_RELEASE) &&
		    send_script(f, release_script, on_release) < 0)
			finish_release(f);
		break;
	}
	arm(f, out.deadline);
}

struct fleet *
fleet_new(struct lws_context *ctx, struct redis_sub *rs,
	  const struct config *cfg,
	  void (*on_role)(void *, bool, uint64_t, const char *), void *arg)
{
	struct fleet *f = xcalloc(1, sizeof(*f));
	struct lease_params p;

	f->ctx = ctx;
	f->cmd = redis_sub_commands(rs);
	f->key = xstrdup(cfg->lease_key);
	f->instance = xstrdup(cfg->instance);
	f->ttl_ms = cfg->lease_ttl_ms;
	f->on_role = on_role;
	f->arg = arg;
	f->term_key = xasprintf("%s:term", cfg->lease_key);
	f->err_log.interval_ms = 10000;
	lease_params_for(cfg->lease_ttl_ms, &p);
	lease_core_init(&f->core, &p, monotonic_ms());
	return f;
}

void
fleet_start(struct fleet *f)
{
	log_info("fleet: %s competing for lease %s (ttl %llums)",
		 f->instance, f->key,
		 (unsigned long long)f->ttl_ms);
	arm(f, lease_core_deadline(&f->core));
}

void
fleet_release(struct fleet *f, void (*done)(void *), void *arg)
{
	f->released = done;
	f->released_arg = arg;
	lws_sul_schedule(f->ctx, 0, &f->release_timer, release_waited,
			 (lws_usec_t)RELEASE_WAIT_MS * LWS_US_PER_MS);
	feed(f, LEV_STOP, 0, NULL);
}

void
fleet_free(struct fleet *f)
{
	if (f == NULL)
		return;
	lws_sul_cancel(&f->timer);
	lws_sul_cancel(&f->release_timer);
	log_repeat_reset(&f->err_log, LOG_WARNING);
	free(f->term_key);
	free(f->key);
	free(f->instance);
	free(f);
}

void
fleet_view(const struct fleet *f, struct fleet_view *v)
{
	v->role = lease_role_name(f->core.role);
	v->term = f->core.term;
	v->holder = f->holder;
	v->terms_won = f->terms_won;
	v->fenced = f->fenced;
}

bool
fleet_leading(const struct fleet *f)
{
	return f->core.role == LEASE_LEADER;
}
