/*
 * conn_state.h - the upstream connection's data, and nothing else: what
 * conn.c, conn_callbacks.c and conn_log.c share (conn_internal.h adds
 * the functions conn.c lends the other two).
 */
#ifndef WSPUSHD_CONN_STATE_H
#define WSPUSHD_CONN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <libwebsockets.h>

#include "wspushd/backoff.h"
#include "wspushd/dns.h"
#include "wspushd/log.h"
#include "wspushd/outbox.h"
#include "wspushd/rx_gate.h"
#include "wspushd/status.h"
#include "wspushd/upgrade.h"
#include "wspushd/upstream_core.h"

struct config;
struct conn_fragment;
struct fin_wait;

/*
 * One WRITEABLE callback writes at most WRITE_RUNS runs of queued frames
 * of up to CONN_WRITE_RUN_BYTES each, then lets Redis and timers have a turn.
 */
#define WRITE_RUNS 4
#define EVENT_RING 16

struct pending_input {
	struct upstream_input in;
	char why[200];		/* in.why's text, copied */
};

struct conn {
	struct lws_context *ctx;
	struct lws_vhost *vh;		/* for our own watches */
	struct lws_vhost *client_vh;	/* what the upstream connects through */
	const struct config *cfg;

	struct upstream_core core;	/* every decision (upstream_core.h) */
	struct dns *dns;
	struct dns_query *query;	/* resolving the host, or NULL */
	struct dns_result answer;	/* the last resolution, for UACT_CONNECT */
	struct lws *wsi;		/* the one socket, or NULL */
	bool in_callback;		/* inside a callback of c->wsi */
	struct rx_gate rx;		/* what the server may make us read */
	bool flood_said;		/* for the log only: once per connection */
	/* After a clean close: the socket kept until the server's FIN. */
	struct fin_wait *fin_wait;

	struct outbox out;		/* what waits for the upstream */
	struct conn_stats stats;
	struct rng rng;
	lws_sorted_usec_list_t timer;	/* armed for the core's deadline */

	struct pending_input ring[EVENT_RING];
	unsigned ring_head, ring_len;
	bool stepping;
	bool discard_when_gone;		/* stood by: drop the queue once the
					   socket is gone (conn_stand_by) */

	struct upgrade req;		/* the upgrade request; its endpoint names us in logs */
	struct log_repeat err_log;	/* connect failures */

	void (*on_exit)(void *);
	void *exit_arg;
	void (*observer)(void *);
	void *observer_arg;
	void (*activity)(void *);	/* a message was queued */
	void *activity_arg;
	void (*inbound)(void *, const struct conn_fragment *);
	void *inbound_arg;		/* what the server says, for Redis */
	void (*settled)(void *, uint64_t, uint64_t);
	void *settled_arg;
	void (*refused)(void *, uint64_t, const void *, size_t);
	void *refused_arg;

	time_t state_since;		/* wall clock, for status reports */
	char last_error[160];		/* since the last successful connect */
};

#endif
