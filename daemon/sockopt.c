/*
 * sockopt.c - see sockopt.h.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include "wspushd/config.h"
#include "wspushd/sockopt.h"

static int
set_int(int fd, int level, int name, int value)
{
	return setsockopt(fd, level, name, &value, sizeof(value));
}

int
sockopt_tune_tcp(int fd, const struct config *cfg)
{
	int idle = (int)(cfg->tcp_keepalive_idle_ms / 1000);
	int intvl = (int)(cfg->tcp_keepalive_interval_ms / 1000);

	/* Small frames must leave at once; latency matters more than packets. */
	if (set_int(fd, IPPROTO_TCP, TCP_NODELAY, 1) < 0)
		return -1;
	if (idle > 0) {
		if (set_int(fd, SOL_SOCKET, SO_KEEPALIVE, 1) < 0 ||
		    set_int(fd, IPPROTO_TCP, TCP_KEEPIDLE, idle) < 0 ||
		    set_int(fd, IPPROTO_TCP, TCP_KEEPINTVL, intvl > 0 ? intvl : 1) < 0 ||
		    set_int(fd, IPPROTO_TCP, TCP_KEEPCNT,
			    cfg->tcp_keepalive_probes > 0 ?
			    (int)cfg->tcp_keepalive_probes : 1) < 0)
			return -1;
	}
	if (cfg->tcp_user_timeout_ms > 0 &&
	    set_int(fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
		    cfg->tcp_user_timeout_ms > 0x7fffffff ? 0x7fffffff :
		    (int)cfg->tcp_user_timeout_ms) < 0)
		return -1;
	return 0;
}

bool
sockopt_connected(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	return fd >= 0 && getpeername(fd, (struct sockaddr *)&ss, &sl) == 0;
}
