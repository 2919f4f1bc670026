/*
 * pubrate.c - wspushd-bench-pubrate: publishes to Redis at a steady rate,
 * each payload stamped with the CLOCK_MONOTONIC time of its sending, so
 * that the sink on the same machine can measure end-to-end latency.
 *
 * usage: wspushd-bench-pubrate --port P --channel C --rate R --count N
 *                              --size S
 *
 * Payload: "t=<20-digit ns> " then 'x' up to S bytes (S >= 24).
 * Prints {"published":N,"receivers":SUM,"late":K,"seconds":F}: SUM of
 * PUBLISH's replies, K sends that began over 1 ms after their schedule.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "bench_common.h"

#define SIZE_MIN	24
#define SIZE_MAX_	(512u << 20)	/* Redis' own limit on a string */
#define TS_DIGITS	20
#define LATE_NS		1000000ull

struct args {
	uint64_t	 port, count, size;
	double		 rate;
	const char	*channel;
};

static void
usage(void)
{
	fprintf(stderr, "usage: wspushd-bench-pubrate --port P --channel C "
		"--rate R --count N --size S\n");
	exit(2);
}

static void
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "channel", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'n' },
		{ "size", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	int ch, have = 0;
	char *end;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (parse_u64(optarg, &a->port) < 0)
				usage();
			have |= 1;
			break;
		case 'c':
			a->channel = optarg;
			have |= 2;
			break;
		case 'r':
			errno = 0;
			a->rate = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !isfinite(a->rate) || a->rate <= 0)
				usage();
			have |= 4;
			break;
		case 'n':
			if (parse_u64(optarg, &a->count) < 0)
				usage();
			have |= 8;
			break;
		case 's':
			if (parse_u64(optarg, &a->size) < 0)
				usage();
			have |= 16;
			break;
		default:
			usage();
		}
	}
	if (optind != argc || have != 31 || a->port == 0 || a->port > 65535 ||
	    a->size < SIZE_MIN || a->size > SIZE_MAX_)
		usage();
}

static redisContext *
redis_open(uint16_t port)
{
	redisContext *c = redisConnect("127.0.0.1", port);

	if (c == NULL) {
		fprintf(stderr, "pubrate: redis: out of memory\n");
		return NULL;
	}
	if (c->err) {
		fprintf(stderr, "pubrate: redis 127.0.0.1:%u: %s\n", port,
			c->errstr);
		redisFree(c);
		return NULL;
	}
	/* A Redis that stops answering ends the run instead of hanging it. */
	if (redisSetTimeout(c, (struct timeval){ .tv_sec = 5 }) != REDIS_OK) {
		fprintf(stderr, "pubrate: redis: cannot set a timeout: %s\n",
			c->errstr);
		redisFree(c);
		return NULL;
	}
	/* hiredis 0.14 has no way to ask for SOCK_CLOEXEC; set it after. */
	if (fcntl(c->fd, F_SETFD, FD_CLOEXEC) < 0) {
		fprintf(stderr, "pubrate: fcntl: %s\n", strerror(errno));
		redisFree(c);
		return NULL;
	}
	return c;
}

static void
sleep_until(uint64_t ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ull),
		.tv_nsec = (long)(ns % 1000000000ull),
	};

	/* Absolute: a signal or a slow send never shifts later sends. */
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Fixed width, by hand: this runs between the timestamp and the send. */
static void
put_ts(char *p, uint64_t ns)
{
	for (int i = TS_DIGITS - 1; i >= 0; i--) {
		p[i] = (char)('0' + ns % 10);
		ns /= 10;
	}
}

/* One reply: PUBLISH's count of receivers. */
static int
count_reply(redisContext *c, redisReply *r, uint64_t *receivers)
{
	if (r->type != REDIS_REPLY_INTEGER) {
		fprintf(stderr, "pubrate: PUBLISH: unexpected reply%s%.*s\n",
			r->type == REDIS_REPLY_ERROR ? ": " : "",
			r->type == REDIS_REPLY_ERROR ? (int)r->len : 0,
			r->type == REDIS_REPLY_ERROR ? r->str : "");
		freeReplyObject(r);
		return -1;
	}
	if (r->integer > 0)
		*receivers += (uint64_t)r->integer;
	freeReplyObject(r);
	(void)c;
	return 0;
}

/*
 * Send without waiting for the reply: a round trip per message would make
 * the publisher, not the path under test, set the pace (and bunch sends
 * up behind a slow one).  Replies are collected as they come.
 */
static int
publish(redisContext *c, const char *channel, const char *buf, size_t len)
{
	int done = 0;

	if (redisAppendCommand(c, "PUBLISH %s %b", channel, buf, len) != REDIS_OK)
		goto fail;
	while (!done)
		if (redisBufferWrite(c, &done) != REDIS_OK)
			goto fail;
	return 0;
fail:
	fprintf(stderr, "pubrate: PUBLISH: %s\n", c->errstr);
	return -1;
}

/* Count the replies already here; with wait, all that are due. */
static int
collect(redisContext *c, uint64_t *pending, uint64_t *receivers, int wait)
{
	void *r;

	if (!wait) {
		char tmp[16384];
		ssize_t n = recv(c->fd, tmp, sizeof(tmp), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			fprintf(stderr, "pubrate: redis: %s\n",
				n == 0 ? "connection closed" : strerror(errno));
			return -1;
		}
		if (n > 0 && redisReaderFeed(c->reader, tmp, (size_t)n) != REDIS_OK)
			return -1;
	}
	while (*pending > 0) {
		r = NULL;
		if (redisGetReplyFromReader(c, &r) != REDIS_OK)
			goto fail;
		if (r == NULL) {
			if (!wait)
				return 0;
			/* Blocking, bounded by the context's 5 s timeout. */
			if (redisGetReply(c, &r) != REDIS_OK || r == NULL)
				goto fail;
		}
		(*pending)--;
		if (count_reply(c, r, receivers) < 0)
			return -1;
	}
	return 0;
fail:
	fprintf(stderr, "pubrate: PUBLISH: %s\n",
		c->errstr[0] ? c->errstr : "no reply");
	return -1;
}

int
main(int argc, char **argv)
{
	struct args a = { 0 };
	uint64_t receivers = 0, late = 0, pending = 0, start, i;
	redisContext *c;
	char *buf;
	int rc = 0;

	parse_args(argc, argv, &a);
	/* hiredis uses write(): a Redis gone mid-run is an error, not a kill. */
	signal(SIGPIPE, SIG_IGN);
	buf = malloc(a.size);
	if (buf == NULL) {
		fprintf(stderr, "pubrate: out of memory\n");
		return 1;
	}
	memcpy(buf, "t=", 2);
	buf[2 + TS_DIGITS] = ' ';
	memset(buf + 3 + TS_DIGITS, 'x', a.size - 3 - TS_DIGITS);
	c = redis_open((uint16_t)a.port);
	if (c == NULL) {
		free(buf);
		return 1;
	}
	start = monotonic_ns();
	for (i = 0; i < a.count; i++) {
		uint64_t due = start + (uint64_t)((double)i * 1e9 / a.rate);
		uint64_t now;

		sleep_until(due);
		now = monotonic_ns();
		if (now > due && now - due > LATE_NS)
			late++;
		put_ts(buf + 2, now);
		if (publish(c, a.channel, buf, a.size) < 0 ||
		    (pending++, collect(c, &pending, &receivers, 0) < 0)) {
			rc = 1;
			break;
		}
	}
	if (rc == 0 && collect(c, &pending, &receivers, 1) < 0)
		rc = 1;
	printf("{\"published\":%" PRIu64 ",\"receivers\":%" PRIu64
	       ",\"late\":%" PRIu64 ",\"seconds\":%.6f}\n", i, receivers, late,
	       (double)(monotonic_ns() - start) / 1e9);
	if (fflush(stdout) == EOF)
		rc = 1;
	redisFree(c);
	free(buf);
	return rc;
}
