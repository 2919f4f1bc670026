/*
 * conn.c - the upstream WebSocket connection: libwebsockets glue around
 * the pure core in upstream_core.c.  See conn.h.
 *
 * Every library callback and the one timer become an upstream_input;
 * inputs are stepped through the core one at a time, in order, and the
 * actions that come out are carried out here.  If an action re-enters
 * libwebsockets and a callback reports something meanwhile, that report
 * waits in a small ring until the current step is carried out.  Nothing
 * here decides: what is written, when the socket is gone, when to try
 * again, are the core's answers.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libwebsockets.h>

#include "conn_internal.h"
#include "conn_log.h"
#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/fin_wait.h"
#include "wspushd/sockopt.h"
#include "wspushd/tls.h"

static void carry_out(struct conn *c, const struct upstream_input *in,
		      const struct upstream_output *out);
static void timer_fired(lws_sorted_usec_list_t *sul);

/* ---- stepping the core ------------------------------------------------ */


void
conn_rearm(struct conn *c, uint64_t at)
{
	uint64_t now = monotonic_ms();

	if (at == 0)
		lws_sul_cancel(&c->timer);
	else
		lws_sul_schedule(c->ctx, 0, &c->timer, timer_fired,
				 (lws_usec_t)(at > now ? at - now : 0) * LWS_US_PER_MS);
}

void
conn_fill(struct conn *c, struct upstream_input *in)
{
	in->now = monotonic_ms();
	in->random = rng_next(&c->rng);
	in->queue_empty = outbox_count(&c->out) == 0;
	in->unsent = queue_unsent(&c->out.queue) > 0;
	in->sent_seq = queue_sent_seq(&c->out.queue);
	if (in->ev == UEV_TICK)
		in->tcp_up = c->wsi != NULL &&
			     sockopt_connected(lws_get_socket_fd(c->wsi));
}

void
conn_step_now(struct conn *c, struct upstream_input *in,
	      struct upstream_output *out)
{
	conn_fill(c, in);
	upstream_core_step(&c->core, in, out);
	conn_log_transitions(c, out);
	conn_rearm(c, out->deadline);
	carry_out(c, in, out);
	if (out->ntrans > 0 && c->observer != NULL)
		c->observer(c->observer_arg);
}

static void
step(struct conn *c, struct upstream_input *in)
{
	struct upstream_output out;

	conn_step_now(c, in, &out);
}

void
conn_report(struct conn *c, const struct upstream_input *in)
{
	struct pending_input *p;

	if (c->ring_len == EVENT_RING) {
		/* Cannot happen with one socket; if it does, say so loudly. */
		log_err("upstream: event ring full, dropping '%s'",
			upstream_event_name(in->ev));
		return;
	}
	p = &c->ring[(c->ring_head + c->ring_len) % EVENT_RING];
	p->in = *in;
	/* Reasons are for the log; a long one is cut on purpose. */
	snprintf(p->why, sizeof(p->why), "%s",
		 in->why != NULL ? in->why : upstream_event_name(in->ev));
	p->in.why = p->why;
	c->ring_len++;
	if (c->stepping)
		return;

	c->stepping = true;
	while (c->ring_len > 0) {
		struct pending_input cur = c->ring[c->ring_head];

		c->ring_head = (c->ring_head + 1) % EVENT_RING;
		c->ring_len--;
		cur.in.why = cur.why;
		step(c, &cur.in);
	}
	c->stepping = false;
}

void
conn_report_event(struct conn *c, enum upstream_event ev, const char *why)
{
	struct upstream_input in = { .ev = ev, .why = why };

	conn_report(c, &in);
}

static void
timer_fired(lws_sorted_usec_list_t *sul)
{
	conn_report_event(lws_container_of(sul, struct conn, timer), UEV_TICK, NULL);
}

/* ---- carrying out ------------------------------------------------------ */

static void
fin_wait_done(void *arg)
{
	struct conn *c = arg;

	c->fin_wait = NULL;
	conn_report_event(c, UEV_FIN_DONE, "socket closed");
}

/* The name is resolved: open the one socket, to the address chosen. */
static void
connect_to(struct conn *c, uint32_t address)
{
	const char *ip = c->answer.addrs[address < c->answer.count ? address : 0].ip;

	if (upgrade_connect(&c->req, c->cfg, c->ctx, c->client_vh, ip,
			    CONN_PROTOCOL_NAME, c, &c->wsi) == NULL && c->wsi == NULL)
		/* Unless lws reported the attempt's end itself, nothing will. */
		conn_report_event(c, UEV_NO_SOCKET, "no socket could be made");
}

static void
resolved(void *arg, int status, const struct dns_result *res)
{
	struct conn *c = arg;
	struct upstream_input in = { .ev = UEV_RESOLVED };

	c->query = NULL;
	if (status != DNS_OK) {
		log_repeated(&c->err_log, LOG_WARNING,
			     "upstream: cannot resolve %s: %s", c->cfg->url.host,
			     res->error);
		conn_report_event(c, UEV_UNRESOLVED, res->error);
		return;
	}
	c->answer = *res;
	in.count = (uint32_t)res->count;
	conn_report(c, &in);
}

/*
 * One attempt: resolve (without blocking the loop), then connect.  From
 * here until the core says the socket is gone, the attempt counts as the
 * one socket, even while it is only a DNS query.
 */
static void
resolve(struct conn *c)
{
	tls_take_error();	/* a reason from an earlier attempt is not ours */
	c->stats.attempts++;
	log_debug("upstream: attempt %llu to %s",
		  (unsigned long long)c->stats.attempts, c->req.endpoint);
	c->query = dns_resolve(c->dns, c->cfg->url.host, c->cfg->dns_timeout_ms,
			       resolved, c);
	if (c->query == NULL) {
		log_warn("upstream: cannot start resolving %s", c->cfg->url.host);
		conn_report_event(c, UEV_UNRESOLVED, "cannot resolve");
	}
}

static void
start_fin_wait(struct conn *c, int fd)
{
	c->fin_wait = fin_wait_start(c->vh, fd, fin_wait_done, c);
	if (c->fin_wait == NULL)	/* no dup: nothing to wait for */
		conn_report_event(c, UEV_FIN_DONE, "socket closed");
}

static void
connected(struct conn *c)
{
	c->stats.connects++;
	c->last_error[0] = '\0';
	log_repeat_reset(&c->err_log, LOG_WARNING);
	c->flood_said = false;
}

/* What the core says about the socket itself. */
static void
carry_out_socket(struct conn *c, unsigned a, int fd)
{
	if ((a & UACT_CANCEL_QUERY) && c->query != NULL) {
		dns_cancel(c->query);
		c->query = NULL;
	}
	/*
	 * Killing synchronously closes the descriptor now, which is what a
	 * timeout promises; inside one of this socket's own callbacks that
	 * would pull the wsi out from under lws, so it waits a turn there.
	 */
	if ((a & UACT_KILL) && c->wsi != NULL)
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK,
				c->in_callback ? LWS_TO_KILL_ASYNC : LWS_TO_KILL_SYNC);
	if ((a & UACT_END_FIN_WAIT) && c->fin_wait != NULL)
		fin_wait_end(c->fin_wait);	/* fin_wait_done() follows */
	if (a & UACT_START_FIN_WAIT)
		start_fin_wait(c, fd);
}


static void
carry_out(struct conn *c, const struct upstream_input *in,
	  const struct upstream_output *out)
{
	unsigned a = out->actions;

	carry_out_socket(c, a, in->fd);
	if (a & UACT_REWIND)
		outbox_rewind(&c->out);
	if ((a & UACT_REWIND) && c->discard_when_gone) {
		outbox_discard(&c->out);
		c->discard_when_gone = false;
	}
	if (a & UACT_GIVE_UP)
		outbox_give_up(&c->out, out->give_up_seq, c->cfg->max_deliveries,
			       c->req.endpoint, c->refused, c->refused_arg);
	if (a & UACT_CONFIRM) {
		uint64_t head = c->out.queue.head_seq;

		outbox_confirm(&c->out, out->confirm_upto);
		conn_settled(c, out->confirm_upto, head);
	}
	conn_say(c, a, out);
	if (a & UACT_RESOLVE)
		resolve(c);
	if (a & UACT_CONNECT)
		connect_to(c, out->address);
	if (a & UACT_CONNECTED)
		connected(c);
	if (a & UACT_COUNT_RX)
		rx_gate_data(&c->rx, in->len);
	if (a & UACT_THROTTLE_RX)
		rx_gate_throttle(&c->rx);
	if ((a & UACT_WANT_WRITE) && c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
	if (a & UACT_REFUSED)
		log_debug("upstream: '%s' refused while %s", in->why,
			  fsm_state_name(c->core.fsm.state));
	if (a & UACT_EXIT)
		c->on_exit(c->exit_arg);
}

/* ---- bounding what the server makes us read --------------------------- */

void
conn_after_service(struct conn *c)
{
	uint64_t over;

	if (!upstream_core_reading(&c->core))
		return;
	over = rx_gate_after_service(&c->rx);
	if (over == 0)
		return;
	c->stats.rx_floods++;
	if (!c->flood_said) {
		c->flood_said = true;
		log_warnx("upstream: %s sent %llu bytes of control frames and "
			  "headers in %ums; reading it at a bounded rate",
			  c->req.endpoint, (unsigned long long)over, RX_WINDOW_MS);
	}
}

/* ---- input ----------------------------------------------------------- */

void
conn_submit(struct conn *c, const void *data, size_t len)
{
	uint64_t seq;

	conn_submit_seq(c, data, len, &seq);
}

bool
conn_submit_seq(struct conn *c, const void *data, size_t len, uint64_t *seq)
{
	if (!outbox_submit(&c->out, c->cfg, data, len))
		return false;
	*seq = c->out.queue.head_seq + c->out.queue.count - 1;
	if (upstream_core_wants_data(&c->core) && c->wsi != NULL)
		lws_callback_on_writable(c->wsi);
	if (c->activity != NULL)
		c->activity(c->activity_arg);
	return true;
}

size_t
conn_room(const struct conn *c)
{
	return outbox_room(&c->out);
}

void
conn_settled(struct conn *c, uint64_t delivered_below, uint64_t dropped_below)
{
	if (c->settled != NULL)
		c->settled(c->settled_arg, delivered_below, dropped_below);
}

void
conn_set_settled(struct conn *c, void (*fn)(void *, uint64_t, uint64_t),
		 void *arg)
{
	c->settled = fn;
	c->settled_arg = arg;
}

void
conn_set_refused(struct conn *c,
		 void (*fn)(void *, uint64_t, const void *, size_t), void *arg)
{
	c->refused = fn;
	c->refused_arg = arg;
}

void
conn_drop_oversize(struct conn *c, const char *channel, size_t channel_len,
		   uint64_t len)
{
	outbox_drop_oversize(&c->out, c->cfg, channel, channel_len, len);
}

/* ---- life cycle ------------------------------------------------------ */

int
conn_reconfigure(struct conn *c, const struct config *cfg)
{
	struct upstream_params p;

	c->cfg = cfg;
	outbox_set_limits(&c->out, cfg);
	upstream_params_from(cfg, &p);
	upstream_core_set_params(&c->core, &p);
	/* The header values pointed into the configuration just replaced. */
	return upgrade_set(&c->req, cfg);
}

void
conn_set_client_vhost(struct conn *c, struct lws_vhost *vh)
{
	c->client_vh = vh;
}

void
conn_restart(struct conn *c)
{
	conn_report_event(c, UEV_RESTART, "configuration reloaded");
}

struct conn *
conn_new(struct lws_context *ctx, struct lws_vhost *vh, struct dns *dns,
	 const struct config *cfg, void (*on_exit)(void *), void *arg)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct upstream_params p;

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
	upstream_params_from(cfg, &p);
	upstream_core_init(&c->core, &p);
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
	conn_report_event(c, UEV_START, "start");
}

void
conn_stand_by(struct conn *c, bool discard)
{
	conn_report_event(c, UEV_FENCE, "standing by");
	/* What the socket carried is rewound first, when it is gone. */
	if (discard && c->core.fsm.state == FSM_IDLE)
		outbox_discard(&c->out);
	else
		c->discard_when_gone = discard;
}

void
conn_lead(struct conn *c, uint64_t term)
{
	upgrade_set_term(&c->req, term);
	c->discard_when_gone = false;
	conn_report_event(c, UEV_RESUME, "leading");
}

void
conn_shutdown(struct conn *c)
{
	conn_report_event(c, UEV_SHUTDOWN, "shutdown requested");
}

void
conn_set_observer(struct conn *c, void (*fn)(void *), void *arg)
{
	c->observer = fn;
	c->observer_arg = arg;
}

void
conn_set_inbound(struct conn *c,
		 void (*fn)(void *arg, const struct conn_fragment *f), void *arg)
{
	c->inbound = fn;
	c->inbound_arg = arg;
}

void
conn_set_activity(struct conn *c, void (*fn)(void *), void *arg)
{
	c->activity = fn;
	c->activity_arg = arg;
}
