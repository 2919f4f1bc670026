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
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "wspushd/config.h"
#include "wspushd/ini.h"
#include "wspushd/safe_file.h"

#include "config_internal.h"

/*
 * Ranges are generous but catch unit slips: "connect_timeout = 3000"
 * is 50 minutes, not 3 seconds, and the 1h ceiling says so.
 */
const struct key_def cfg_keys[KEY_COUNT] = {
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
	[RD_BACKOFF_RESET] = { "redis", "backoff_reset", NULL, KIND_DURATION,
			       false, OFF(redis_backoff_reset_ms), 0,
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

void
oom(void)
{
	fputs("wspushd: out of memory\n", stderr);
	abort();
}

char *
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

bool
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

/* Hand src's items over to dst, dropping dst's. */
void
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

void
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
	cfg->redis_backoff_reset_ms = SECS(10);
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

void __attribute__((format(printf, 2, 3)))
fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	ld->errors++;
	va_start(ap, fmt);
	diag_vadd(ld->d, fmt, ap);
	va_end(ap);
}

/* The first n bytes of text, quoted and cut short if long. */
const char *
quote_n(char *buf, size_t buflen, const char *text, size_t n)
{
	if (n > QUOTE_MAX)
		snprintf(buf, buflen, "'%.*s...'", QUOTE_MAX, text);
	else
		snprintf(buf, buflen, "'%.*s'", (int)n, text);
	return buf;
}

const char *
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

const char *
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
	if (ld->from_cli[id] && cfg_keys[id].flag != NULL)
		snprintf(buf, buflen, "command line: %s", cfg_keys[id].flag);
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

void *
field(struct config *cfg, const struct key_def *k)
{
	return (char *)cfg + k->offset;
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
		if (strcmp(cfg_keys[i].section, section) == 0 &&
		    strcmp(cfg_keys[i].name, name) == 0)
			return i;
	return -1;
}

/* "channel" under [upstream] is a misplaced key, not a typo. */
static const char *
section_of(const char *name)
{
	for (int i = 0; i < KEY_COUNT; i++)
		if (strcmp(cfg_keys[i].name, name) == 0)
			return cfg_keys[i].section;
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
	if (!cfg_keys[id].repeatable && ld->line[id] != 0) {
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
	uint64_t vlo = *(uint64_t *)field(ld->cfg, &cfg_keys[lo]);
	uint64_t vhi = *(uint64_t *)field(ld->cfg, &cfg_keys[hi]);
	char where[512], a[32], b[32];

	if (ld->bad[lo] || ld->bad[hi] || vlo <= vhi)
		return;
	fmt_duration(a, sizeof(a), vlo);
	fmt_duration(b, sizeof(b), vhi);
	if (is_set(ld, hi))
		fail(ld, "%s: %s (%s) is smaller than %s (%s%s)",
		     origin(ld, hi, where, sizeof(where)), cfg_keys[hi].name, b,
		     cfg_keys[lo].name, a,
		     is_set(ld, lo) ? "" : ", the default");
	else
		fail(ld, "%s: %s (%s) is larger than %s (%s, the default)",
		     origin(ld, lo, where, sizeof(where)), cfg_keys[lo].name, a,
		     cfg_keys[hi].name, b);
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
	return *(char *const *)((const char *)cfg +
				cfg_keys[id].offset) != NULL;
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
				     sizeof(where)), cfg_keys[first].name,
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

/*
 * The file is read whole, up to CONFIG_MAX, before any of it is parsed.
 * A FIFO, a device or a file that never ends is refused at once, named,
 * instead of blocking the start (or a SIGHUP reload) or filling the
 * memory; see safe_file.h.
 */
static void
read_file(struct loader *ld, const char *path)
{
	char err[SAFE_FILE_ERRLEN];
	char *buf = NULL;
	ssize_t len = -1;
	FILE *fp;
	int fd;

	if (*path == '\0') {
		fail(ld, "command line: --config: empty file name");
		return;
	}
	ld->cfg->path = xstrdup(path);
	ld->path = ld->cfg->path;
	fd = safe_file_open(path, SAFE_FILE_REGULAR, err, sizeof(err));
	if (fd >= 0) {
		buf = malloc(CONFIG_MAX + 1);
		if (buf == NULL)
			oom();
		len = safe_file_read(fd, path, buf, CONFIG_MAX, err,
				     sizeof(err));
		close(fd);
	}
	if (len < 0) {
		fail(ld, "command line: --config: %s", err);
		/* Everything would be "missing"; that is not news. */
		ld->unreadable = true;
		goto out;
	}
	fp = fmemopen(buf, (size_t)len, "r");
	if (fp == NULL) {
		fail(ld, "command line: --config: cannot read '%s': %s", path,
		     strerror(errno));
		ld->unreadable = true;
		goto out;
	}
	/* Syntax errors are counted by the reader alone. */
	if (ini_parse_stream(fp, path, on_ini, ld, ld->d) < 0 &&
	    ld->errors == 0)
		ld->errors++;
	fclose(fp);
out:
	/*
	 * The file may hold a password in a URL, or a header's token.  A
	 * failed read says nothing of how much of buf it filled.
	 */
	if (buf != NULL) {
		explicit_bzero(buf, len >= 0 ? (size_t)len : CONFIG_MAX + 1);
		free(buf);
	}
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
