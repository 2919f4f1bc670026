/*
 * conn_internal.h - the upstream connection's own data, shared by its
 * two halves: conn.c (the API, and stepping the core) and
 * conn_callbacks.c (what libwebsockets reports, as the core's inputs).
 */
#ifndef WSPUSHD_CONN_INTERNAL_H
#define WSPUSHD_CONN_INTERNAL_H

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

	struct upgrade req;		/* the upgrade request; its endpoint names us in logs */
	struct log_repeat err_log;	/* connect failures */

	void (*on_exit)(void *);
	void *exit_arg;
	void (*observer)(void *);
	void *observer_arg;
	void (*settled)(void *, uint64_t, uint64_t);
	void *settled_arg;

	time_t state_since;		/* wall clock, for status reports */
	char last_error[160];		/* since the last successful connect */
};

/* Report one input: stepped now, or after the step under way. */
void conn_report(struct conn *c, const struct upstream_input *in);
/* The same, for an input that carries only its kind and reason. */
void conn_report_event(struct conn *c, enum upstream_event ev, const char *why);
/*
 * Step one input at once, outside the ring, and carry out what it says
 * (but the writes, which are the caller's): for WRITEABLE, whose return
 * value is the answer.  Never while a step is under way.
 */
void conn_step_now(struct conn *c, struct upstream_input *in,
		   struct upstream_output *out);
/* The part of an input the glue knows: time, randomness, the queue. */
void conn_fill(struct conn *c, struct upstream_input *in);
/* Messages left the queue: tell the owner (conn_set_settled()). */
void conn_settled(struct conn *c, uint64_t delivered_below,
		  uint64_t dropped_below);
/* Arm the one timer for the core's deadline at (0: none). */
void conn_rearm(struct conn *c, uint64_t at);

#endif
