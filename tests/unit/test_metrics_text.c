/*
 * test_metrics_text.c - the /metrics text: exact output for a known
 * snapshot, snprintf-like truncation that never writes past the buffer,
 * and every line valid Prometheus text exposition format 0.0.4 (checked
 * by the small parser below, which is itself tested on bad input).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/fleet_report.h"
#include "wspushd/fsm.h"
#include "wspushd/metrics_text.h"
#include "wspushd/stream_report.h"

static struct conn_snapshot
snap(void)
{
	struct conn_snapshot s;

	memset(&s, 0, sizeof(s));
	s.state = FSM_OPEN;
	s.state_name = "open";
	s.endpoint = "ws://127.0.0.1:8080/ingest";
	s.last_error = "";
	s.stats.received = 12037;
	s.stats.sent = 12034;
	s.stats.confirmed = 12030;
	s.stats.resent = 4;
	s.stats.dropped_overflow = 2;
	s.stats.dropped_oversize = 1;
	s.stats.dropped_invalid = 0;
	s.stats.dropped_shutdown = 0;
	s.stats.attempts = 4;
	s.stats.connects = 3;
	s.stats.rx_floods = 1;
	s.stats.sent_bytes = 1203400;
	s.stats.on_open_sent = 6;
	s.stats.heartbeats_sent = 2;
	s.stats.last_sent_at = 1764000000;
	s.stats.last_confirmed_at = 1763999999;
	s.since = 1763990000;
	s.queued = 3;
	s.queued_bytes = 300;
	s.queue_max_messages = 100000;
	s.queue_max_bytes = 67108864;
	return s;
}

static const char expected[] =
	"# HELP wspushd_messages_received_total Messages taken from Redis for the upstream.\n"
	"# TYPE wspushd_messages_received_total counter\n"
	"wspushd_messages_received_total 12037\n"
	"# HELP wspushd_messages_sent_total Messages written to the upstream WebSocket connection "
	"(a message sent again counts again).\n"
	"# TYPE wspushd_messages_sent_total counter\n"
	"wspushd_messages_sent_total 12034\n"
	"# HELP wspushd_messages_confirmed_total Messages the upstream showed it read (a Pong "
	"answering a later Ping, or its answer to our Close): delivery = at-least-once.\n"
	"# TYPE wspushd_messages_confirmed_total counter\n"
	"wspushd_messages_confirmed_total 12030\n"
	"# HELP wspushd_messages_resent_total Messages written but unconfirmed when their "
	"connection was lost, and so sent again on the next.\n"
	"# TYPE wspushd_messages_resent_total counter\n"
	"wspushd_messages_resent_total 4\n"
	"# HELP wspushd_messages_dropped_total Messages dropped instead of sent: "
	"overflow (queue full), oversize (over max_message_size), invalid "
	"(not UTF-8 with message_type = text), refused (the upstream closed the "
	"connection on it max_deliveries times), fenced (queued when this instance "
	"lost the fleet lease; stream entries stay pending for the leader).\n"
	"# TYPE wspushd_messages_dropped_total counter\n"
	"wspushd_messages_dropped_total{reason=\"overflow\"} 2\n"
	"wspushd_messages_dropped_total{reason=\"oversize\"} 1\n"
	"wspushd_messages_dropped_total{reason=\"invalid\"} 0\n"
	"wspushd_messages_dropped_total{reason=\"refused\"} 0\n"
	"wspushd_messages_dropped_total{reason=\"fenced\"} 0\n"
	"# HELP wspushd_bytes_sent_total Payload bytes of the messages written to the upstream.\n"
	"# TYPE wspushd_bytes_sent_total counter\n"
	"wspushd_bytes_sent_total 1203400\n"
	"# HELP wspushd_last_sent_timestamp_seconds When a message was last written to the "
	"upstream (Unix time); 0: never.\n"
	"# TYPE wspushd_last_sent_timestamp_seconds gauge\n"
	"wspushd_last_sent_timestamp_seconds 1764000000\n"
	"# HELP wspushd_last_confirmed_timestamp_seconds When the upstream last confirmed "
	"messages (Unix time); 0: never.\n"
	"# TYPE wspushd_last_confirmed_timestamp_seconds gauge\n"
	"wspushd_last_confirmed_timestamp_seconds 1763999999\n"
	"# HELP wspushd_queue_messages Messages waiting in the queue for the upstream.\n"
	"# TYPE wspushd_queue_messages gauge\n"
	"wspushd_queue_messages 3\n"
	"# HELP wspushd_queue_bytes Payload bytes of the messages waiting in the queue.\n"
	"# TYPE wspushd_queue_bytes gauge\n"
	"wspushd_queue_bytes 300\n"
	"# HELP wspushd_queue_max_messages The queue's bound in messages ([queue] max_messages).\n"
	"# TYPE wspushd_queue_max_messages gauge\n"
	"wspushd_queue_max_messages 100000\n"
	"# HELP wspushd_queue_max_bytes The queue's bound in payload bytes ([queue] max_bytes).\n"
	"# TYPE wspushd_queue_max_bytes gauge\n"
	"wspushd_queue_max_bytes 67108864\n"
	"# HELP wspushd_connection_attempts_total Upstream connection attempts started.\n"
	"# TYPE wspushd_connection_attempts_total counter\n"
	"wspushd_connection_attempts_total 4\n"
	"# HELP wspushd_connections_total Upstream connection attempts that reached open.\n"
	"# TYPE wspushd_connections_total counter\n"
	"wspushd_connections_total 3\n"
	"# HELP wspushd_upstream_floods_total Times the upstream sent control "
	"frames and headers faster than 40 KiB/s and was read at a bounded rate.\n"
	"# TYPE wspushd_upstream_floods_total counter\n"
	"wspushd_upstream_floods_total 1\n"
	"# HELP wspushd_on_open_messages_sent_total On-open messages written ([upstream] "
	"on_open, at the start of every connection).\n"
	"# TYPE wspushd_on_open_messages_sent_total counter\n"
	"wspushd_on_open_messages_sent_total 6\n"
	"# HELP wspushd_heartbeats_sent_total Application heartbeats written ([upstream] "
	"heartbeat_message).\n"
	"# TYPE wspushd_heartbeats_sent_total counter\n"
	"wspushd_heartbeats_sent_total 2\n"
	"# HELP wspushd_connection_state Upstream connection state: 0 idle, "
	"1 connecting, 2 open, 3 closing.\n"
	"# TYPE wspushd_connection_state gauge\n"
	"wspushd_connection_state 2\n"
	"# HELP wspushd_connection_state_since_timestamp_seconds When the upstream connection "
	"entered its current state (Unix time).\n"
	"# TYPE wspushd_connection_state_since_timestamp_seconds gauge\n"
	"wspushd_connection_state_since_timestamp_seconds 1763990000\n"
	"# HELP wspushd_connection_state_info 1 for the upstream connection's "
	"current state, 0 for the others.\n"
	"# TYPE wspushd_connection_state_info gauge\n"
	"wspushd_connection_state_info{state=\"idle\"} 0\n"
	"wspushd_connection_state_info{state=\"connecting\"} 0\n"
	"wspushd_connection_state_info{state=\"open\"} 1\n"
	"wspushd_connection_state_info{state=\"closing\"} 0\n"
	"# HELP wspushd_redis_subscribed 1 while subscribed to the channels in Redis, else 0.\n"
	"# TYPE wspushd_redis_subscribed gauge\n"
	"wspushd_redis_subscribed 1\n"
	"# HELP wspushd_status_write_errors_total Status writes ([status] key "
	"and channel) that Redis answered with an error.\n"
	"# TYPE wspushd_status_write_errors_total counter\n"
	"wspushd_status_write_errors_total 7\n"
	"# HELP wspushd_uptime_seconds Seconds since wspushd started.\n"
	"# TYPE wspushd_uptime_seconds gauge\n"
	"wspushd_uptime_seconds 86461\n"
	"# HELP wspushd_build_info Always 1; the version of wspushd is in the label.\n"
	"# TYPE wspushd_build_info gauge\n"
	"wspushd_build_info{version=\"" WSPUSHD_VERSION "\"} 1\n";

/* ------------------------------------------------------------------ */
/* A checker for text format 0.0.4, strict where wspushd must be.      */

struct family_seen {
	char name[128];
	char type[16];
	bool help, typed, sampled, closed;
};

struct checker {
	struct family_seen fam[64];
	size_t nfam;
	size_t current;		/* family whose samples came last; nfam = none */
	char series[128][256];	/* name + labels of every sample, for duplicates */
	size_t nseries;
	char why[200];
};

static bool
reject(struct checker *c, size_t line, const char *what)
{
	snprintf(c->why, sizeof(c->why), "line %zu: %s", line, what);
	return false;
}

static bool
name_start(char ch, bool colon)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '_' || (colon && ch == ':');
}

static bool
name_char(char ch, bool colon)
{
	return name_start(ch, colon) || (ch >= '0' && ch <= '9');
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metrics, without ':' for labels. */
static size_t
name_len(const char *p, bool colon)
{
	size_t n = 0;

	if (!name_start(p[0], colon))
		return 0;
	while (name_char(p[n], colon))
		n++;
	return n;
}

static struct family_seen *
family_get(struct checker *c, const char *name, size_t n)
{
	for (size_t k = 0; k < c->nfam; k++)
		if (strlen(c->fam[k].name) == n && memcmp(c->fam[k].name, name, n) == 0)
			return &c->fam[k];
	if (c->nfam == sizeof(c->fam) / sizeof(c->fam[0]) || n >= sizeof(c->fam[0].name))
		return NULL;
	memcpy(c->fam[c->nfam].name, name, n);
	c->fam[c->nfam].name[n] = '\0';
	return &c->fam[c->nfam++];
}

static bool
check_comment(struct checker *c, size_t line, const char *p)
{
	static const char *const types[] = { "counter", "gauge", "histogram",
					     "summary", "untyped" };
	bool help = strncmp(p, "# HELP ", 7) == 0;
	struct family_seen *f;
	size_t n;

	if (!help && strncmp(p, "# TYPE ", 7) != 0)
		return true;	/* any other comment is allowed */
	p += 7;
	n = name_len(p, true);
	if (n == 0 || (p[n] != ' ' && p[n] != '\0'))
		return reject(c, line, "bad metric name in # HELP/# TYPE");
	f = family_get(c, p, n);
	if (f == NULL)
		return reject(c, line, "too many families");
	if (f->sampled)
		return reject(c, line, "# HELP/# TYPE after the family's samples");
	if (help) {
		if (f->help)
			return reject(c, line, "second # HELP for one family");
		f->help = true;
		/* Docstrings escape only \\ and \n. */
		for (const char *q = p + n; *q != '\0'; q++)
			if (q[0] == '\\' && q[1] != '\\' && q[1] != 'n')
				return reject(c, line, "bad escape in # HELP");
		return true;
	}
	if (f->typed)
		return reject(c, line, "second # TYPE for one family");
	if (p[n] != ' ')
		return reject(c, line, "# TYPE without a type");
	for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++)
		if (strcmp(p + n + 1, types[k]) == 0) {
			snprintf(f->type, sizeof(f->type), "%s", types[k]);
			f->typed = true;
			return true;
		}
	return reject(c, line, "unknown type in # TYPE");
}

/* {name="value",...}: returns the length, 0 on error. */
static size_t
labels_len(const char *p)
{
	const char *q = p + 1;
	size_t n;

	if (*q == '}')
		return 2;
	for (;;) {
		n = name_len(q, false);
		if (n == 0 || q[n] != '=' || q[n + 1] != '"')
			return 0;
		q += n + 2;
		while (*q != '"') {
			if (*q == '\0')
				return 0;
			if (*q == '\\') {
				if (q[1] != '\\' && q[1] != '"' && q[1] != 'n')
					return 0;
				q++;
			}
			q++;
		}
		q++;
		if (*q == '}')
			return (size_t)(q + 1 - p);
		if (*q != ',')
			return 0;
		q++;
	}
}

static bool
check_value(const char *p)
{
	char *end;

	if (strcmp(p, "+Inf") == 0 || strcmp(p, "-Inf") == 0 || strcmp(p, "NaN") == 0)
		return true;
	if (*p == '\0' || *p == ' ')
		return false;
	strtod(p, &end);
	if (*end == ' ') {	/* an optional timestamp: an integer */
		p = end + 1;
		strtoll(p, &end, 10);
		if (end == p)
			return false;
	}
	return *end == '\0';
}

/* Which family a sample name belongs to (the _sum/_count/_bucket rule aside). */
static struct family_seen *
owner(struct checker *c, const char *name, size_t n)
{
	for (size_t k = 0; k < c->nfam; k++)
		if (strlen(c->fam[k].name) == n && memcmp(c->fam[k].name, name, n) == 0)
			return &c->fam[k];
	return NULL;
}

static bool
check_sample(struct checker *c, size_t line, const char *p)
{
	struct family_seen *f;
	size_t n = name_len(p, true), l = 0;

	if (n == 0)
		return reject(c, line, "bad metric name");
	f = owner(c, p, n);
	if (f == NULL || !f->typed)
		return reject(c, line, "sample without # TYPE before it");
	if (f->closed)
		return reject(c, line, "family's samples are not in one group");
	if (c->current < c->nfam && &c->fam[c->current] != f)
		c->fam[c->current].closed = true;
	c->current = (size_t)(f - c->fam);
	f->sampled = true;
	if (p[n] == '{') {
		l = labels_len(p + n);
		if (l == 0)
			return reject(c, line, "bad label set");
	}
	if (p[n + l] != ' ')
		return reject(c, line, "no blank before the value");
	if (!check_value(p + n + l + 1))
		return reject(c, line, "bad value");
	for (size_t k = 0; k < c->nseries; k++)
		if (strlen(c->series[k]) == n + l && memcmp(c->series[k], p, n + l) == 0)
			return reject(c, line, "duplicate series");
	if (c->nseries == sizeof(c->series) / sizeof(c->series[0]) ||
	    n + l >= sizeof(c->series[0]))
		return reject(c, line, "too many series");
	memcpy(c->series[c->nseries], p, n + l);
	c->series[c->nseries++][n + l] = '\0';
	return true;
}

/* True when text is valid; otherwise c->why says where and what. */
static bool
exposition_valid(struct checker *c, const char *text)
{
	char line[1024];
	size_t lineno = 0;
	const char *p = text, *nl;

	memset(c, 0, sizeof(*c));
	c->current = sizeof(c->fam) / sizeof(c->fam[0]);
	if (*text == '\0' || text[strlen(text) - 1] != '\n')
		return reject(c, 0, "text does not end with a line feed");
	for (; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		lineno++;
		if ((size_t)(nl - p) >= sizeof(line))
			return reject(c, lineno, "line too long");
		memcpy(line, p, (size_t)(nl - p));
		line[nl - p] = '\0';
		if (strchr(line, '\r') != NULL)
			return reject(c, lineno, "carriage return");
		if (line[0] == '\0')
			continue;
		if (line[0] == '#' ? !check_comment(c, lineno, line) :
				     !check_sample(c, lineno, line))
			return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */

static void
test_exact_output(void **state)
{
	struct conn_snapshot s = snap();
	char buf[8192];
	size_t n;

	(void)state;
	n = metrics_render(&s, "subscribed", 7, 86461, buf, sizeof(buf));
	assert_string_equal(buf, expected);
	assert_int_equal(n, strlen(expected));
}

static void
test_not_subscribed_and_idle(void **state)
{
	struct conn_snapshot s = snap();
	char buf[8192];

	(void)state;
	s.state = FSM_IDLE;
	metrics_render(&s, "connecting", 0, 5, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nwspushd_redis_subscribed 0\n"));
	/* No refusal yet: the counter is there, at 0, from the start. */
	assert_non_null(strstr(buf, "\nwspushd_status_write_errors_total 0\n"));
	assert_non_null(strstr(buf, "\nwspushd_connection_state 0\n"));
	assert_non_null(strstr(buf, "\nwspushd_connection_state_info{state=\"idle\"} 1\n"));
	assert_non_null(strstr(buf, "\nwspushd_connection_state_info{state=\"open\"} 0\n"));
	metrics_render(&s, NULL, 0, 5, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nwspushd_redis_subscribed 0\n"));
}

/* Every length from 0 to past the end: same result, cut, never overrun. */
static void
test_truncation(void **state)
{
	struct conn_snapshot s = snap();
	size_t full = strlen(expected), n;
	char *buf = malloc(full + 64);

	(void)state;
	assert_non_null(buf);
	assert_int_equal(metrics_render(&s, "subscribed", 7, 86461, NULL, 0), full);
	for (size_t len = 0; len <= full + 2; len++) {
		memset(buf, 'Z', full + 64);
		n = metrics_render(&s, "subscribed", 7, 86461, buf, len);
		assert_int_equal(n, full);
		for (size_t k = len; k < full + 64; k++)
			assert_int_equal(buf[k], 'Z');
		if (len == 0)
			continue;
		assert_int_equal(strlen(buf), len - 1 < full ? len - 1 : full);
		assert_memory_equal(buf, expected, strlen(buf));
	}
	free(buf);
}

/* The largest counters still fit the limit the server renders into. */
static void
test_largest_numbers(void **state)
{
	struct conn_snapshot s = snap();
	struct checker c;
	char buf[8192];
	size_t n;

	(void)state;
	s.stats.received = s.stats.sent = s.stats.attempts = UINT64_MAX;
	s.stats.connects = s.stats.dropped_overflow = UINT64_MAX;
	s.stats.dropped_oversize = s.stats.dropped_invalid = UINT64_MAX;
	s.stats.confirmed = s.stats.resent = UINT64_MAX;
	s.stats.dropped_refused = UINT64_MAX;
	s.stats.sent_bytes = UINT64_MAX;
	s.stats.last_sent_at = s.stats.last_confirmed_at = INT64_MAX;
	s.queued = s.queued_bytes = SIZE_MAX;
	s.queue_max_messages = s.queue_max_bytes = SIZE_MAX;
	s.state = FSM_CLOSING;
	n = metrics_render(&s, "subscribed", UINT64_MAX, UINT64_MAX,
			   buf, sizeof(buf));
	assert_true(n < sizeof(buf));
	assert_non_null(strstr(buf, "\nwspushd_messages_sent_total 18446744073709551615\n"));
	assert_non_null(strstr(buf, "\nwspushd_status_write_errors_total "
			       "18446744073709551615\n"));
	assert_true(exposition_valid(&c, buf));
}

static void
test_every_line_valid(void **state)
{
	struct conn_snapshot s = snap();
	struct checker c;
	char buf[8192];
	static const char *const families[] = {
		"wspushd_messages_received_total", "wspushd_messages_sent_total",
		"wspushd_messages_confirmed_total", "wspushd_messages_resent_total",
		"wspushd_messages_dropped_total", "wspushd_bytes_sent_total",
		"wspushd_last_sent_timestamp_seconds",
		"wspushd_last_confirmed_timestamp_seconds", "wspushd_queue_messages",
		"wspushd_queue_bytes", "wspushd_queue_max_messages",
		"wspushd_queue_max_bytes",
		"wspushd_connection_attempts_total", "wspushd_connections_total",
		"wspushd_upstream_floods_total",
		"wspushd_on_open_messages_sent_total",
		"wspushd_heartbeats_sent_total", "wspushd_connection_state",
		"wspushd_connection_state_since_timestamp_seconds",
		"wspushd_connection_state_info",
		"wspushd_redis_subscribed", "wspushd_status_write_errors_total",
		"wspushd_uptime_seconds",
		"wspushd_build_info",
	};

	(void)state;
	for (int st = 0; st < FSM_STATE_COUNT; st++) {
		s.state = st;
		metrics_render(&s, st % 2 ? "subscribed" : "down", (uint64_t)st,
			       0, buf, sizeof(buf));
		if (!exposition_valid(&c, buf))
			fail_msg("state %d: %s", st, c.why);
	}
	assert_int_equal(c.nfam, sizeof(families) / sizeof(families[0]));
	for (size_t k = 0; k < c.nfam; k++) {
		assert_string_equal(c.fam[k].name, families[k]);
		assert_true(c.fam[k].help && c.fam[k].typed && c.fam[k].sampled);
		assert_string_equal(c.fam[k].type,
				    strstr(families[k], "_total") ? "counter" : "gauge");
	}
}

/* The checker must catch what it claims to catch. */
/* The streams' families: valid text, names escaped, cut like snprintf. */
static void
test_stream_families(void **state)
{
	static char *const names[] = { "ws:out", "odd\"name\\\n" };
	struct stream_stats st[2] = {
		{ .read = 10, .acked = 9, .claimed = 2, .dead = 1, .pending = 1,
		  .lag = 4, .known = true },
		{ 0 },
	};
	struct checker c;
	char buf[8192], line[256], small[40];
	size_t need;

	(void)state;
	need = stream_report_metrics(names, st, 2, buf, sizeof(buf));
	assert_int_equal(need, strlen(buf));
	assert_true(exposition_valid(&c, buf));
	assert_non_null(strstr(buf, "\nwspushd_stream_entries_read_total{stream=\"ws:out\"} 10\n"));
	assert_non_null(strstr(buf, "\nwspushd_stream_lag{stream=\"ws:out\"} 4\n"));
	assert_non_null(strstr(buf, "{stream=\"odd\\\"name\\\\\\n\"} 0\n"));
	assert_int_equal(stream_report_metrics(names, st, 2, small, sizeof(small)), need);
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_int_equal(stream_report_metrics(names, st, 2, NULL, 0), need);
	stream_report_line(names, st, 1, line, sizeof(line));
	assert_string_equal(line, "ws:out: 10 read, 9 acked, 1 pending, 4 lag, "
			    "2 claimed, 1 dead");
	stream_report_line(names + 1, st + 1, 1, line, sizeof(line));
	assert_non_null(strstr(line, "0 read, 0 acked, 0 claimed"));	/* lag unknown */
}

static void
test_checker_rejects(void **state)
{
	static const char *const bad[] = {
		"# TYPE a counter\na 1",			/* no final \n */
		"a 1\n",					/* no # TYPE */
		"# TYPE a counter\n# TYPE a gauge\na 1\n",	/* two types */
		"# TYPE a kilo\na 1\n",				/* unknown type */
		"# TYPE a gauge\na{b=\"c} 1\n",			/* open quote */
		"# TYPE a gauge\na{b=\"\\x\"} 1\n",		/* bad escape */
		"# TYPE a gauge\na{1b=\"c\"} 1\n",		/* bad label name */
		"# TYPE a gauge\na one\n",			/* bad value */
		"# TYPE a gauge\na  1\n",			/* two blanks */
		"# TYPE a gauge\na 1\na 2\n",			/* duplicate */
		"# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x=\"y\"} 1\n",
		"# TYPE a gauge\na 1\n# HELP a late\n",		/* HELP after samples */
		"# TYPE 9a gauge\n9a 1\n",			/* bad metric name */
		"# TYPE a gauge\na 1\r\n",			/* CRLF */
	};
	struct checker c;

	(void)state;
	assert_true(exposition_valid(&c, "# HELP a x\n# TYPE a gauge\na{b=\"q\\\"\\\\\\n\"} -1.5e3 123\n"));
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		if (exposition_valid(&c, bad[k]))
			fail_msg("accepted bad text #%zu: %s", k, bad[k]);
}

/* The fleet's families: role, term, counts, and the holder escaped. */
static void
test_fleet_families(void **state)
{
	struct fleet_view v = { .role = "leader", .term = 42, .terms_won = 3,
				.fenced = 2, .holder = "host\"a\\:1" };
	static const char want[] =
		"# HELP wspushd_fleet_leader 1 while this instance holds the "
		"fleet lease (and may connect upstream).\n"
		"# TYPE wspushd_fleet_leader gauge\n"
		"wspushd_fleet_leader 1\n"
		"# HELP wspushd_fleet_term The last lease term this instance won "
		"(the fencing token); 0: none.\n"
		"# TYPE wspushd_fleet_term gauge\n"
		"wspushd_fleet_term 42\n"
		"# HELP wspushd_fleet_leader_terms_total Times this instance became "
		"the leader.\n"
		"# TYPE wspushd_fleet_leader_terms_total counter\n"
		"wspushd_fleet_leader_terms_total 3\n"
		"# HELP wspushd_fleet_fenced_total Times this instance stood down "
		"(lease lost, or not renewed in time).\n"
		"# TYPE wspushd_fleet_fenced_total counter\n"
		"wspushd_fleet_fenced_total 2\n"
		"# HELP wspushd_fleet_lease_holder_info The lease's holder, as "
		"this instance last saw it.\n"
		"# TYPE wspushd_fleet_lease_holder_info gauge\n"
		"wspushd_fleet_lease_holder_info{holder=\"host\\\"a\\\\:1\"} 1\n";
	char buf[2048];

	(void)state;
	assert_int_equal(fleet_report_metrics(&v, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	/* Measured whole, cut short. */
	assert_int_equal(fleet_report_metrics(&v, buf, 10), strlen(want));
	assert_int_equal(strlen(buf), 9);
	v.role = "standby";
	fleet_report_metrics(&v, buf, sizeof(buf));
	assert_non_null(strstr(buf, "wspushd_fleet_leader 0\n"));
}

/* Redis, reloads, the status key: exact counts, valid text, cut like snprintf. */
static void
test_extra_families(void **state)
{
	struct metrics_extra x = {
		.redis_subscribed = 3, .redis_failures = 7,
		.reloads_applied = 2, .reloads_rejected = 1,
		.last_reload_at = 1764000000, .last_reload_ok = false,
		.status_conflict = true,
	};
	struct checker c;
	char buf[4096];
	size_t n;

	(void)state;
	n = metrics_render_extra(&x, buf, sizeof(buf));
	assert_int_equal(n, strlen(buf));
	assert_true(exposition_valid(&c, buf));
	assert_non_null(strstr(buf, "\nwspushd_redis_subscriptions_total 3\n"));
	assert_non_null(strstr(buf, "\nwspushd_redis_failures_total 7\n"));
	assert_non_null(strstr(buf, "\nwspushd_reloads_total{result=\"applied\"} 2\n"));
	assert_non_null(strstr(buf, "\nwspushd_reloads_total{result=\"rejected\"} 1\n"));
	assert_non_null(strstr(buf, "\nwspushd_last_reload_success 0\n"));
	assert_non_null(strstr(buf, "\nwspushd_last_reload_timestamp_seconds 1764000000\n"));
	assert_non_null(strstr(buf, "\nwspushd_status_key_conflict 1\n"));
	/* No reload asked for yet: nothing failed. */
	x = (struct metrics_extra){ 0 };
	n = metrics_render_extra(&x, buf, sizeof(buf));
	assert_non_null(strstr(buf, "\nwspushd_last_reload_success 1\n"));
	assert_non_null(strstr(buf, "\nwspushd_status_key_conflict 0\n"));
	/* Measured whole, cut short. */
	assert_int_equal(metrics_render_extra(&x, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_output),
		cmocka_unit_test(test_fleet_families),
		cmocka_unit_test(test_extra_families),
		cmocka_unit_test(test_not_subscribed_and_idle),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_largest_numbers),
		cmocka_unit_test(test_every_line_valid),
		cmocka_unit_test(test_stream_families),
		cmocka_unit_test(test_checker_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
