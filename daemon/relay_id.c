/*
 * relay_id.c - see relay_id.h.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/relay_id.h"
#include "wspushd/xalloc.h"

static char *
lower(const char *s)
{
	char *out = xstrdup(s);

	for (char *p = out; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return out;
}

/* Host names are case-insensitive; an IPv6 literal gets its brackets. */
static char *
host_port(const char *host, unsigned port)
{
	char *h = lower(host);
	char *out = xasprintf(strchr(h, ':') ? "[%s]:%u" : "%s:%u", h, port);

	free(h);
	return out;
}

static char *
redis_name(const struct config *cfg)
{
	/* With Sentinel the url's host is not used: the master is Redis. */
	if (cfg->sentinels != NULL)
		return xasprintf("sentinel:%s", cfg->sentinel_master);
	if (cfg->redis.transport == REDIS_UNIX)
		return xasprintf("unix:%s", cfg->redis.socket_path);
	return host_port(cfg->redis.host, cfg->redis.port);
}

static void
add_input(struct relay_id *id, const char *fmt_kind, const char *name,
	  const char *rest)
{
	char *line = xasprintf("%s %s %s", fmt_kind, name, rest);

	strlist_add(&id->inputs, line);
	free(line);
}

void
relay_id_build(const struct config *cfg, struct relay_id *id)
{
	char *server = host_port(cfg->url.host, cfg->url.port);
	char *redis = redis_name(cfg);
	char *at = xasprintf("@ %s", redis);
	char *at_db = xasprintf("@ %s/%d", redis, cfg->redis.db);

	*id = (struct relay_id){ 0 };
	id->upstream = xasprintf("%s://%s%s", cfg->url.tls ? "wss" : "ws",
				 server, cfg->url.path);
	for (size_t i = 0; i < cfg->channels.count; i++)
		add_input(id, "channel", cfg->channels.items[i], at);
	for (size_t i = 0; i < cfg->patterns.count; i++)
		add_input(id, "pattern", cfg->patterns.items[i], at);
	for (size_t i = 0; i < cfg->streams.count; i++) {
		char *rest = xasprintf("group %s %s", cfg->stream_group, at_db);

		add_input(id, "stream", cfg->streams.items[i], rest);
		free(rest);
	}
	free(server);
	free(redis);
	free(at);
	free(at_db);
}

void
relay_id_free(struct relay_id *id)
{
	free(id->upstream);
	strlist_free(&id->inputs);
	*id = (struct relay_id){ 0 };
}
