/*
 * config.c - defaults, the config file, command-line flags, validation.
 *
 * Loading happens in three passes: flags are parsed into a scratch
 * config (so -c is known and flag errors come first), the file is read
 * into the real one, then the flags that were given are moved over it.
 * Every setting remembers where it came from, so a problem found only
 * when settings are compared can still point at a line of the file.
 *
 * Nothing stops at the first error.  A value that fails to parse is
 * marked bad and left out of the cross-checks, so one typo yields one
 * message instead of a cascade.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include "wspushd/config.h"
#include "wspushd/ini.h"
#include "wspushd/units.h"
#include "wspushd/url.h"

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

/*
 * Ranges are generous but catch unit slips: "connect_timeout = 3000"
 * is 50 minutes, not 3 seconds, and the 1h ceiling says so.
 */
static const struct key_def keys[KEY_COUNT] = {
	[UP_URL] = { "upstream", "url", "--url", KIND_WS_URL, false,
		     0, 0, 0 },
	[UP_HEADER] = { "upstream", "header", NULL, KIND_HEADER, true,
			OFF(headers), 0, 0 },
	[UP_SUBPROTOCOL] = { "upstream", "subprotocol", NULL,
			     KIND_SUBPROTOCOL, false, 0, 0, 0 },
	[UP_CONNECT_TIMEOUT] = { "upstream", "connect_timeout",
				 "--connect-timeout", KIND_DURATION, false,
				 OFF(connect_timeout_ms), MS(1), HOURS(1) },
	[UP_BACKOFF_MIN] = { "upstream", "backoff_min", NULL, KIND_DURATION,
			     false, OFF(backoff_min_ms), MS(1), HOURS(1) },
	[UP_BACKOFF_MAX] = { "upstream", "backoff_max", NULL, KIND_DURATION,
			     false, OFF(backoff_max_ms), MS(1), HOURS(1) },
	[UP_BACKOFF_RESET] = { "upstream", "backoff_reset", NULL,
			       KIND_DURATION, false, OFF(backoff_reset_ms),
			       0, HOURS(1) },
	[UP_CLOSE_TIMEOUT] = { "upstream", "close_timeout", NULL,
			       KIND_DURATION, false, OFF(close_timeout_ms),
			       MS(1), MINS(10) },
	[UP_MESSAGE_TYPE] = { "upstream", "message_type", NULL,
			      KIND_MESSAGE_TYPE, false, 0, 0, 0 },
	[UP_MAX_MESSAGE_SIZE] = { "upstream", "max_message_size", NULL,
				  KIND_SIZE, false, OFF(max_message_bytes),
				  1, GIB(1) },
	[UP_PING_INTERVAL] = { "upstream", "ping_interval", "--ping-interval",
			       KIND_DURATION, false, OFF(ping_interval_ms),
			       0, HOURS(1) },
	[UP_PONG_TIMEOUT] = { "upstream", "pong_timeout", "--pong-timeout",
			      KIND_DURATION, false, OFF(pong_timeout_ms),
			      MS(1), HOURS(1) },
	[UP_LIVENESS] = { "upstream", "liveness", NULL, KIND_LIVENESS, false,
			  0, 0, 0 },
	[UP_SLOW_RETRY_CODES] = { "upstream", "slow_retry_codes", NULL,
				  KIND_CLOSE_CODES, false,
				  OFF(slow_retry_codes), 1000, 4999 },
	[UP_FIN_TIMEOUT] = { "upstream", "fin_timeout", NULL, KIND_DURATION,
			     false, OFF(fin_timeout_ms), 0, MINS(1) },
	[UP_TLS_CA_FILE] = { "upstream", "tls_ca_file", NULL, KIND_FILE,
			     false, OFF(tls_ca_file), 0, 0 },
	[UP_TLS_CA_DIR] = { "upstream", "tls_ca_dir", NULL, KIND_DIR, false,
			    OFF(tls_ca_dir), 0, 0 },
	[UP_TLS_CERT_FILE] = { "upstream", "tls_cert_file", NULL, KIND_FILE,
			       false, OFF(tls_cert_file), 0, 0 },
	[UP_TLS_KEY_FILE] = { "upstream", "tls_key_file", NULL, KIND_FILE,
			      false, OFF(tls_key_file), 0, 0 },
	[UP_TLS_SERVER_NAME] = { "upstream", "tls_server_name", NULL,
				 KIND_SERVER_NAME, false,
				 OFF(tls_server_name), 0, 0 },
	[UP_TLS_INSECURE] = { "upstream", "tls_insecure", NULL, KIND_BOOL,
			      false, OFF(tls_insecure), 0, 0 },
	[RD_URL] = { "redis", "url", "--redis", KIND_REDIS_URL, false,
		     0, 0, 0 },
	[RD_CHANNEL] = { "redis", "channel", "--channel", KIND_CHANNEL, true,
			 OFF(channels), 0, 0 },
	[RD_PATTERN] = { "redis", "pattern", "--pattern", KIND_PATTERN, true,
			 OFF(patterns), 0, 0 },
	[RD_CONNECT_TIMEOUT] = { "redis", "connect_timeout", NULL,
				 KIND_DURATION, false,
				 OFF(redis_connect_timeout_ms), MS(1),
				 HOURS(1) },
	[RD_BACKOFF_MIN] = { "redis", "backoff_min", NULL, KIND_DURATION,
			     false, OFF(redis_backoff_min_ms), MS(1),
			     HOURS(1) },
	[RD_BACKOFF_MAX] = { "redis", "backoff_max", NULL, KIND_DURATION,
			     false, OFF(redis_backoff_max_ms), MS(1),
			     HOURS(1) },
	[RD_PING_INTERVAL] = { "redis", "ping_interval", NULL, KIND_DURATION,
			       false, OFF(redis_ping_interval_ms), 0,
			       HOURS(1) },
	[RD_PING_TIMEOUT] = { "redis", "ping_timeout", NULL, KIND_DURATION,
			      false, OFF(redis_ping_timeout_ms), MS(1),
			      HOURS(1) },
	[RD_PASSWORD_FILE] = { "redis", "password_file", NULL,
			       KIND_PASSWORD_FILE, false, 0, 0, 0 },
	[Q_MAX_MESSAGES] = { "queue", "max_messages", NULL, KIND_COUNT,
			     false, OFF(queue_max_messages), 1, 100000000 },
	[Q_MAX_BYTES] = { "queue", "max_bytes", NULL, KIND_SIZE, false,
			  OFF(queue_max_bytes), 1, TIB(1) },
	[Q_OVERFLOW] = { "queue", "overflow", NULL, KIND_OVERFLOW, false,
			 0, 0, 0 },
	[D_DRAIN_TIMEOUT] = { "daemon", "drain_timeout", "--drain-timeout",
			      KIND_DURATION, false, OFF(drain_timeout_ms), 0,
			      HOURS(1) },
	[D_LOG_LEVEL] = { "daemon", "log_level", "--log-level",
			  KIND_LOG_LEVEL, false, 0, 0, 0 },
	[D_DNS_TIMEOUT] = { "daemon", "dns_timeout", NULL, KIND_DURATION,
			    false, OFF(dns_timeout_ms), MS(1), HOURS(1) },
	[D_DNS_SERVERS] = { "daemon", "dns_servers", NULL, KIND_DNS_SERVERS,
			    false, 0, 0, 0 },
	/* The kernel takes keepalive times in seconds: 0 here is "off". */
	[D_TCP_KEEPALIVE_IDLE] = { "daemon", "tcp_keepalive_idle", NULL,
				   KIND_SECONDS, false,
				   OFF(tcp_keepalive_idle_ms), 0, HOURS(2) },
	[D_TCP_KEEPALIVE_INTERVAL] = { "daemon", "tcp_keepalive_interval",
				       NULL, KIND_SECONDS, false,
				       OFF(tcp_keepalive_interval_ms),
				       SECS(1), HOURS(1) },
	[D_TCP_KEEPALIVE_PROBES] = { "daemon", "tcp_keepalive_probes", NULL,
				     KIND_UINT, false,
				     OFF(tcp_keepalive_probes), 1, 100 },
	[D_TCP_USER_TIMEOUT] = { "daemon", "tcp_user_timeout", NULL,
				 KIND_DURATION, false,
				 OFF(tcp_user_timeout_ms), 0, HOURS(1) },
	[D_RUNTIME_DIR] = { "daemon", "runtime_dir", NULL, KIND_RUNTIME_DIR,
			    false, OFF(runtime_dir), 0, 0 },
	[ST_KEY] = { "status", "key", NULL, KIND_REDIS_NAME, false,
		     OFF(status_key), 0, 0 },
	[ST_CHANNEL] = { "status", "channel", NULL, KIND_REDIS_NAME, false,
			 OFF(status_channel), 0, 0 },
	/* Refreshed at a third of it: under 1s that is a busy loop. */
	[ST_TTL] = { "status", "ttl", NULL, KIND_DURATION, false,
		     OFF(status_ttl_ms), SECS(1), HOURS(1) },
	[M_LISTEN] = { "metrics", "listen", NULL, KIND_LISTEN, false, 0, 0,
		       0 },
};

static const char *const sections[] = { "upstream", "redis", "queue",
					"daemon", "status", "metrics" };

struct enum_name {
	const char *name;
	int value;
};

static const struct enum_name message_types[] = {
	{ "auto", MESSAGE_AUTO },
	{ "text", MESSAGE_TEXT },
	{ "binary", MESSAGE_BINARY },
	{ NULL, 0 },
};

static const struct enum_name overflows[] = {
	{ "drop-oldest", OVERFLOW_DROP_OLDEST },
	{ "drop-newest", OVERFLOW_DROP_NEWEST },
	{ NULL, 0 },
};

static const struct enum_name livenesses[] = {
	{ "pong", LIVENESS_PONG },
	{ "any", LIVENESS_ANY },
	{ NULL, 0 },
};

static const struct enum_name booleans[] = {
	{ "yes", 1 },
	{ "no", 0 },
	{ NULL, 0 },
};

static const struct enum_name log_levels[] = {
	{ "error", LOG_ERR },
	{ "warn", LOG_WARNING },
	{ "info", LOG_INFO },
	{ "debug", LOG_DEBUG },
	{ NULL, 0 },
};

/*
 * Headers libwebsockets writes itself during the upgrade; a second copy
 * would make the handshake invalid or ambiguous.
 */
static const char *const reserved_headers[] = {
	"Host", "Upgrade", "Connection", "Sec-WebSocket-Key",
	"Sec-WebSocket-Version", "Sec-WebSocket-Extensions",
	"Sec-WebSocket-Accept", "Content-Length", "Transfer-Encoding",
	NULL,
};

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

static void
oom(void)
{
	fputs("wspushd: out of memory\n", stderr);
	abort();
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		oom();
	return p;
}

/* ---- diag and strlist ---------------------------------------------- */

static void __attribute__((format(printf, 2, 0)))
diag_vadd(struct diag *d, const char *fmt, va_list ap)
{
	char **lines, *line;

	if (d == NULL)
		return;
	if (vasprintf(&line, fmt, ap) < 0)
		oom();
	lines = realloc(d->lines, (d->count + 1) * sizeof(*lines));
	if (lines == NULL)
		oom();
	lines[d->count++] = line;
	d->lines = lines;
}

void
diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, fmt, ap);
	va_end(ap);
}

void
diag_free(struct diag *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->count; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->count = 0;
}

void
strlist_add(struct strlist *l, const char *s)
{
	char **items;

	items = realloc(l->items, (l->count + 1) * sizeof(*items));
	if (items == NULL)
		oom();
	items[l->count++] = xstrdup(s);
	l->items = items;
}

void
strlist_free(struct strlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

static bool
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

/* Hand src's items over to dst, dropping dst's. */
static void
strlist_move(struct strlist *dst, struct strlist *src)
{
	strlist_free(dst);
	*dst = *src;
	src->items = NULL;
	src->count = 0;
}

/* ---- defaults ------------------------------------------------------ */

/*
 * 1003 (unsupported data) and 1008 (policy violation) are refusals of
 * what wspushd sends; 4000-4999 is the application's own range, where
 * servers put "unauthorized", "banned" and the like.  Retrying those at
 * once only hammers the server with the same request.
 */
static const struct close_code_set default_slow_retry_codes = {
	.ranges = { { 1003, 1003 }, { 1008, 1008 }, { 4000, 4999 } },
	.count = 3,
};

static void
wipe(char *s)
{
	if (s != NULL)
		explicit_bzero(s, strlen(s));
}

void
config_init(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->connect_timeout_ms = SECS(3);
	cfg->backoff_min_ms = MS(250);
	cfg->backoff_max_ms = SECS(30);
	cfg->backoff_reset_ms = SECS(10);
	cfg->close_timeout_ms = SECS(5);
	cfg->message_type = MESSAGE_AUTO;
	cfg->max_message_bytes = MIB(1);
	cfg->ping_interval_ms = SECS(30);
	cfg->pong_timeout_ms = SECS(10);
	cfg->liveness = LIVENESS_PONG;
	cfg->slow_retry_codes = default_slow_retry_codes;
	cfg->fin_timeout_ms = SECS(1);
	cfg->redis_connect_timeout_ms = SECS(3);
	cfg->redis_backoff_min_ms = MS(250);
	cfg->redis_backoff_max_ms = SECS(30);
	cfg->redis_ping_interval_ms = SECS(10);
	cfg->redis_ping_timeout_ms = SECS(5);
	cfg->queue_max_messages = 100000;
	cfg->queue_max_bytes = MIB(64);
	cfg->overflow = OVERFLOW_DROP_OLDEST;
	cfg->drain_timeout_ms = SECS(5);
	cfg->log_level = LOG_INFO;
	cfg->dns_timeout_ms = SECS(5);
	cfg->dns_servers = NULL;	/* /etc/resolv.conf */
	cfg->tcp_keepalive_idle_ms = SECS(60);
	cfg->tcp_keepalive_interval_ms = SECS(5);
	cfg->tcp_keepalive_probes = 3;
	cfg->tcp_user_timeout_ms = SECS(30);
	/* config_load fills in runtime_dir and the status names. */
	cfg->status_ttl_ms = SECS(30);
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
	wipe(cfg->redis_url_text);
	free(cfg->redis_url_text);
	redis_url_free(&cfg->redis);
	strlist_free(&cfg->channels);
	strlist_free(&cfg->patterns);
	free(cfg->dns_servers);
	free(cfg->tls_ca_file);
	free(cfg->tls_ca_dir);
	free(cfg->tls_cert_file);
	free(cfg->tls_key_file);
	free(cfg->tls_server_name);
	free(cfg->runtime_dir);
	free(cfg->status_key);
	free(cfg->status_channel);
	free(cfg->metrics_listen);
	config_init(cfg);
}

bool
close_code_set_has(const struct close_code_set *s, unsigned code)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < s->count && i < CLOSE_CODES_MAX; i++)
		if (code >= s->ranges[i].lo && code <= s->ranges[i].hi)
			return true;
	return false;
}

/* ---- messages ------------------------------------------------------ */

static void __attribute__((format(printf, 2, 3)))
fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	ld->errors++;
	va_start(ap, fmt);
	diag_vadd(ld->d, fmt, ap);
	va_end(ap);
}

/* The first n bytes of text, quoted and cut short if long. */
static const char *
quote_n(char *buf, size_t buflen, const char *text, size_t n)
{
	if (n > QUOTE_MAX)
		snprintf(buf, buflen, "'%.*s...'", QUOTE_MAX, text);
	else
		snprintf(buf, buflen, "'%.*s'", (int)n, text);
	return buf;
}

static const char *
quote(char *buf, size_t buflen, const char *text)
{
	return quote_n(buf, buflen, text, strlen(text));
}

/* The shortest exact spelling: 90000 -> "90s", 1500 -> "1500ms". */
static const char *
fmt_duration(char *buf, size_t buflen, uint64_t ms)
{
	unsigned long long v = ms;

	if (v != 0 && v % HOURS(1) == 0)
		snprintf(buf, buflen, "%lluh", v / HOURS(1));
	else if (v != 0 && v % MINS(1) == 0)
		snprintf(buf, buflen, "%llum", v / MINS(1));
	else if (v % SECS(1) == 0)
		snprintf(buf, buflen, "%llus", v / SECS(1));
	else
		snprintf(buf, buflen, "%llums", v);
	return buf;
}

static const char *
fmt_size(char *buf, size_t buflen, uint64_t bytes)
{
	unsigned long long v = bytes;

	if (v != 0 && v % TIB(1) == 0)
		snprintf(buf, buflen, "%lluTiB", v / TIB(1));
	else if (v != 0 && v % GIB(1) == 0)
		snprintf(buf, buflen, "%lluGiB", v / GIB(1));
	else if (v != 0 && v % MIB(1) == 0)
		snprintf(buf, buflen, "%lluMiB", v / MIB(1));
	else if (v != 0 && v % KIB(1) == 0)
		snprintf(buf, buflen, "%lluKiB", v / KIB(1));
	else
		snprintf(buf, buflen, "%llu", v);
	return buf;
}

static const char *
fmt_value(char *buf, size_t buflen, const struct key_def *k, uint64_t v)
{
	if (k->kind == KIND_DURATION || k->kind == KIND_SECONDS)
		return fmt_duration(buf, buflen, v);
	if (k->kind == KIND_SIZE)
		return fmt_size(buf, buflen, v);
	snprintf(buf, buflen, "%llu", (unsigned long long)v);
	return buf;
}

/*
 * Where a setting came from, as a message prefix: "file:12" or
 * "command line: --url".  Settings still at their defaults have no
 * place of their own; the file as a whole (or the command line, when
 * there is no file) stands in.
 */
static const char *
origin(const struct loader *ld, enum key_id id, char *buf, size_t buflen)
{
	if (ld->from_cli[id] && keys[id].flag != NULL)
		snprintf(buf, buflen, "command line: %s", keys[id].flag);
	else if (ld->line[id] != 0)
		snprintf(buf, buflen, "%s:%u", ld->path, ld->line[id]);
	else if (ld->path != NULL)
		snprintf(buf, buflen, "%s", ld->path);
	else
		snprintf(buf, buflen, "command line");
	return buf;
}

static bool
is_set(const struct loader *ld, enum key_id id)
{
	return ld->line[id] != 0 || ld->from_cli[id];
}

static void *
field(struct config *cfg, const struct key_def *k)
{
	return (char *)cfg + k->offset;
}

/* ---- files and secrets --------------------------------------------- */

static bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * What stat says a path is, for "'/etc/x' is a directory, not a file".
 * Devices, FIFOs and sockets are refused before they are opened:
 * opening one can block, or do something.
 */
static const char *
file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "something else";
}

/*
 * A file or directory that is needed later, when connecting: checked
 * now, so a typo shows at start (and under --check-config) instead of
 * at every reconnect.  Only stat and open; what is in it is the TLS
 * library's to judge.  Returns an open descriptor or -1 having said
 * why.
 */
static int
open_checked(struct loader *ld, const char *where, const char *path,
	     bool dir)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		fail(ld, "%s: cannot read '%s': %s", where, path,
		     strerror(errno));
		return -1;
	}
	if (dir && !S_ISDIR(st.st_mode)) {
		fail(ld, "%s: '%s' is not a directory", where, path);
		return -1;
	}
	if (!dir && !S_ISREG(st.st_mode)) {
		fail(ld, "%s: '%s' is %s, not a file", where, path,
		     file_type(st.st_mode));
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		  (dir ? O_DIRECTORY : 0));
	/* Certificates are looked up by name in a CA directory. */
	if (fd >= 0 && dir && access(path, X_OK) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		fail(ld, "%s: cannot read '%s': %s", where, path,
		     strerror(errno));
		return -1;
	}
	/* Swapped for something else since the stat: say so too. */
	if (fstat(fd, &st) < 0 || (dir ? !S_ISDIR(st.st_mode) :
				    !S_ISREG(st.st_mode))) {
		close(fd);
		fail(ld, "%s: '%s' changed while it was being read", where,
		     path);
		return -1;
	}
	return fd;
}

/* tls_ca_file, tls_ca_dir, tls_cert_file, tls_key_file. */
static int
set_path(struct loader *ld, struct config *cfg, const struct key_def *k,
	 const char *where, const char *value)
{
	char **dst = field(cfg, k);
	int fd;

	if (*value != '\0') {
		if (has_control(value)) {
			fail(ld, "%s: file name contains control characters",
			     where);
			return -1;
		}
		fd = open_checked(ld, where, value, k->kind == KIND_DIR);
		if (fd < 0)
			return -1;
		close(fd);
	}
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * A credential kept out of the config file.  spec is a path when it
 * holds a '/', else the name of a file in $CREDENTIALS_DIRECTORY,
 * where systemd puts what LoadCredential= names.  The whole file is
 * the value, less one line end at the very end; it must hold no other
 * line break and no NUL.  A header value also loses the blanks around
 * it (they are not part of it in HTTP) and may not hold other control
 * characters than tab.  Messages name the file, never what is in it.
 * Returns the value (for the caller to wipe and free) or NULL having
 * said why.
 */
static char *
read_secret(struct loader *ld, const char *where, const char *spec,
	    bool header)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *path = NULL, *buf = NULL, *value = NULL;
	size_t len = 0, start = 0;
	ssize_t n;
	int fd;

	if (*spec == '\0') {
		fail(ld, "%s: empty file name", where);
		return NULL;
	}
	if (has_control(spec)) {
		fail(ld, "%s: file name contains control characters", where);
		return NULL;
	}
	if (strchr(spec, '/') != NULL) {
		path = xstrdup(spec);
	} else if (dir == NULL || *dir == '\0') {
		fail(ld, "%s: CREDENTIALS_DIRECTORY is not set, so credential "
		     "'%s' cannot be found (load it with LoadCredential=, or "
		     "give a path containing '/')", where, spec);
		return NULL;
	} else {
		size_t dlen = strlen(dir);

		while (dlen > 1 && dir[dlen - 1] == '/')
			dlen--;
		if (asprintf(&path, "%.*s/%s", (int)dlen, dir, spec) < 0)
			oom();
	}
	fd = open_checked(ld, where, path, false);
	if (fd < 0)
		goto out;
	/* One byte more than allowed, to tell "too large" from "full". */
	buf = malloc(SECRET_MAX + 2);
	if (buf == NULL)
		oom();
	while (len <= SECRET_MAX) {
		n = read(fd, buf + len, SECRET_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(ld, "%s: cannot read '%s': %s", where, path,
			     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECRET_MAX) {
		fail(ld, "%s: '%s' is larger than 16KiB", where, path);
		goto out;
	}
	/* "\n" or "\r\n", as editors leave it. */
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		fail(ld, "%s: '%s' contains a NUL byte", where, path);
		goto out;
	}
	if (strpbrk(buf, "\r\n") != NULL) {
		fail(ld, "%s: '%s' contains a line break (only one, at the "
		     "end, is allowed)", where, path);
		goto out;
	}
	if (header) {
		start = strspn(buf, " \t");
		while (len > start && (buf[len - 1] == ' ' ||
				       buf[len - 1] == '\t'))
			len--;
	}
	if (len == start) {
		fail(ld, "%s: '%s' is empty", where, path);
		goto out;
	}
	for (size_t i = start; header && i < len; i++) {
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f) {
			fail(ld, "%s: '%s' contains control characters", where,
			     path);
			goto out;
		}
	}
	value = strndup(buf + start, len - start);
	if (value == NULL)
		oom();
out:
	if (buf != NULL) {
		explicit_bzero(buf, SECRET_MAX + 2);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return value;
}

/* [redis] password_file: AUTH with this instead of the URL's password. */
static int
set_password_file(struct loader *ld, const char *where, const char *value)
{
	char *pw = NULL;

	if (*value != '\0') {
		pw = read_secret(ld, where, value, false);
		if (pw == NULL)
			return -1;
	}
	wipe(ld->redis_password);
	free(ld->redis_password);
	ld->redis_password = pw;
	return 0;
}

/* ---- values -------------------------------------------------------- */

static int
set_number(struct loader *ld, struct config *cfg, const struct key_def *k,
	   const char *where, const char *value)
{
	char err[ERRLEN], lo[32], hi[32], q[QUOTE_MAX + 8];
	uint64_t v;
	size_t sz;
	int rc;

	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
		rc = parse_duration_ms(value, &v, err, sizeof(err));
		break;
	case KIND_SIZE:
		rc = parse_size(value, &sz, err, sizeof(err));
		v = sz;
		break;
	default:
		/* Says "out of range (expected MIN..MAX)" by itself. */
		rc = parse_uint(value, k->min, k->max, &v, err, sizeof(err));
		break;
	}
	if (rc < 0) {
		fail(ld, "%s: %s", where, err);
		return -1;
	}
	if (k->kind == KIND_SECONDS && v % SECS(1) != 0) {
		fail(ld, "%s: duration %s is not a whole number of seconds "
		     "(the kernel takes this setting in seconds)", where,
		     quote(q, sizeof(q), value));
		return -1;
	}
	if (v < k->min || v > k->max) {
		fail(ld, "%s: %s %s is out of range (expected %s..%s)", where,
		     k->kind == KIND_SIZE ? "size" : "duration",
		     quote(q, sizeof(q), value),
		     fmt_value(lo, sizeof(lo), k, k->min),
		     fmt_value(hi, sizeof(hi), k, k->max));
		return -1;
	}
	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
		*(uint64_t *)field(cfg, k) = v;
		break;
	case KIND_UINT:
		*(unsigned *)field(cfg, k) = (unsigned)v;
		break;
	default:
		*(size_t *)field(cfg, k) = (size_t)v;
		break;
	}
	return 0;
}

static int
set_enum(struct loader *ld, const char *where, const struct enum_name *names,
	 const char *value, int *out)
{
	char expect[128] = "", q[QUOTE_MAX + 8];
	size_t n = 0;

	for (const struct enum_name *e = names; e->name != NULL; e++) {
		if (strcmp(e->name, value) == 0) {
			*out = e->value;
			return 0;
		}
	}
	for (const struct enum_name *e = names; e->name != NULL; e++) {
		n += (size_t)snprintf(expect + n, sizeof(expect) - n, "%s%s",
				      e == names ? "" :
				      e[1].name == NULL ? " or " : ", ",
				      e->name);
		if (n >= sizeof(expect))
			break;
	}
	fail(ld, "%s: invalid value %s (expected %s)", where,
	     quote(q, sizeof(q), value), expect);
	return -1;
}

/* RFC 7230 tchar: the characters allowed in a header name. */
static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~",
						      c) != NULL);
}

static bool
is_token(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return n > 0;
}

/*
 * "Name: value", stored back as "Name: value" with exactly one space so
 * the connection code can split it without re-validating.  The value
 * is never echoed: it is usually a credential.  "Name: @FILE" takes the
 * value from FILE (see read_secret), so the credential need not be in
 * the config file at all.
 */
static int
set_header(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	const char *colon = strchr(value, ':'), *v;
	char name[QUOTE_MAX + 1], prefix[1024], *line, *secret = NULL;
	size_t nlen;

	if (colon == NULL) {
		fail(ld, "%s: header without ':' (expected 'Name: value')",
		     where);
		return -1;
	}
	nlen = (size_t)(colon - value);
	snprintf(name, sizeof(name), "%.*s", (int)nlen, value);
	if (nlen == 0) {
		fail(ld, "%s: header has no name (expected 'Name: value')",
		     where);
		return -1;
	}
	if (!is_token(value, nlen)) {
		fail(ld, "%s: invalid header name '%s' (letters, digits and "
		     "!#$%%&'*+-.^_`|~ only, no spaces before ':')", where,
		     name);
		return -1;
	}
	for (const char *const *r = reserved_headers; *r != NULL; r++) {
		if (strlen(*r) == nlen && strncasecmp(*r, value, nlen) == 0) {
			fail(ld, "%s: header '%s' is set by wspushd itself",
			     where, name);
			return -1;
		}
	}
	if (nlen == strlen("Sec-WebSocket-Protocol") &&
	    strncasecmp(value, "Sec-WebSocket-Protocol", nlen) == 0) {
		fail(ld, "%s: header '%s' is set by wspushd itself (use "
		     "subprotocol = ... instead)", where, name);
		return -1;
	}
	v = colon + 1;
	while (*v == ' ' || *v == '\t')
		v++;
	if (*v == '\0') {
		fail(ld, "%s: header '%s' has an empty value", where, name);
		return -1;
	}
	/* "@FILE": the value is read from FILE; "@@..." is "@..." itself. */
	if (v[0] == '@' && v[1] == '@') {
		v++;
	} else if (v[0] == '@') {
		snprintf(prefix, sizeof(prefix), "%s: header '%s'", where,
			 name);
		secret = read_secret(ld, prefix, v + 1, true);
		if (secret == NULL)
			return -1;
		v = secret;
	}
	for (const char *p = v; *p != '\0'; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			fail(ld, "%s: header '%s': value contains control "
			     "characters", where, name);
			return -1;
		}
	}
	if (asprintf(&line, "%.*s: %s", (int)nlen, value, v) < 0)
		oom();
	strlist_add(&cfg->headers, line);
	wipe(line);
	free(line);
	wipe(secret);
	free(secret);
	return 0;
}

/*
 * Sec-WebSocket-Protocol: one or more comma-separated tokens.  Stored
 * as "a, b": libwebsockets matches the server's choice against this
 * list skipping only spaces after each comma, so "a ,b" would never
 * match "a".
 */
static int
set_subprotocol(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	const char *p = value;
	char q[QUOTE_MAX + 8], *list = NULL;
	size_t len = 0;
	FILE *fp;

	fp = open_memstream(&list, &len);
	if (fp == NULL)
		oom();
	for (;;) {
		size_t n;

		while (*p == ' ' || *p == '\t')
			p++;
		n = strcspn(p, ", \t");
		if (!is_token(p, n))
			goto bad;
		fprintf(fp, "%s%.*s", len > 0 ? ", " : "", (int)n, p);
		fflush(fp);
		p += n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (*p++ != ',')
			goto bad;
	}
	if (fclose(fp) != 0)
		oom();
	free(cfg->subprotocol);
	cfg->subprotocol = list;
	return 0;

bad:
	fclose(fp);
	free(list);
	fail(ld, "%s: invalid subprotocol %s (expected a token such as "
	     "'chat.v1', or several separated by commas)", where,
	     quote(q, sizeof(q), value));
	return -1;
}

static int
set_name(struct loader *ld, struct config *cfg, const struct key_def *k,
	 const char *where, const char *value)
{
	struct strlist *l = field(cfg, k);
	const char *what = k->kind == KIND_CHANNEL ? "channel" : "pattern";
	char q[QUOTE_MAX + 8];

	if (*value == '\0') {
		fail(ld, "%s: empty %s name", where, what);
		return -1;
	}
	/*
	 * Subscribing twice gets two confirmations for one subscription,
	 * which would throw off anyone counting them; it is also never
	 * what was meant.
	 */
	if (strlist_has(l, value)) {
		fail(ld, "%s: %s %s is listed more than once", where, what,
		     quote(q, sizeof(q), value));
		return -1;
	}
	strlist_add(l, value);
	return 0;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

static const char *
skip_blanks_until(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* Length of the next comma-separated item at p, trailing blanks cut. */
static size_t
item_len(const char *p)
{
	size_t n = strcspn(p, ",");

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * Digits of a close code.  Past six digits nothing more is added, so
 * a long run reads as "out of range" instead of wrapping around.
 * Returns the number of digits.
 */
static size_t
scan_code(const char *p, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9') {
		if (v < 100000)
			v = v * 10 + (unsigned)(p[n] - '0');
		n++;
	}
	*out = v;
	return n;
}

static const char *
fmt_code_range(char *buf, size_t buflen, unsigned lo, unsigned hi)
{
	if (lo == hi)
		snprintf(buf, buflen, "'%u'", lo);
	else
		snprintf(buf, buflen, "'%u-%u'", lo, hi);
	return buf;
}

/*
 * One item of a close code list: "1008" or "4000-4999", blanks allowed
 * around the '-'.  Returns 0, or -1 having said what is wrong.
 */
static int
parse_code_item(struct loader *ld, const struct key_def *k, const char *where,
		const char *item, size_t len, unsigned *lo, unsigned *hi)
{
	const char *p = item, *end = item + len, *bad = NULL;
	char q[QUOTE_MAX + 8];
	size_t nlo, nhi = 0;
	const char *lo_text, *hi_text = NULL;

	/*
	 * A digit run cannot go on past end: the item is followed by a
	 * blank, ',' or the end of the value, never by a digit.
	 */
	lo_text = p;
	nlo = scan_code(p, lo);
	p = skip_blanks_until(p + nlo, end);
	*hi = *lo;
	if (nlo > 0 && p < end && *p == '-') {
		p = skip_blanks_until(p + 1, end);
		hi_text = p;
		nhi = scan_code(p, hi);
		p = skip_blanks_until(p + nhi, end);
	}
	if (nlo == 0 || (hi_text != NULL && nhi == 0) || p != end) {
		fail(ld, "%s: invalid close code %s (expected a code such as "
		     "1008 or a range such as 4000-4999)", where,
		     quote_n(q, sizeof(q), item, len));
		return -1;
	}
	if (*lo < k->min || *lo > k->max)
		bad = lo_text;
	else if (hi_text != NULL && (*hi < k->min || *hi > k->max))
		bad = hi_text;
	if (bad != NULL) {
		fail(ld, "%s: close code %s is out of range (expected "
		     "%llu..%llu)", where,
		     quote_n(q, sizeof(q), bad, bad == lo_text ? nlo : nhi),
		     (unsigned long long)k->min, (unsigned long long)k->max);
		return -1;
	}
	if (*lo > *hi) {
		fail(ld, "%s: range %s is backwards (expected %u-%u)", where,
		     quote_n(q, sizeof(q), item, len), *hi, *lo);
		return -1;
	}
	return 0;
}

/*
 * "1003, 1008, 4000-4999": codes and inclusive ranges, separated by
 * commas; an empty value is the empty set.  Overlaps are refused like
 * a channel listed twice: harmless, but never what was meant.
 */
static int
set_close_codes(struct loader *ld, struct config *cfg,
		const struct key_def *k, const char *where, const char *value)
{
	struct close_code_set set;
	const char *p = skip_blanks(value);
	char q[QUOTE_MAX + 8], r[32];

	memset(&set, 0, sizeof(set));
	if (*p == '\0')
		goto done;
	for (;;) {
		size_t len = item_len(p);
		unsigned lo, hi;

		/* ",1003", "1003,,1008" and "1003," */
		if (len == 0) {
			fail(ld, "%s: empty item in %s (expected codes or "
			     "ranges separated by commas)", where,
			     quote(q, sizeof(q), value));
			return -1;
		}
		if (parse_code_item(ld, k, where, p, len, &lo, &hi) < 0)
			return -1;
		for (size_t i = 0; i < set.count; i++) {
			if (lo <= set.ranges[i].hi && hi >= set.ranges[i].lo) {
				fail(ld, "%s: %s overlaps %s (list each code "
				     "once)", where,
				     quote_n(q, sizeof(q), p, len),
				     fmt_code_range(r, sizeof(r),
						    set.ranges[i].lo,
						    set.ranges[i].hi));
				return -1;
			}
		}
		if (set.count == CLOSE_CODES_MAX) {
			fail(ld, "%s: more than %zu items (join neighbouring "
			     "codes into ranges such as 4000-4099)", where,
			     CLOSE_CODES_MAX);
			return -1;
		}
		set.ranges[set.count].lo = (uint16_t)lo;
		set.ranges[set.count].hi = (uint16_t)hi;
		set.count++;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p = skip_blanks(p + 1);
	}
done:
	*(struct close_code_set *)field(cfg, k) = set;
	return 0;
}

/*
 * One name server, "192.0.2.53", "192.0.2.53:5353", "[2001:db8::53]"
 * or "[2001:db8::53]:5353", written to out as inet_ntop spells the
 * address, with the port always given.  A bare IPv6 address is
 * refused: in "2001:db8::53:53" nobody can tell where a port begins.
 */
static int
parse_name_server(const char *s, size_t len, char *out, size_t outlen,
		  char *err, size_t errlen)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char host[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	char q[QUOTE_MAX + 8], qp[QUOTE_MAX + 8];
	const char *h = s, *colon = NULL, *port = NULL, *end = s + len;
	size_t hlen = len;
	unsigned long pv = DEFAULT_DNS_PORT;
	bool v6 = false;

	quote_n(q, sizeof(q), s, len);
	if (*s == '[') {
		const char *close = memchr(s, ']', len);

		if (close == NULL)
			goto bad_address;
		v6 = true;
		h = s + 1;
		hlen = (size_t)(close - h);
		if (close + 1 < end) {
			if (close[1] != ':')
				goto bad_address;
			port = close + 2;
		}
	} else {
		colon = memchr(s, ':', len);
		if (colon != NULL &&
		    memchr(colon + 1, ':', (size_t)(end - colon - 1)) != NULL) {
			if (len < sizeof(host)) {
				memcpy(host, s, len);
				host[len] = '\0';
				if (inet_pton(AF_INET6, host, addr) == 1) {
					snprintf(err, errlen, "IPv6 address %s "
						 "must be in brackets: "
						 "'[%s]' or '[%s]:53'", q,
						 host, host);
					return -1;
				}
			}
			goto bad_address;
		}
		if (colon != NULL) {
			hlen = (size_t)(colon - s);
			port = colon + 1;
		}
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto bad_address;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, addr) != 1)
		goto bad_address;
	if (port != NULL) {
		size_t plen = (size_t)(end - port);

		pv = 0;
		for (size_t i = 0; i < plen && pv <= 65535; i++) {
			if (port[i] < '0' || port[i] > '9') {
				pv = 0;
				break;
			}
			pv = pv * 10 + (unsigned long)(port[i] - '0');
		}
		if (pv < 1 || pv > 65535) {
			snprintf(err, errlen, "invalid port %s in %s "
				 "(expected 1-65535)",
				 quote_n(qp, sizeof(qp), port, plen), q);
			return -1;
		}
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, addr, canon,
		      sizeof(canon)) == NULL)
		goto bad_address;
	snprintf(out, outlen, v6 ? "[%s]:%lu" : "%s:%lu", canon, pv);
	return 0;

bad_address:
	snprintf(err, errlen, "invalid name server %s (expected an IP "
		 "address such as 192.0.2.53 or [2001:db8::53], optionally "
		 "with :PORT)", q);
	return -1;
}

/*
 * Name servers by address, comma-separated; empty means "use
 * /etc/resolv.conf".  Stored normalised ("192.0.2.53:53,[::1]:5353":
 * no blanks, every port given) so the resolver can split it without
 * validating it again.
 */
static int
set_dns_servers(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	struct strlist servers = { 0 };
	const char *p = skip_blanks(value);
	char err[ERRLEN], one[INET6_ADDRSTRLEN + 16], q[QUOTE_MAX + 8];
	char *list = NULL;
	size_t total = 0;

	if (*p == '\0')
		goto done;
	for (;;) {
		size_t len = item_len(p);

		if (len == 0) {
			fail(ld, "%s: empty item in %s (expected addresses "
			     "separated by commas)", where,
			     quote(q, sizeof(q), value));
			goto bad;
		}
		if (parse_name_server(p, len, one, sizeof(one), err,
				      sizeof(err)) < 0) {
			fail(ld, "%s: %s", where, err);
			goto bad;
		}
		if (strlist_has(&servers, one)) {
			fail(ld, "%s: name server %s is listed more than once",
			     where, quote(q, sizeof(q), one));
			goto bad;
		}
		strlist_add(&servers, one);
		total += strlen(one) + 1;
		p += strcspn(p, ",");
		if (*p == '\0')
			break;
		p = skip_blanks(p + 1);
	}
	list = malloc(total);
	if (list == NULL)
		oom();
	list[0] = '\0';
	for (size_t i = 0; i < servers.count; i++) {
		if (i > 0)
			strcat(list, ",");
		strcat(list, servers.items[i]);
	}
done:
	strlist_free(&servers);
	free(cfg->dns_servers);
	cfg->dns_servers = list;
	return 0;

bad:
	strlist_free(&servers);
	return -1;
}

/*
 * tls_server_name: a DNS name as a certificate holds it, dot-separated
 * labels of letters, digits and '-' (1..63 bytes, no '-' at either
 * end), 253 bytes in all.  An IPv4 address passes as such a name; an
 * IPv6 one cannot be sent as SNI.
 */
static bool
is_dns_name(const char *s)
{
	size_t len = strlen(s);

	if (len == 0 || len > SERVER_NAME_MAX)
		return false;
	for (;;) {
		size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz"
				  "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-");

		if (n == 0 || n > 63 || s[0] == '-' || s[n - 1] == '-')
			return false;
		s += n;
		if (*s == '\0')
			return true;
		if (*s++ != '.')
			return false;
	}
}

static int
set_server_name(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	char q[QUOTE_MAX + 8];

	if (*value != '\0' && !is_dns_name(value)) {
		fail(ld, "%s: invalid server name %s (expected a host name "
		     "such as push.example.com)", where,
		     has_control(value) ? "with control characters" :
		     quote(q, sizeof(q), value));
		return -1;
	}
	free(cfg->tls_server_name);
	cfg->tls_server_name = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * [status] key and channel: any bytes Redis takes, short of control
 * characters (they would only garble redis-cli output and logs), at
 * most 256 of them.  Empty turns the feature off.
 */
static int
set_redis_name(struct loader *ld, struct config *cfg, const struct key_def *k,
	       const char *where, const char *value)
{
	char **dst = field(cfg, k);

	if (strlen(value) > REDIS_NAME_MAX) {
		fail(ld, "%s: %s name is longer than %d bytes", where, k->name,
		     REDIS_NAME_MAX);
		return -1;
	}
	if (has_control(value)) {
		fail(ld, "%s: %s name contains control characters", where,
		     k->name);
		return -1;
	}
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * [metrics] listen: "127.x.y.z:PORT" or "[::1]:PORT".  The counters
 * are served without authentication, so nothing beyond this host may
 * reach them directly.
 */
static int
set_listen(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} addr;
	char host[INET6_ADDRSTRLEN + 1], canon[INET6_ADDRSTRLEN];
	char q[QUOTE_MAX + 8], qp[QUOTE_MAX + 8];
	const char *port, *colon;
	size_t hlen;
	unsigned long pv = 0;
	bool v6 = value[0] == '[', loopback;

	if (*value == '\0') {
		free(cfg->metrics_listen);
		cfg->metrics_listen = NULL;
		memset(cfg->metrics_host, 0, sizeof(cfg->metrics_host));
		cfg->metrics_port = 0;
		return 0;
	}
	if (has_control(value)) {
		fail(ld, "%s: address contains control characters", where);
		return -1;
	}
	quote(q, sizeof(q), value);
	if (v6) {
		const char *close = strchr(value, ']');

		if (close == NULL)
			goto not_loopback;
		hlen = (size_t)(close - value - 1);
		colon = close[1] == ':' ? close + 1 : NULL;
		if (colon == NULL && close[1] != '\0')
			goto not_loopback;
	} else {
		colon = strchr(value, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			if (inet_pton(AF_INET6, value, &addr) == 1) {
				fail(ld, "%s: %s: an IPv6 address goes in "
				     "brackets, as in [::1]:9477", where, q);
				return -1;
			}
			goto not_loopback;
		}
		hlen = colon != NULL ? (size_t)(colon - value) : strlen(value);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		goto not_loopback;
	memcpy(host, value + v6, hlen);
	host[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, &addr) != 1)
		goto not_loopback;
	loopback = v6 ? IN6_IS_ADDR_LOOPBACK(&addr.v6) :
			ntohl(addr.v4.s_addr) >> 24 == 127;
	if (!loopback)
		goto not_loopback;
	if (colon == NULL) {
		fail(ld, "%s: %s has no port (expected e.g. 127.0.0.1:9477)",
		     where, q);
		return -1;
	}
	port = colon + 1;
	for (const char *p = port; *p != '\0' && pv <= 65535; p++) {
		if (*p < '0' || *p > '9') {
			pv = 0;
			break;
		}
		pv = pv * 10 + (unsigned long)(*p - '0');
	}
	if (pv < 1 || pv > 65535) {
		fail(ld, "%s: invalid port %s in %s (expected 1-65535)", where,
		     quote(qp, sizeof(qp), port), q);
		return -1;
	}
	if (inet_ntop(v6 ? AF_INET6 : AF_INET, &addr, canon,
		      sizeof(canon)) == NULL)
		goto not_loopback;
	free(cfg->metrics_listen);
	cfg->metrics_listen = xstrdup(value);
	snprintf(cfg->metrics_host, sizeof(cfg->metrics_host), "%s", canon);
	cfg->metrics_port = (uint16_t)pv;
	return 0;

not_loopback:
	fail(ld, "%s: %s: metrics are served on loopback only (expected "
	     "127.x.y.z:PORT or [::1]:PORT)", where, q);
	return -1;
}

/*
 * [daemon] runtime_dir.  Not required to exist yet: systemd makes it
 * (RuntimeDirectory=) just before starting the daemon, and
 * --check-config may well run before that.
 */
static int
set_runtime_dir(struct loader *ld, struct config *cfg, const char *where,
		const char *value)
{
	char q[QUOTE_MAX + 8];

	if (*value == '\0') {
		fail(ld, "%s: empty directory name (leave the key out for the "
		     "default: $RUNTIME_DIRECTORY, else %s)", where,
		     DEFAULT_RUNTIME_DIR);
		return -1;
	}
	if (has_control(value)) {
		fail(ld, "%s: directory name contains control characters",
		     where);
		return -1;
	}
	if (value[0] != '/') {
		fail(ld, "%s: %s is not an absolute path", where,
		     quote(q, sizeof(q), value));
		return -1;
	}
	free(cfg->runtime_dir);
	cfg->runtime_dir = xstrdup(value);
	return 0;
}

static int
set_ws_url(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	char err[ERRLEN];
	struct ws_url u;

	if (ws_url_parse(value, &u, err, sizeof(err)) < 0) {
		fail(ld, "%s: %s", where, err);
		return -1;
	}
	ws_url_free(&cfg->url);
	free(cfg->url_text);
	cfg->url = u;
	cfg->url_text = xstrdup(value);
	return 0;
}

static int
set_redis_url(struct loader *ld, struct config *cfg, const char *where,
	      const char *value)
{
	char err[ERRLEN];
	struct redis_url u;

	if (redis_url_parse(value, &u, err, sizeof(err)) < 0) {
		fail(ld, "%s: %s", where, err);
		return -1;
	}
	redis_url_free(&cfg->redis);
	wipe(cfg->redis_url_text);
	free(cfg->redis_url_text);
	cfg->redis = u;
	cfg->redis_url_text = xstrdup(value);
	return 0;
}

/*
 * Parse one value into cfg.  where is the message prefix, already
 * naming the key ("file:3: connect_timeout") or flag ("command line:
 * --url").
 */
static int
set_value(struct loader *ld, struct config *cfg, enum key_id id,
	  const char *where, const char *value)
{
	const struct key_def *k = &keys[id];
	int v, rc;

	switch (k->kind) {
	case KIND_DURATION:
	case KIND_SECONDS:
	case KIND_SIZE:
	case KIND_COUNT:
	case KIND_UINT:
		return set_number(ld, cfg, k, where, value);
	case KIND_WS_URL:
		return set_ws_url(ld, cfg, where, value);
	case KIND_REDIS_URL:
		return set_redis_url(ld, cfg, where, value);
	case KIND_HEADER:
		return set_header(ld, cfg, where, value);
	case KIND_CHANNEL:
	case KIND_PATTERN:
		return set_name(ld, cfg, k, where, value);
	case KIND_SUBPROTOCOL:
		return set_subprotocol(ld, cfg, where, value);
	case KIND_MESSAGE_TYPE:
		rc = set_enum(ld, where, message_types, value, &v);
		if (rc == 0)
			cfg->message_type = (enum message_type)v;
		return rc;
	case KIND_OVERFLOW:
		rc = set_enum(ld, where, overflows, value, &v);
		if (rc == 0)
			cfg->overflow = (enum overflow_policy)v;
		return rc;
	case KIND_LOG_LEVEL:
		rc = set_enum(ld, where, log_levels, value, &v);
		if (rc == 0)
			cfg->log_level = v;
		return rc;
	case KIND_LIVENESS:
		rc = set_enum(ld, where, livenesses, value, &v);
		if (rc == 0)
			cfg->liveness = (enum liveness)v;
		return rc;
	case KIND_CLOSE_CODES:
		return set_close_codes(ld, cfg, k, where, value);
	case KIND_DNS_SERVERS:
		return set_dns_servers(ld, cfg, where, value);
	case KIND_FILE:
	case KIND_DIR:
		return set_path(ld, cfg, k, where, value);
	case KIND_SERVER_NAME:
		return set_server_name(ld, cfg, where, value);
	case KIND_BOOL:
		rc = set_enum(ld, where, booleans, value, &v);
		if (rc == 0)
			*(bool *)field(cfg, k) = v != 0;
		return rc;
	case KIND_PASSWORD_FILE:
		return set_password_file(ld, where, value);
	case KIND_REDIS_NAME:
		return set_redis_name(ld, cfg, k, where, value);
	case KIND_LISTEN:
		return set_listen(ld, cfg, where, value);
	case KIND_RUNTIME_DIR:
		return set_runtime_dir(ld, cfg, where, value);
	}
	return -1;
}

/* ---- the file ------------------------------------------------------ */

static bool
known_section(const char *name)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (strcmp(sections[i], name) == 0)
			return true;
	return false;
}

static int
find_key(const char *section, const char *name)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(keys[i].section, section) == 0 &&
		    strcmp(keys[i].name, name) == 0)
			return i;
	return -1;
}

/* "channel" under [upstream] is a misplaced key, not a typo. */
static const char *
section_of(const char *name)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(keys[i].name, name) == 0)
			return keys[i].section;
	return NULL;
}

static int
unknown_key(struct loader *ld, const char *section, const char *key,
	    unsigned line)
{
	const char *home = section_of(key);
	char q[QUOTE_MAX + 8];

	quote(q, sizeof(q), key);
	if (*section == '\0' && home != NULL)
		fail(ld, "%s:%u: key %s is outside any section (put it "
		     "under [%s])", ld->path, line, q, home);
	else if (*section == '\0')
		fail(ld, "%s:%u: unknown key %s outside any section",
		     ld->path, line, q);
	else if (home != NULL)
		fail(ld, "%s:%u: unknown key %s in [%s] (it belongs in "
		     "[%s])", ld->path, line, q, section, home);
	else
		fail(ld, "%s:%u: unknown key %s in [%s]", ld->path, line, q,
		     section);
	return -1;
}

static int
on_ini(void *user, const char *section, const char *key, const char *value,
       unsigned line)
{
	struct loader *ld = user;
	char where[512];
	int id;

	if (key == NULL) {
		ld->in_unknown_section = !known_section(section);
		if (ld->in_unknown_section) {
			fail(ld, "%s:%u: unknown section [%s] (expected "
			     "[upstream], [redis], [queue], [daemon], "
			     "[status] or [metrics])", ld->path, line,
			     section);
			return -1;
		}
		return 0;
	}
	/* Reported once at the header; its keys would only repeat it. */
	if (*section != '\0' && ld->in_unknown_section)
		return 0;
	id = find_key(section, key);
	if (id < 0)
		return unknown_key(ld, section, key, line);
	if (!keys[id].repeatable && ld->line[id] != 0) {
		fail(ld, "%s:%u: duplicate key '%s' in [%s] (already set at "
		     "line %u)", ld->path, line, key, section, ld->line[id]);
		return -1;
	}
	ld->line[id] = line;
	snprintf(where, sizeof(where), "%s:%u: %s", ld->path, line, key);
	if (set_value(ld, ld->cfg, (enum key_id)id, where, value) < 0) {
		ld->bad[id] = true;
		return -1;
	}
	return 0;
}

/* ---- the command line ---------------------------------------------- */

enum {
	OPT_URL = 256,
	OPT_REDIS,
	OPT_CHANNEL,
	OPT_PATTERN,
	OPT_CHECK_CONFIG,
	OPT_LOG_LEVEL,
	OPT_CONNECT_TIMEOUT,
	OPT_PING_INTERVAL,
	OPT_PONG_TIMEOUT,
	OPT_DRAIN_TIMEOUT,
	OPT_STATUS,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "url", required_argument, NULL, OPT_URL },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "pattern", required_argument, NULL, OPT_PATTERN },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "pong-timeout", required_argument, NULL, OPT_PONG_TIMEOUT },
	{ "drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
option_key(int c)
{
	switch (c) {
	case OPT_URL:
		return UP_URL;
	case OPT_REDIS:
		return RD_URL;
	case OPT_CHANNEL:
		return RD_CHANNEL;
	case OPT_PATTERN:
		return RD_PATTERN;
	case OPT_LOG_LEVEL:
		return D_LOG_LEVEL;
	case OPT_CONNECT_TIMEOUT:
		return UP_CONNECT_TIMEOUT;
	case OPT_PING_INTERVAL:
		return UP_PING_INTERVAL;
	case OPT_PONG_TIMEOUT:
		return UP_PONG_TIMEOUT;
	case OPT_DRAIN_TIMEOUT:
		return D_DRAIN_TIMEOUT;
	}
	return -1;
}

/* getopt_long takes unique prefixes; say so when one is not unique. */
static bool
ambiguous(const char *arg)
{
	size_t n = strcspn(arg + 2, "=");
	int matches = 0;

	for (const struct option *o = long_options; o->name != NULL; o++)
		if (strncmp(o->name, arg + 2, n) == 0)
			matches++;
	return n > 0 && matches > 1;
}

static void
bad_option(struct loader *ld, char **argv, int c)
{
	const char *arg = argv[optind - 1];
	bool islong = strncmp(arg, "--", 2) == 0;

	if (c == ':' && islong)
		fail(ld, "command line: option '%.*s' requires an argument",
		     (int)strcspn(arg, "="), arg);
	else if (c == ':')
		fail(ld, "command line: option '-%c' requires an argument",
		     optopt);
	else if (islong && optopt != 0)
		fail(ld, "command line: option '%.*s' doesn't allow an "
		     "argument", (int)strcspn(arg, "="), arg);
	else if (islong && ambiguous(arg))
		fail(ld, "command line: option '%s' is ambiguous", arg);
	else if (islong)
		fail(ld, "command line: unrecognized option '%s'", arg);
	else
		fail(ld, "command line: unrecognized option '-%c'", optopt);
}

/* Returns the -c argument (pointing into argv), NULL if none. */
static const char *
parse_flags(struct loader *ld, int argc, char **argv, enum cli_action *action)
{
	const char *path = NULL;
	bool help = false, version = false, check = false, status = false;
	char where[64];
	int c, id;

	/* 0, not 1: glibc then also resets its internal state. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case OPT_CHECK_CONFIG:
			check = true;
			break;
		case OPT_STATUS:
			status = true;
			break;
		case '?':
		case ':':
			bad_option(ld, argv, c);
			break;
		default:
			id = option_key(c);
			if (id < 0)
				break;
			snprintf(where, sizeof(where), "command line: %s",
				 keys[id].flag);
			ld->from_cli[id] = true;
			if (set_value(ld, &ld->cli, (enum key_id)id, where,
				      optarg) < 0) {
				ld->bad[id] = true;
				ld->bad_flag[id] = true;
			}
			break;
		}
	}
	for (int i = optind; i < argc; i++)
		fail(ld, "command line: unexpected argument '%s' (settings "
		     "are given as --flags or in the -c file)", argv[i]);

	/* Either is a question about the file; which one is unclear. */
	if (check && status && !help && !version)
		fail(ld, "command line: --check-config and --status cannot be "
		     "combined");
	if (help)
		*action = CLI_HELP;
	else if (version)
		*action = CLI_VERSION;
	else if (check)
		*action = CLI_CHECK_CONFIG;
	else if (status)
		*action = CLI_STATUS;
	else
		*action = CLI_RUN;
	ld->action = *action;
	return path;
}

/*
 * Flags win over the file; repeatable flags replace the file's list.
 * A good flag still replaces a bad line of the file (which was
 * reported): the result is then as near as can be to what was meant.
 */
static void
apply_flags(struct loader *ld)
{
	struct config *cfg = ld->cfg, *cli = &ld->cli;

	if (cli->url_text != NULL) {
		ws_url_free(&cfg->url);
		free(cfg->url_text);
		cfg->url = cli->url;
		cfg->url_text = cli->url_text;
		memset(&cli->url, 0, sizeof(cli->url));
		cli->url_text = NULL;
	}
	if (cli->redis_url_text != NULL) {
		redis_url_free(&cfg->redis);
		wipe(cfg->redis_url_text);
		free(cfg->redis_url_text);
		cfg->redis = cli->redis;
		cfg->redis_url_text = cli->redis_url_text;
		memset(&cli->redis, 0, sizeof(cli->redis));
		cli->redis_url_text = NULL;
	}
	if (cli->channels.count > 0)
		strlist_move(&cfg->channels, &cli->channels);
	if (cli->patterns.count > 0)
		strlist_move(&cfg->patterns, &cli->patterns);
	if (ld->from_cli[D_LOG_LEVEL] && !ld->bad_flag[D_LOG_LEVEL])
		cfg->log_level = cli->log_level;
	for (int i = 0; i < KEY_COUNT; i++) {
		const struct key_def *k = &keys[i];

		if (k->kind == KIND_DURATION && ld->from_cli[i] &&
		    !ld->bad_flag[i])
			*(uint64_t *)field(cfg, k) =
				*(uint64_t *)field(cli, k);
	}
}

/* ---- cross-checks -------------------------------------------------- */

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
	uint64_t vlo = *(uint64_t *)field(ld->cfg, &keys[lo]);
	uint64_t vhi = *(uint64_t *)field(ld->cfg, &keys[hi]);
	char where[512], a[32], b[32];

	if (ld->bad[lo] || ld->bad[hi] || vlo <= vhi)
		return;
	fmt_duration(a, sizeof(a), vlo);
	fmt_duration(b, sizeof(b), vhi);
	if (is_set(ld, hi))
		fail(ld, "%s: %s (%s) is smaller than %s (%s%s)",
		     origin(ld, hi, where, sizeof(where)), keys[hi].name, b,
		     keys[lo].name, a, is_set(ld, lo) ? "" : ", the default");
	else
		fail(ld, "%s: %s (%s) is larger than %s (%s, the default)",
		     origin(ld, lo, where, sizeof(where)), keys[lo].name, a,
		     keys[hi].name, b);
}

static void
check_sizes(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	char where[512], a[32], b[32];

	if (ld->bad[UP_MAX_MESSAGE_SIZE] || ld->bad[Q_MAX_BYTES] ||
	    cfg->max_message_bytes <= cfg->queue_max_bytes)
		return;
	fmt_size(a, sizeof(a), cfg->max_message_bytes);
	fmt_size(b, sizeof(b), cfg->queue_max_bytes);
	if (is_set(ld, UP_MAX_MESSAGE_SIZE) || !is_set(ld, Q_MAX_BYTES))
		fail(ld, "%s: max_message_size (%s) is larger than [queue] "
		     "max_bytes (%s%s), so such a message could never be "
		     "queued", origin(ld, UP_MAX_MESSAGE_SIZE, where,
				      sizeof(where)), a, b,
		     is_set(ld, Q_MAX_BYTES) ? "" : ", the default");
	else
		fail(ld, "%s: max_bytes (%s) is smaller than [upstream] "
		     "max_message_size (%s%s), so such a message could "
		     "never be queued", origin(ld, Q_MAX_BYTES, where,
					       sizeof(where)), b, a,
		     is_set(ld, UP_MAX_MESSAGE_SIZE) ? "" : ", the default");
}

/* A TLS key that asks for something: a path or name, or "yes". */
static bool
tls_key_used(const struct loader *ld, enum key_id id)
{
	const struct config *cfg = ld->cfg;

	if (!is_set(ld, id) || ld->bad[id])
		return false;
	if (id == UP_TLS_INSECURE)
		return cfg->tls_insecure;
	return *(char *const *)((const char *)cfg + keys[id].offset) != NULL;
}

static void
check_tls(struct loader *ld)
{
	static const enum key_id tls_keys[] = {
		UP_TLS_CA_FILE, UP_TLS_CA_DIR, UP_TLS_CERT_FILE,
		UP_TLS_KEY_FILE, UP_TLS_SERVER_NAME, UP_TLS_INSECURE,
	};
	struct config *cfg = ld->cfg;
	char where[512];
	int first = -1;

	/* Once, at the first of them: the fix is the URL, not each key. */
	for (size_t i = 0; i < sizeof(tls_keys) / sizeof(tls_keys[0]); i++)
		if (tls_key_used(ld, tls_keys[i]) &&
		    (first < 0 || ld->line[tls_keys[i]] < ld->line[first]))
			first = tls_keys[i];
	if (first >= 0 && cfg->url_text != NULL && !cfg->url.tls)
		fail(ld, "%s: %s: TLS settings need a wss:// URL (url is "
		     "'%s')", origin(ld, (enum key_id)first, where,
				     sizeof(where)), keys[first].name,
		     cfg->url_text);

	if (tls_key_used(ld, UP_TLS_CERT_FILE) &&
	    !tls_key_used(ld, UP_TLS_KEY_FILE) && !ld->bad[UP_TLS_KEY_FILE])
		fail(ld, "%s: tls_cert_file without tls_key_file (a client "
		     "certificate needs its private key)",
		     origin(ld, UP_TLS_CERT_FILE, where, sizeof(where)));
	if (tls_key_used(ld, UP_TLS_KEY_FILE) &&
	    !tls_key_used(ld, UP_TLS_CERT_FILE) &&
	    !ld->bad[UP_TLS_CERT_FILE])
		fail(ld, "%s: tls_key_file without tls_cert_file (a private "
		     "key needs its client certificate)",
		     origin(ld, UP_TLS_KEY_FILE, where, sizeof(where)));
}

/*
 * systemd's RuntimeDirectory= sets $RUNTIME_DIRECTORY, several
 * directories separated by ':' when several are named; the first one
 * is wspushd's.
 */
static void
default_runtime_dir(struct loader *ld)
{
	const char *env = getenv("RUNTIME_DIRECTORY");
	size_t n;

	if (env == NULL || *env == '\0') {
		ld->cfg->runtime_dir = xstrdup(DEFAULT_RUNTIME_DIR);
		return;
	}
	n = strcspn(env, ":");
	if (env[0] != '/') {
		fail(ld, "environment: RUNTIME_DIRECTORY: '%.*s' is not an "
		     "absolute path", (int)n, env);
		return;
	}
	ld->cfg->runtime_dir = strndup(env, n);
	if (ld->cfg->runtime_dir == NULL)
		oom();
}

static void
default_status(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	char where[512];

	if (!is_set(ld, ST_KEY) && !ld->bad[ST_KEY])
		cfg->status_key = xstrdup(DEFAULT_STATUS_KEY);
	if (!is_set(ld, ST_CHANNEL) && !ld->bad[ST_CHANNEL])
		cfg->status_channel = xstrdup(DEFAULT_STATUS_CHANNEL);
	if (ld->action == CLI_STATUS && cfg->status_key == NULL &&
	    !ld->bad[ST_KEY])
		fail(ld, "%s: key is empty (status reporting is off), so "
		     "--status has nothing to read",
		     origin(ld, ST_KEY, where, sizeof(where)));
}

static void
validate(struct loader *ld)
{
	struct config *cfg = ld->cfg;
	char err[ERRLEN];

	if (cfg->url_text == NULL && !ld->bad[UP_URL] && !ld->unreadable)
		fail(ld, "%s: no upstream URL: set url in [upstream] or pass "
		     "--url", anywhere(ld));
	if (cfg->channels.count == 0 && cfg->patterns.count == 0 &&
	    !ld->bad[RD_CHANNEL] && !ld->bad[RD_PATTERN] && !ld->unreadable)
		fail(ld, "%s: nothing to subscribe to: set channel or "
		     "pattern in [redis] or pass --channel or --pattern",
		     anywhere(ld));
	check_order(ld, UP_BACKOFF_MIN, UP_BACKOFF_MAX);
	check_order(ld, RD_BACKOFF_MIN, RD_BACKOFF_MAX);
	check_sizes(ld);
	check_tls(ld);

	/* Not in config_init: it owns nothing, and this allocates. */
	if (cfg->redis_url_text == NULL && !ld->bad[RD_URL]) {
		if (redis_url_parse(DEFAULT_REDIS_URL, &cfg->redis, err,
				    sizeof(err)) < 0)
			fail(ld, "internal error: default Redis URL: %s", err);
		else
			cfg->redis_url_text = xstrdup(DEFAULT_REDIS_URL);
	}
	/* After the flags: password_file wins over --redis too. */
	if (ld->redis_password != NULL && cfg->redis_url_text != NULL) {
		if (cfg->redis.password != NULL) {
			explicit_bzero(cfg->redis.password,
				       strlen(cfg->redis.password));
			free(cfg->redis.password);
		}
		cfg->redis.password = ld->redis_password;
		ld->redis_password = NULL;
	}
	if (cfg->runtime_dir == NULL && !ld->bad[D_RUNTIME_DIR])
		default_runtime_dir(ld);
	default_status(ld);
}

/* ---- entry points -------------------------------------------------- */

static void
read_file(struct loader *ld, const char *path)
{
	FILE *fp;

	if (*path == '\0') {
		fail(ld, "command line: --config: empty file name");
		return;
	}
	ld->cfg->path = xstrdup(path);
	ld->path = ld->cfg->path;
	fp = fopen(path, "re");
	if (fp == NULL) {
		fail(ld, "%s: cannot open: %s", path, strerror(errno));
		/* Everything would be "missing"; that is not news. */
		ld->unreadable = true;
		return;
	}
	/* Syntax errors are counted by the reader alone. */
	if (ini_parse_stream(fp, path, on_ini, ld, ld->d) < 0 &&
	    ld->errors == 0)
		ld->errors++;
	fclose(fp);
}

int
config_load(int argc, char **argv, struct config *cfg,
	    enum cli_action *action, struct diag *d)
{
	struct loader ld;
	const char *path;

	config_init(cfg);
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.d = d;
	config_init(&ld.cli);

	path = parse_flags(&ld, argc, argv, action);
	/* --help and --version must work whatever state the file is in. */
	if (*action == CLI_HELP || *action == CLI_VERSION)
		goto out;

	if (path != NULL)
		read_file(&ld, path);
	apply_flags(&ld);
	validate(&ld);
out:
	config_free(&ld.cli);
	wipe(ld.redis_password);
	free(ld.redis_password);
	return ld.errors == 0 ? 0 : -1;
}

void
config_usage(void *stream)
{
	fputs(
"Usage: wspushd [OPTION]...\n"
"Relay Redis Pub/Sub messages to one upstream WebSocket connection.\n"
"\n"
"  -c, --config FILE      read settings from FILE, an INI file; every key\n"
"                         is described in the example installed as\n"
"                         /etc/wspushd/wspushd.conf\n"
"      --url URL          upstream WebSocket URL, ws://HOST[:PORT][/PATH]\n"
"                         or wss://...  ([upstream] url)\n"
"      --redis URL        Redis server ([redis] url), one of\n"
"                           redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]\n"
"                           unix:///PATH/redis.sock[?db=N]\n"
"                         default redis://127.0.0.1:6379; a password here\n"
"                         is visible to other local users, prefer the file\n"
"      --channel NAME     SUBSCRIBE to NAME; repeatable; replaces every\n"
"                         channel from the file  ([redis] channel)\n"
"      --pattern GLOB     PSUBSCRIBE to GLOB; repeatable; replaces every\n"
"                         pattern from the file  ([redis] pattern)\n"
"      --log-level LEVEL  error, warn, info or debug (default info)\n"
"                         ([daemon] log_level)\n"
"      --connect-timeout DURATION\n"
"                         give up on an upstream connection attempt (TCP,\n"
"                         TLS and handshake) after DURATION (default 3s)\n"
"                         ([upstream] connect_timeout)\n"
"      --ping-interval DURATION\n"
"                         send a WebSocket ping upstream this often; 0 sends\n"
"                         none (default 30s)  ([upstream] ping_interval)\n"
"      --pong-timeout DURATION\n"
"                         reconnect when no pong (or, with liveness = any,\n"
"                         no frame at all) arrives this long after a ping\n"
"                         (default 10s)  ([upstream] pong_timeout)\n"
"      --drain-timeout DURATION\n"
"                         on SIGTERM, keep sending what is queued for up to\n"
"                         DURATION; 0 exits at once (default 5s)\n"
"                         ([daemon] drain_timeout)\n"
"      --check-config     check the configuration, report every problem\n"
"                         found, and exit\n"
"      --status           print the running daemon's status, read from the\n"
"                         Redis hash named by [status] key, and exit; -c\n"
"                         tells which Redis and key to ask\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Options given on the command line override the file.  Without -c no file\n"
"is read, so at least --url and one --channel or --pattern are needed.\n"
"Durations take ms, s, m or h (a bare number is seconds); sizes take\n"
"KiB, MiB, GiB (powers of 1024) or kB, MB, GB (powers of 1000).\n",
	      (FILE *)stream);
}
