/*
 * status_query.c - see status_query.h.  A one-shot command line tool,
 * not the daemon: blocking hiredis with timeouts is the right tool here.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "wspushd/cluster_slot.h"
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

static struct timeval
timeout(const struct config *cfg)
{
	return (struct timeval){
		.tv_sec = (time_t)(cfg->redis_connect_timeout_ms / 1000),
		.tv_usec = (suseconds_t)(cfg->redis_connect_timeout_ms % 1000) * 1000,
	};
}

/* The master's address from the first sentinel that names it. */
static int
ask_sentinels(const struct config *cfg, char *ip, size_t iplen, int *port,
	      FILE *out)
{
	char *list = strdup(cfg->sentinels), *save = NULL;
	int found = -1;

	for (char *hp = strtok_r(list, ",", &save); hp != NULL && found < 0;
	     hp = strtok_r(NULL, ",", &save)) {
		char *colon = strrchr(hp, ':'), *host = hp;
		redisContext *s;
		redisReply *r;

		*colon = '\0';
		if (host[0] == '[') {
			host++;
			colon[-1] = '\0';
		}
		s = redisConnectWithTimeout(host, atoi(colon + 1), timeout(cfg));
		if (s == NULL || s->err) {
			fprintf(out, "sentinel %s: %s\n", hp, s ? s->errstr : "no memory");
			redisFree(s);
			continue;
		}
		redisSetTimeout(s, timeout(cfg));
		r = redisCommand(s, "SENTINEL get-master-addr-by-name %s",
				 cfg->sentinel_master);
		if (r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 2) {
			snprintf(ip, iplen, "%s", r->element[0]->str);
			*port = atoi(r->element[1]->str);
			found = 0;
		}
		freeReplyObject(r);
		redisFree(s);
	}
	if (found < 0)
		fprintf(out, "cannot ask Redis: no sentinel names master %s\n",
			cfg->sentinel_master);
	free(list);
	return found;
}

/* Connected (and authenticated) to ip:port, or NULL with the reason said. */
static redisContext *
connect_at(const struct config *cfg, const char *ip, int port, FILE *out)
{
	const struct redis_url *u = &cfg->redis;
	redisContext *c;
	redisReply *r;

	c = u->transport == REDIS_UNIX ?
	    redisConnectUnixWithTimeout(u->socket_path, timeout(cfg)) :
	    redisConnectWithTimeout(ip, port, timeout(cfg));
	if (c == NULL || c->err) {
		fprintf(out, "cannot ask Redis: %s\n", c ? c->errstr : "out of memory");
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, timeout(cfg));
	if (u->password != NULL) {
		const char *argv[3] = { "AUTH", u->user ? u->user : u->password,
					u->password };

		r = command(c, u->user ? 3 : 2, argv);
		if (r == NULL || r->type == REDIS_REPLY_ERROR) {
			fprintf(out, "cannot ask Redis: it refused AUTH: %s\n",
				r ? r->str : c->errstr);
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

/* HGETALL key, following one -MOVED in a cluster; NULL: said why. */
static redisReply *
read_hash(const struct config *cfg, FILE *out)
{
	const char *argv[2] = { "HGETALL", cfg->status_key };
	struct cluster_redirect to;
	char ip[64];
	int port = cfg->redis.port;
	redisContext *c;
	redisReply *r = NULL;

	snprintf(ip, sizeof(ip), "%s", cfg->redis.host ? cfg->redis.host : "");
	if (cfg->sentinels != NULL && ask_sentinels(cfg, ip, sizeof(ip), &port,
						    out) < 0)
		return NULL;
	for (int hop = 0; hop < 2; hop++) {
		if ((c = connect_at(cfg, ip, port, out)) == NULL)
			return NULL;
		r = command(c, 2, argv);
		redisFree(c);
		if (r == NULL || r->type != REDIS_REPLY_ERROR ||
		    cluster_redirect_parse(r->str, r->len, &to) != CLUSTER_MOVED)
			break;
		snprintf(ip, sizeof(ip), "%s", to.ip);
		port = to.port;
		freeReplyObject(r);
		r = NULL;
	}
	if (r == NULL || r->type == REDIS_REPLY_ERROR) {
		fprintf(out, "cannot ask Redis: %s\n", r ? r->str : "no reply");
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

static const char *
field(const redisReply *r, const char *name)
{
	for (size_t i = 0; i + 1 < r->elements; i += 2)
		if (strcmp(r->element[i]->str, name) == 0)
			return r->element[i + 1]->str;
	return NULL;
}

static void
print_hash(const redisReply *r, FILE *out)
{
	static const char *const order[] = {
		"state", "status", "url", "since", "sent", "dropped", "queued",
		"reconnects", "last_error", "pid", "updated", "role", "term",
		"lease_holder", "streams",
	};

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
}

int
status_query(const struct config *cfg, FILE *out)
{
	redisReply *r = read_hash(cfg, out);
	const char *state;
	int rc;

	if (r == NULL)
		return STATUS_UNKNOWN;
	if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) {
		fprintf(out, "no wspushd status in Redis under '%s' (not running, "
			"[status] key differs, or Redis refuses its writes: see "
			"its log)\n", cfg->status_key);
		freeReplyObject(r);
		return STATUS_NONE;
	}
	print_hash(r, out);
	state = field(r, "state");
	rc = state != NULL && strcmp(state, "open") == 0 ? STATUS_OPEN :
	     STATUS_NOT_OPEN;
	freeReplyObject(r);
	return rc;
}
