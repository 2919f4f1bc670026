/*
 * rx_gate.c - see rx_gate.h.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <linux/tcp.h>

#include "wspushd/log.h"
#include "wspushd/rx_gate.h"

/* Bytes the socket has received in all, and bytes waiting to be read. */
static int
socket_counters(struct lws *wsi, uint64_t *received, uint64_t *pending)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);
	int fd = lws_get_socket_fd(wsi), n = 0;

	if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_received) +
		  sizeof(ti.tcpi_bytes_received) ||
	    ioctl(fd, FIONREAD, &n) < 0)
		return -1;
	*received = ti.tcpi_bytes_received;
	*pending = n > 0 ? (uint64_t)n : 0;
	return 0;
}

static void
resume_fired(lws_sorted_usec_list_t *sul)
{
	struct rx_gate *g = lws_container_of(sul, struct rx_gate, resume);

	g->paused = false;
	if (g->wsi != NULL)
		lws_rx_flow_control(g->wsi, 1);
}

void
rx_gate_open(struct rx_gate *g, struct lws_context *ctx, struct lws *wsi,
	     bool tls)
{
	uint64_t received = 0, pending = 0;

	lws_sul_cancel(&g->resume);
	g->ctx = ctx;
	g->wsi = wsi;
	g->paused = false;
	g->allowance = RX_HEADER_ALLOWANCE + (tls ? RX_TLS_ALLOWANCE : 0);
	if (wsi != NULL)
		socket_counters(wsi, &received, &pending);
	rx_budget_start(&g->budget, monotonic_ms(), received, g->data);
}

void
rx_gate_close(struct rx_gate *g)
{
	lws_sul_cancel(&g->resume);
	g->wsi = NULL;
	g->paused = false;
}

void
rx_gate_data(struct rx_gate *g, size_t len)
{
	g->data += len + g->allowance;
}

void
rx_gate_throttle(struct rx_gate *g)
{
	rx_budget_throttle(&g->budget);
}

uint64_t
rx_gate_after_service(struct rx_gate *g)
{
	uint64_t now, received, pending, over = 0;

	if (g->wsi == NULL || g->paused)
		return 0;
	now = monotonic_ms();
	if (!rx_budget_due(&g->budget, now) ||
	    socket_counters(g->wsi, &received, &pending) < 0)
		return 0;
	switch (rx_budget_check(&g->budget, now, received, g->data, pending,
				&over)) {
	case RX_READ:
		return 0;
	case RX_FLOOD:
	case RX_PAUSE:
		break;
	}
	g->paused = true;
	lws_rx_flow_control(g->wsi, 0);
	lws_sul_schedule(g->ctx, 0, &g->resume, resume_fired,
			 (lws_usec_t)RX_THROTTLE_MS * LWS_US_PER_MS);
	return over;
}
