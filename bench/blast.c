/*
 * blast.c - wspushd-bench-blast: sends masked text frames to the sink as
 * fast as one connection allows, to measure the sink alone: the ceiling
 * any daemon measured through it can reach.
 *
 * usage: wspushd-bench-blast --port P --size S --count N
 *
 * Prints {"messages":N,"bytes":N,"seconds":F}: payload bytes, and the time
 * from the first write to the end of the last one.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "bench_common.h"

#define SND_BUF		(4 << 20)
#define BATCH_BYTES	(256 << 10)
#define RESP_MAX	(16 << 10)
#define CLOSE_WAIT_NS	5000000000ull

static int
connect_loopback(uint16_t port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "blast: socket: %s\n", strerror(errno));
		return -1;
	}
	/* SO_SNDBUF before connect, so it counts from the first segment. */
	if (set_sockopt_int(fd, SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", SND_BUF) < 0 ||
	    set_sockopt_int(fd, IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", 1) < 0)
		goto fail;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "blast: connect 127.0.0.1:%u: %s\n", port,
			strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "blast: send: %s\n", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
handshake(int fd, uint16_t port)
{
	unsigned char raw[16];
	char key[25], want[WS_ACCEPT_LEN + 1], req[256], resp[RESP_MAX + 1];
	struct timeval tmo = { .tv_sec = 5 };
	size_t len = 0;
	const char *p;
	int n;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		fprintf(stderr, "blast: getrandom: %s\n", strerror(errno));
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)key, raw, sizeof(raw));
	n = snprintf(req, sizeof(req),
		     "GET / HTTP/1.1\r\n"
		     "Host: 127.0.0.1:%u\r\n"
		     "Upgrade: websocket\r\n"
		     "Connection: Upgrade\r\n"
		     "Sec-WebSocket-Key: %s\r\n"
		     "Sec-WebSocket-Version: 13\r\n\r\n", port, key);
	/* A sink that accepts and never answers must not hang the run. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) < 0) {
		fprintf(stderr, "blast: setsockopt SO_RCVTIMEO: %s\n",
			strerror(errno));
		return -1;
	}
	if (write_all(fd, req, (size_t)n) < 0)
		return -1;
	/* The sink sends nothing after the 101 until we close: no overread. */
	while (memmem(resp, len, "\r\n\r\n", 4) == NULL) {
		ssize_t r;

		if (len == RESP_MAX) {
			fprintf(stderr, "blast: handshake response over 16 KiB\n");
			return -1;
		}
		r = recv(fd, resp + len, RESP_MAX - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "blast: handshake: %s\n",
				r == 0 ? "connection closed" :
				errno == EAGAIN ? "no answer in 5 s" :
				strerror(errno));
			return -1;
		}
		len += (size_t)r;
	}
	resp[len] = '\0';
	if (strncmp(resp, "HTTP/1.1 101", 12) != 0) {
		fprintf(stderr, "blast: handshake refused: %.*s\n",
			(int)strcspn(resp, "\r\n"), resp);
		return -1;
	}
	ws_accept_key(key, strlen(key), want);
	p = strcasestr(resp, "\r\nSec-WebSocket-Accept:");
	if (p == NULL) {
		fprintf(stderr, "blast: handshake: no Sec-WebSocket-Accept\n");
		return -1;
	}
	p += strlen("\r\nSec-WebSocket-Accept:");
	p += strspn(p, " \t");
	if (strncmp(p, want, WS_ACCEPT_LEN) != 0 ||
	    strchr("\r\n \t", p[WS_ACCEPT_LEN]) == NULL) {
		fprintf(stderr, "blast: handshake: wrong Sec-WebSocket-Accept\n");
		return -1;
	}
	return 0;
}

/* One masked text frame of size payload bytes of 'x'; returns its length. */
static size_t
frame_build(unsigned char *f, uint64_t size, const unsigned char mask[4])
{
	size_t off = 2;

	f[0] = 0x81;
	if (size < 126) {
		f[1] = 0x80 | (unsigned char)size;
	} else if (size < 65536) {
		f[1] = 0x80 | 126;
		f[2] = (unsigned char)(size >> 8);
		f[3] = (unsigned char)size;
		off = 4;
	} else {
		f[1] = 0x80 | 127;
		for (int i = 0; i < 8; i++)
			f[2 + i] = (unsigned char)(size >> (56 - 8 * i));
		off = 10;
	}
	memcpy(f + off, mask, 4);
	off += 4;
	for (uint64_t i = 0; i < size; i++)
		f[off + i] = 'x' ^ mask[i & 3];
	return off + (size_t)size;
}

/*
 * The same frames over and over: one mask key for all of them is no
 * protection against anything, and there is nothing here to protect.
 */
static int
blast(int fd, uint64_t size, uint64_t count, double *seconds)
{
	static const unsigned char mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
	uint64_t per, batches, rest, t0;
	unsigned char *buf;
	size_t flen;

	if (size > (64u << 20)) {
		fprintf(stderr, "blast: --size over 64 MiB\n");
		return -1;
	}
	flen = 14 + (size_t)size;
	per = BATCH_BYTES / flen ? BATCH_BYTES / flen : 1;
	if (per > count)
		per = count;
	/* Room for one frame even when count is 0: it is built regardless. */
	buf = malloc((per ? per : 1) * flen);
	if (buf == NULL) {
		fprintf(stderr, "blast: out of memory\n");
		return -1;
	}
	flen = frame_build(buf, size, mask);
	for (uint64_t i = 1; i < per; i++)
		memcpy(buf + i * flen, buf, flen);
	batches = per ? count / per : 0;
	rest = per ? count % per : 0;
	t0 = monotonic_ns();
	for (uint64_t i = 0; i < batches; i++) {
		if (write_all(fd, buf, per * flen) < 0)
			goto fail;
	}
	if (rest > 0 && write_all(fd, buf, rest * flen) < 0)
		goto fail;
	*seconds = (double)(monotonic_ns() - t0) / 1e9;
	free(buf);
	return 0;
fail:
	free(buf);
	return -1;
}

/* Close 1000, then the sink's close or EOF, for at most 5 s. */
static int
close_and_wait(int fd)
{
	static const unsigned char close1000[] = {
		0x88, 0x82, 0, 0, 0, 0, 0x03, 0xe8,
	};
	uint64_t deadline;
	unsigned char buf[4096];

	if (write_all(fd, close1000, sizeof(close1000)) < 0)
		return -1;
	deadline = monotonic_ns() + CLOSE_WAIT_NS;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		uint64_t now = monotonic_ns();
		ssize_t n;
		int r;

		if (now >= deadline) {
			fprintf(stderr, "blast: no close from the sink in 5 s\n");
			return -1;
		}
		r = poll(&pfd, 1, (int)((deadline - now) / 1000000) + 1);
		if (r < 0 && errno != EINTR) {
			fprintf(stderr, "blast: poll: %s\n", strerror(errno));
			return -1;
		}
		if (r <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "blast: waiting for close: %s\n",
				strerror(errno));
			return -1;
		}
		/* The sink sends nothing but its close once we are upgraded. */
		if (n == 0 || buf[0] == 0x88)
			return 0;
	}
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: wspushd-bench-blast --port P --size S --count N\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "size", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t port = 0, size = 0, count = 0, *dst;
	int have = 0, ch, fd;
	double seconds = 0;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p': dst = &port; break;
		case 's': dst = &size; break;
		case 'n': dst = &count; break;
		default: usage();
		}
		if (parse_u64(optarg, dst) < 0)
			usage();
		have |= ch == 'p' ? 1 : ch == 's' ? 2 : 4;
	}
	if (optind != argc || have != 7 || port == 0 || port > 65535)
		usage();
	fd = connect_loopback((uint16_t)port);
	if (fd < 0)
		return 1;
	if (handshake(fd, (uint16_t)port) < 0 ||
	    blast(fd, size, count, &seconds) < 0) {
		close(fd);
		return 1;
	}
	/* Everything was written; a missing close is worth a warning only. */
	(void)close_and_wait(fd);
	close(fd);
	printf("{\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64
	       ",\"seconds\":%.6f}\n", count, count * size, seconds);
	return fflush(stdout) == EOF ? 1 : 0;
}
