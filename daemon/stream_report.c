/*
 * stream_report.c - see stream_report.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wspushd/stream_report.h"
#include "wspushd/textbuf.h"

static void
family(struct textbuf *t, const char *name, const char *type, const char *help,
       char *const *names, const struct stream_stats *st, size_t n,
       size_t offset)
{
	textbuf_put(t, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		memcpy(&v, (const char *)&st[i] + offset, sizeof(v));
		textbuf_put(t, "%s{stream=\"", name);
		textbuf_label(t, names[i]);
		textbuf_put(t, "\"} %llu\n", (unsigned long long)v);
	}
}

#define F(field) offsetof(struct stream_stats, field)

size_t
stream_report_metrics(char *const *names, const struct stream_stats *st,
		      size_t n, char *buf, size_t len)
{
	struct textbuf t = { .buf = buf, .len = len };

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
	struct textbuf t = { .buf = buf, .len = len };

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		textbuf_put(&t, "%s%s: %llu read, %llu acked, ", i > 0 ? "; " : "",
		    names[i], (unsigned long long)st[i].read,
		    (unsigned long long)st[i].acked);
		if (st[i].known)
			textbuf_put(&t, "%llu pending, %llu lag, ",
			    (unsigned long long)st[i].pending,
			    (unsigned long long)st[i].lag);
		textbuf_put(&t, "%llu claimed, %llu dead", (unsigned long long)st[i].claimed,
		    (unsigned long long)st[i].dead);
	}
}
