/*
 * rx_gate.h - reading the upstream socket, or not: rx_budget.h's
 * decisions carried out with libwebsockets' flow control.
 *
 * The gate counts the data the connection hands it, samples the socket
 * (TCP_INFO, FIONREAD) only when the budget says a check is due, and
 * pauses reading for RX_THROTTLE_MS at a time while the server floods.
 * One gate per connection; rx_gate_close() before the socket goes.
 */
#ifndef WSPUSHD_RX_GATE_H
#define WSPUSHD_RX_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "wspushd/rx_budget.h"

struct rx_gate {
	struct rx_budget budget;
	struct lws_context *ctx;
	struct lws *wsi;		/* the socket read; NULL: none */
	uint64_t allowance;		/* header bytes allowed per data callback */
	uint64_t data;			/* data bytes (+ allowance) ever read */
	bool paused;			/* reading stopped until the timer */
	lws_sorted_usec_list_t resume;
};

/* A connection opened on wsi; tls adds its records' overhead. */
void rx_gate_open(struct rx_gate *g, struct lws_context *ctx, struct lws *wsi,
		  bool tls);
/* The socket is gone (or going): no more reading to gate. */
void rx_gate_close(struct rx_gate *g);
/* lws handed the connection len bytes of a data message. */
void rx_gate_data(struct rx_gate *g, size_t len);
/* The connection is being failed: read it only at the bounded rate. */
void rx_gate_throttle(struct rx_gate *g);
/*
 * After a turn of the loop.  Returns the overhead of the window when a
 * flood was just detected (for the log and the count), else 0.
 */
uint64_t rx_gate_after_service(struct rx_gate *g);

#endif
