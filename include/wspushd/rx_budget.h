/*
 * rx_budget.h - how fast the upstream may make us read what we discard.
 *
 * wspushd pushes; what the server sends back is read and dropped.  A
 * server can still make that cost a core: lws 4.1.6 parses every frame,
 * and a flood of 2-byte Ping frames (answered by lws, without asking us)
 * kept the daemon at 100% CPU for as long as it lasted.  Data messages
 * are bounded elsewhere (max_message_size); this bounds the rest: frame
 * headers and control frames, "overhead", measured from outside as the
 * bytes read from the socket (received, less what still waits in it)
 * minus the data payload lws handed us.  Bytes still waiting are judged
 * once read: a server that sends data faster than the loop reads it is
 * no flood.
 *
 * Over a window of RX_WINDOW_MS, more than RX_OVERHEAD_BUDGET bytes of
 * overhead puts the connection in throttled mode: the glue stops reading
 * it, and every RX_THROTTLE_MS lets RX_BURST turns of the loop read it
 * (lws reads at most a few KiB a turn), until a turn leaves the socket
 * empty.  A server that keeps flooding then meets TCP's flow control,
 * not our CPU: a few percent of a core instead of all of it.  Writes are
 * not affected.
 *
 * Pure: the glue samples the socket; the decision is here.
 */
#ifndef WSPUSHD_RX_BUDGET_H
#define WSPUSHD_RX_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

#define RX_WINDOW_MS 100
/* 40 KiB/s: a server's pings, pongs and frame headers are far less. */
#define RX_OVERHEAD_BUDGET (4 * 1024)
#define RX_THROTTLE_MS 100
#define RX_BURST 32
/* Header bytes allowed per data callback (at most 14 on the wire)... */
#define RX_HEADER_ALLOWANCE 14
/* ...and, over TLS, its record's header, padding and tag as well. */
#define RX_TLS_ALLOWANCE 40

struct rx_budget {
	uint64_t window_start_ms;
	uint64_t received_at_start;	/* socket bytes at the window's start */
	uint64_t data_at_start;		/* data bytes (+ allowance) then */
	bool throttled;
	unsigned burst;			/* turns read since the last pause */
};

enum rx_verdict {
	RX_READ,	/* read as usual */
	RX_PAUSE,	/* stop reading; resume for a burst in RX_THROTTLE_MS */
	RX_FLOOD,	/* as RX_PAUSE, and throttling starts now: say so */
};

/* A new connection, at now_ms, with the socket's counters as they are. */
void rx_budget_start(struct rx_budget *b, uint64_t now_ms, uint64_t received,
		     uint64_t data);

/*
 * Throttle now, whatever the window says: the connection is being
 * failed, and what the server still sends is only read to find its
 * Close, at a bounded rate.
 */
void rx_budget_throttle(struct rx_budget *b);

/*
 * Whether the glue should sample the socket now (cheap: no system call):
 * once a window, and after every turn while throttled.
 */
bool rx_budget_due(const struct rx_budget *b, uint64_t now_ms);

/*
 * The decision, given the socket's received bytes, the data bytes (plus
 * RX_HEADER_ALLOWANCE per data callback) seen so far, and the bytes
 * still waiting in the socket.  *overhead gets the window's overhead
 * when the verdict is RX_FLOOD, for the log.
 */
enum rx_verdict rx_budget_check(struct rx_budget *b, uint64_t now_ms,
				uint64_t received, uint64_t data,
				uint64_t pending, uint64_t *overhead);

#endif
