/*
 * config_check.c - see config_check.h.
 *
 * Each problem is reported where the operator most likely made the
 * change (ld_origin); values that were rejected already are left out,
 * so one typo is one message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wspushd/utf8.h"
#include "wspushd/cluster_slot.h"
#include "wspushd/config.h"
#include "wspushd/config_keys.h"
#include "wspushd/units.h"
#include "wspushd/xalloc.h"

#include "config_check.h"
#include "config_set.h"

static const char *
anywhere(const struct loader *ld)
{
	return ld->path != NULL ? ld->path : "command line";
}

/*
 * min <= max, reported where the operator most likely made the change:
 * at the max if it was set, else at the min.
 */
static void
check_order(struct loader *ld, enum key_id lo, enum key_id hi)
{
	uint64_t vlo = *(uint64_t *)config_field(ld->cfg, &cfg_keys[lo]);
	uint64_t vhi = *(uint64_t *)config_field(ld->cfg, &cfg_keys[hi]);
	char where[512], a[32], b[32];

	if (ld->bad[lo] || ld->bad[hi] || vlo <= vhi)
		return;
	format_duration_ms(a, sizeof(a), vlo);
	format_duration_ms(b, sizeof(b), vhi);
	if (ld_is_set(ld, hi))
		ld_fail(ld, "%s: %s (%s) is smaller than %s (%s%s)",
			ld_origin(ld, hi, where, sizeof(where)),
			cfg_keys[hi].name, b, cfg_keys[lo].name, a,
			ld_is_set(ld, lo) ? "" : ", the default");
	else
		ld_fail(ld, "%s: %s (%s) is larger than %s (%s, the default)",
			ld_origin(ld, lo, where, sizeof(where)),
			cfg_keys[lo].name, a, cfg_keys[hi].name, b);
}

static void
check_sizes(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	char where[512], a[32], b[32];

	if (ld->bad[UP_MAX_MESSAGE_SIZE] || ld->bad[Q_MAX_BYTES] ||
	    cfg->max_message_bytes <= cfg->queue_max_bytes)
		return;
	format_size(a, sizeof(a), cfg->max_message_bytes);
	format_size(b, sizeof(b), cfg->queue_max_bytes);
	if (ld_is_set(ld, UP_MAX_MESSAGE_SIZE) || !ld_is_set(ld, Q_MAX_BYTES))
		ld_fail(ld, "%s: max_message_size (%s) is larger than [queue] "
			"max_bytes (%s%s), so such a message could never be "
			"queued", ld_origin(ld, UP_MAX_MESSAGE_SIZE, where,
					    sizeof(where)), a, b,
			ld_is_set(ld, Q_MAX_BYTES) ? "" : ", the default");
	else
		ld_fail(ld, "%s: max_bytes (%s) is smaller than [upstream] "
			"max_message_size (%s%s), so such a message could "
			"never be queued", ld_origin(ld, Q_MAX_BYTES, where,
						     sizeof(where)), b, a,
			ld_is_set(ld, UP_MAX_MESSAGE_SIZE) ? "" :
			", the default");
}

/* A TLS key that asks for something: a path or name, or "yes". */
static bool
tls_key_used(const struct loader *ld, enum key_id id)
{
	const struct config *cfg = ld->cfg;

	if (!ld_is_set(ld, id) || ld->bad[id])
		return false;
	if (id == UP_TLS_INSECURE)
		return cfg->tls_insecure;
	return *(char *const *)config_field_const(cfg, &cfg_keys[id]) != NULL;
}

/* Once, at the first TLS key used: the fix is the URL, not each key. */
static void
check_tls_needs_wss(struct loader *ld)
{
	static const enum key_id tls_keys[] = {
		UP_TLS_CA_FILE, UP_TLS_CA_DIR, UP_TLS_CERT_FILE,
		UP_TLS_KEY_FILE, UP_TLS_SERVER_NAME, UP_TLS_INSECURE,
	};
	struct config *cfg = ld->cfg;
	char where[512];
	int first = -1;

	for (size_t i = 0; i < sizeof(tls_keys) / sizeof(tls_keys[0]); i++)
		if (tls_key_used(ld, tls_keys[i]) &&
		    (first < 0 || ld->line[tls_keys[i]] < ld->line[first]))
			first = tls_keys[i];
	if (first >= 0 && cfg->url_text != NULL && !cfg->url.tls)
		ld_fail(ld, "%s: %s: TLS settings need a wss:// URL (url is "
			"'%s')", ld_origin(ld, (enum key_id)first, where,
					   sizeof(where)),
			cfg_keys[first].name, cfg->url_text);
}

/* The slot of the lease's term counter, "<lease_key>:term". */
static uint16_t
term_slot(const char *lease_key)
{
	char key[300];

	snprintf(key, sizeof(key), "%s:term", lease_key);
	return cluster_slot(key, strlen(key));
}

/* Sentinel and master go together, and name a TCP master; a cluster
 * has database 0 only, and keys that must share a slot. */
static void
check_topology(struct loader *ld)
{
	const struct config *cfg = ld->cfg;
	char where[512];

	if (cfg->sentinels != NULL && cfg->sentinel_master == NULL &&
	    !ld->bad[RD_MASTER])
		ld_fail(ld, "%s: sentinel without master (the name the "
			"sentinels know the master by)",
			ld_origin(ld, RD_SENTINEL, where, sizeof(where)));
	if (cfg->sentinel_master != NULL && cfg->sentinels == NULL &&
	    !ld->bad[RD_SENTINEL])
		ld_fail(ld, "%s: master without sentinel (the sentinels to "
			"ask where it is)",
			ld_origin(ld, RD_MASTER, where, sizeof(where)));
	if (cfg->sentinels != NULL && cfg->redis_cluster)
		ld_fail(ld, "%s: sentinel and cluster together: a Redis Cluster "
			"fails over by itself", ld_origin(ld, RD_SENTINEL, where,
							  sizeof(where)));
	if (cfg->redis_cluster && cfg->lease_key != NULL &&
	    cluster_slot(cfg->lease_key, strlen(cfg->lease_key)) !=
	    term_slot(cfg->lease_key))
		ld_fail(ld, "%s: in a cluster the lease key and its term counter "
			"(%s:term) must share a slot: put a hash tag in it, such "
			"as {%s}", ld_origin(ld, FL_LEASE_KEY, where,
			sizeof(where)), cfg->lease_key, cfg->lease_key);
	if (cfg->redis_cluster && cfg->redis.db != 0)
		ld_fail(ld, "%s: cluster with database %d in url: a Redis "
			"Cluster has database 0 only", ld_origin(ld, RD_CLUSTER,
			where, sizeof(where)), cfg->redis.db);
	if (cfg->redis_cluster && cfg->redis.transport == REDIS_UNIX)
		ld_fail(ld, "%s: cluster with a unix:// url: cluster nodes are "
			"reached over TCP", ld_origin(ld, RD_CLUSTER, where,
						      sizeof(where)));
	if (cfg->sentinels != NULL && cfg->redis.transport == REDIS_UNIX)
		ld_fail(ld, "%s: sentinel with a unix:// url: the sentinels "
			"give a TCP address (url's password and database still "
			"apply)", ld_origin(ld, RD_SENTINEL, where, sizeof(where)));
}

/*
 * What the daemon says of its own accord, and where the server's words
 * go: each needs its partner, and a text frame must be UTF-8.  An
 * on-open message may be a secret: it is named by its place, never
 * shown.
 */
static void
check_talk(struct loader *ld)
{
	const struct config *cfg = ld->cfg;
	char where[512];

	if (cfg->heartbeat_interval_ms > 0 && cfg->heartbeat_message == NULL &&
	    !ld->bad[UP_HEARTBEAT_MESSAGE])
		ld_fail(ld, "%s: heartbeat_interval without heartbeat_message "
			"(the text to send)", ld_origin(ld, UP_HEARTBEAT_INTERVAL,
							where, sizeof(where)));
	for (size_t i = 0; cfg->on_open_type == MESSAGE_TEXT &&
	     i < cfg->on_open.count; i++)
		if (!utf8_valid(cfg->on_open.items[i],
				strlen(cfg->on_open.items[i])))
			ld_fail(ld, "%s: on_open message %zu is not UTF-8 text: "
				"set on_open_type = binary (or auto)", ld_origin(
				ld, UP_ON_OPEN, where, sizeof(where)), i + 1);
	if (cfg->inbound_channel != NULL && cfg->inbound_stream != NULL)
		ld_fail(ld, "%s: [inbound] channel and stream together: the "
			"server's messages go to one of them", ld_origin(ld,
			IN_STREAM, where, sizeof(where)));
}

static void
check_tls(struct loader *ld)
{
	char where[512];

	check_tls_needs_wss(ld);
	if (tls_key_used(ld, UP_TLS_CERT_FILE) &&
	    !tls_key_used(ld, UP_TLS_KEY_FILE) && !ld->bad[UP_TLS_KEY_FILE])
		ld_fail(ld, "%s: tls_cert_file without tls_key_file (a client "
			"certificate needs its private key)",
			ld_origin(ld, UP_TLS_CERT_FILE, where, sizeof(where)));
	if (tls_key_used(ld, UP_TLS_KEY_FILE) &&
	    !tls_key_used(ld, UP_TLS_CERT_FILE) &&
	    !ld->bad[UP_TLS_CERT_FILE])
		ld_fail(ld, "%s: tls_key_file without tls_cert_file (a private "
			"key needs its client certificate)",
			ld_origin(ld, UP_TLS_KEY_FILE, where, sizeof(where)));
}

/*
 * The table's default for a key of a kind that owns memory, when
 * neither the file nor a flag gave one (not even a bad one).
 */
static void
default_value(struct loader *ld, enum key_id id)
{
	char where[128];

	if (ld_is_set(ld, id) || ld->bad[id] || cfg_keys[id].def == NULL)
		return;
	snprintf(where, sizeof(where), "internal error: default %s",
		 cfg_keys[id].name);
	ld_set_value(ld, ld->cfg, id, where, cfg_keys[id].def);
}

/*
 * Where the lock files go, when neither the file nor --runtime-dir says:
 * systemd's RuntimeDirectory= sets $RUNTIME_DIRECTORY (several
 * directories separated by ':' when several are named; the first one is
 * wspushd's); else root's /run/wspushd; else the user's own
 * $XDG_RUNTIME_DIR/wspushd, as a desktop or "systemd --user" session
 * has it.
 */
static void
default_runtime_dir(struct loader *ld)
{
	const char *env = getenv("RUNTIME_DIRECTORY");
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	size_t n;

	if (ld_is_set(ld, D_RUNTIME_DIR) || ld->bad[D_RUNTIME_DIR])
		return;
	if ((env == NULL || *env == '\0') && geteuid() == 0) {
		default_value(ld, D_RUNTIME_DIR);
		return;
	}
	if ((env == NULL || *env == '\0') && xdg != NULL && xdg[0] == '/') {
		ld->cfg->runtime_dir = xasprintf("%s/wspushd", xdg);
		return;
	}
	if (env == NULL || *env == '\0') {
		/* Only running needs one; --status and --help do not. */
		if (ld->action == CLI_RUN || ld->action == CLI_CHECK_CONFIG)
			ld_fail(ld, "%s: no runtime directory for the lock files: "
				"not root, and neither RUNTIME_DIRECTORY nor "
				"XDG_RUNTIME_DIR is set; pass --runtime-dir DIR or "
				"set [daemon] runtime_dir", anywhere(ld));
		return;
	}
	n = strcspn(env, ":");
	if (env[0] != '/') {
		ld_fail(ld, "environment: RUNTIME_DIRECTORY: '%.*s' is not an "
			"absolute path", (int)n, env);
		return;
	}
	ld->cfg->runtime_dir = xstrndup(env, n);
}

static void
default_status(struct loader *ld)
{
	char where[512];

	default_value(ld, ST_KEY);
	default_value(ld, ST_CHANNEL);
	if (ld->action == CLI_STATUS && ld->cfg->status_key == NULL &&
	    !ld->bad[ST_KEY])
		ld_fail(ld, "%s: key is empty (status reporting is off), so "
			"--status has nothing to read",
			ld_origin(ld, ST_KEY, where, sizeof(where)));
}

/* This host's name, or "wspushd" when it has none. */
static void
host_name(char *host, size_t len)
{
	if (gethostname(host, len) < 0 || host[0] == '\0')
		snprintf(host, len, "wspushd");
	host[len - 1] = '\0';
}

/* The consumer group, and this daemon's name in it: the host's. */
static void
default_streams(struct loader *ld)
{
	char host[256];

	default_value(ld, RD_GROUP);
	if (ld->cfg->stream_consumer != NULL || ld_is_set(ld, RD_CONSUMER) ||
	    ld->bad[RD_CONSUMER])
		return;
	host_name(host, sizeof(host));
	ld_set_value(ld, ld->cfg, RD_CONSUMER, "the host name", host);
}

/* This process in the fleet: "host:pid", unique while it runs. */
static void
default_instance(struct loader *ld)
{
	char host[200], name[256];

	if (ld->cfg->instance != NULL || ld_is_set(ld, FL_INSTANCE) ||
	    ld->bad[FL_INSTANCE])
		return;
	host_name(host, sizeof(host));
	snprintf(name, sizeof(name), "%s:%ld", host, (long)getpid());
	ld_set_value(ld, ld->cfg, FL_INSTANCE, "the host name and pid", name);
}

/* After the flags: password_file wins over --redis too. */
static void
apply_password(struct loader *ld)
{
	struct config *cfg = ld->cfg;

	if (ld->redis_password == NULL || cfg->redis_url_text == NULL)
		return;
	wipe_free(cfg->redis.password);
	cfg->redis.password = ld->redis_password;
	ld->redis_password = NULL;
}

void
config_check(struct loader *ld)
{
	struct config *cfg = ld->cfg;

	/* --status only reads Redis: it needs no upstream and no input. */
	bool relaying = ld->action != CLI_STATUS;

	if (relaying && cfg->url_text == NULL && !ld->bad[UP_URL] &&
	    !ld->unreadable)
		ld_fail(ld, "%s: no upstream URL: set url in [upstream] or "
			"pass --url", anywhere(ld));
	if (relaying && cfg->channels.count == 0 && cfg->patterns.count == 0 &&
	    cfg->streams.count == 0 && !ld->bad[RD_CHANNEL] &&
	    !ld->bad[RD_PATTERN] && !ld->bad[RD_STREAM] && !ld->unreadable)
		ld_fail(ld, "%s: nothing to read: set channel, pattern or "
			"stream in [redis] or pass --channel, --pattern or "
			"--stream", anywhere(ld));
	check_order(ld, UP_BACKOFF_MIN, UP_BACKOFF_MAX);
	check_order(ld, RD_BACKOFF_MIN, RD_BACKOFF_MAX);
	check_sizes(ld);
	check_tls(ld);
	check_talk(ld);
	default_value(ld, RD_URL);
	check_topology(ld);
	apply_password(ld);
	default_runtime_dir(ld);
	default_status(ld);
	default_streams(ld);
	default_instance(ld);
}
