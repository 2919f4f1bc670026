/*
 * config_values.c - see config_values.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "wspushd/config_values.h"
#include "wspushd/diag.h"
#include "wspushd/units.h"
#include "wspushd/xalloc.h"

#define REDIS_NAME_MAX 256
#define SERVER_NAME_MAX 253

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

static const struct enum_name deliveries[] = {
	{ "at-least-once", DELIVERY_AT_LEAST_ONCE },
	{ "at-most-once", DELIVERY_AT_MOST_ONCE },
	{ NULL, 0 },
};

static const struct enum_name stream_starts[] = {
	{ "new", STREAM_START_NEW },
	{ "oldest", STREAM_START_OLDEST },
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

bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

static const char *
skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

void
list_iter_init(struct list_iter *it, const char *value)
{
	it->p = skip_blanks(value);
	it->done = *it->p == '\0';
}

bool
list_iter_next(struct list_iter *it, const char **item, size_t *len)
{
	size_t n;

	if (it->done)
		return false;
	n = strcspn(it->p, ",");
	*item = it->p;
	it->p += n;
	while (n > 0 && ((*item)[n - 1] == ' ' || (*item)[n - 1] == '\t'))
		n--;
	*len = n;
	if (*it->p == '\0')
		it->done = true;
	else
		it->p = skip_blanks(it->p + 1);
	return true;
}

const char *
format_value(char *buf, size_t buflen, enum value_kind kind, uint64_t v)
{
	if (kind == KIND_DURATION || kind == KIND_SECONDS)
		return format_duration_ms(buf, buflen, v);
	if (kind == KIND_SIZE)
		return format_size(buf, buflen, v);
	snprintf(buf, buflen, "%llu", (unsigned long long)v);
	return buf;
}

int
parse_number(const char *value, enum value_kind kind, uint64_t min,
	     uint64_t max, uint64_t *out, char *err, size_t errlen)
{
	char lo[32], hi[32], q[DIAG_QUOTE_BUF];
	uint64_t v;
	size_t sz;
	int rc;

	if (kind == KIND_DURATION || kind == KIND_SECONDS) {
		rc = parse_duration_ms(value, &v, err, errlen);
	} else if (kind == KIND_SIZE) {
		rc = parse_size(value, &sz, err, errlen);
		v = sz;
	} else {
		/* Says "out of range (expected MIN..MAX)" by itself. */
		rc = parse_uint(value, min, max, &v, err, errlen);
	}
	if (rc < 0)
		return -1;
	if (kind == KIND_SECONDS && v % 1000 != 0) {
		snprintf(err, errlen, "duration %s is not a whole number of "
			 "seconds (the kernel takes this setting in seconds)",
			 diag_quote(q, sizeof(q), value));
		return -1;
	}
	if (v < min || v > max) {
		snprintf(err, errlen, "%s %s is out of range (expected %s..%s)",
			 kind == KIND_SIZE ? "size" : "duration",
			 diag_quote(q, sizeof(q), value),
			 format_value(lo, sizeof(lo), kind, min),
			 format_value(hi, sizeof(hi), kind, max));
		return -1;
	}
	*out = v;
	return 0;
}

static int
parse_enum(const char *value, const struct enum_name *names, int *out,
	   char *err, size_t errlen)
{
	char expect[128] = "", q[DIAG_QUOTE_BUF];
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
	snprintf(err, errlen, "invalid value %s (expected %s)",
		 diag_quote(q, sizeof(q), value), expect);
	return -1;
}

int
parse_message_type(const char *value, enum message_type *out, char *err,
		   size_t errlen)
{
	int v;

	if (parse_enum(value, message_types, &v, err, errlen) < 0)
		return -1;
	*out = (enum message_type)v;
	return 0;
}

int
parse_overflow(const char *value, enum overflow_policy *out, char *err,
	       size_t errlen)
{
	int v;

	if (parse_enum(value, overflows, &v, err, errlen) < 0)
		return -1;
	*out = (enum overflow_policy)v;
	return 0;
}

int
parse_liveness(const char *value, enum liveness *out, char *err,
	       size_t errlen)
{
	int v;

	if (parse_enum(value, livenesses, &v, err, errlen) < 0)
		return -1;
	*out = (enum liveness)v;
	return 0;
}

int
parse_delivery(const char *value, enum delivery *out, char *err, size_t errlen)
{
	int v;

	if (parse_enum(value, deliveries, &v, err, errlen) < 0)
		return -1;
	*out = (enum delivery)v;
	return 0;
}

int
parse_stream_start(const char *value, enum stream_start *out, char *err,
		   size_t errlen)
{
	int v;

	if (parse_enum(value, stream_starts, &v, err, errlen) < 0)
		return -1;
	*out = (enum stream_start)v;
	return 0;
}

int
parse_log_level(const char *value, int *out, char *err, size_t errlen)
{
	return parse_enum(value, log_levels, out, err, errlen);
}

int
parse_bool(const char *value, bool *out, char *err, size_t errlen)
{
	int v;

	if (parse_enum(value, booleans, &v, err, errlen) < 0)
		return -1;
	*out = v != 0;
	return 0;
}

int
check_sub_name(const char *value, const char *what,
	       const struct strlist *have, char *err, size_t errlen)
{
	char q[DIAG_QUOTE_BUF];

	if (*value == '\0') {
		snprintf(err, errlen, "empty %s name", what);
		return -1;
	}
	/*
	 * Subscribing twice gets two confirmations for one subscription,
	 * which would throw off anyone counting them; it is also never
	 * what was meant.
	 */
	if (strlist_has(have, value)) {
		snprintf(err, errlen, "%s %s is listed more than once", what,
			 diag_quote(q, sizeof(q), value));
		return -1;
	}
	return 0;
}

/*
 * A DNS name as a certificate holds it, dot-separated labels of
 * letters, digits and '-' (1..63 bytes, no '-' at either end), 253
 * bytes in all.  An IPv4 address passes as such a name; an IPv6 one
 * cannot be sent as SNI.
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

int
parse_server_name(const char *value, char **out, char *err, size_t errlen)
{
	char q[DIAG_QUOTE_BUF];

	if (*value != '\0' && !is_dns_name(value)) {
		snprintf(err, errlen, "invalid server name %s (expected a "
			 "host name such as push.example.com)",
			 has_control(value) ? "with control characters" :
			 diag_quote(q, sizeof(q), value));
		return -1;
	}
	*out = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * Any bytes Redis takes, short of control characters (they would only
 * garble redis-cli output and logs).
 */
int
parse_redis_name(const char *value, const char *what, char **out, char *err,
		 size_t errlen)
{
	if (strlen(value) > REDIS_NAME_MAX) {
		snprintf(err, errlen, "%s name is longer than %d bytes", what,
			 REDIS_NAME_MAX);
		return -1;
	}
	if (has_control(value)) {
		snprintf(err, errlen, "%s name contains control characters",
			 what);
		return -1;
	}
	*out = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * Not required to exist yet: systemd makes it (RuntimeDirectory=) just
 * before starting the daemon, and --check-config may well run before
 * that.
 */
int
parse_runtime_dir(const char *value, const char *fallback, char **out,
		  char *err, size_t errlen)
{
	char q[DIAG_QUOTE_BUF];

	if (*value == '\0') {
		snprintf(err, errlen, "empty directory name (leave the key out "
			 "for the default: $RUNTIME_DIRECTORY, else %s)",
			 fallback);
		return -1;
	}
	if (has_control(value)) {
		snprintf(err, errlen, "directory name contains control "
			 "characters");
		return -1;
	}
	if (value[0] != '/') {
		snprintf(err, errlen, "%s is not an absolute path",
			 diag_quote(q, sizeof(q), value));
		return -1;
	}
	*out = xstrdup(value);
	return 0;
}
