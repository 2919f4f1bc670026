/*
 * config_keys.h - the table of every key, the one place where each is
 * written down: its [section] and name, its command-line flag, the kind
 * and range of its value, its default, and what a reload must do when
 * it changes.  The file reader, the command line, the defaults of
 * config_init() and the reload planner (reload.h) all read it; adding
 * a key is adding a row (and a field to struct config).
 *
 * The table is defined in config.c.
 */
#ifndef WSPUSHD_CONFIG_KEYS_H
#define WSPUSHD_CONFIG_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/config_values.h"

struct config;

enum key_id {
	UP_URL,
	UP_HEADER,
	UP_SUBPROTOCOL,
	UP_CONNECT_TIMEOUT,
	UP_BACKOFF_MIN,
	UP_BACKOFF_MAX,
	UP_BACKOFF_RESET,
	UP_CLOSE_TIMEOUT,
	UP_MESSAGE_TYPE,
	UP_MAX_MESSAGE_SIZE,
	UP_PING_INTERVAL,
	UP_PONG_TIMEOUT,
	UP_LIVENESS,
	UP_DELIVERY,
	UP_CONFIRM_INTERVAL,
	UP_SLOW_RETRY_CODES,
	UP_FIN_TIMEOUT,
	UP_TLS_CA_FILE,
	UP_TLS_CA_DIR,
	UP_TLS_CERT_FILE,
	UP_TLS_KEY_FILE,
	UP_TLS_SERVER_NAME,
	UP_TLS_INSECURE,
	UP_ON_OPEN,
	UP_ON_OPEN_TYPE,
	UP_ON_OPEN_WAIT,
	UP_HEARTBEAT_INTERVAL,
	UP_HEARTBEAT_MESSAGE,
	RD_URL,
	RD_SENTINEL,
	RD_MASTER,
	RD_CLUSTER,
	RD_CHANNEL,
	RD_PATTERN,
	RD_STREAM,
	RD_GROUP,
	RD_CONSUMER,
	RD_START,
	RD_CLAIM_IDLE,
	RD_MAX_DELIVERIES,
	RD_DEAD_LETTER,
	RD_CONNECT_TIMEOUT,
	RD_BACKOFF_MIN,
	RD_BACKOFF_MAX,
	RD_BACKOFF_RESET,
	RD_PING_INTERVAL,
	RD_PING_TIMEOUT,
	RD_PASSWORD_FILE,
	Q_MAX_MESSAGES,
	Q_MAX_BYTES,
	Q_OVERFLOW,
	D_DRAIN_TIMEOUT,
	D_LOG_LEVEL,
	D_DNS_TIMEOUT,
	D_DNS_SERVERS,
	D_TCP_KEEPALIVE_IDLE,
	D_TCP_KEEPALIVE_INTERVAL,
	D_TCP_KEEPALIVE_PROBES,
	D_TCP_USER_TIMEOUT,
	D_RUNTIME_DIR,
	ST_KEY,
	ST_CHANNEL,
	ST_TTL,
	M_LISTEN,
	FL_LEASE_KEY,
	FL_LEASE_TTL,
	FL_INSTANCE,
	FL_FENCE_HEADER,
	IN_CHANNEL,
	IN_STREAM,
	IN_MAXLEN,
	IN_MAX_PENDING,
	IN_MAX_PENDING_BYTES,
	KEY_COUNT
};

/*
 * What SIGHUP must do when a key's value changes.  SIGHUP must never
 * cost a message or a second upstream socket, so each change takes the
 * gentlest path that applies it (see reload.h).
 */
enum reload_effect {
	RELOAD_AT_ONCE,		/* read where it is used: nothing to do */
	RELOAD_UPSTREAM,	/* shapes the upgrade or TLS: reconnect */
	RELOAD_REDIS,		/* Redis' address or credentials: reconnect */
	RELOAD_SUBSCRIPTIONS,	/* (UN)SUBSCRIBE on the live connection */
	RELOAD_STATUS,		/* the status hash and channel */
	RELOAD_METRICS,		/* the metrics listener */
	RELOAD_STREAMS,		/* what is read as a consumer group */
	RELOAD_FLEET,		/* the lease: applies at the next start */
};

struct key_def {
	const char *section;
	const char *name;
	const char *flag;	/* command-line spelling, NULL if none */
	enum value_kind kind;
	size_t offset;		/* of the value in struct config */
	/*
	 * The default, as it would be written in the file; NULL: none.
	 * config_init() sets those of values that own no memory; the
	 * others (a string, a URL) are filled in by config_load() for keys
	 * that were not given.
	 */
	const char *def;
	uint64_t min, max;	/* ms, bytes, count or close code */
	bool repeatable;
	enum reload_effect reload;
};

extern const struct key_def cfg_keys[KEY_COUNT];

/* The key [section] name, or -1. */
int config_key_find(const char *section, const char *name);
/* The section of the first key called name, or NULL: none is. */
const char *config_key_home(const char *name);
/* Whether any key lives in [name]. */
bool config_section_known(const char *name);

/* Where k's value is in cfg. */
void *config_field(struct config *cfg, const struct key_def *k);
const void *config_field_const(const struct config *cfg,
			       const struct key_def *k);

/*
 * The bytes a value of this kind takes inside struct config when it
 * owns no memory (a number, a word from a list, a set of close codes),
 * so it can be copied and compared as it is; 0 for the other kinds.
 * Inline values are what config_init() sets and config_key_set_inline()
 * parses.
 */
size_t config_kind_inline(enum value_kind kind);

/*
 * Parse value for the key id, of an inline kind, into cfg.  0, or -1
 * with what is wrong in err (no prefix) and cfg unchanged.
 */
int config_key_set_inline(struct config *cfg, enum key_id id,
			  const char *value, char *err, size_t errlen);

#endif
