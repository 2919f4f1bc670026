/*
 * status_query.c - see status_query.h.  A one-shot command line tool,
 * not the daemon: blocking hiredis with timeouts is the right tool here.
 */
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "wspushd/config.h"
#include "wspushd/status_query.h"

static redisReply *
command(redisContext *c, int argc, const char **argv)
{
	size_t lens[4];

	for (int i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	return redisCommandArgv(c, argc, argv, lens);
}

static redisContext *
connect_redis(const struct config *cfg, FILE *out)
{
	const struct redis_url *u = &cfg->redis;
	struct timeval tv = {
		.tv_sec = (time_t)(cfg->redis_connect_timeout_ms / 1000),
		.tv_usec = (suseconds_t)(cfg->redis_connect_timeout_ms % 1000) * 1000,
	};
	redisContext *c;
	redisReply *r;

	c = u->transport == REDIS_UNIX ?
	    redisConnectUnixWithTimeout(u->socket_path, tv) :
	    redisConnectWithTimeout(u->host, u->port, tv);
	if (c == NULL || c->err) {
		fprintf(out, "cannot reach Redis: %s\n", c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (u->password != NULL) {
		const char *argv[3] = { "AUTH", u->user ? u->user : u->password,
					u->password };

		r = command(c, u->user ? 3 : 2, argv);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			fprintf(out, "Redis refused AUTH: %s\n", r ? r->str : c->errstr);
			freeReplyObject(r);
			redisFree(c);
			return NULL;
		}
		freeReplyObject(r);
	}
	if (u->db != 0) {
		r = redisCommand(c, "SELECT %d", u->db);
		freeReplyObject(r);
	}
	return c;
}

static const char *
field(const redisReply *r, const char *name)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (strcmp(r->element[i]->str, name) == 0)
			return r->element[i + 1]->str;
	return NULL;
}

int
status_query(const struct config *cfg, FILE *out)
{
	static const char *const order[] = {
		"state", "status", "url", "since", "sent", "dropped", "queued",
		"reconnects", "last_error", "pid", "updated", "role", "term",
		"lease_holder", "streams",
	};
	const char *argv[2] = { "HGETALL", cfg->status_key };
	redisContext *c = connect_redis(cfg, out);
	redisReply *r;
	const char *state;
	int rc;

	if (c == NULL)
		return 2;
	r = command(c, 2, argv);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		fprintf(out, "no wspushd status in Redis under '%s' (not running, "
			"[status] key differs, or Redis refuses its writes: see "
			"its log)\n", cfg->status_key);
		freeReplyObject(r);
		redisFree(c);
		return 2;
	}
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		const char *v = field(r, order[i]);

		if (v == NULL || v[0] == '\0')
			continue;
		if (strcmp(order[i], "since") == 0 || strcmp(order[i], "updated") == 0) {
			time_t t = (time_t)strtoll(v, NULL, 10);
			char when[64];

			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
			fprintf(out, "%-11s %s\n", order[i], when);
		} else {
			fprintf(out, "%-11s %s\n", order[i], v);
		}
	}
	state = field(r, "state");
	rc = state != NULL && strcmp(state, "open") == 0 ? 0 : 1;
	freeReplyObject(r);
	redisFree(c);
	return rc;
}
