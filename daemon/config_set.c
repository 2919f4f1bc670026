/*
 * config_set.c - see config_set.h.
 *
 * The pure parsers say what is wrong with a value; this file stores what
 * they return and prefixes what they say with where the value came
 * from.  Values read from files (secrets, TLS paths) go through
 * config_files.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/addrs.h"
#include "wspushd/config_files.h"
#include "wspushd/headers.h"
#include "wspushd/utf8.h"
#include "wspushd/xalloc.h"

#include "config_set.h"

void
ld_fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	ld->errors++;
	va_start(ap, fmt);
	diag_vadd(ld->d, fmt, ap);
	va_end(ap);
}

bool
ld_is_set(const struct loader *ld, enum key_id id)
{
	return ld->line[id] != 0 || ld->from_cli[id];
}

const char *
ld_origin(const struct loader *ld, enum key_id id, char *buf, size_t buflen)
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

/* A secret from spec, or NULL having reported why, after prefix. */
static char *
read_secret(struct loader *ld, const char *spec, bool header,
	    const char *prefix)
{
	size_t errlen = secret_errlen(spec);
	char *err = xmalloc(errlen), *value;

	value = secret_read(spec, header, err, errlen);
	if (value == NULL)
		ld_fail(ld, "%s: %s", prefix, err);
	free(err);
	return value;
}

/*
 * "Name: value", or "Name: @FILE" with FILE's contents as the value, so
 * the credential need not be in the config file at all.
 */
static int
set_header(struct loader *ld, struct config *cfg, const char *where,
	   const char *value)
{
	char err[VALUE_ERRLEN], *prefix, *secret = NULL, *line;
	struct header h;

	if (parse_header(value, &h, err, sizeof(err)) < 0) {
		ld_fail(ld, "%s: %s", where, err);
		return -1;
	}
	if (h.file != NULL) {
		prefix = xasprintf("%s: header '%s'", where, h.shown);
		secret = read_secret(ld, h.file, true, prefix);
		free(prefix);
		if (secret == NULL)
			return -1;
	}
	line = header_line(&h, secret != NULL ? secret : h.value, err,
			   sizeof(err));
	wipe_free(secret);
	if (line == NULL) {
		ld_fail(ld, "%s: %s", where, err);
		return -1;
	}
	strlist_add(&cfg->headers, line);
	wipe_free(line);
	return 0;
}

/*
 * An on-open message: the value as written, or "@FILE" for one that
 * holds a secret (a login), read like a header's; "@@..." is a message
 * that really starts with "@".
 */
static int
set_on_open(struct loader *ld, struct config *cfg, const char *where,
	    const char *value)
{
	char *prefix, *secret;

	/* Empty, as the example file writes a key left at its default. */
	if (*value == '\0')
		return 0;
	if (value[0] != '@' || value[1] == '@') {
		strlist_add(&cfg->on_open, value[0] == '@' ? value + 1 : value);
		return 0;
	}
	prefix = xasprintf("%s: message '%s'", where, value);
	secret = read_secret(ld, value + 1, false, prefix);
	free(prefix);
	if (secret == NULL)
		return -1;
	strlist_add(&cfg->on_open, secret);
	wipe_free(secret);
	return 0;
}

/* A message written in the file: one line of UTF-8 text. */
static int
set_text(struct config *cfg, const struct key_def *k, const char *value,
	 char *err, size_t errlen)
{
	char **dst = config_field(cfg, k);

	if (!utf8_valid(value, strlen(value))) {
		snprintf(err, errlen, "expected a message of UTF-8 text");
		return -1;
	}
	/* Empty: none. */
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/* tls_ca_file, tls_ca_dir, tls_cert_file, tls_key_file. */
static int
set_path(struct loader *ld, struct config *cfg, const struct key_def *k,
	 const char *where, const char *value)
{
	char err[CONFIG_FILES_ERRLEN], **dst = config_field(cfg, k);

	if (*value != '\0' &&
	    config_path_check(value, k->kind == KIND_DIR, err,
			      sizeof(err)) < 0) {
		ld_fail(ld, "%s: %s", where, err);
		return -1;
	}
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * [redis] password_file: AUTH with this instead of the URL's password.
 * Held aside until the flags are in: it wins over --redis too.
 */
static int
set_password_file(struct loader *ld, const char *where, const char *value)
{
	char *pw = NULL;

	if (*value != '\0') {
		pw = read_secret(ld, value, false, where);
		if (pw == NULL)
			return -1;
	}
	wipe_free(ld->redis_password);
	ld->redis_password = pw;
	return 0;
}

static int
set_ws_url(struct config *cfg, const char *value, char *err, size_t errlen)
{
	struct ws_url u;

	if (ws_url_parse(value, &u, err, errlen) < 0)
		return -1;
	ws_url_free(&cfg->url);
	free(cfg->url_text);
	cfg->url = u;
	cfg->url_text = xstrdup(value);
	return 0;
}

static int
set_redis_url(struct config *cfg, const char *value, char *err,
	      size_t errlen)
{
	struct redis_url u;

	if (redis_url_parse(value, &u, err, errlen) < 0)
		return -1;
	redis_url_free(&cfg->redis);
	wipe_free(cfg->redis_url_text);
	cfg->redis = u;
	cfg->redis_url_text = xstrdup(value);
	return 0;
}

static int
set_listen(struct config *cfg, const char *value, char *err, size_t errlen)
{
	struct listen_addr a;

	if (parse_listen(value, &a, err, errlen) < 0)
		return -1;
	free(cfg->metrics_listen);
	cfg->metrics_listen = *value != '\0' ? xstrdup(value) : NULL;
	memcpy(cfg->metrics_host, a.host, sizeof(cfg->metrics_host));
	cfg->metrics_port = a.port;
	return 0;
}

static int
set_name(struct config *cfg, const struct key_def *k, const char *value,
	 char *err, size_t errlen)
{
	struct strlist *l = config_field(cfg, k);

	if (check_sub_name(value, k->kind == KIND_CHANNEL ? "channel" :
			   k->kind == KIND_STREAM ? "stream" : "pattern", l,
			   err, errlen) < 0)
		return -1;
	strlist_add(l, value);
	return 0;
}

/* Keys whose value is one string of their own. */
static int
set_string(struct config *cfg, const struct key_def *k, const char *value,
	   char *err, size_t errlen)
{
	char **dst = config_field(cfg, k), *s;
	int rc;

	switch (k->kind) {
	case KIND_SUBPROTOCOL:
		rc = parse_subprotocol(value, &s, err, errlen);
		break;
	case KIND_DNS_SERVERS:
		rc = parse_dns_servers(value, &s, err, errlen);
		break;
	case KIND_SERVER_NAME:
		rc = parse_server_name(value, &s, err, errlen);
		break;
	case KIND_REDIS_NAME:
		rc = parse_redis_name(value, k->name, &s, err, errlen);
		break;
	case KIND_HEADER_NAME:
		rc = parse_header_name(value, &s, err, errlen);
		break;
	case KIND_SENTINELS:
		rc = parse_sentinels(value, &s, err, errlen);
		break;
	default:
		rc = parse_runtime_dir(value, k->def, &s, err, errlen);
		break;
	}
	if (rc < 0)
		return -1;
	free(*dst);
	*dst = s;
	return 0;
}

int
ld_set_value(struct loader *ld, struct config *cfg, enum key_id id,
	     const char *where, const char *value)
{
	const struct key_def *k = &cfg_keys[id];
	char err[VALUE_ERRLEN];
	int rc;

	switch (k->kind) {
	case KIND_HEADER:
		return set_header(ld, cfg, where, value);
	case KIND_ON_OPEN:
		return set_on_open(ld, cfg, where, value);
	case KIND_TEXT:
		rc = set_text(cfg, k, value, err, sizeof(err));
		break;
	case KIND_FILE:
	case KIND_DIR:
		return set_path(ld, cfg, k, where, value);
	case KIND_PASSWORD_FILE:
		return set_password_file(ld, where, value);
	case KIND_WS_URL:
		rc = set_ws_url(cfg, value, err, sizeof(err));
		break;
	case KIND_REDIS_URL:
		rc = set_redis_url(cfg, value, err, sizeof(err));
		break;
	case KIND_LISTEN:
		rc = set_listen(cfg, value, err, sizeof(err));
		break;
	case KIND_CHANNEL:
	case KIND_PATTERN:
	case KIND_STREAM:
		rc = set_name(cfg, k, value, err, sizeof(err));
		break;
	case KIND_SUBPROTOCOL:
	case KIND_DNS_SERVERS:
	case KIND_SERVER_NAME:
	case KIND_REDIS_NAME:
	case KIND_HEADER_NAME:
	case KIND_SENTINELS:
	case KIND_RUNTIME_DIR:
		rc = set_string(cfg, k, value, err, sizeof(err));
		break;
	default:
		rc = config_key_set_inline(cfg, id, value, err, sizeof(err));
		break;
	}
	if (rc < 0)
		ld_fail(ld, "%s: %s", where, err);
	return rc;
}
