/*
 * config_internal.h - what the parts of the configuration loader share:
 * config.c (keys, defaults, the file, cross-checks, entry points),
 * config_values.c (one setter per kind of value), config_secrets.c
 * (files and secrets) and config_flags.c (the command line).  Not a
 * public interface: include/wspushd/config.h is.
 */
#ifndef WSPUSHD_CONFIG_INTERNAL_H
#define WSPUSHD_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/config.h"

#define MS(n)		((uint64_t)(n))
#define SECS(n)		((uint64_t)(n) * 1000)
#define MINS(n)		((uint64_t)(n) * 60 * 1000)
#define HOURS(n)	((uint64_t)(n) * 60 * 60 * 1000)
#define KIB(n)	((uint64_t)(n) << 10)
#define MIB(n)	((uint64_t)(n) << 20)
#define GIB(n)	((uint64_t)(n) << 30)
#define TIB(n)	((uint64_t)(n) << 40)

#define DEFAULT_REDIS_URL "redis://127.0.0.1:6379"
#define DEFAULT_DNS_PORT 53
#define DEFAULT_RUNTIME_DIR "/run/wspushd"
#define DEFAULT_STATUS_KEY "wspushd:status"
#define DEFAULT_STATUS_CHANNEL "wspushd:events"
#define SECRET_MAX KIB(16)
#define CONFIG_MAX MIB(4)	/* the -c file: real ones are a few KiB */
#define REDIS_NAME_MAX 256
#define SERVER_NAME_MAX 253
#define ERRLEN 256
#define QUOTE_MAX 64
#define CLOSE_CODES_MAX \
	(sizeof(((struct close_code_set *)0)->ranges) / \
	 sizeof(((struct close_code_set *)0)->ranges[0]))

enum kind {
	KIND_DURATION,		/* uint64_t milliseconds */
	KIND_SECONDS,		/* uint64_t milliseconds, whole seconds only */
	KIND_SIZE,		/* size_t bytes */
	KIND_COUNT,		/* size_t */
	KIND_UINT,		/* unsigned */
	KIND_WS_URL,
	KIND_REDIS_URL,
	KIND_HEADER,
	KIND_CHANNEL,
	KIND_PATTERN,
	KIND_SUBPROTOCOL,
	KIND_MESSAGE_TYPE,
	KIND_OVERFLOW,
	KIND_LOG_LEVEL,
	KIND_LIVENESS,
	KIND_CLOSE_CODES,	/* struct close_code_set, codes min..max */
	KIND_DNS_SERVERS,
	KIND_FILE,		/* char *, a readable regular file; "" = none */
	KIND_DIR,		/* char *, a readable directory; "" = none */
	KIND_SERVER_NAME,	/* char *, a DNS name; "" = none */
	KIND_BOOL,		/* bool, yes or no */
	KIND_PASSWORD_FILE,	/* the Redis password, read from a file */
	KIND_REDIS_NAME,	/* char *, a Redis key or channel; "" = off */
	KIND_LISTEN,		/* metrics_listen and what it says */
	KIND_RUNTIME_DIR,	/* char *, an absolute path */
};

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
	UP_SLOW_RETRY_CODES,
	UP_FIN_TIMEOUT,
	UP_TLS_CA_FILE,
	UP_TLS_CA_DIR,
	UP_TLS_CERT_FILE,
	UP_TLS_KEY_FILE,
	UP_TLS_SERVER_NAME,
	UP_TLS_INSECURE,
	RD_URL,
	RD_CHANNEL,
	RD_PATTERN,
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
	KEY_COUNT
};

struct key_def {
	const char *section;
	const char *name;
	const char *flag;	/* command-line spelling, NULL if none */
	enum kind kind;
	bool repeatable;
	size_t offset;		/* of the value in struct config */
	uint64_t min, max;	/* ms, bytes, count or close code */
};

#define OFF(f) offsetof(struct config, f)

struct loader {
	struct config *cfg;	/* the file's settings, then the result */
	struct config cli;	/* settings given as flags */
	struct diag *d;
	const char *path;
	int errors;
	bool in_unknown_section;
	bool unreadable;	/* the -c file could not be opened */
	unsigned line[KEY_COUNT];	/* where the file set it; 0 = not */
	bool from_cli[KEY_COUNT];
	bool bad[KEY_COUNT];		/* a value was given but rejected */
	bool bad_flag[KEY_COUNT];	/* ... and that value was a flag's */
	char *redis_password;	/* from password_file; wins over the URL's */
	enum cli_action action;
};


/* The table of every setting, in config.c. */
extern const struct key_def cfg_keys[KEY_COUNT];

/*
 * Shared by the config*.c files only.  The names are short, as they were
 * when all of this was one file; nothing else in wspushd defines them.
 */

/* Memory and strings (config.c). */
void oom(void);
char *xstrdup(const char *s);
void wipe(char *s);
bool strlist_has(const struct strlist *l, const char *s);
void strlist_move(struct strlist *dst, struct strlist *src);

/* Messages (config.c): errors are counted and kept, never fatal. */
void fail(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
const char *quote_n(char *buf, size_t buflen, const char *text, size_t n);
const char *quote(char *buf, size_t buflen, const char *text);
const char *fmt_value(char *buf, size_t buflen, const struct key_def *k,
		      uint64_t v);
void *field(struct config *cfg, const struct key_def *k);

/* Files and secrets (config_secrets.c). */
bool has_control(const char *s);
int set_path(struct loader *ld, struct config *cfg, const struct key_def *k,
	     const char *where, const char *value);
char *read_secret(struct loader *ld, const char *where, const char *spec,
		  bool header);
int set_password_file(struct loader *ld, const char *where,
		      const char *value);

/* Values (config_values.c): parse one value into cfg; -1 if rejected. */
int set_value(struct loader *ld, struct config *cfg, enum key_id id,
	      const char *where, const char *value);

/* The command line (config_flags.c). */
bool ambiguous(const char *arg);
const char *parse_flags(struct loader *ld, int argc, char **argv,
			enum cli_action *action);
void apply_flags(struct loader *ld);

#endif
