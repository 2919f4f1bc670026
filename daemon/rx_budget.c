/*
 * rx_budget.c - see rx_budget.h.
 */
#include "wspushd/rx_budget.h"

static void
new_window(struct rx_budget *b, uint64_t now_ms, uint64_t received,
	   uint64_t data)
{
	b->window_start_ms = now_ms;
	b->received_at_start = received;
	b->data_at_start = data;
}

void
rx_budget_start(struct rx_budget *b, uint64_t now_ms, uint64_t received,
		uint64_t data)
{
	b->throttled = false;
	b->burst = 0;
	new_window(b, now_ms, received, data);
}

void
rx_budget_throttle(struct rx_budget *b)
{
	b->throttled = true;
	b->burst = 0;
}

bool
rx_budget_due(const struct rx_budget *b, uint64_t now_ms)
{
	return b->throttled || now_ms - b->window_start_ms >= RX_WINDOW_MS;
}

enum rx_verdict
rx_budget_check(struct rx_budget *b, uint64_t now_ms, uint64_t received,
		uint64_t data, uint64_t pending, uint64_t *overhead)
{
	uint64_t got, useful;

	if (b->throttled) {
		/* A turn went by: did its read leave the socket empty? */
		if (pending > 0) {
			if (++b->burst < RX_BURST)
				return RX_READ;
			b->burst = 0;
			return RX_PAUSE;
		}
		/* The flood has ebbed: a fresh window judges what comes next. */
		rx_budget_start(b, now_ms, received, data);
		return RX_READ;
	}
	if (now_ms - b->window_start_ms < RX_WINDOW_MS)
		return RX_READ;
	/*
	 * What still waits in the socket is nobody's overhead yet: it is
	 * judged once read.  (A server that sends data faster than it is
	 * read would otherwise look like a flood.)
	 */
	received = received > pending ? received - pending : 0;
	/* Counters only grow; a smaller one (a new socket) starts afresh. */
	got = received >= b->received_at_start ? received - b->received_at_start : 0;
	useful = data >= b->data_at_start ? data - b->data_at_start : 0;
	new_window(b, now_ms, received, data);
	if (got <= useful || got - useful <= RX_OVERHEAD_BUDGET)
		return RX_READ;
	*overhead = got - useful;
	b->throttled = true;
	b->burst = 0;
	return RX_FLOOD;
}
