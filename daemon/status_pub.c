/*
 * status_pub.c - see status_pub.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "wspushd/config.h"
#include "wspushd/fnv.h"
#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/redis_sub.h"
#include "wspushd/relay_id.h"
#include "wspushd/status_hash.h"
#include "wspushd/status_pub.h"

/* While counters move, the hash is written at most this often. */
#define REFRESH_MS 1000

/*
 * What Redis answered to the status writes.  A reply can arrive after
 * the status_pub that sent the command is gone: a reload that changes
 * [status] replaces it, and at exit it is freed before the Redis
 * connections, whose pending callbacks then run with a NULL reply.  So
 * a command's privdata is one of these records, which live as long as
 * the process, never the status_pub.  The count survives reloads too,
 * as a Prometheus counter must.
 */
enum status_write {
	WRITE_HASH,
	WRITE_PUBLISH,
	WRITE_COUNT,
};

/*
 * One per command, so that an HSET Redis accepts does not re-arm the
 * log of a PUBLISH it keeps refusing.
 */
struct write_log {
	const char *command;
	char target[260];		/* key or channel of the last one sent */
	struct log_repeat refused;	/* Redis' error replies */
};

static struct write_log write_logs[WRITE_COUNT] = {
	[WRITE_HASH] = { .command = "EVAL" },
	[WRITE_PUBLISH] = { .command = "PUBLISH" },
};
static uint64_t write_errors;

/*
 * Two daemons given the same [status] key would each overwrite the
 * other's fields, and --status would print a mix.  So the hash names its
 * owner (this host and what it relays, relay_id.h: a restart, or a
 * reload that keeps the inputs, is the same owner), and the script below
 * writes it only while it is free, expired, or ours.  Another live
 * owner's hash is left alone and its owner named.  A fleet's leader
 * always writes (take = 1): the hash is the lease holder's, and the last
 * leader's stays behind when it dies.
 *
 * KEYS[1] the hash; ARGV: owner, our previous owner (a reload changed
 * the inputs), take, TTL in ms, then the fields and values.
 */
static const char write_script[] =
	/* Redis' refusal, named by the command refused (a script hides it). */
	"local function bad(c, r)\n"
	"  return type(r) == 'table' and r.err and redis.error_reply(c .. ': ' .. r.err)\n"
	"end\n"
	"local o = redis.pcall('HGET', KEYS[1], 'owner')\n"
	"local e = bad('HGET', o) if e then return e end\n"
	"if o and o ~= ARGV[1] and o ~= ARGV[2] and ARGV[3] ~= '1' then\n"
	"  return redis.pcall('HMGET', KEYS[1], 'host', 'pid', 'url')\n"
	"end\n"
	"e = bad('HSET', redis.pcall('HSET', KEYS[1], 'owner', ARGV[1], unpack(ARGV, 5)))\n"
	"if e then return e end\n"
	"e = bad('PEXPIRE', redis.pcall('PEXPIRE', KEYS[1], ARGV[4]))\n"
	"if e then return e end\n"
	"return 0\n";

/* The key holds another instance's status (said once, until it clears). */
static struct log_repeat conflict_log;
static bool conflict;

struct status_pub {
	lws_sorted_usec_list_t refresh;		/* first: lws_container_of */
	struct lws_context *ctx;
	struct redis_sub *rs;			/* for its state's name */
	struct redis_cmd *cmd;			/* the writes go here */
	const struct config *cfg;
	void (*snapshot)(void *, struct conn_snapshot *);
	void *arg;
	char owner[120];			/* host/digest of the relay */
	char prev_owner[120];			/* before a reload; "" none */
	char host[64];
	char last_state[16];			/* last state published */
	char last_error[200];			/* the last one seen, kept */
	time_t last_error_at;
	/*
	 * The counters as the last refresh saw them, written or not (a
	 * standby, or Redis down, writes nothing; they must not keep it
	 * awake every second).
	 */
	struct conn_stats seen;
	size_t seen_queued;
	uint64_t written_at;			/* monotonic ms; 0: never */
	bool soon;				/* the quick refresh is armed */
};

/* "x" of an HMGET answer, or "?" where the field was nil. */
static const char *
field(const redisReply *r, size_t i, char *buf, size_t len)
{
	if (r->type != REDIS_REPLY_ARRAY || i >= r->elements ||
	    r->element[i]->type != REDIS_REPLY_STRING)
		return "?";
	return log_printable(buf, len, r->element[i]->str, r->element[i]->len);
}

/* The script's answer: false when the key was another's (said here). */
static bool
owner_reply(struct write_log *w, const redisReply *reply)
{
	char host[80], pid[24], url[200];

	if (reply->type != REDIS_REPLY_ARRAY) {
		if (conflict && reply->type == REDIS_REPLY_INTEGER) {
			conflict = false;
			log_repeat_reset(&conflict_log, LOG_WARNING);
			log_notice("status: key %s is this instance's again",
				   w->target);
		}
		return true;
	}
	conflict = true;
	log_repeated(&conflict_log, LOG_WARNING,
		     "status: key %s holds the status of another wspushd "
		     "(pid %s on %s, upstream %s); this one writes none there: "
		     "give each instance its own [status] key", w->target,
		     field(reply, 1, pid, sizeof(pid)),
		     field(reply, 0, host, sizeof(host)),
		     field(reply, 2, url, sizeof(url)));
	return false;
}

bool
status_pub_conflict(void)
{
	return conflict;
}

/*
 * Redis refuses a write (an ACL without HSET, a read-only replica, OOM):
 * say so once, with Redis' words, and count it; the relaying goes on.
 * Without this the only sign is a status hash that never appears.
 */
static void
on_write_reply(void *arg, const redisReply *reply)
{
	struct write_log *w = arg;

	/* NULL: the connection went first; redis_sub reports that itself. */
	if (reply == NULL)
		return;
	if (w == &write_logs[WRITE_HASH] && !owner_reply(w, reply))
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		char text[160];

		write_errors++;
		log_repeated(&w->refused, LOG_WARNING,
			     "status: %s %s refused by Redis: %s", w->command,
			     w->target, log_printable(text, sizeof(text),
						      reply->str, reply->len));
		return;
	}
	if (w->refused.last[0] != '\0') {
		log_repeat_reset(&w->refused, LOG_WARNING);
		log_notice("status: %s %s accepted by Redis again", w->command,
			   w->target);
	}
}

static int
send_write(struct status_pub *p, enum status_write kind, int argc,
	   const char **argv, const size_t *lens)
{
	struct write_log *w = &write_logs[kind];

	/*
	 * Named at reply time by the last one sent: a reply comes long
	 * before the next refresh, so it is this one, unless a reload
	 * renamed the key while a reply was on its way.
	 */
	snprintf(w->target, sizeof(w->target), "%s",
		 kind == WRITE_HASH ? argv[3] : argv[1]);
	return redis_cmd_send(p->cmd, on_write_reply, w, argc, argv, lens);
}

uint64_t
status_pub_write_errors(void)
{
	return write_errors;
}

/* The last error ever seen, with its time: the snapshot forgets it. */
static void
keep_error(struct status_pub *p, const struct conn_snapshot *s)
{
	if (s->last_error[0] == '\0' || strcmp(s->last_error, p->last_error) == 0)
		return;
	snprintf(p->last_error, sizeof(p->last_error), "%s", s->last_error);
	p->last_error_at = time(NULL);
}

/* Every field, owned and with its TTL: one script, one round trip. */
static void
write_hash(struct status_pub *p, const struct conn_snapshot *s)
{
	const struct config *cfg = p->cfg;
	char ttl[24], inputs[96];
	const char *argv[8 + 2 * STATUS_HASH_MAX];
	struct status_hash h;
	struct status_extra x = {
		.redis_state = redis_sub_state_name(p->rs), .inputs = inputs,
		.version = WSPUSHD_VERSION, .uptime_s = s->uptime_s,
		.pid = (long)getpid(), .host = p->host, .now = time(NULL),
		.last_error = p->last_error, .last_error_at = p->last_error_at,
	};
	int n = 0;

	snprintf(inputs, sizeof(inputs), "%zu channel(s), %zu pattern(s), "
		 "%zu stream(s)", cfg->channels.count, cfg->patterns.count,
		 cfg->streams.count);
	snprintf(ttl, sizeof(ttl), "%llu", (unsigned long long)cfg->status_ttl_ms);
	status_hash_build(s, &x, &h);
	argv[n++] = "EVAL";
	argv[n++] = write_script;
	argv[n++] = "1";
	argv[n++] = cfg->status_key;
	argv[n++] = p->owner;
	argv[n++] = p->prev_owner;
	argv[n++] = s->role != NULL ? "1" : "0";	/* only leaders get here */
	argv[n++] = ttl;
	for (size_t i = 0; i < h.n; i++) {
		argv[n++] = h.field[i];
		argv[n++] = h.value[i];
	}
	/* Redis down: nothing to do; the next change or refresh writes it. */
	if (send_write(p, WRITE_HASH, n, argv, NULL) < 0)
		return;
	p->written_at = monotonic_ms();
}

static void
publish_event(struct status_pub *p, const struct conn_snapshot *s,
	      const char *state)
{
	char msg[1200];
	const char *argv[3];
	size_t lens[3];

	if (!status_event_json(s, state, p->last_state[0] ? p->last_state : "none",
			       msg, sizeof(msg)))
		return;
	argv[0] = "PUBLISH";
	argv[1] = p->cfg->status_channel;
	argv[2] = msg;
	for (int i = 0; i < 3; i++)
		lens[i] = strlen(argv[i]);
	if (send_write(p, WRITE_PUBLISH, 3, argv, lens) == 0)
		snprintf(p->last_state, sizeof(p->last_state), "%s", state);
}

void
status_pub_update(struct status_pub *p)
{
	struct conn_snapshot s;
	const char *state;

	if (p == NULL)
		return;
	p->snapshot(p->arg, &s);
	state = status_state(&s);
	keep_error(p, &s);
	/* In a fleet the hash is the leader's: standbys would mix in theirs. */
	if (s.role != NULL && strcmp(s.role, "leader") != 0)
		return;
	if (p->cfg->status_key != NULL)
		write_hash(p, &s);
	if (p->cfg->status_channel != NULL && strcmp(state, p->last_state) != 0)
		publish_event(p, &s, state);
}

static void refresh_fired(lws_sorted_usec_list_t *sul);

static void
refresh_in(struct status_pub *p, uint64_t ms, bool soon)
{
	p->soon = soon;
	lws_sul_schedule(p->ctx, 0, &p->refresh, refresh_fired,
			 (lws_usec_t)ms * LWS_US_PER_MS);
}

/*
 * While counters move, the hash is written again a second after the
 * last write (at most once a second); idle, every third of the TTL (two
 * refreshes may fail before the hash expires), so an idle daemon stays
 * asleep.  State changes are written at once, by status_pub_update().
 */
static void
refresh_fired(lws_sorted_usec_list_t *sul)
{
	struct status_pub *p = lws_container_of(sul, struct status_pub, refresh);
	uint64_t every = p->cfg->status_ttl_ms / 3, now = monotonic_ms();
	struct conn_snapshot s;
	bool moved;

	p->snapshot(p->arg, &s);
	moved = memcmp(&s.stats, &p->seen, sizeof(s.stats)) != 0 ||
		s.queued != p->seen_queued;
	p->seen = s.stats;
	p->seen_queued = s.queued;
	if (moved || now >= p->written_at + every)
		status_pub_update(p);
	/* Moved: look again soon, the flow may go on; else at the TTL's third. */
	if (moved)
		refresh_in(p, REFRESH_MS < every ? REFRESH_MS : every, true);
	else
		refresh_in(p, p->written_at + every > now ?
			   p->written_at + every - now : every, false);
}

void
status_pub_activity(struct status_pub *p)
{
	/* On every message: one test while the quick refresh is armed. */
	if (p != NULL && !p->soon)
		refresh_in(p, REFRESH_MS < p->cfg->status_ttl_ms / 3 ?
			   REFRESH_MS : p->cfg->status_ttl_ms / 3, true);
}

/*
 * The owner's name: this host, and a digest (FNV-1a, 64 bits) of what
 * this configuration relays, in relay_id.h's canonical form.
 */
static void
owner_of(const struct config *cfg, const char *host, char *out, size_t len)
{
	struct relay_id id;
	uint64_t h = FNV1A_INIT;

	relay_id_build(cfg, &id);
	for (size_t i = 0; i <= id.inputs.count; i++) {
		const char *t = i == 0 ? id.upstream : id.inputs.items[i - 1];

		/* Each name ends with its NUL: "a"+"bc" is not "ab"+"c". */
		h = fnv1a(h, t, strlen(t) + 1);
	}
	relay_id_free(&id);
	snprintf(out, len, "%s/%016llx", host, (unsigned long long)h);
}

struct status_pub *
status_pub_new(struct lws_context *ctx, struct redis_sub *rs,
	       const struct config *cfg,
	       void (*snapshot)(void *, struct conn_snapshot *), void *arg)
{
	struct status_pub *p;

	if (cfg->status_key == NULL && cfg->status_channel == NULL)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return NULL;
	p->ctx = ctx;
	p->rs = rs;
	p->cmd = redis_sub_commands(rs);
	p->cfg = cfg;
	p->snapshot = snapshot;
	p->arg = arg;
	if (gethostname(p->host, sizeof(p->host) - 1) < 0)
		snprintf(p->host, sizeof(p->host), "localhost");
	owner_of(cfg, p->host, p->owner, sizeof(p->owner));
	refresh_in(p, cfg->status_ttl_ms / 3, false);
	return p;
}

void
status_pub_take_over(struct status_pub *p, const struct status_pub *old)
{
	if (p == NULL || old == NULL)
		return;
	/* The hash the old one wrote stays ours, whatever the new inputs. */
	if (strcmp(old->owner, p->owner) != 0)
		memcpy(p->prev_owner, old->owner, sizeof(p->prev_owner));
	memcpy(p->last_state, old->last_state, sizeof(p->last_state));
	memcpy(p->last_error, old->last_error, sizeof(p->last_error));
	p->last_error_at = old->last_error_at;
}

void
status_pub_free(struct status_pub *p)
{
	if (p == NULL)
		return;
	lws_sul_cancel(&p->refresh);
	free(p);
}

void
status_pub_reconfigure(struct status_pub *p, const struct config *cfg)
{
	char owner[sizeof(p->owner)];

	if (p == NULL)
		return;
	p->cfg = cfg;
	/* The hash we hold stays ours when the inputs change. */
	owner_of(cfg, p->host, owner, sizeof(owner));
	if (strcmp(owner, p->owner) != 0) {
		memcpy(p->prev_owner, p->owner, sizeof(p->prev_owner));
		memcpy(p->owner, owner, sizeof(p->owner));
	}
}
