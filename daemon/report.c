/*
 * report.c - see report.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/conn.h"
#include "wspushd/fsm.h"
#include "wspushd/fleet.h"
#include "wspushd/fleet_report.h"
#include "wspushd/inbound.h"
#include "wspushd/log.h"
#include "wspushd/metrics_text.h"
#include "wspushd/redis_sub.h"
#include "wspushd/report.h"
#include "wspushd/status_pub.h"
#include "wspushd/stream_in.h"
#include "wspushd/stream_report.h"

void
report_snapshot(void *arg, struct conn_snapshot *out)
{
	struct report *r = arg;
	const struct stream_stats *st;
	char *const *names;
	size_t n;

	conn_snapshot(r->conn, out);
	out->streams = NULL;
	out->uptime_s = (monotonic_ms() - r->started_ms) / 1000;
	out->role = NULL;
	out->term = 0;
	out->holder = "";
	if (r->fleet != NULL) {
		struct fleet_view v;

		fleet_view(r->fleet, &v);
		out->role = v.role;
		out->term = v.term;
		out->holder = v.holder;
	}
	if (r->streams == NULL)
		return;
	n = stream_in_view(r->streams, &names, &st);
	stream_report_line(names, st, n, r->streams_line, sizeof(r->streams_line));
	out->streams = r->streams_line;
}

bool
report_probe(void *arg, bool ready, char *why, size_t len)
{
	struct report *r = arg;
	struct conn_snapshot snap;
	const char *redis = redis_sub_state_name(r->redis);

	if (ready) {
		snprintf(why, len, "redis %s", redis);
		return strcmp(redis, "subscribed") == 0;
	}
	report_snapshot(r, &snap);
	status_line(&snap, redis, why, len);
	return snap.state == FSM_OPEN && !snap.stopping;
}

/* Where text goes after used bytes of buf: like snprintf, all of it. */
static char *
tail(char *buf, size_t len, size_t used, size_t *room)
{
	size_t put = used < len ? used : (len > 0 ? len - 1 : 0);

	*room = len > put ? len - put : 0;
	return len > 0 ? buf + put : NULL;
}

/*
 * Redis' counts, the reloads, the status key; each subscription's; the
 * server's messages into Redis.
 */
static size_t
report_more(struct report *r, char *buf, size_t len, size_t used)
{
	struct redis_counts rc;
	struct metrics_extra x;
	size_t room, more;
	char *at;

	redis_sub_counts(r->redis, &rc);
	x = (struct metrics_extra){
		.redis_subscribed = rc.subscribed,
		.redis_failures = rc.failures,
		.reloads_applied = r->reloads.applied,
		.reloads_rejected = r->reloads.rejected,
		.last_reload_at = r->reloads.last_at,
		.last_reload_ok = r->reloads.last_ok,
		.status_conflict = status_pub_conflict(),
	};
	at = tail(buf, len, used, &room);
	more = metrics_render_extra(&x, at, room);
	at = tail(buf, len, used + more, &room);
	more += sub_counts_metrics(&r->subs, at, room);
	at = tail(buf, len, used + more, &room);
	return more + inbound_metrics(r->inbound, at, room);
}

size_t
report_metrics(void *arg, char *buf, size_t len)
{
	struct report *r = arg;
	struct conn_snapshot snap;
	const struct stream_stats *st;
	char *const *names;
	size_t n, used, room;
	char *at;

	conn_snapshot(r->conn, &snap);
	used = metrics_render(&snap, redis_sub_state_name(r->redis),
			      status_pub_write_errors(),
			      (monotonic_ms() - r->started_ms) / 1000, buf, len);
	if (r->fleet != NULL) {
		struct fleet_view v;

		fleet_view(r->fleet, &v);
		at = tail(buf, len, used, &room);
		used += fleet_report_metrics(&v, at, room);
	}
	used += report_more(r, buf, len, used);
	if (r->streams == NULL)
		return used;
	n = stream_in_view(r->streams, &names, &st);
	at = tail(buf, len, used, &room);
	return used + stream_report_metrics(names, st, n, at, room);
}
