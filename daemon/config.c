/*
 * config.c - the table of every key, the defaults it gives, and the
 * life cycle of struct config.  See config_keys.h and config.h.
 *
 * Loading (config_load) is in config_load.c, built on config_set.c,
 * config_flags.c and config_check.c; the values themselves are parsed
 * by pure modules (config_values.c, close_codes.c, headers.c, addrs.c,
 * url.c), and every file is read by config_files.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/config_keys.h"
#include "wspushd/xalloc.h"

#define MS(n)		((uint64_t)(n))
#define SECS(n)		((uint64_t)(n) * 1000)
#define MINS(n)		((uint64_t)(n) * 60 * 1000)
#define HOURS(n)	((uint64_t)(n) * 60 * 60 * 1000)
#define GIB(n)	((uint64_t)(n) << 30)
#define TIB(n)	((uint64_t)(n) << 40)

#define OFF(f) offsetof(struct config, f)

/*
 * Ranges are generous but catch unit slips: "connect_timeout = 3000"
 * is 50 minutes, not 3 seconds, and the 1h ceiling says so.  Defaults
 * are spelled as in the file; systemd/wspushd.conf documents each of
 * them, and a unit test holds the two together.
 */
const struct key_def cfg_keys[KEY_COUNT] = {
	[UP_URL] = { "upstream", "url", "--url", KIND_WS_URL,
		     OFF(url_text), NULL, 0, 0,
		     .reload = RELOAD_UPSTREAM },
	[UP_HEADER] = { "upstream", "header", NULL, KIND_HEADER,
			OFF(headers), NULL, 0, 0, .repeatable = true,
			.reload = RELOAD_UPSTREAM },
	[UP_SUBPROTOCOL] = { "upstream", "subprotocol", NULL,
			     KIND_SUBPROTOCOL, OFF(subprotocol), NULL, 0, 0,
			     .reload = RELOAD_UPSTREAM },
	[UP_CONNECT_TIMEOUT] = { "upstream", "connect_timeout",
				 "--connect-timeout", KIND_DURATION,
				 OFF(connect_timeout_ms), "3s",
				 MS(1), HOURS(1) },
	[UP_BACKOFF_MIN] = { "upstream", "backoff_min", NULL, KIND_DURATION,
			     OFF(backoff_min_ms), "250ms", MS(1), HOURS(1) },
	[UP_BACKOFF_MAX] = { "upstream", "backoff_max", NULL, KIND_DURATION,
			     OFF(backoff_max_ms), "30s", MS(1), HOURS(1) },
	[UP_BACKOFF_RESET] = { "upstream", "backoff_reset", NULL,
			       KIND_DURATION, OFF(backoff_reset_ms), "10s",
			       0, HOURS(1) },
	[UP_CLOSE_TIMEOUT] = { "upstream", "close_timeout", NULL,
			       KIND_DURATION, OFF(close_timeout_ms), "5s",
			       MS(1), MINS(10) },
	[UP_MESSAGE_TYPE] = { "upstream", "message_type", NULL,
			      KIND_MESSAGE_TYPE, OFF(message_type), "auto",
			      0, 0 },
	[UP_MAX_MESSAGE_SIZE] = { "upstream", "max_message_size", NULL,
				  KIND_SIZE, OFF(max_message_bytes), "1MiB",
				  1, GIB(1) },
	[UP_PING_INTERVAL] = { "upstream", "ping_interval", "--ping-interval",
			       KIND_DURATION, OFF(ping_interval_ms), "30s",
			       0, HOURS(1) },
	[UP_PONG_TIMEOUT] = { "upstream", "pong_timeout", "--pong-timeout",
			      KIND_DURATION, OFF(pong_timeout_ms), "10s",
			      MS(1), HOURS(1) },
	[UP_LIVENESS] = { "upstream", "liveness", NULL, KIND_LIVENESS,
			  OFF(liveness), "pong", 0, 0 },
	/*
	 * Switching takes effect on a new connection: what the old one
	 * wrote unconfirmed is sent again there.
	 */
	[UP_DELIVERY] = { "upstream", "delivery", NULL, KIND_DELIVERY,
			  OFF(delivery), "at-least-once", 0, 0,
			  .reload = RELOAD_UPSTREAM },
	[UP_CONFIRM_INTERVAL] = { "upstream", "confirm_interval", NULL,
				  KIND_DURATION, OFF(confirm_interval_ms),
				  "100ms", MS(1), MINS(1) },
	/*
	 * 1003 (unsupported data) and 1008 (policy violation) are refusals
	 * of what wspushd sends; 4000-4999 is the application's own range,
	 * where servers put "unauthorized", "banned" and the like.
	 * Retrying those at once only hammers the server with the same
	 * request.
	 */
	[UP_SLOW_RETRY_CODES] = { "upstream", "slow_retry_codes", NULL,
				  KIND_CLOSE_CODES, OFF(slow_retry_codes),
				  "1003, 1008, 4000-4999", 1000, 4999 },
	[UP_FIN_TIMEOUT] = { "upstream", "fin_timeout", NULL, KIND_DURATION,
			     OFF(fin_timeout_ms), "1s", 0, MINS(1) },
	[UP_TLS_CA_FILE] = { "upstream", "tls_ca_file", NULL, KIND_FILE,
			     OFF(tls_ca_file), NULL, 0, 0,
			     .reload = RELOAD_UPSTREAM },
	[UP_TLS_CA_DIR] = { "upstream", "tls_ca_dir", NULL, KIND_DIR,
			    OFF(tls_ca_dir), NULL, 0, 0,
			    .reload = RELOAD_UPSTREAM },
	[UP_TLS_CERT_FILE] = { "upstream", "tls_cert_file", NULL, KIND_FILE,
			       OFF(tls_cert_file), NULL, 0, 0,
			       .reload = RELOAD_UPSTREAM },
	[UP_TLS_KEY_FILE] = { "upstream", "tls_key_file", NULL, KIND_FILE,
			      OFF(tls_key_file), NULL, 0, 0,
			      .reload = RELOAD_UPSTREAM },
	[UP_TLS_SERVER_NAME] = { "upstream", "tls_server_name", NULL,
				 KIND_SERVER_NAME, OFF(tls_server_name),
				 NULL, 0, 0, .reload = RELOAD_UPSTREAM },
	[UP_TLS_INSECURE] = { "upstream", "tls_insecure", NULL, KIND_BOOL,
			      OFF(tls_insecure), "no", 0, 0,
			      .reload = RELOAD_UPSTREAM },
	/*
	 * What every connection says first (a login, a subscribe), so a
	 * change reconnects: the open connection was greeted the old way.
	 */
	[UP_ON_OPEN] = { "upstream", "on_open", NULL, KIND_ON_OPEN,
			 OFF(on_open), NULL, 0, 0, .repeatable = true,
			 .reload = RELOAD_UPSTREAM },
	[UP_ON_OPEN_TYPE] = { "upstream", "on_open_type", NULL,
			      KIND_MESSAGE_TYPE, OFF(on_open_type), "text",
			      0, 0, .reload = RELOAD_UPSTREAM },
	[UP_ON_OPEN_WAIT] = { "upstream", "on_open_wait", NULL, KIND_DURATION,
			      OFF(on_open_wait_ms), "0", 0, MINS(1),
			      .reload = RELOAD_UPSTREAM },
	[UP_HEARTBEAT_INTERVAL] = { "upstream", "heartbeat_interval", NULL,
				    KIND_DURATION, OFF(heartbeat_interval_ms),
				    "0", 0, HOURS(1) },
	[UP_HEARTBEAT_MESSAGE] = { "upstream", "heartbeat_message", NULL,
				   KIND_TEXT, OFF(heartbeat_message), NULL,
				   0, 0 },
	[RD_URL] = { "redis", "url", "--redis", KIND_REDIS_URL,
		     OFF(redis_url_text), "redis://127.0.0.1:6379", 0, 0,
		     .reload = RELOAD_REDIS },
	[RD_SENTINEL] = { "redis", "sentinel", NULL, KIND_SENTINELS,
			  OFF(sentinels), NULL, 0, 0, .reload = RELOAD_REDIS },
	[RD_MASTER] = { "redis", "master", NULL, KIND_REDIS_NAME,
			OFF(sentinel_master), NULL, 0, 0, .reload = RELOAD_REDIS },
	[RD_CLUSTER] = { "redis", "cluster", NULL, KIND_BOOL,
			 OFF(redis_cluster), "no", 0, 0, .reload = RELOAD_REDIS },
	[RD_CHANNEL] = { "redis", "channel", "--channel", KIND_CHANNEL,
			 OFF(channels), NULL, 0, 0, .repeatable = true,
			 .reload = RELOAD_SUBSCRIPTIONS },
	[RD_STREAM] = { "redis", "stream", "--stream", KIND_STREAM,
			OFF(streams), NULL, 0, 0, .repeatable = true,
			.reload = RELOAD_STREAMS },
	[RD_GROUP] = { "redis", "group", "--group", KIND_REDIS_NAME,
		       OFF(stream_group), "wspushd", 0, 0,
		       .reload = RELOAD_STREAMS },
	/* Default: the host name, applied by config_check(). */
	[RD_CONSUMER] = { "redis", "consumer", NULL, KIND_REDIS_NAME,
			  OFF(stream_consumer), NULL, 0, 0,
			  .reload = RELOAD_STREAMS },
	[RD_START] = { "redis", "start", NULL, KIND_STREAM_START,
		       OFF(stream_start), "new", 0, 0 },
	[RD_CLAIM_IDLE] = { "redis", "claim_idle", NULL, KIND_DURATION,
			    OFF(claim_idle_ms), "60s", MS(100), HOURS(24) },
	[RD_MAX_DELIVERIES] = { "redis", "max_deliveries", NULL, KIND_UINT,
				OFF(max_deliveries), "5", 1, 1000 },
	[RD_DEAD_LETTER] = { "redis", "dead_letter", NULL, KIND_REDIS_NAME,
			     OFF(dead_letter), NULL, 0, 0 },
	[RD_PATTERN] = { "redis", "pattern", "--pattern", KIND_PATTERN,
			 OFF(patterns), NULL, 0, 0, .repeatable = true,
			 .reload = RELOAD_SUBSCRIPTIONS },
	[RD_CONNECT_TIMEOUT] = { "redis", "connect_timeout", NULL,
				 KIND_DURATION, OFF(redis_connect_timeout_ms),
				 "3s", MS(1), HOURS(1) },
	[RD_BACKOFF_MIN] = { "redis", "backoff_min", NULL, KIND_DURATION,
			     OFF(redis_backoff_min_ms), "250ms", MS(1),
			     HOURS(1) },
	[RD_BACKOFF_MAX] = { "redis", "backoff_max", NULL, KIND_DURATION,
			     OFF(redis_backoff_max_ms), "30s", MS(1),
			     HOURS(1) },
	[RD_BACKOFF_RESET] = { "redis", "backoff_reset", NULL, KIND_DURATION,
			       OFF(redis_backoff_reset_ms), "10s", 0,
			       HOURS(1) },
	[RD_PING_INTERVAL] = { "redis", "ping_interval", NULL, KIND_DURATION,
			       OFF(redis_ping_interval_ms), "10s", 0,
			       HOURS(1) },
	[RD_PING_TIMEOUT] = { "redis", "ping_timeout", NULL, KIND_DURATION,
			      OFF(redis_ping_timeout_ms), "5s", MS(1),
			      HOURS(1) },
	/* Its value is the password it holds, in place of the URL's. */
	[RD_PASSWORD_FILE] = { "redis", "password_file", NULL,
			       KIND_PASSWORD_FILE, OFF(redis.password), NULL,
			       0, 0, .reload = RELOAD_REDIS },
	[Q_MAX_MESSAGES] = { "queue", "max_messages", NULL, KIND_COUNT,
			     OFF(queue_max_messages), "100000", 1,
			     100000000 },
	[Q_MAX_BYTES] = { "queue", "max_bytes", NULL, KIND_SIZE,
			  OFF(queue_max_bytes), "64MiB", 1, TIB(1) },
	[Q_OVERFLOW] = { "queue", "overflow", NULL, KIND_OVERFLOW,
			 OFF(overflow), "drop-oldest", 0, 0 },
	[D_DRAIN_TIMEOUT] = { "daemon", "drain_timeout", "--drain-timeout",
			      KIND_DURATION, OFF(drain_timeout_ms), "5s", 0,
			      HOURS(1) },
	[D_LOG_LEVEL] = { "daemon", "log_level", "--log-level",
			  KIND_LOG_LEVEL, OFF(log_level), "info", 0, 0 },
	[D_DNS_TIMEOUT] = { "daemon", "dns_timeout", NULL, KIND_DURATION,
			    OFF(dns_timeout_ms), "5s", MS(1), HOURS(1) },
	/* NULL: the servers of /etc/resolv.conf. */
	[D_DNS_SERVERS] = { "daemon", "dns_servers", NULL, KIND_DNS_SERVERS,
			    OFF(dns_servers), NULL, 0, 0 },
	/* The kernel takes keepalive times in seconds: 0 here is "off". */
	[D_TCP_KEEPALIVE_IDLE] = { "daemon", "tcp_keepalive_idle", NULL,
				   KIND_SECONDS, OFF(tcp_keepalive_idle_ms),
				   "60s", 0, HOURS(2) },
	[D_TCP_KEEPALIVE_INTERVAL] = { "daemon", "tcp_keepalive_interval",
				       NULL, KIND_SECONDS,
				       OFF(tcp_keepalive_interval_ms), "5s",
				       SECS(1), HOURS(1) },
	[D_TCP_KEEPALIVE_PROBES] = { "daemon", "tcp_keepalive_probes", NULL,
				     KIND_UINT, OFF(tcp_keepalive_probes), "3",
				     1, 100 },
	[D_TCP_USER_TIMEOUT] = { "daemon", "tcp_user_timeout", NULL,
				 KIND_DURATION, OFF(tcp_user_timeout_ms),
				 "30s", 0, HOURS(1) },
	/* $RUNTIME_DIRECTORY, when systemd sets it, comes first. */
	[D_RUNTIME_DIR] = { "daemon", "runtime_dir", "--runtime-dir", KIND_RUNTIME_DIR,
			    OFF(runtime_dir), "/run/wspushd", 0, 0 },
	[ST_KEY] = { "status", "key", NULL, KIND_REDIS_NAME, OFF(status_key),
		     "wspushd:status", 0, 0, .reload = RELOAD_STATUS },
	[ST_CHANNEL] = { "status", "channel", NULL, KIND_REDIS_NAME,
			 OFF(status_channel), "wspushd:events", 0, 0,
			 .reload = RELOAD_STATUS },
	/* Refreshed at a third of it: under 1s that is a busy loop. */
	[ST_TTL] = { "status", "ttl", NULL, KIND_DURATION, OFF(status_ttl_ms),
		     "30s", SECS(1), HOURS(1), .reload = RELOAD_STATUS },
	[M_LISTEN] = { "metrics", "listen", NULL, KIND_LISTEN,
		       OFF(metrics_listen), NULL, 0, 0,
		       .reload = RELOAD_METRICS },
	[FL_LEASE_KEY] = { "fleet", "lease_key", NULL, KIND_REDIS_NAME,
			   OFF(lease_key), NULL, 0, 0, .reload = RELOAD_FLEET },
	/* Renewed at a third of it and polled at a tenth: under 1 s the
	 * fence margin would be shorter than a busy loop's turn. */
	[FL_LEASE_TTL] = { "fleet", "lease_ttl", NULL, KIND_DURATION,
			   OFF(lease_ttl_ms), "10s", SECS(1), HOURS(1),
			   .reload = RELOAD_FLEET },
	/* Default: "host:pid", applied by config_check(). */
	[FL_INSTANCE] = { "fleet", "instance", NULL, KIND_REDIS_NAME,
			  OFF(instance), NULL, 0, 0, .reload = RELOAD_FLEET },
	[FL_FENCE_HEADER] = { "fleet", "fence_header", NULL, KIND_HEADER_NAME,
			      OFF(fence_header), NULL, 0, 0,
			      .reload = RELOAD_UPSTREAM },
	/* What the server says, back into Redis: read where it is used. */
	[IN_CHANNEL] = { "inbound", "channel", NULL, KIND_REDIS_NAME,
			 OFF(inbound_channel), NULL, 0, 0 },
	[IN_STREAM] = { "inbound", "stream", NULL, KIND_REDIS_NAME,
			OFF(inbound_stream), NULL, 0, 0 },
	[IN_MAXLEN] = { "inbound", "maxlen", NULL, KIND_COUNT,
			OFF(inbound_maxlen), "100000", 1, 1000000000 },
	[IN_MAX_PENDING] = { "inbound", "max_pending", NULL, KIND_COUNT,
			     OFF(inbound_max_pending), "10000", 1, 10000000 },
	[IN_MAX_PENDING_BYTES] = { "inbound", "max_pending_bytes", NULL,
				   KIND_SIZE, OFF(inbound_max_pending_bytes),
				   "16MiB", 1, GIB(64) },
};

int
config_key_find(const char *section, const char *name)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0)
			return i;
	return -1;
}

const char *
config_key_home(const char *name)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return cfg_keys[i].section;
	return NULL;
}

bool
config_section_known(const char *name)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(cfg_keys[i].section, name) == 0)
			return true;
	return false;
}

void *
config_field(struct config *cfg, const struct key_def *k)
{
	return (char *)cfg + k->offset;
}

const void *
config_field_const(const struct config *cfg, const struct key_def *k)
{
	return (const char *)cfg + k->offset;
}

size_t
config_kind_inline(enum value_kind kind)
{
	switch (kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
		return sizeof(uint64_t);
	case KIND_SIZE:
	case KIND_COUNT:
		return sizeof(size_t);
	case KIND_UINT:
		return sizeof(unsigned);
	case KIND_MESSAGE_TYPE:
		return sizeof(enum message_type);
	case KIND_OVERFLOW:
		return sizeof(enum overflow_policy);
	case KIND_LOG_LEVEL:
		return sizeof(int);
	case KIND_LIVENESS:
		return sizeof(enum liveness);
	case KIND_DELIVERY:
		return sizeof(enum delivery);
	case KIND_STREAM_START:
		return sizeof(enum stream_start);
	case KIND_CLOSE_CODES:
		return sizeof(struct close_code_set);
	case KIND_BOOL:
		return sizeof(bool);
	default:
		return 0;
	}
}

static int
set_number(void *f, const struct key_def *k, const char *value, char *err,
	   size_t errlen)
{
	uint64_t v;

	if (parse_number(value, k->kind, k->min, k->max, &v, err, errlen) < 0)
		return -1;
	if (k->kind == KIND_DURATION || k->kind == KIND_SECONDS)
		*(uint64_t *)f = v;
	else if (k->kind == KIND_UINT)
		*(unsigned *)f = (unsigned)v;
	else
		*(size_t *)f = (size_t)v;
	return 0;
}

int
config_key_set_inline(struct config *cfg, enum key_id id, const char *value,
		      char *err, size_t errlen)
{
	const struct key_def *k = &cfg_keys[id];
	void *f = config_field(cfg, k);

	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
	case KIND_SIZE:
	case KIND_COUNT:
	case KIND_UINT:
		return set_number(f, k, value, err, errlen);
	case KIND_MESSAGE_TYPE:
		return parse_message_type(value, f, err, errlen);
	case KIND_OVERFLOW:
		return parse_overflow(value, f, err, errlen);
	case KIND_LOG_LEVEL:
		return parse_log_level(value, f, err, errlen);
	case KIND_LIVENESS:
		return parse_liveness(value, f, err, errlen);
	case KIND_DELIVERY:
		return parse_delivery(value, f, err, errlen);
	case KIND_STREAM_START:
		return parse_stream_start(value, f, err, errlen);
	case KIND_CLOSE_CODES:
		return parse_close_codes(value, (unsigned)k->min,
					 (unsigned)k->max, f, err, errlen);
	case KIND_BOOL:
		return parse_bool(value, f, err, errlen);
	default:
		snprintf(err, errlen, "internal error: %s is not kept in "
			 "struct config", k->name);
		return -1;
	}
}

void
config_init(struct config *cfg)
{
	char err[VALUE_ERRLEN];

	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < KEY_COUNT; i++) {
		const struct key_def *k = &cfg_keys[i];

		if (k->def == NULL || config_kind_inline(k->kind) == 0)
			continue;
		/* The table is wrong: nothing at run time can fix that. */
		if (config_key_set_inline(cfg, (enum key_id)i, k->def, err,
					  sizeof(err)) < 0) {
			fprintf(stderr, "wspushd: default of %s: %s\n",
				k->name, err);
			abort();
		}
	}
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->url_text);
	ws_url_free(&cfg->url);
	/* Headers and the Redis URL carry credentials: leave no copies. */
	for (size_t i = 0; i < cfg->headers.count; i++)
		wipe(cfg->headers.items[i]);
	strlist_free(&cfg->headers);
	free(cfg->subprotocol);
	wipe_free(cfg->redis_url_text);
	redis_url_free(&cfg->redis);
	strlist_free(&cfg->channels);
	strlist_free(&cfg->patterns);
	strlist_free(&cfg->streams);
	free(cfg->stream_group);
	free(cfg->stream_consumer);
	free(cfg->dead_letter);
	free(cfg->dns_servers);
	free(cfg->tls_ca_file);
	free(cfg->tls_ca_dir);
	free(cfg->tls_cert_file);
	free(cfg->tls_key_file);
	free(cfg->tls_server_name);
	free(cfg->runtime_dir);
	free(cfg->status_key);
	free(cfg->status_channel);
	free(cfg->lease_key);
	free(cfg->sentinels);
	free(cfg->sentinel_master);
	free(cfg->instance);
	free(cfg->fence_header);
	free(cfg->metrics_listen);
	/* An on-open message may be a login: leave no copies. */
	for (size_t i = 0; i < cfg->on_open.count; i++)
		wipe(cfg->on_open.items[i]);
	strlist_free(&cfg->on_open);
	free(cfg->heartbeat_message);
	free(cfg->inbound_channel);
	free(cfg->inbound_stream);
	config_init(cfg);
}

struct config *
config_new(void)
{
	struct config *cfg = malloc(sizeof(*cfg));

	if (cfg != NULL)
		config_init(cfg);
	return cfg;
}

void
config_destroy(struct config *cfg)
{
	if (cfg == NULL)
		return;
	config_free(cfg);
	free(cfg);
}
