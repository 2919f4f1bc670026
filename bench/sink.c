/*
 * sink.c - wspushd-bench-sink: a WebSocket server that counts what it
 * receives, built to be much faster than the daemon it measures.
 *
 * usage: wspushd-bench-sink [--port N]
 *
 * Listens on 127.0.0.1 only, prints "port N" once listening, then answers
 * one JSON line on stdout for each command line read on stdin: stats,
 * reset, latency, pause, resume, talk.  EOF on stdin ends it with status 0.
 *
 * "talk RATE SIZE": the sink talks back too, as a chatty upstream does:
 * from now on every open connection gets RATE binary messages of SIZE
 * bytes a second (at most 65535), sent every millisecond as the clock
 * says they are due; a connection that has 256 KiB unsent skips them
 * (stats: talked, talk_skipped).  "talk 0 0" stops.
 *
 * One thread, one level-triggered epoll loop.  Payloads are never
 * unmasked in full: only the first HEAD_MAX bytes of each data message,
 * which hold the publisher's timestamp; the rest is only counted.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "bench_common.h"

#define READ_BUF	(1 << 20)
#define RCV_BUF		(4 << 20)
#define REQ_MAX		(16 << 10)
#define OUT_MAX		(1 << 20)
#define HEAD_MAX	32
#define CTL_MAX		125
#define CMD_MAX		256
#define SAMPLES_MIN	65536
#define SAMPLES_MAX	10000000
#define MAX_EVENTS	64
#define TALK_TICK_NS	1000000		/* a message batch every 1 ms */
#define TALK_BACKLOG	(256 << 10)	/* unsent past this: skip a batch */
#define TALK_SIZE_MAX	65535

enum {
	OP_CONT = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2,
	OP_CLOSE = 0x8, OP_PING = 0x9, OP_PONG = 0xa,
};

struct conn {
	struct conn	*next, *prev;
	int		 fd;
	int		 closing;	/* close answered: flush, then close */
	unsigned	 events;	/* what epoll watches now */
	char		*req;		/* handshake bytes; NULL once upgraded */
	size_t		 reqlen;
	unsigned char	*out;		/* 101, pongs, close: rarely pending */
	size_t		 outlen, outoff;

	/* The frame being parsed. */
	unsigned char	 hdr[14];
	size_t		 hdrlen;
	int		 opcode, fin, masked;
	unsigned char	 mask[4];
	uint64_t	 remain;	/* payload bytes still to come */
	uint64_t	 pos;		/* payload offset: picks the mask byte */

	/* The data message being assembled, perhaps over fragments. */
	int		 in_msg;
	uint64_t	 msglen;
	unsigned char	 head[HEAD_MAX];
	size_t		 headlen;

	/* A control frame's payload, unmasked. */
	unsigned char	 ctl[CTL_MAX];
	size_t		 ctllen;
};

struct counters {
	uint64_t	 messages, bytes, first_ns, last_ns, connections, errors;
	uint64_t	 talked, talk_skipped;
};

/* "talk": what the sink sends back, and when. */
static struct {
	int		 fd;		/* the timerfd; -1: silent */
	uint64_t	 rate;		/* messages a second */
	uint64_t	 start_ns;
	uint64_t	 due;		/* messages due since start_ns */
	unsigned char	*batch;		/* frames back to back */
	size_t		 framelen, max_frames;
} talk = { .fd = -1 };

static struct {
	int		 epfd;
	int		 lfd;		/* -1 while paused */
	uint16_t	 port;
	struct conn	*conns;
	uint64_t	 open;
	struct counters	 st;
	uint64_t	*samples;
	size_t		 nsamples, capsamples;
	unsigned char	*rbuf;
	/* Set when a command closed descriptors: the epoll batch is stale. */
	int		 stale;
	char		 cmd[CMD_MAX];
	size_t		 cmdlen;
	int		 cmd_discard;	/* overlong line: skip to its end */
} g = { .epfd = -1, .lfd = -1 };

/* epoll tags for the descriptors that are not connections. */
static char tag_listen, tag_stdin, tag_timer;

static int
ep_add(int fd, unsigned events, void *ptr)
{
	struct epoll_event ev = { .events = events, .data.ptr = ptr };

	if (epoll_ctl(g.epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		fprintf(stderr, "sink: epoll_ctl add: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_open(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t salen = sizeof(sa);
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sink: socket: %s\n", strerror(errno));
		return -1;
	}
	/*
	 * SO_REUSEADDR: resume must rebind while the paused connections sit
	 * in TIME_WAIT.  SO_RCVBUF on the listener: accepted sockets inherit
	 * it, and only there does it size the window scale of the handshake.
	 */
	if (set_sockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1) < 0 ||
	    set_sockopt_int(fd, SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", RCV_BUF) < 0)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "sink: bind 127.0.0.1:%u: %s\n", port,
			strerror(errno));
		goto fail;
	}
	if (listen(fd, 128) < 0) {
		fprintf(stderr, "sink: listen: %s\n", strerror(errno));
		goto fail;
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
		fprintf(stderr, "sink: getsockname: %s\n", strerror(errno));
		goto fail;
	}
	if (ep_add(fd, EPOLLIN, &tag_listen) < 0)
		goto fail;
	g.port = ntohs(sa.sin_port);
	g.lfd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

static void
conn_close(struct conn *c)
{
	/* Closing the only reference also drops it from the epoll set. */
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g.conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	g.open--;
	free(c->req);
	free(c->out);
	free(c);
}

/* A protocol error: counted, best-effort close 1002, then gone. */
static int
conn_fail(struct conn *c, const char *why)
{
	static const unsigned char close1002[] = { 0x88, 0x02, 0x03, 0xea };

	g.st.errors++;
	fprintf(stderr, "sink: connection %d: %s\n", c->fd, why);
	if (c->req == NULL)
		(void)send(c->fd, close1002, sizeof(close1002),
			   MSG_NOSIGNAL | MSG_DONTWAIT);
	conn_close(c);
	return -1;
}

static int
conn_watch(struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	ev.events = (c->closing ? 0 : EPOLLIN) |
		    (c->outoff < c->outlen ? EPOLLOUT : 0);
	if (ev.events == c->events)
		return 0;
	if (epoll_ctl(g.epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		fprintf(stderr, "sink: epoll_ctl mod: %s\n", strerror(errno));
		conn_close(c);
		return -1;
	}
	c->events = ev.events;
	return 0;
}

/* Returns -1 when the connection is gone or closing: stop using it. */
static int
out_flush(struct conn *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff,
				 c->outlen - c->outoff, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			/* The peer left: its business, not a protocol error. */
			conn_close(c);
			return -1;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		if (c->closing) {
			conn_close(c);
			return -1;
		}
	}
	if (conn_watch(c) < 0)
		return -1;
	return c->closing ? -1 : 0;
}

static int
out_send(struct conn *c, const void *buf, size_t len)
{
	unsigned char *p;

	/* A peer that pings and never reads must not grow us without bound. */
	if (c->outlen - c->outoff + len > OUT_MAX)
		return conn_fail(c, "output backlog over 1 MiB");
	if (c->outoff > 0) {
		memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
		c->outlen -= c->outoff;
		c->outoff = 0;
	}
	p = realloc(c->out, c->outlen + len);
	if (p == NULL) {
		fprintf(stderr, "sink: out of memory\n");
		conn_close(c);
		return -1;
	}
	memcpy(p + c->outlen, buf, len);
	c->out = p;
	c->outlen += len;
	return out_flush(c);
}

static void
sample_add(uint64_t v)
{
	if (g.nsamples == g.capsamples) {
		size_t cap = g.capsamples ? g.capsamples * 2 : SAMPLES_MIN;
		uint64_t *p;

		if (g.capsamples == SAMPLES_MAX)
			return;
		if (cap > SAMPLES_MAX)
			cap = SAMPLES_MAX;
		p = realloc(g.samples, cap * sizeof(*p));
		if (p == NULL) {
			fprintf(stderr, "sink: out of memory for samples\n");
			return;
		}
		g.samples = p;
		g.capsamples = cap;
	}
	g.samples[g.nsamples++] = v;
}

static void
sample_latency(const unsigned char *h, size_t n, uint64_t now)
{
	uint64_t ts;

	if (parse_stamp(h, n, &ts) == 0)
		sample_add(now > ts ? now - ts : 0);
}

static void
message_done(struct conn *c, uint64_t now)
{
	g.st.messages++;
	g.st.bytes += c->msglen;
	if (g.st.first_ns == 0)
		g.st.first_ns = now;
	g.st.last_ns = now;
	sample_latency(c->head, c->headlen, now);
	c->in_msg = 0;
}

static int
control_done(struct conn *c)
{
	unsigned char f[2 + CTL_MAX];

	switch (c->opcode) {
	case OP_PING:
		f[0] = 0x80 | OP_PONG;
		f[1] = (unsigned char)c->ctllen;
		memcpy(f + 2, c->ctl, c->ctllen);
		return out_send(c, f, 2 + c->ctllen);
	case OP_CLOSE:
		/* Echo the code only: a reason is optional and ours is none. */
		f[0] = 0x80 | OP_CLOSE;
		f[1] = c->ctllen >= 2 ? 2 : 0;
		memcpy(f + 2, c->ctl, f[1]);
		c->closing = 1;
		return out_send(c, f, 2 + f[1]);
	default:
		return 0;	/* pong: nothing to do */
	}
}

/* Returns -1 when the connection is gone or closing: stop parsing. */
static int
frame_end(struct conn *c, uint64_t now)
{
	c->hdrlen = 0;
	if (c->opcode >= OP_CLOSE)
		return control_done(c);
	if (c->fin)
		message_done(c, now);
	return 0;
}

static size_t
hdr_size(const unsigned char *h)
{
	unsigned len7 = h[1] & 0x7f;

	return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) +
	       (h[1] & 0x80 ? 4 : 0);
}

static int
frame_begin(struct conn *c, uint64_t now)
{
	const unsigned char *h = c->hdr;
	uint64_t len = h[1] & 0x7f;
	size_t off = 2;

	if (h[0] & 0x70)
		return conn_fail(c, "reserved bits set");
	c->fin = h[0] >> 7;
	c->opcode = h[0] & 0x0f;
	c->masked = h[1] >> 7;
	if (len == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
		off = 4;
	} else if (len == 127) {
		len = 0;
		for (off = 2; off < 10; off++)
			len = len << 8 | h[off];
		if (len >> 63)
			return conn_fail(c, "64-bit length with the top bit set");
	}
	if (c->masked)
		memcpy(c->mask, h + off, 4);
	switch (c->opcode) {
	case OP_CONT:
		if (!c->in_msg)
			return conn_fail(c, "continuation outside a message");
		break;
	case OP_TEXT:
	case OP_BINARY:
		if (c->in_msg)
			return conn_fail(c, "new message inside a fragmented one");
		c->in_msg = 1;
		c->msglen = 0;
		c->headlen = 0;
		break;
	case OP_CLOSE:
	case OP_PING:
	case OP_PONG:
		if (!c->fin)
			return conn_fail(c, "fragmented control frame");
		if (len > CTL_MAX)
			return conn_fail(c, "control frame over 125 bytes");
		c->ctllen = 0;
		break;
	default:
		return conn_fail(c, "unknown opcode");
	}
	c->remain = len;
	c->pos = 0;
	return len == 0 ? frame_end(c, now) : 0;
}

static void
frame_payload(struct conn *c, const unsigned char *p, size_t n)
{
	unsigned char *dst;
	size_t m;

	if (c->opcode >= OP_CLOSE) {
		dst = c->ctl + c->ctllen;
		m = n;
		c->ctllen += n;
	} else {
		c->msglen += n;
		if (c->headlen == HEAD_MAX)
			return;
		dst = c->head + c->headlen;
		m = n < HEAD_MAX - c->headlen ? n : HEAD_MAX - c->headlen;
		c->headlen += m;
	}
	for (size_t i = 0; i < m; i++)
		dst[i] = p[i] ^ (c->masked ? c->mask[(c->pos + i) & 3] : 0);
}

/*
 * Incremental: a header or payload may be split anywhere between reads.
 * now is when the read returned: every message it completed arrived by
 * then, and one clock read per 1 MiB read costs nothing.
 */
static int
parse(struct conn *c, const unsigned char *p, size_t n, uint64_t now)
{
	while (n > 0) {
		size_t k;

		if (c->hdrlen < 2 || c->hdrlen < hdr_size(c->hdr)) {
			size_t need = c->hdrlen < 2 ? 2 : hdr_size(c->hdr);

			k = need - c->hdrlen < n ? need - c->hdrlen : n;
			memcpy(c->hdr + c->hdrlen, p, k);
			c->hdrlen += k;
			p += k;
			n -= k;
			if (c->hdrlen < 2 || c->hdrlen < hdr_size(c->hdr))
				continue;
			if (frame_begin(c, now) < 0)
				return -1;
			continue;
		}
		k = c->remain < n ? (size_t)c->remain : n;
		frame_payload(c, p, k);
		p += k;
		n -= k;
		c->pos += k;
		c->remain -= k;
		if (c->remain == 0 && frame_end(c, now) < 0)
			return -1;
	}
	return 0;
}

static int
bad_request(struct conn *c, const char *why)
{
	static const char resp[] = "HTTP/1.1 400 Bad Request\r\n"
				   "Content-Length: 0\r\n"
				   "Connection: close\r\n\r\n";

	g.st.errors++;
	fprintf(stderr, "sink: connection %d: %s\n", c->fd, why);
	c->closing = 1;
	return out_send(c, resp, sizeof(resp) - 1);
}

/* The value of header name in req[0..len), trimmed; NULL if absent. */
static const char *
header_find(const char *req, size_t len, const char *name, size_t *vlen)
{
	const char *end = req + len;
	const char *line = memchr(req, '\n', len);
	size_t nlen = strlen(name);

	while (line != NULL && ++line < end) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *colon, *v, *ve;

		if (eol == NULL)
			eol = end;
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon != NULL && (size_t)(colon - line) == nlen &&
		    strncasecmp(line, name, nlen) == 0) {
			for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
				;
			for (ve = eol; ve > v && (ve[-1] == '\r' ||
			     ve[-1] == ' ' || ve[-1] == '\t'); ve--)
				;
			*vlen = (size_t)(ve - v);
			return v;
		}
		line = eol < end ? eol : NULL;
	}
	return NULL;
}

static int
handshake_reply(struct conn *c, size_t len)
{
	char resp[512], accept[WS_ACCEPT_LEN + 1];
	const char *key, *proto;
	size_t klen, plen = 0;
	int n;

	if (len < 4 || memcmp(c->req, "GET ", 4) != 0)
		return bad_request(c, "not a GET request");
	key = header_find(c->req, len, "Sec-WebSocket-Key", &klen);
	if (key == NULL || klen == 0)
		return bad_request(c, "no Sec-WebSocket-Key");
	ws_accept_key(key, klen, accept);
	proto = header_find(c->req, len, "Sec-WebSocket-Protocol", &plen);
	if (proto != NULL) {
		/* Echo the first of the offered protocols. */
		for (size_t i = 0; i < plen; i++) {
			if (proto[i] == ',' || proto[i] == ' ' || proto[i] == '\t') {
				plen = i;
				break;
			}
		}
		if (plen > 256)
			return bad_request(c, "Sec-WebSocket-Protocol too long");
	}
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.1 101 Switching Protocols\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Accept: %s\r\n"
		     "%s%.*s%s"
		     "\r\n", accept,
		     plen ? "Sec-WebSocket-Protocol: " : "",
		     (int)plen, plen ? proto : "", plen ? "\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(resp))
		return bad_request(c, "response too long");
	return out_send(c, resp, (size_t)n);
}

static int
handshake_read(struct conn *c)
{
	const char *end;
	char *req;
	size_t hlen, rest;
	ssize_t n;
	int rc;

	n = read(c->fd, c->req + c->reqlen, REQ_MAX - c->reqlen);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return -1;
	}
	if (n < 0)
		return 0;
	c->reqlen += (size_t)n;
	end = memmem(c->req, c->reqlen, "\r\n\r\n", 4);
	if (end == NULL) {
		if (c->reqlen == REQ_MAX)
			return bad_request(c, "request over 16 KiB");
		return 0;
	}
	hlen = (size_t)(end - c->req) + 4;
	if (handshake_reply(c, hlen) < 0)
		return -1;
	/* Bytes after the request are already frames; the buffer goes now. */
	req = c->req;
	rest = c->reqlen - hlen;
	c->req = NULL;
	rc = parse(c, (unsigned char *)req + hlen, rest, monotonic_ns());
	free(req);
	return rc;
}

static int
conn_read(struct conn *c)
{
	ssize_t n;

	if (c->req != NULL)
		return handshake_read(c);
	/* One read per wakeup: level-triggered, and stdin gets its turn. */
	n = read(c->fd, g.rbuf, READ_BUF);
	if (n > 0)
		return parse(c, g.rbuf, (size_t)n, monotonic_ns());
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	conn_close(c);
	return -1;
}

static void
accept_conns(void)
{
	for (;;) {
		struct conn *c;
		int fd = accept4(g.lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				fprintf(stderr, "sink: accept: %s\n", strerror(errno));
			return;
		}
		c = calloc(1, sizeof(*c));
		if (c == NULL || (c->req = malloc(REQ_MAX)) == NULL) {
			fprintf(stderr, "sink: out of memory\n");
			free(c);
			close(fd);
			return;
		}
		c->fd = fd;
		c->events = EPOLLIN;
		if (ep_add(fd, EPOLLIN, c) < 0) {
			free(c->req);
			free(c);
			close(fd);
			return;
		}
		c->next = g.conns;
		if (g.conns != NULL)
			g.conns->prev = c;
		g.conns = c;
		g.open++;
		g.st.connections++;
	}
}

static void
close_all(void)
{
	while (g.conns != NULL)
		conn_close(g.conns);
	if (g.lfd >= 0) {
		close(g.lfd);
		g.lfd = -1;
	}
	g.stale = 1;
}

static void
print_latency(void)
{
	size_t n = g.nsamples;
	uint64_t *s = n > 0 ? malloc(n * sizeof(*s)) : NULL;

	if (n > 0 && s == NULL) {
		fprintf(stderr, "sink: out of memory sorting %zu samples\n", n);
		printf("{\"error\":\"out of memory\"}\n");
		return;
	}
	if (n > 0)
		memcpy(s, g.samples, n * sizeof(*s));
	print_percentiles(s, n);
	free(s);
}

static void
talk_stop(void)
{
	if (talk.fd >= 0)
		close(talk.fd);
	talk.fd = -1;
	free(talk.batch);
	talk.batch = NULL;
	g.stale = 1;
}

/* A frame of size bytes, as many as TALK_BACKLOG holds back to back. */
static int
talk_start(uint64_t rate, uint64_t size)
{
	struct itimerspec its = {
		.it_interval.tv_nsec = TALK_TICK_NS, .it_value.tv_nsec = TALK_TICK_NS,
	};
	size_t hdr = size < 126 ? 2 : 4;

	talk_stop();
	if (rate == 0)
		return 0;
	talk.framelen = hdr + (size_t)size;
	talk.max_frames = TALK_BACKLOG / talk.framelen;
	talk.batch = malloc(talk.max_frames * talk.framelen);
	if (talk.batch == NULL)
		return -1;
	for (size_t i = 0; i < talk.max_frames; i++) {
		unsigned char *f = talk.batch + i * talk.framelen;

		f[0] = 0x80 | OP_BINARY;
		if (hdr == 2) {
			f[1] = (unsigned char)size;
		} else {
			f[1] = 126;
			f[2] = (unsigned char)(size >> 8);
			f[3] = (unsigned char)size;
		}
		memset(f + hdr, 'r', (size_t)size);
	}
	talk.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (talk.fd < 0 || timerfd_settime(talk.fd, 0, &its, NULL) < 0 ||
	    ep_add(talk.fd, EPOLLIN, &tag_timer) < 0) {
		talk_stop();
		return -1;
	}
	talk.rate = rate;
	talk.start_ns = monotonic_ns();
	talk.due = 0;
	return 0;
}

/* The messages the clock says are due, to every open connection. */
static void
talk_tick(void)
{
	uint64_t ticks, due, n;
	struct conn *c, *next;

	if (read(talk.fd, &ticks, sizeof(ticks)) < 0)
		return;
	due = (uint64_t)((unsigned __int128)(monotonic_ns() - talk.start_ns) *
			 talk.rate / 1000000000u);
	n = due - talk.due;
	talk.due = due;
	for (c = g.conns; c != NULL; c = next) {
		uint64_t m = n < talk.max_frames ? n : talk.max_frames;

		next = c->next;
		if (c->req != NULL || c->closing)
			continue;
		if (c->outlen - c->outoff > TALK_BACKLOG)
			m = 0;
		g.st.talk_skipped += n - m;
		if (m > 0 && out_send(c, talk.batch, (size_t)m * talk.framelen) == 0)
			g.st.talked += m;
	}
}

/* "talk RATE SIZE" */
static void
talk_command(const char *args)
{
	char a[32], b[32];
	uint64_t rate, size;

	if (sscanf(args, "%31s %31s", a, b) != 2 || parse_u64(a, &rate) < 0 ||
	    parse_u64(b, &size) < 0 || size > TALK_SIZE_MAX || rate > 100000000) {
		printf("{\"error\":\"usage: talk RATE SIZE (SIZE at most 65535)\"}\n");
		return;
	}
	if (talk_start(rate, size) < 0)
		printf("{\"error\":\"cannot talk: %s\"}\n", strerror(errno));
	else
		printf("{\"ok\":true}\n");
}

static void
command(const char *cmd)
{
	if (strcmp(cmd, "stats") == 0) {
		printf("{\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64
		       ",\"first_ns\":%" PRIu64 ",\"last_ns\":%" PRIu64
		       ",\"connections\":%" PRIu64 ",\"open\":%" PRIu64
		       ",\"errors\":%" PRIu64 ",\"talked\":%" PRIu64
		       ",\"talk_skipped\":%" PRIu64 "}\n", g.st.messages,
		       g.st.bytes, g.st.first_ns, g.st.last_ns, g.st.connections,
		       g.open, g.st.errors, g.st.talked, g.st.talk_skipped);
	} else if (strcmp(cmd, "reset") == 0) {
		memset(&g.st, 0, sizeof(g.st));
		g.nsamples = 0;
		printf("{\"ok\":true}\n");
	} else if (strcmp(cmd, "latency") == 0) {
		print_latency();
	} else if (strcmp(cmd, "pause") == 0) {
		close_all();
		printf("{\"ok\":true}\n");
	} else if (strncmp(cmd, "talk ", 5) == 0) {
		talk_command(cmd + 5);
	} else if (strcmp(cmd, "resume") == 0) {
		if (g.lfd < 0 && listen_open(g.port) < 0)
			printf("{\"error\":\"cannot listen again\"}\n");
		else
			printf("{\"ok\":true}\n");
	} else {
		printf("{\"error\":\"unknown command\"}\n");
	}
}

/* An overlong line (discard) is answered as the unknown command it is. */
static void
command_line(char *line, int discard)
{
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' ||
			 line[n - 1] == '\t'))
		line[--n] = '\0';
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line == '\0' && !discard)
		return;
	command(discard ? "" : line);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "sink: stdout: %s\n", strerror(errno));
		exit(1);
	}
}

/* Returns 1 on EOF, -1 on a read error. */
static int
stdin_read(void)
{
	char buf[4096];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		fprintf(stderr, "sink: stdin: %s\n", strerror(errno));
		return -1;
	}
	if (n == 0) {
		/* A last command without its newline still counts. */
		g.cmd[g.cmdlen] = '\0';
		command_line(g.cmd, g.cmd_discard);
		return 1;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			g.cmd[g.cmdlen] = '\0';
			command_line(g.cmd, g.cmd_discard);
			g.cmdlen = 0;
			g.cmd_discard = 0;
		} else if (g.cmdlen < CMD_MAX - 1) {
			g.cmd[g.cmdlen++] = buf[i];
		} else {
			g.cmd_discard = 1;
		}
	}
	return 0;
}

static void
conn_event(struct conn *c, unsigned ev)
{
	if (c->closing) {
		if (ev & (EPOLLERR | EPOLLHUP))
			conn_close(c);
		else if (ev & EPOLLOUT)
			(void)out_flush(c);
		return;
	}
	if ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) && conn_read(c) < 0)
		return;
	if (ev & EPOLLOUT)
		(void)out_flush(c);
}

static int
run(void)
{
	struct epoll_event evs[MAX_EVENTS];

	for (;;) {
		int n = epoll_wait(g.epfd, evs, MAX_EVENTS, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "sink: epoll_wait: %s\n", strerror(errno));
			return 1;
		}
		/*
		 * pause closes descriptors whose events may still be in this
		 * batch; level-triggered, so dropping the rest loses nothing.
		 */
		g.stale = 0;
		for (int i = 0; i < n && !g.stale; i++) {
			void *p = evs[i].data.ptr;

			if (p == &tag_stdin) {
				int r = stdin_read();

				if (r != 0)
					return r < 0 ? 1 : 0;
			} else if (p == &tag_listen) {
				accept_conns();
			} else if (p == &tag_timer) {
				talk_tick();
			} else {
				conn_event(p, evs[i].events);
			}
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: wspushd-bench-sink [--port N]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t port = 0;
	int ch, rc;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'p' || parse_u64(optarg, &port) < 0 || port > 65535)
			usage();
	}
	if (optind != argc)
		usage();
	/* Peers vanish mid-write; send() says so with EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	g.rbuf = malloc(READ_BUF);
	if (g.rbuf == NULL) {
		fprintf(stderr, "sink: out of memory\n");
		return 1;
	}
	g.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (g.epfd < 0) {
		fprintf(stderr, "sink: epoll_create1: %s\n", strerror(errno));
		return 1;
	}
	if (ep_add(STDIN_FILENO, EPOLLIN, &tag_stdin) < 0) {
		fprintf(stderr, "sink: stdin must be a pipe or a terminal\n");
		return 1;
	}
	if (listen_open((uint16_t)port) < 0)
		return 1;
	printf("port %u\n", g.port);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "sink: stdout: %s\n", strerror(errno));
		return 1;
	}
	rc = run();
	talk_stop();
	close_all();
	close(g.epfd);
	free(g.samples);
	free(g.rbuf);
	return rc;
}
