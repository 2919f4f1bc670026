/*
 * conn_callbacks.c - what libwebsockets reports about the upstream
 * socket, as inputs for the core (upstream_core.h).  See conn_callbacks.h.
 *
 * Only two reports are stepped at once rather than through the ring:
 * WRITEABLE, whose return value is the answer (-1 sends our Close), and
 * the server's Close, whose log line says what the core made of its code.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libwebsockets.h>

#include "conn_internal.h"
#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/conn_callbacks.h"
#include "wspushd/sockopt.h"
#include "wspushd/tls.h"
#include "wspushd/utf8.h"
#include "wspushd/ws_frame.h"

/*
 * The n messages in one raw write, each a masked frame (ws_frame.h) of
 * type: lws keeps whatever the socket does not take.  0, or -1 if the
 * socket failed.
 */
static int
write_messages(struct conn *c, struct lws *wsi, char *const *msgs, size_t n,
	       enum message_type type)
{
	unsigned char *buf, *p, key[4];
	size_t total = 0;
	int r;

	for (size_t i = 0; i < n; i++)
		total += ws_frame_header_len(strlen(msgs[i])) + strlen(msgs[i]);
	buf = malloc(LWS_PRE + total);
	if (buf == NULL) {
		log_err("upstream: out of memory writing %zu message(s)", n);
		return -1;
	}
	p = buf + LWS_PRE;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(msgs[i]);
		bool binary = type == MESSAGE_BINARY ||
			      (type == MESSAGE_AUTO && !utf8_valid(msgs[i], len));

		if (ws_mask_keys_next(&c->out.mask_keys, key) < 0) {
			free(buf);
			log_warn("upstream: no random masking key");
			return -1;
		}
		p += ws_frame_encode(p, msgs[i], len, binary, key);
	}
	r = lws_write(wsi, buf + LWS_PRE, total, LWS_WRITE_RAW);
	/* They may hold a login: the copy goes as the originals do. */
	explicit_bzero(buf, LWS_PRE + total);
	free(buf);
	return r < 0 || (size_t)r < total ? -1 : 0;
}

/* What the connection says of its own accord (greeting.h). */
static int
write_greeting(struct conn *c, struct lws *wsi, unsigned actions)
{
	const struct config *cfg = c->cfg;

	if (actions & UACT_WRITE_HELLO) {
		if (write_messages(c, wsi, cfg->on_open.items, cfg->on_open.count,
				   cfg->on_open_type) < 0)
			return -1;
		c->stats.on_open_sent += cfg->on_open.count;
		/* Never their contents: a login holds a secret. */
		log_info("upstream: sent %zu on-open message(s)%s",
			 cfg->on_open.count, cfg->on_open_wait_ms > 0 ?
			 "; the queue waits for the server's answer" : "");
	}
	if ((actions & UACT_WRITE_BEAT) && cfg->heartbeat_message != NULL) {
		char *beat = cfg->heartbeat_message;

		if (write_messages(c, wsi, &beat, 1, MESSAGE_TEXT) < 0)
			return -1;
		c->stats.heartbeats_sent++;
		log_debug("upstream: heartbeat sent");
	}
	return 0;
}

static int
on_writeable(struct conn *c, struct lws *wsi)
{
	struct upstream_input in = { .ev = UEV_WRITABLE, .why = "writable" };
	struct upstream_output out;
	const char *reason;
	uint64_t head;

	/* Answered at once: what this callback returns depends on it. */
	conn_step_now(c, &in, &out);
	if (out.actions & UACT_WRITE_CLOSE) {
		/* Returning -1 makes lws send the Close (the core: exactly once). */
		reason = upstream_close_reason(out.close_code);
		lws_close_reason(wsi, out.close_code, (unsigned char *)reason,
				 strlen(reason));
		log_info("upstream: sending close %u", out.close_code);
		return -1;
	}
	if (write_greeting(c, wsi, out.actions & UACT_WRITE_HELLO) < 0)
		return -1;
	if (out.actions & UACT_WRITE_PING) {
		unsigned char ping[LWS_PRE + CONFIRM_PING_BYTES];

		/* It carries the number its Pong confirms (confirm.h). */
		confirm_encode(out.ping_seq, ping + LWS_PRE);
		if (lws_write(wsi, ping + LWS_PRE, CONFIRM_PING_BYTES,
			      LWS_WRITE_PING) < 0)
			return -1;
	}
	if (write_greeting(c, wsi, out.actions & UACT_WRITE_BEAT) < 0)
		return -1;
	if (!(out.actions & UACT_WRITE_DATA))
		return 0;
	head = c->out.queue.head_seq;
	/* One frame only, while resending carefully (resend.h). */
	if (outbox_write(&c->out, wsi, out.write_one ? 1 : CONN_WRITE_RUN_BYTES,
			 out.write_one ? 1 : WRITE_RUNS, out.keep_written) < 0)
		return -1;
	/* At most once, written is delivered. */
	if (c->out.queue.head_seq != head)
		conn_settled(c, c->out.queue.head_seq, head);
	conn_report_event(c, UEV_WRITTEN, "queue written");
	return 0;
}

static void
on_connection_error(struct conn *c, struct lws *wsi, const char *in)
{
	struct upstream_input ev = { .ev = UEV_CONNECT_ERROR };
	int status = (int)lws_http_client_http_response(wsi);
	const char *tls_why = tls_take_error();
	char why[200];

	if (status >= 100 && status != 101)
		ev.floor_ms = upgrade_refusal(wsi, status, why, sizeof(why));
	else if (tls_why[0] != '\0')
		/* lws' own text here is an opaque OpenSSL code. */
		snprintf(why, sizeof(why), "TLS: %s", tls_why);
	else
		snprintf(why, sizeof(why), "%s", in != NULL ? in : "connection error");
	log_repeated(&c->err_log, LOG_WARNING, "upstream: connect to %s failed: %s",
		     c->req.endpoint, why);
	ev.why = why;
	conn_report(c, &ev);
}

static void
on_peer_close(struct conn *c, const void *in, size_t len)
{
	const unsigned char *b = in;
	struct upstream_input ev = { .ev = UEV_PEER_CLOSE, .why = "server's Close" };
	struct upstream_output out;

	if (len >= 2)
		ev.code = (uint16_t)(b[0] << 8 | b[1]);
	/* At once: its log line says what the core made of the code. */
	conn_step_now(c, &ev, &out);
	log_msg(ev.code == 1000 || ev.code == 1001 ? LOG_INFO : LOG_WARNING,
		"upstream: server closed the connection with %u%s%.*s%s", ev.code,
		len > 2 ? ": " : "", len > 2 ? (int)(len - 2) : 0,
		len > 2 ? (const char *)b + 2 : "",
		out.slow_retry ? " (next attempt after backoff_max)" : "");
}

/* lws closed it: its descriptor still exists now, for the FIN wait. */
static void
on_closed(struct conn *c, struct lws *wsi, const char *why)
{
	struct upstream_input in = { .ev = UEV_CLOSED, .why = why,
				     .fd = lws_get_socket_fd(wsi) };

	conn_report(c, &in);
}

static void
on_pong(struct conn *c, const void *payload, size_t len)
{
	struct upstream_input in = { .ev = UEV_PONG, .len = len };

	memcpy(in.pong, payload, len < sizeof(in.pong) ? len : sizeof(in.pong));
	conn_report(c, &in);
}

static void
on_receive(struct conn *c, struct lws *wsi, const void *data, size_t len)
{
	struct upstream_input in = {
		.ev = UEV_RECEIVED, .len = len, .final = lws_is_final_fragment(wsi),
	};

	/*
	 * Not closed from here when too big: returning -1 inside RECEIVE in
	 * the middle of a large frame crashes lws 4.1.6.  The core asks for
	 * a Close, which is sent from WRITEABLE.
	 */
	conn_report(c, &in);
	if (c->inbound != NULL) {
		struct conn_fragment f = {
			.data = data, .len = len, .final = in.final,
			.first = lws_is_first_fragment(wsi) != 0,
			.binary = lws_frame_is_binary(wsi) != 0,
		};

		c->inbound(c->inbound_arg, &f);
	}
}

static int
dispatch_callback(struct conn *c, struct lws *wsi,
		  enum lws_callback_reasons reason, void *in, size_t len)
{
	switch (reason) {
	case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
		/* TCP (and TLS) are up: the earliest moment to tune the socket. */
		conn_report_event(c, UEV_UPGRADING, NULL);
		if (sockopt_tune_tcp(lws_get_socket_fd(wsi), c->cfg) < 0)
			log_warn("upstream: cannot set TCP options");
		return upgrade_append_headers(&c->req, wsi, in, len);
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		on_connection_error(c, wsi, in);
		break;
	case LWS_CALLBACK_CLIENT_HTTP_REDIRECT:
		/*
		 * Not reached with LCCSCF_HTTP_NO_FOLLOW_REDIRECT; should lws
		 * ever offer to follow one anyway, the answer is no.
		 */
		return 1;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		/* The summary of the failures first, then that they are over. */
		log_repeat_reset(&c->err_log, LOG_WARNING);
		log_info("upstream: connected to %s", c->req.endpoint);
		rx_gate_open(&c->rx, c->ctx, wsi, c->cfg->url.tls);
		conn_report_event(c, UEV_ESTABLISHED, "handshake complete");
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		return on_writeable(c, wsi);
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		on_pong(c, in, len);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		on_receive(c, wsi, in, len);
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		on_peer_close(c, in, len);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		on_closed(c, wsi, "connection closed");
		break;
	case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
		on_closed(c, wsi, "closed during handshake");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		c->wsi = NULL;
		rx_gate_close(&c->rx);
		conn_report_event(c, UEV_DESTROYED, "socket closed");
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
