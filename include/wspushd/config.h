/*
 * config.h - every setting wspushd has, and how it is loaded.
 *
 * Settings come from an INI file (-c FILE) and are then overridden by
 * command-line flags.  Loading never stops at the first problem: every
 * error is collected as "file:line: what is wrong" (or "command line:
 * --flag: what is wrong", or "environment: VARIABLE: what is wrong") so
 * an operator fixes them all in one pass.
 *
 * Every key, with its flag, range, default and what a reload does when
 * it changes, is listed once, in the table of config_keys.h; the kinds
 * of value and their parsers are in config_values.h and its siblings.
 * The types these settings are made of come with their own headers,
 * included here for every user of struct config: strlist.h, diag.h,
 * close_codes.h, config_values.h (the enums), url.h.
 */
#ifndef WSPUSHD_CONFIG_H
#define WSPUSHD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/close_codes.h"
#include "wspushd/config_values.h"
#include "wspushd/diag.h"
#include "wspushd/strlist.h"
#include "wspushd/url.h"

/* sysexits.h values, spelled out so callers need not include it. */
#define WSPUSHD_EX_OK 0
#define WSPUSHD_EX_USAGE 64
#define WSPUSHD_EX_UNAVAILABLE 69	/* [metrics] listen is taken */
#define WSPUSHD_EX_SOFTWARE 70
#define WSPUSHD_EX_CONFIG 78

struct config {
	char *path;			/* config file, NULL if none */

	/* [upstream] */
	char *url_text;			/* as written (never holds credentials) */
	struct ws_url url;
	struct strlist headers;		/* "Name: value", sent on the upgrade;
					 * "Name: @FILE" arrives here with
					 * FILE's contents as the value */
	char *subprotocol;		/* Sec-WebSocket-Protocol, NULL if none */
	uint64_t connect_timeout_ms;	/* default 3 s */
	uint64_t backoff_min_ms;	/* default 250 ms */
	uint64_t backoff_max_ms;	/* default 30 s */
	uint64_t backoff_reset_ms;	/* open this long = backoff resets; 10 s */
	uint64_t close_timeout_ms;	/* wait for the server's Close; 5 s */
	enum message_type message_type;
	size_t max_message_bytes;	/* larger messages are dropped; 1 MiB */
	uint64_t ping_interval_ms;	/* WebSocket ping period; 30 s, 0 = off */
	uint64_t pong_timeout_ms;	/* no sign of life this long = dead; 10 s */
	enum liveness liveness;		/* what counts as a sign of life */
	enum delivery delivery;		/* at least once, or at most */
	uint64_t confirm_interval_ms;	/* at most one confirming ping per */
	struct close_code_set slow_retry_codes;	/* server Close codes that mean
						 * "wait backoff_max"; default
						 * 1003, 1008, 4000-4999 */
	uint64_t fin_timeout_ms;	/* after the close handshake, wait this long
					 * for the server's FIN; 1 s */
	/* Set only with a wss:// url; the files were found readable
	 * when loading. */
	char *tls_ca_file;		/* NULL: the system CA store */
	char *tls_ca_dir;		/* NULL: none beyond the CA file */
	char *tls_cert_file;		/* client certificate (mutual TLS), or NULL */
	char *tls_key_file;		/* its private key; set iff tls_cert_file */
	char *tls_server_name;		/* SNI and certificate name; NULL: URL host */
	bool tls_insecure;		/* no verification at all; warned at every connect */

	/* [redis] */
	char *redis_url_text;		/* as written; may hold a password: redact */
	struct redis_url redis;		/* config_load defaults it to
					 * redis://127.0.0.1:6379; password_file
					 * replaces its password */
	char *sentinels;		/* NULL: none; else "host:port,host:port"
					 * (addrs.h): ask them where master is */
	char *sentinel_master;		/* the master's name; set iff sentinels */
	bool redis_cluster;		/* route keyed commands by slot, follow
					 * MOVED and ASK (redis_cmd.h) */
	struct strlist channels;	/* SUBSCRIBE */
	struct strlist patterns;	/* PSUBSCRIBE */
	struct strlist streams;		/* XREADGROUP */
	char *stream_group;		/* the consumer group; "wspushd" */
	char *stream_consumer;		/* this daemon in it; the host name */
	enum stream_start stream_start;	/* where a new group starts */
	uint64_t claim_idle_ms;		/* take over others' entries idle this long */
	unsigned max_deliveries;	/* then to the dead-letter stream */
	char *dead_letter;		/* NULL: "<stream>:dead" */
	uint64_t redis_connect_timeout_ms;	/* default 3 s */
	uint64_t redis_backoff_min_ms;		/* default 250 ms */
	uint64_t redis_backoff_max_ms;		/* default 30 s */
	uint64_t redis_backoff_reset_ms;	/* subscribed this long = backoff resets; 10 s */
	uint64_t redis_ping_interval_ms;	/* PING on a second connection; 10 s, 0 = off */
	uint64_t redis_ping_timeout_ms;		/* no PONG this long = Redis dead; 5 s */

	/* [queue] */
	size_t queue_max_messages;	/* default 100000 */
	size_t queue_max_bytes;		/* default 64 MiB */
	enum overflow_policy overflow;

	/* [daemon] */
	uint64_t drain_timeout_ms;	/* default 5 s */
	int log_level;			/* syslog priority: LOG_ERR..LOG_DEBUG; default LOG_INFO */
	uint64_t dns_timeout_ms;	/* one name resolution; 5 s */
	char *dns_servers;		/* NULL = resolv.conf; else normalised as
					 * "192.0.2.53:53,[2001:db8::53]:5353":
					 * inet_ntop spelling, port always
					 * given, IPv6 in brackets, no blanks */
	uint64_t tcp_keepalive_idle_ms;	/* 60 s; 0 = no keepalive */
	uint64_t tcp_keepalive_interval_ms;	/* 5 s */
	unsigned tcp_keepalive_probes;	/* 3 */
	uint64_t tcp_user_timeout_ms;	/* unacknowledged data limit; 30 s, 0 = off */
	char *runtime_dir;		/* lock file lives here; absolute.
					 * NULL after config_init; config_load
					 * fills in the first entry of
					 * $RUNTIME_DIRECTORY, else /run/wspushd */

	/* [status] */
	/* Names are 1..256 bytes without control characters.  NULL = off;
	 * config_load fills in the defaults, config_init does not. */
	char *status_key;		/* Redis hash; "wspushd:status" */
	char *status_channel;		/* state changes; "wspushd:events" */
	uint64_t status_ttl_ms;		/* hash TTL, refreshed at a third of it; 30 s */

	/* [metrics] */
	char *metrics_listen;		/* "127.0.0.1:9477" as written; NULL = off */
	char metrics_host[46];		/* numeric loopback address, as
					 * inet_ntop spells it, no brackets;
					 * "" when off */
	uint16_t metrics_port;		/* 1..65535; 0 when off */
	/* [fleet] */
	char *lease_key;		/* NULL: no lease, always active */
	uint64_t lease_ttl_ms;		/* default 10 s */
	char *instance;			/* this process in the fleet; config_load
					 * fills in "host:pid" */
	char *fence_header;		/* the term, sent on the upgrade; NULL: none */

	/* [upstream]: what the connection says of its own accord */
	struct strlist on_open;		/* sent first on every connection,
					 * in order (secrets already read) */
	enum message_type on_open_type;	/* their frames; default text */
	uint64_t on_open_wait_ms;	/* then hold the queue until the server's
					 * first message, or this long; 0: no */
	uint64_t heartbeat_interval_ms;	/* heartbeat_message after this long
					 * with nothing sent; 0: off */
	char *heartbeat_message;	/* a text frame; NULL: none */

	/* [inbound]: what the server says goes back into Redis */
	char *inbound_channel;		/* PUBLISHed there; NULL: not */
	char *inbound_stream;		/* or XADDed there; NULL: not */
	size_t inbound_maxlen;		/* XADD MAXLEN ~; default 100000 */
	size_t inbound_max_pending;	/* messages waiting for Redis, at most */
	size_t inbound_max_pending_bytes;	/* and their bytes */
};

/* What main() should do once the command line is parsed. */
enum cli_action {
	CLI_RUN,
	CLI_CHECK_CONFIG,	/* --check-config */
	CLI_VERSION,		/* --version */
	CLI_HELP,		/* --help */
	CLI_STATUS,		/* --status: print the daemon's status hash */
};

/*
 * All defaults (the key table's) that own no memory; NULL for strings,
 * which config_load fills in.  Nothing is owned.
 */
void config_init(struct config *cfg);
/* Free what cfg owns (wiping credentials), then config_init(cfg). */
void config_free(struct config *cfg);
/* A configuration of its own on the heap, config_init()ed; NULL if no memory. */
struct config *config_new(void);
/* config_free(), then the memory itself; NULL is fine. */
void config_destroy(struct config *cfg);

/*
 * Parse argv (flags, then the file named by -c/--config, flags winning),
 * fill cfg, validate the result.  Every problem is appended to d.
 * Returns 0 when the configuration is valid, -1 otherwise.
 * *action is set even on error (so --help works with a bad file).
 */
int config_load(int argc, char **argv, struct config *cfg,
		enum cli_action *action, struct diag *d);

/* Print the --help text to the given stream. */
void config_usage(void *stream /* FILE * */);

#endif
