/*
 * status.c - see status.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/fsm.h"
#include "wspushd/status.h"

static unsigned long long
dropped(const struct conn_snapshot *s)
{
	return (unsigned long long)(s->stats.dropped_overflow +
				    s->stats.dropped_oversize +
				    s->stats.dropped_invalid +
				    s->stats.dropped_refused +
				    s->stats.dropped_fenced);
}

void
status_line(const struct conn_snapshot *s, const char *redis_state,
	    char *buf, size_t len)
{
	const char *err = s->last_error[0] ? s->last_error : NULL;
	size_t n;
	int r = 0;

	if (s->role != NULL && strcmp(s->role, "leader") != 0 && !s->stopping) {
		r = snprintf(buf, len, "standby (lease held by %s)",
			     s->holder[0] ? s->holder : "nobody yet");
	} else if (s->stopping) {
		r = snprintf(buf, len, "stopping: %zu queued, %llu sent",
			     s->queued, (unsigned long long)s->stats.sent);
	} else if (s->state == FSM_OPEN) {
		r = snprintf(buf, len, "open to %s, %llu sent, %llu dropped",
			     s->endpoint, (unsigned long long)s->stats.sent,
			     dropped(s));
	} else if (s->state == FSM_IDLE && s->retry_in_ms > 0) {
		/* Waiting between attempts reads as part of connecting. */
		r = snprintf(buf, len, "connecting (attempt %llu, next in %llu.%llus)%s%s",
			     (unsigned long long)s->attempt + 1,
			     (unsigned long long)(s->retry_in_ms / 1000),
			     (unsigned long long)(s->retry_in_ms % 1000 / 100),
			     err ? ": " : "", err ? err : "");
	} else if (s->state == FSM_CONNECTING || s->state == FSM_IDLE) {
		r = snprintf(buf, len, "connecting (attempt %llu)%s%s",
			     (unsigned long long)(s->attempt ? s->attempt : 1),
			     err ? ": " : "", err ? err : "");
	} else {
		r = snprintf(buf, len, "closing%s%s", err ? ": " : "",
			     err ? err : "");
	}
	if (r < 0 || (size_t)r >= len)
		return;
	n = (size_t)r;
	if (redis_state != NULL && strcmp(redis_state, "subscribed") != 0) {
		r = snprintf(buf + n, len - n, "; redis %s", redis_state);
		if (r < 0 || (size_t)r >= len - n)
			return;
		n += (size_t)r;
	}
	if (s->role != NULL && strcmp(s->role, "leader") == 0)
		snprintf(buf + n, len - n, "; fleet leader, term %llu",
			 (unsigned long long)s->term);
}

/*
 * s as the contents of a JSON string, in at most len - 1 bytes plus the
 * NUL.  Stops before a character (a whole UTF-8 sequence, or a whole
 * escape) that would not fit, so a cut never leaves half of either.
 */
static size_t
json_escape(const char *s, char *out, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (len == 0)
		return 0;
	while (*p != '\0') {
		size_t need = 1, seq = 1;

		if (*p == '"' || *p == '\\')
			need = 2;
		else if (*p < 0x20)
			need = 6;
		else if (*p >= 0xc0)
			while (seq < 4 && (p[seq] & 0xc0) == 0x80)
				seq++;
		if (seq > need)
			need = seq;
		if (n + need >= len)
			break;
		if (*p == '"' || *p == '\\') {
			out[n++] = '\\';
			out[n++] = (char)*p++;
		} else if (*p < 0x20) {
			snprintf(out + n, len - n, "\\u%04x", *p++);
			n += 6;
		} else {
			memcpy(out + n, p, seq);
			n += seq;
			p += seq;
		}
	}
	out[n] = '\0';
	return n;
}

bool
status_event_json(const struct conn_snapshot *s, const char *state,
		  const char *previous, char *buf, size_t len)
{
	char url[512], err[384];
	int r;

	json_escape(s->endpoint, url, sizeof(url));
	json_escape(s->last_error, err, sizeof(err));
	r = snprintf(buf, len, "{\"state\":\"%s\",\"previous\":\"%s\","
		     "\"since\":%lld,\"url\":\"%s\",\"last_error\":\"%s\"}",
		     state, previous, (long long)s->since, url, err);
	return r > 0 && (size_t)r < len;
}
