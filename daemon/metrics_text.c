/*
 * metrics_text.c - see metrics_text.h.
 *
 * Every family is a # HELP line, a # TYPE line and its samples, in one
 * group, as format 0.0.4 requires.  The numbers are integers, so no
 * float formatting (and no locale) is involved.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "wspushd/fsm.h"
#include "wspushd/metrics_text.h"

/* An snprintf that can be called many times in a row. */
struct out {
	char *buf;
	size_t len;		/* bytes buf holds, NUL included */
	size_t need;		/* bytes the text needs so far, NUL excluded */
};

static void out_printf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
out_printf(struct out *o, const char *fmt, ...)
{
	bool room = o->need < o->len;
	va_list ap;
	int r;

	/* Once cut, nothing more is written: the text stays a prefix. */
	va_start(ap, fmt);
	r = vsnprintf(room ? o->buf + o->need : NULL,
		      room ? o->len - o->need : 0, fmt, ap);
	va_end(ap);
	if (r > 0)
		o->need += (size_t)r;
}

static void
family(struct out *o, const char *name, const char *type, const char *help)
{
	out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void
sample(struct out *o, const char *name, const char *labels, uint64_t v)
{
	out_printf(o, "%s%s %llu\n", name, labels, (unsigned long long)v);
}

static void
counter(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "counter", help);
	sample(o, name, "", v);
}

static void
gauge(struct out *o, const char *name, const char *help, uint64_t v)
{
	family(o, name, "gauge", help);
	sample(o, name, "", v);
}

/* A label value, escaped as the format wants: \\, \" and \n. */
static void
label_value(struct out *o, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\')
			out_printf(o, "\\\\");
		else if (*v == '"')
			out_printf(o, "\\\"");
		else if (*v == '\n')
			out_printf(o, "\\n");
		else
			out_printf(o, "%c", *v);
	}
}

static void
messages(struct out *o, const struct conn_snapshot *s)
{
	static const char dropped[] = "wspushd_messages_dropped_total";

	counter(o, "wspushd_messages_received_total",
		"Messages taken from Redis for the upstream.", s->stats.received);
	counter(o, "wspushd_messages_sent_total",
		"Messages written to the upstream WebSocket connection "
		"(a message sent again counts again).", s->stats.sent);
	counter(o, "wspushd_messages_confirmed_total",
		"Messages the upstream showed it read (a Pong answering a "
		"later Ping, or its answer to our Close): delivery = "
		"at-least-once.", s->stats.confirmed);
	counter(o, "wspushd_messages_resent_total",
		"Messages written but unconfirmed when their connection was "
		"lost, and so sent again on the next.", s->stats.resent);
	family(o, dropped, "counter",
	       "Messages dropped instead of sent: overflow (queue full), "
	       "oversize (over max_message_size), invalid (not UTF-8 with "
	       "message_type = text), refused (the upstream closed the "
	       "connection on it max_deliveries times), fenced (queued when "
	       "this instance lost the fleet lease; stream entries stay "
	       "pending for the leader).");
	sample(o, dropped, "{reason=\"overflow\"}", s->stats.dropped_overflow);
	sample(o, dropped, "{reason=\"oversize\"}", s->stats.dropped_oversize);
	sample(o, dropped, "{reason=\"invalid\"}", s->stats.dropped_invalid);
	sample(o, dropped, "{reason=\"refused\"}", s->stats.dropped_refused);
	sample(o, dropped, "{reason=\"fenced\"}", s->stats.dropped_fenced);
	counter(o, "wspushd_bytes_sent_total",
		"Payload bytes of the messages written to the upstream.",
		s->stats.sent_bytes);
	gauge(o, "wspushd_last_sent_timestamp_seconds",
	      "When a message was last written to the upstream (Unix time); "
	      "0: never.", (uint64_t)s->stats.last_sent_at);
	gauge(o, "wspushd_last_confirmed_timestamp_seconds",
	      "When the upstream last confirmed messages (Unix time); 0: never.",
	      (uint64_t)s->stats.last_confirmed_at);
	gauge(o, "wspushd_queue_messages",
	      "Messages waiting in the queue for the upstream.", s->queued);
	gauge(o, "wspushd_queue_bytes",
	      "Payload bytes of the messages waiting in the queue.",
	      s->queued_bytes);
	gauge(o, "wspushd_queue_max_messages",
	      "The queue's bound in messages ([queue] max_messages).",
	      s->queue_max_messages);
	gauge(o, "wspushd_queue_max_bytes",
	      "The queue's bound in payload bytes ([queue] max_bytes).",
	      s->queue_max_bytes);
}

/*
 * The state twice: as a number, easy to graph and compare, and as one
 * series per state name, of which exactly the current one is 1, so a
 * query can name the state it means and no series comes and goes.
 */
static void
connection(struct out *o, const struct conn_snapshot *s)
{
	static const char info[] = "wspushd_connection_state_info";

	counter(o, "wspushd_connection_attempts_total",
		"Upstream connection attempts started.", s->stats.attempts);
	counter(o, "wspushd_connections_total",
		"Upstream connection attempts that reached open.",
		s->stats.connects);
	counter(o, "wspushd_upstream_floods_total",
		"Times the upstream sent control frames and headers faster "
		"than 40 KiB/s and was read at a bounded rate.",
		s->stats.rx_floods);
	counter(o, "wspushd_on_open_messages_sent_total",
		"On-open messages written ([upstream] on_open, at the start of "
		"every connection).", s->stats.on_open_sent);
	counter(o, "wspushd_heartbeats_sent_total",
		"Application heartbeats written ([upstream] heartbeat_message).",
		s->stats.heartbeats_sent);
	gauge(o, "wspushd_connection_state",
	      "Upstream connection state: 0 idle, 1 connecting, 2 open, "
	      "3 closing.", s->state < 0 ? 0 : (uint64_t)s->state);
	gauge(o, "wspushd_connection_state_since_timestamp_seconds",
	      "When the upstream connection entered its current state "
	      "(Unix time).", s->since < 0 ? 0 : (uint64_t)s->since);
	family(o, info, "gauge",
	       "1 for the upstream connection's current state, 0 for the others.");
	for (int st = 0; st < FSM_STATE_COUNT; st++) {
		out_printf(o, "%s{state=\"%s\"} %d\n", info,
			   fsm_state_name((enum fsm_state)st), st == s->state);
	}
}

size_t
metrics_render(const struct conn_snapshot *s, const char *redis_state,
	       uint64_t status_write_errors, uint64_t uptime_s, char *buf,
	       size_t len)
{
	struct out o = { buf, len, 0 };
	bool subscribed = redis_state != NULL &&
			  strcmp(redis_state, "subscribed") == 0;

	if (len > 0)
		buf[0] = '\0';
	messages(&o, s);
	connection(&o, s);
	gauge(&o, "wspushd_redis_subscribed",
	      "1 while subscribed to the channels in Redis, else 0.", subscribed);
	counter(&o, "wspushd_status_write_errors_total",
		"Status writes ([status] key and channel) that Redis answered "
		"with an error.", status_write_errors);
	gauge(&o, "wspushd_uptime_seconds", "Seconds since wspushd started.",
	      uptime_s);
	family(&o, "wspushd_build_info", "gauge",
	       "Always 1; the version of wspushd is in the label.");
	out_printf(&o, "wspushd_build_info{version=\"");
	label_value(&o, WSPUSHD_VERSION);
	out_printf(&o, "\"} 1\n");
	return o.need;
}

size_t
metrics_render_extra(const struct metrics_extra *x, char *buf, size_t len)
{
	struct out o = { buf, len, 0 };

	if (len > 0)
		buf[0] = '\0';
	counter(&o, "wspushd_redis_subscriptions_total",
		"Times the Redis subscription was made (the first time, and "
		"every reconnect).", x->redis_subscribed);
	counter(&o, "wspushd_redis_failures_total",
		"Redis connection attempts that failed, and connections lost.",
		x->redis_failures);
	family(&o, "wspushd_reloads_total", "counter",
	       "Configuration reloads (SIGHUP): applied, or rejected (the "
	       "running configuration stays).");
	sample(&o, "wspushd_reloads_total", "{result=\"applied\"}",
	       x->reloads_applied);
	sample(&o, "wspushd_reloads_total", "{result=\"rejected\"}",
	       x->reloads_rejected);
	gauge(&o, "wspushd_last_reload_success",
	      "1 if the last reload was applied (or none was asked for), "
	      "0 if it was rejected.", x->reloads_applied + x->reloads_rejected == 0 ||
	      x->last_reload_ok);
	gauge(&o, "wspushd_last_reload_timestamp_seconds",
	      "When the last reload was asked for (Unix time); 0: never.",
	      x->last_reload_at < 0 ? 0 : (uint64_t)x->last_reload_at);
	gauge(&o, "wspushd_status_key_conflict",
	      "1 while the [status] key holds another instance's status, so "
	      "this one writes none.", x->status_conflict);
	return o.need;
}
