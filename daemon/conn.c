/*
 * conn.c - the upstream WebSocket connection: libwebsockets glue around
 * the pure state machine in fsm.c.  See conn.h.
 *
 * Library callbacks and timers never change state themselves; they post
 * an event.  Events are processed one at a time, in order, by
 * conn_event(); if an action re-enters libwebsockets and a callback
 * posts a new event meanwhile, that event waits in a small ring until
 * the current one is finished.  This is what makes the fsm the only
 * place that decides anything.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "wspushd/backoff.h"
#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/deadlines.h"
#include "wspushd/dns.h"
#include "wspushd/fsm.h"
#include "wspushd/fin_wait.h"
#include "wspushd/heartbeat.h"
#include "wspushd/log.h"
#include "wspushd/outbox.h"
#include "wspushd/refusal.h"
#include "wspushd/rx_gate.h"
#include "wspushd/sockopt.h"
#include "wspushd/tls.h"
#include "wspushd/upgrade.h"
#include "wspushd/watch.h"
#include "wspushd/wsock.h"

/*
 * One WRITEABLE callback writes at most WRITE_RUNS runs of queued frames
 * of up to CONN_WRITE_RUN_BYTES each, then lets Redis and timers have a turn.
 */
#define WRITE_RUNS 4
#define EVENT_RING 16
/* Even past the drain time, a Close gets this long to be answered. */
#define CLOSE_WAIT_MIN_MS 250

struct pending_event {
	enum fsm_event ev;
	char reason[160];
};

struct conn {
	struct lws_context *ctx;
	struct lws_vhost *vh;		/* for our own watches */
	struct lws_vhost *client_vh;	/* what the upstream connects through */
	const struct config *cfg;

	struct fsm fsm;
	struct dns *dns;
	struct dns_query *query;	/* resolving the host, or NULL */
	struct lws *wsi;		/* the one socket, or NULL */
	struct wsock sock;		/* that socket's own life (wsock.h) */
	struct heartbeat live;		/* pings and the pong deadline */
	bool in_callback;		/* inside a callback of c->wsi */
	size_t rx_bytes;		/* of the server's message in progress */
	struct rx_gate rx;		/* what the server may make us read */
	bool flood_logged;		/* said once per connection */
	uint64_t retry_floor_ms;	/* next delay at least this, then 0 */

	/*
	 * After a clean close handshake the socket is kept (as a dup) until
	 * the server closes TCP first, so that TIME_WAIT lands on its side.
	 * Meanwhile the socket still counts: wsock says when it is gone.
	 */
	struct fin_wait *fin_wait;

	struct outbox out;		/* what waits for the upstream */
	struct conn_stats stats;
	struct rng rng;

	struct deadlines timers;	/* every timer, as data (deadlines.h) */
	lws_sorted_usec_list_t timer;	/* the one lws timer: the earliest */

	struct pending_event ring[EVENT_RING];
	unsigned ring_head, ring_len;
	bool dispatching;

	struct upgrade req;		/* the upgrade request; its endpoint names us in logs */
	struct log_repeat err_log;	/* connect failures */

	void (*on_exit)(void *);
	void *exit_arg;
	void (*observer)(void *);
	void *observer_arg;

	time_t state_since;		/* wall clock, for status reports */
	uint64_t drain_deadline_ms;	/* monotonic; while stopping */
	char last_error[160];		/* since the last successful connect */
};

static void run_actions(struct conn *c, const struct fsm_output *out,
			const char *reason);

/* ---- events ---------------------------------------------------------- */

static void
conn_event(struct conn *c, enum fsm_event ev, const char *reason)
{
	struct pending_event *pe;

	if (c->ring_len == EVENT_RING) {
		/* Cannot happen with one socket; if it does, say so loudly. */
		log_err("upstream: event ring full, dropping '%s'",
			fsm_event_name(ev));
		return;
	}
	pe = &c->ring[(c->ring_head + c->ring_len) % EVENT_RING];
	pe->ev = ev;
	/* Reasons are for the log; a long one is cut on purpose. */
	snprintf(pe->reason, sizeof(pe->reason), "%.*s",
		 (int)sizeof(pe->reason) - 1,
		 reason != NULL ? reason : fsm_event_name(ev));
	c->ring_len++;
	if (c->dispatching)
		return;

	c->dispatching = true;
	while (c->ring_len > 0) {
		struct pending_event cur = c->ring[c->ring_head];
		struct fsm_output out;

		c->ring_head = (c->ring_head + 1) % EVENT_RING;
		c->ring_len--;
		out = fsm_step(&c->fsm, cur.ev);
		if (out.old_state != out.new_state) {
			/*
			 * While the upstream keeps failing, the cycle of state
			 * changes is the same every time: log it at debug and
			 * let the repeat-suppressed error line speak for it.
			 */
			int prio = c->fsm.failures > 0 &&
				   out.new_state != FSM_OPEN &&
				   out.old_state != FSM_OPEN ? LOG_DEBUG : LOG_INFO;

			log_msg(prio, "upstream: %s -> %s (%s)",
				fsm_state_name(out.old_state),
				fsm_state_name(out.new_state), cur.reason);
			c->state_since = time(NULL);
			if (out.new_state == FSM_CLOSING && !c->fsm.stopping)
				snprintf(c->last_error, sizeof(c->last_error),
					 "%s", cur.reason);
		}
		run_actions(c, &out, cur.reason);
		if (out.old_state != out.new_state && c->observer != NULL)
			c->observer(c->observer_arg);
	}
	c->dispatching = false;
}

/* ---- timers ---------------------------------------------------------- */

/* Which part of an attempt a timeout interrupted, for the log. */
static const char *
attempt_phase(const struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = c->wsi != NULL ? lws_get_socket_fd(c->wsi) : -1;
	bool tcp_up = fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0;

	return wsock_phase(&c->sock, c->cfg->url.tls, tcp_up);
}


static void timer_fired(lws_sorted_usec_list_t *sul);

/* The one timer, armed for the earliest deadline (deadlines.h). */
static void
rearm(struct conn *c)
{
	uint64_t at = deadlines_next(&c->timers), now = monotonic_ms();

	if (at == 0)
		lws_sul_cancel(&c->timer);
	else
		lws_sul_schedule(c->ctx, 0, &c->timer, timer_fired,
				 (lws_usec_t)(at > now ? at - now : 0) * LWS_US_PER_MS);
}

/* Arm kind k in ms from now, or disarm it with ms == UINT64_MAX. */
static void
set_timer(struct conn *c, enum deadline_kind k, uint64_t ms)
{
	deadlines_set(&c->timers, k, ms == UINT64_MAX ? 0 : monotonic_ms() + ms);
	rearm(c);
}

#define NO_TIMER UINT64_MAX

static void
connect_timed_out(struct conn *c)
{
	char why[64];

	snprintf(why, sizeof(why), "timed out after %llums during %s",
		 (unsigned long long)c->cfg->connect_timeout_ms, attempt_phase(c));
	log_repeated(&c->err_log, LOG_WARNING, "upstream: connect to %s failed: %s",
		     c->req.endpoint, why);
	conn_event(c, EV_CONNECT_TIMEOUT, why);
}

static void
drain_over(struct conn *c)
{
	if (outbox_count(&c->out) > 0)
		log_warnx("upstream: drain time over with %zu message(s) undelivered",
			  outbox_count(&c->out));
	conn_event(c, EV_DRAIN_TIMEOUT, "drain time over");
}

/* A ping fell due, or the deadline for a sign of life passed. */
static void
heartbeat_due(struct conn *c)
{
	char why[96];

	switch (heartbeat_tick(&c->live, monotonic_ms())) {
	case HEARTBEAT_PING_DUE:
		if (c->wsi != NULL)
			lws_callback_on_writable(c->wsi);
		break;
	case HEARTBEAT_DEAD:
		snprintf(why, sizeof(why), "no %s within %llums of a ping",
			 c->cfg->liveness == LIVENESS_PONG ? "pong" : "frame",
			 (unsigned long long)c->cfg->pong_timeout_ms);
		log_warnx("upstream: %s: %s, the connection is dead",
			  c->req.endpoint, why);
		conn_event(c, EV_PEER_DEAD, why);
		break;
	case HEARTBEAT_NOTHING_DUE:
		break;
	}
}

/* The heartbeat's next deadline, whatever it is, is the timer's. */
static void
arm_liveness(struct conn *c)
{
	deadlines_set(&c->timers, DL_HEARTBEAT, heartbeat_next(&c->live));
	rearm(c);
}

/* Each due deadline becomes the event it stands for, earliest first. */
static void
timer_fired(lws_sorted_usec_list_t *sul)
{
	struct conn *c = lws_container_of(sul, struct conn, timer);

	/* Bounded: a handler may arm its own kind again, for now. */
	for (int n = 0; n < DL_COUNT; n++) {
		switch (deadlines_take_due(&c->timers, monotonic_ms())) {
		case DL_RETRY:
			conn_event(c, EV_CONNECT, "retry timer");
			break;
		case DL_CONNECT:
			connect_timed_out(c);
			break;
		case DL_STABLE:
			conn_event(c, EV_STABLE, NULL);
			break;
		case DL_CLOSE:
			conn_event(c, EV_CLOSE_TIMEOUT, "close handshake timed out");
			break;
		case DL_DRAIN:
			drain_over(c);
			break;
		case DL_HEARTBEAT:
			heartbeat_due(c);
			deadlines_set(&c->timers, DL_HEARTBEAT,
				      heartbeat_next(&c->live));
			break;
		case DL_COUNT:
			n = DL_COUNT;
			break;
		}
	}
	rearm(c);
}

/* Any sign of life the configuration accepts: the pong deadline is off. */
static void
peer_alive(struct conn *c)
{
	heartbeat_sign_of_life(&c->live);
	arm_liveness(c);
}

static void
cancel_ping_timers(struct conn *c)
{
	heartbeat_stop(&c->live);
	set_timer(c, DL_HEARTBEAT, NO_TIMER);
}

/* ---- bounding what the server makes us read --------------------------- */

void
conn_after_service(struct conn *c)
{
	uint64_t over;

	/* Open, or closing: a server may flood while we wait for its Close. */
	if (c->fsm.state != FSM_OPEN && c->fsm.state != FSM_CLOSING)
		return;
	over = rx_gate_after_service(&c->rx);
	if (over == 0)
		return;
	c->stats.rx_floods++;
	if (!c->flood_logged) {
		c->flood_logged = true;
		log_warnx("upstream: %s sent %llu bytes of control frames and "
			  "headers in %ums; reading it at a bounded rate",
			  c->req.endpoint, (unsigned long long)over, RX_WINDOW_MS);
	}
}

/* ---- waiting for the server's FIN ------------------------------------- */

/*
 * Carry out what wsock.h decided about the socket.  WSOCK_GONE is the
 * one source of EV_SOCKET_GONE, on which "one socket at a time" rests.
 */
static void
carry_out(struct conn *c, unsigned a, const char *why)
{
	if ((a & WSOCK_CANCEL_QUERY) && c->query != NULL) {
		dns_cancel(c->query);
		c->query = NULL;
	}
	/*
	 * Killing synchronously closes the descriptor now, which is what a
	 * timeout promises; inside one of this socket's own callbacks that
	 * would pull the wsi out from under lws, so it waits a turn there.
	 */
	if ((a & WSOCK_KILL) && c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
				c->in_callback ? LWS_TO_KILL_ASYNC : LWS_TO_KILL_SYNC);
	if ((a & WSOCK_END_FIN_WAIT) && c->fin_wait != NULL)
		fin_wait_end(c->fin_wait);	/* fin_wait_done() follows */
	if ((a & WSOCK_WANT_WRITE) && c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
	if (a & WSOCK_GONE)
		conn_event(c, EV_SOCKET_GONE, why);
}

static void
fin_wait_done(void *arg)
{
	struct conn *c = arg;

	c->fin_wait = NULL;
	carry_out(c, wsock_fin_done(&c->sock), "socket closed");
}

/* ---- actions --------------------------------------------------------- */

/* The name is resolved: open the one socket, to that address. */
static void
connect_to(struct conn *c, const char *ip)
{
	wsock_connecting(&c->sock);
	if (upgrade_connect(&c->req, c->cfg, c->ctx, c->client_vh, ip,
			    CONN_PROTOCOL_NAME, c, &c->wsi) == NULL &&
	    c->wsi == NULL && wsock_live(&c->sock)) {
		/*
		 * Failed before any socket existed and lws did not report
		 * WSI_DESTROY: there is no socket to wait for.
		 */
		log_repeated(&c->err_log, LOG_WARNING,
			     "upstream: connect to %s failed", c->req.endpoint);
		conn_event(c, EV_CONNECT_FAILED, "connect failed");
		carry_out(c, wsock_failed_early(&c->sock), "connect failed");
	}
}

static void
resolved(void *arg, int status, const struct dns_result *res)
{
	struct conn *c = arg;

	c->query = NULL;
	if (status != DNS_OK) {
		log_repeated(&c->err_log, LOG_WARNING,
			     "upstream: cannot resolve %s: %s", c->cfg->url.host,
			     res->error);
		conn_event(c, EV_CONNECT_FAILED, res->error);
		carry_out(c, wsock_failed_early(&c->sock), "name not resolved");
		return;
	}
	connect_to(c, res->addrs[fsm_address(&c->fsm, (uint32_t)res->count)].ip);
}

/*
 * One attempt: resolve (without blocking the loop), then connect.  From
 * here until SOCKET_GONE the attempt counts as the one socket, even
 * while it is only a DNS query.
 */
static void
open_socket(struct conn *c)
{
	wsock_attempt(&c->sock);
	c->rx_bytes = 0;
	tls_take_error();	/* a reason from an earlier attempt is not ours */
	c->stats.attempts++;
	log_debug("upstream: attempt %llu to %s",
		  (unsigned long long)c->stats.attempts, c->req.endpoint);
	c->query = dns_resolve(c->dns, c->cfg->url.host, c->cfg->dns_timeout_ms,
			       resolved, c);
	if (c->query == NULL) {
		log_warn("upstream: cannot start resolving %s", c->cfg->url.host);
		conn_event(c, EV_CONNECT_FAILED, "cannot resolve");
		carry_out(c, wsock_failed_early(&c->sock), "cannot resolve");
	}
}

/*
 * How long a close may take.  While stopping, the whole shutdown is
 * meant to fit in drain_timeout: a server that does not answer the Close
 * gets what is left of it (but a moment at least), not close_timeout.
 */
static uint64_t
close_wait_ms(const struct conn *c)
{
	uint64_t ms = c->cfg->close_timeout_ms, now, left;

	if (!c->fsm.stopping)
		return ms;
	now = monotonic_ms();
	left = c->drain_deadline_ms > now ? c->drain_deadline_ms - now : 0;
	if (left < CLOSE_WAIT_MIN_MS)
		left = CLOSE_WAIT_MIN_MS;
	return left < ms ? left : ms;
}

static void
schedule_retry(struct conn *c, uint32_t attempt)
{
	uint64_t ms = backoff_delay_ms(c->cfg->backoff_min_ms,
				       c->cfg->backoff_max_ms, attempt,
				       rng_next(&c->rng));

	/* The server asked for patience (Retry-After, a close code). */
	if (ms < c->retry_floor_ms)
		ms = c->retry_floor_ms;
	c->retry_floor_ms = 0;

	log_debug("upstream: next attempt in %llu.%03llus (failure %u)",
		  (unsigned long long)(ms / 1000), (unsigned long long)(ms % 1000),
		  attempt);
	set_timer(c, DL_RETRY, ms);
}

static void
run_actions(struct conn *c, const struct fsm_output *out, const char *reason)
{
	unsigned a = out->actions;
	const struct config *cfg = c->cfg;

	if (a & ACT_CANCEL_RETRY_TIMER)
		set_timer(c, DL_RETRY, NO_TIMER);
	if (a & ACT_CANCEL_CONNECT_TIMER)
		set_timer(c, DL_CONNECT, NO_TIMER);
	if (a & ACT_CANCEL_STABLE_TIMER)
		set_timer(c, DL_STABLE, NO_TIMER);
	if (a & ACT_CANCEL_CLOSE_TIMER)
		set_timer(c, DL_CLOSE, NO_TIMER);
	if (a & ACT_CANCEL_PING_TIMERS)
		cancel_ping_timers(c);
	if (a & ACT_RESET_BACKOFF)
		log_debug("upstream: connection stable, backoff reset");
	if (a & ACT_OPEN_SOCKET)
		open_socket(c);
	if (a & ACT_ARM_CONNECT_TIMER)
		set_timer(c, DL_CONNECT, cfg->connect_timeout_ms);
	if (a & ACT_ARM_STABLE_TIMER)
		set_timer(c, DL_STABLE, cfg->backoff_reset_ms);
	if (a & ACT_ARM_PING_TIMER) {
		heartbeat_start(&c->live, monotonic_ms(), cfg->ping_interval_ms,
			       cfg->pong_timeout_ms);
		arm_liveness(c);
	}
	if (a & ACT_START_SENDING) {
		c->stats.connects++;
		c->last_error[0] = '\0';
		log_repeat_reset(&c->err_log, LOG_WARNING);
		if (outbox_count(&c->out) > 0 && c->wsi != NULL)
			lws_callback_on_writable(c->wsi);
		else if (c->fsm.stopping)
			conn_event(c, EV_QUEUE_DRAINED, "queue empty");
	}
	if (a & ACT_ARM_DRAIN_TIMER) {
		c->drain_deadline_ms = monotonic_ms() + cfg->drain_timeout_ms;
		set_timer(c, DL_DRAIN, cfg->drain_timeout_ms);
	}
	if (a & ACT_SEND_CLOSE)
		carry_out(c, wsock_close(&c->sock, out->close_code), NULL);
	if (a & ACT_ABORT_SOCKET)
		carry_out(c, wsock_drop(&c->sock), "socket dropped");
	if (a & ACT_ARM_CLOSE_TIMER)
		set_timer(c, DL_CLOSE, close_wait_ms(c));
	if (a & ACT_ARM_RETRY_TIMER)
		schedule_retry(c, out->attempt);
	if (a & ACT_REFUSED)
		log_debug("upstream: '%s' refused while %s", reason,
			  fsm_state_name(out->new_state));
	if (a & ACT_EXIT) {
		set_timer(c, DL_DRAIN, NO_TIMER);
		set_timer(c, DL_RETRY, NO_TIMER);
		c->on_exit(c->exit_arg);
	}
}

/* ---- writing --------------------------------------------------------- */

static int
write_queued(struct conn *c, struct lws *wsi)
{
	bool more;

	if (outbox_write(&c->out, wsi, CONN_WRITE_RUN_BYTES, WRITE_RUNS,
			 &more) < 0)
		return -1;
	if (more)
		lws_callback_on_writable(wsi);
	else if (c->fsm.stopping)
		conn_event(c, EV_QUEUE_DRAINED, "queue empty");
	return 0;
}

static int
on_writeable(struct conn *c, struct lws *wsi)
{
	uint16_t code = c->sock.close_code;
	const char *reason = code == FSM_CLOSE_TOO_BIG ? "message too big" :
			     code == FSM_CLOSE_GOING_AWAY ? "going away" :
			     "reconnecting";

	switch (wsock_writable(&c->sock)) {
	case WSOCK_WRITE_CLOSE:
		/* Returning -1 makes lws send the Close (wsock: exactly once). */
		lws_close_reason(wsi, code, (unsigned char *)reason, strlen(reason));
		log_info("upstream: sending close %u", code);
		return -1;
	case WSOCK_WRITE_DATA:
		break;
	default:
		return 0;
	}
	if (c->fsm.state != FSM_OPEN)
		return 0;
	if (heartbeat_ping_due(&c->live)) {
		unsigned char ping[LWS_PRE + 8] = { 0 };

		/* Ahead of any queued data, so a backlog cannot hide a dead peer. */
		if (lws_write(wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0)
			return -1;
		heartbeat_ping_written(&c->live, monotonic_ms());
		arm_liveness(c);
	}
	return write_queued(c, wsi);
}

/* ---- callbacks ------------------------------------------------------- */

/* The upgrade got an HTTP answer other than 101: say which, and heed it. */
static void
describe_http_refusal(struct conn *c, struct lws *wsi, int status,
		      char *why, size_t whylen)
{
	static char loc[REFUSAL_LOCATION_MAX];
	char ra[64];
	struct refusal_headers h = { 0 };
	uint64_t floor_ms;

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_LOCATION) > 0) {
		if (lws_hdr_copy(wsi, loc, sizeof(loc), WSI_TOKEN_HTTP_LOCATION) < 0)
			h.location_too_long = true;
		else
			h.location = loc;
	}
	if (lws_hdr_copy(wsi, ra, sizeof(ra), WSI_TOKEN_HTTP_RETRY_AFTER) > 0)
		h.retry_after = ra;
	floor_ms = refusal_describe(status, &h, time(NULL), why, whylen);
	if (floor_ms > 0)
		c->retry_floor_ms = floor_ms;
}

static void
on_peer_close(struct conn *c, const void *in, size_t len)
{
	const unsigned char *b = in;
	unsigned code = 0;
	bool slow;

	if (len >= 2)
		code = (unsigned)b[0] << 8 | b[1];
	wsock_peer_close(&c->sock);
	slow = close_code_set_has(&c->cfg->slow_retry_codes, code);
	if (slow)
		c->retry_floor_ms = c->cfg->backoff_max_ms;
	log_msg(code == 1000 || code == 1001 ? LOG_INFO : LOG_WARNING,
		"upstream: server closed the connection with %u%s%.*s%s", code,
		len > 2 ? ": " : "", len > 2 ? (int)(len - 2) : 0,
		len > 2 ? (const char *)b + 2 : "",
		slow ? " (next attempt after backoff_max)" : "");
}

/*
 * What the server sends is read and dropped: wspushd only pushes.  But a
 * server must not make us buffer without bound, so one of its messages
 * may be no larger than one of ours.
 */
static int
on_receive(struct conn *c, struct lws *wsi, size_t len)
{
	char why[96];

	/* Once we fail the connection, what still comes counts as overhead. */
	if (!wsock_carrying(&c->sock))
		return 0;	/* closing: the rest is not our business */
	rx_gate_data(&c->rx, len);
	c->rx_bytes += len;
	if (c->rx_bytes > c->cfg->max_message_bytes) {
		/*
		 * Not closed from here: returning -1 inside RECEIVE in the
		 * middle of a large frame crashes lws 4.1.6.  The fsm asks
		 * for a Close, which is sent from WRITEABLE.
		 */
		snprintf(why, sizeof(why), "server message over %zu bytes "
			 "(max_message_size)", c->cfg->max_message_bytes);
		log_warnx("upstream: %s: closing with 1009", why);
		conn_event(c, EV_MESSAGE_TOO_BIG, why);
		/*
		 * The connection is being failed: whatever else the server
		 * sends would only be read to be thrown away, at full speed,
		 * until close_timeout.  Read on at a bounded rate, enough to
		 * find the server's answering Close.
		 */
		rx_gate_throttle(&c->rx);
		return 0;
	}
	if (lws_is_final_fragment(wsi))
		c->rx_bytes = 0;
	log_debug("upstream: ignoring %zu byte(s) from the server", len);
	return 0;
}

static int
dispatch_callback(struct conn *c, struct lws *wsi,
		  enum lws_callback_reasons reason, void *in, size_t len)
{
	const char *tls_why;
	char why[200];
	int status;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		/* TCP (and TLS) are up: the earliest moment to tune the socket. */
		wsock_upgrading(&c->sock);
		if (sockopt_tune_tcp(lws_get_socket_fd(wsi), c->cfg) < 0)
			log_warn("upstream: cannot set TCP options");
		return upgrade_append_headers(&c->req, wsi, in, len);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		status = (int)lws_http_client_http_response(wsi);
		tls_why = tls_take_error();
		if (status >= 100 && status != 101)
			describe_http_refusal(c, wsi, status, why, sizeof(why));
		else if (tls_why[0] != '\0')
			/* lws' own text here is an opaque OpenSSL code. */
			snprintf(why, sizeof(why), "TLS: %s", tls_why);
		else
			snprintf(why, sizeof(why), "%s",
				 in != NULL ? (const char *)in : "connection error");
		log_repeated(&c->err_log, LOG_WARNING,
			     "upstream: connect to %s failed: %s",
			     c->req.endpoint, why);
		conn_event(c, EV_CONNECT_FAILED, why);
		break;
	case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
		/*
		 * Not reached with LCCSCF_HTTP_NO_FOLLOW_REDIRECT; should lws
		 * ever offer to follow one anyway, the answer is no.
		 */
		return 1;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		log_info("upstream: connected to %s", c->req.endpoint);
		wsock_open(&c->sock);
		c->flood_logged = false;
		rx_gate_open(&c->rx, c->ctx, wsi, c->cfg->url.tls);
		conn_event(c, EV_ESTABLISHED, "handshake complete");
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		peer_alive(c);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (c->cfg->liveness == LIVENESS_ANY)
			peer_alive(c);
		return on_receive(c, wsi, len);
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		on_peer_close(c, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		/* After a clean close handshake, let the server close TCP first. */
		if (wsock_closed(&c->sock) & WSOCK_START_FIN_WAIT) {
			c->fin_wait = fin_wait_start(c->ctx, c->vh,
						     lws_get_socket_fd(wsi),
						     c->cfg->fin_timeout_ms,
						     fin_wait_done, c);
			/* fin_timeout = 0, or no dup: nothing to wait for. */
			if (c->fin_wait == NULL)
				carry_out(c, wsock_fin_done(&c->sock), "socket closed");
		}
		conn_event(c, EV_PEER_CLOSED, "connection closed");
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		wsock_closed(&c->sock);
		conn_event(c, EV_PEER_CLOSED, "closed during handshake");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		c->wsi = NULL;
		rx_gate_close(&c->rx);
		carry_out(c, wsock_destroyed(&c->sock), "socket closed");
		break;
	default:
		break;
	}
	return 0;
}

int
conn_protocol_callback(struct lws *wsi, enum lws_callback_reasons reason,
		       void *user, void *in, size_t len)
{
	struct conn *c = wsi != NULL ? lws_get_opaque_user_data(wsi) : NULL;
	bool outer;
	int r;

	if (c == NULL)
		return 0;
	/*
	 * There is only ever one socket, but lws can still call back for a
	 * wsi we already consider gone; such calls mean nothing to us.
	 */
	if (c->wsi != NULL && wsi != c->wsi) {
		log_debug("upstream: callback %d for a stale socket ignored", reason);
		return 0;
	}
	outer = !c->in_callback;
	c->in_callback = true;
	r = dispatch_callback(c, wsi, reason, in, len);
	if (outer)
		c->in_callback = false;
	return r;
}

/* ---- input ----------------------------------------------------------- */

void
conn_submit(struct conn *c, const void *data, size_t len)
{
	if (outbox_submit(&c->out, c->cfg, data, len) &&
	    c->fsm.state == FSM_OPEN && wsock_carrying(&c->sock) && c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
}

void
conn_drop_oversize(struct conn *c, const char *channel, size_t channel_len,
		   uint64_t len)
{
	outbox_drop_oversize(&c->out, c->cfg, channel, channel_len, len);
}

/* ---- life cycle ------------------------------------------------------ */

int
conn_config_changed(struct conn *c)
{
	/* The header values pointed into the configuration just replaced. */
	if (upgrade_set(&c->req, c->cfg) < 0)
		return -1;
	outbox_set_limits(&c->out, c->cfg);
	return 0;
}

void
conn_set_client_vhost(struct conn *c, struct lws_vhost *vh)
{
	c->client_vh = vh;
}

void
conn_restart(struct conn *c)
{
	conn_event(c, EV_RESTART, "configuration reloaded");
}

struct conn *
conn_new(struct lws_context *ctx, struct lws_vhost *vh, struct dns *dns,
	 const struct config *cfg, void (*on_exit)(void *), void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->ctx = ctx;
	c->vh = vh;
	c->client_vh = vh;
	c->dns = dns;
	c->cfg = cfg;
	c->on_exit = on_exit;
	c->exit_arg = arg;
	c->state_since = time(NULL);
	rng_seed_random(&c->rng);
	outbox_init(&c->out, cfg, &c->stats);
	if (upgrade_set(&c->req, cfg) < 0) {
		conn_free(c);
		return NULL;
	}
	return c;
}

void
conn_free(struct conn *c)
{
	if (c == NULL)
		return;
	/* Every deadline off, then the one timer: nothing re-arms it after. */
	memset(&c->timers, 0, sizeof(c->timers));
	lws_sul_cancel(&c->timer);
	rx_gate_close(&c->rx);
	if (c->query != NULL)
		dns_cancel(c->query);
	/*
	 * A socket still open is closed by lws_context_destroy() later;
	 * its callbacks must not find this struct any more.
	 */
	if (c->wsi != NULL)
		lws_set_opaque_user_data(c->wsi, NULL);
	fin_wait_abandon(c->fin_wait);
	outbox_free(&c->out);
	upgrade_free(&c->req);
	free(c);
}

void
conn_start(struct conn *c)
{
	conn_event(c, EV_CONNECT, "start");
}

void
conn_shutdown(struct conn *c)
{
	conn_event(c, EV_SHUTDOWN, "shutdown requested");
	if (outbox_count(&c->out) == 0)
		conn_event(c, EV_QUEUE_DRAINED, "queue empty");
	else
		log_info("upstream: draining %zu queued message(s)", outbox_count(&c->out));
}

void
conn_snapshot(const struct conn *c, struct conn_snapshot *out)
{
	uint64_t now = monotonic_ms();

	out->state = (int)c->fsm.state;
	out->state_name = fsm_state_name(c->fsm.state);
	out->stopping = c->fsm.stopping;
	out->since = c->state_since;
	out->attempt = c->stats.attempts;
	out->retry_in_ms = c->timers.at[DL_RETRY] > now ?
			   c->timers.at[DL_RETRY] - now : 0;
	out->endpoint = c->req.endpoint;
	out->last_error = c->last_error;
	out->stats = c->stats;
	out->queued = outbox_count(&c->out);
}

void
conn_set_observer(struct conn *c, void (*fn)(void *), void *arg)
{
	c->observer = fn;
	c->observer_arg = arg;
}

const struct conn_stats *
conn_get_stats(const struct conn *c)
{
	return &c->stats;
}

size_t
conn_queued(const struct conn *c)
{
	return outbox_count(&c->out);
}
