/*
 * stream_report.c - see stream_report.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wspushd/stream_report.h"

struct text {
	char *buf;
	size_t len, used;	/* used: what the whole text needs so far */
};

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	size_t room = t->used < t->len ? t->len - t->used : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? t->buf + t->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n;
}

/* A label value: backslash, quote and line feed escaped. */
static void
label(struct text *t, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			put(t, "\\%c", *s);
		else if (*s == '\n')
			put(t, "\\n");
		else
			put(t, "%c", *s);
	}
}

static void
family(struct text *t, const char *name, const char *type, const char *help,
       char *const *names, const struct stream_stats *st, size_t n,
       size_t offset)
{
	put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&st[i] + offset, sizeof(v));
		put(t, "%s{stream=\"", name);
		label(t, names[i]);
		put(t, "\"} %llu\n", (unsigned long long)v);
	}
}

#define F(field) offsetof(struct stream_stats, field)

size_t
stream_report_metrics(char *const *names, const struct stream_stats *st,
		      size_t n, char *buf, size_t len)
{
	struct text t = { .buf = buf, .len = len };

	if (len > 0)
		buf[0] = '\0';
	family(&t, "wspushd_stream_entries_read_total", "counter",
	       "Entries read from the stream (this consumer's pending ones "
	       "again after a restart included).", names, st, n, F(read));
	family(&t, "wspushd_stream_entries_acked_total", "counter",
	       "Entries acknowledged after the upstream had their message.",
	       names, st, n, F(acked));
	family(&t, "wspushd_stream_entries_dropped_total", "counter",
	       "Entries acknowledged undelivered, as told (queue bounds, "
	       "max_message_size, message_type).", names, st, n, F(dropped));
	family(&t, "wspushd_stream_entries_invalid_total", "counter",
	       "Entries with no \"data\" field, or deleted while pending: "
	       "acknowledged.", names, st, n, F(invalid));
	family(&t, "wspushd_stream_entries_claimed_total", "counter",
	       "Entries taken over from other consumers of the group.",
	       names, st, n, F(claimed));
	family(&t, "wspushd_stream_entries_dead_lettered_total", "counter",
	       "Entries moved to the dead-letter stream.", names, st, n,
	       F(dead));
	family(&t, "wspushd_stream_pending", "gauge",
	       "Entries the consumer group has delivered and not acknowledged "
	       "(XINFO GROUPS).", names, st, n, F(pending));
	family(&t, "wspushd_stream_lag", "gauge",
	       "Entries not yet delivered to the consumer group (XINFO "
	       "GROUPS).", names, st, n, F(lag));
	return t.used;
}

void
stream_report_line(char *const *names, const struct stream_stats *st,
		   size_t n, char *buf, size_t len)
{
	struct text t = { .buf = buf, .len = len };

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		put(&t, "%s%s: %llu read, %llu acked, ", i > 0 ? "; " : "",
		    names[i], (unsigned long long)st[i].read,
		    (unsigned long long)st[i].acked);
		if (st[i].known)
			put(&t, "%llu pending, %llu lag, ",
			    (unsigned long long)st[i].pending,
			    (unsigned long long)st[i].lag);
		put(&t, "%llu claimed, %llu dead", (unsigned long long)st[i].claimed,
		    (unsigned long long)st[i].dead);
	}
}
