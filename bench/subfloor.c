/*
 * subfloor.c - wspushd-bench-subfloor: the latency floor of this machine.
 *
 * usage: wspushd-bench-subfloor --port P --channel C --count N
 *
 * A plain Redis subscriber, nothing else: it takes the timestamped
 * messages of wspushd-bench-pubrate straight from Redis, so publish ->
 * subscriber is measured without any bridge or WebSocket hop.  What a
 * bridge adds is its own latency minus this.  Prints "subscribed" once
 * subscribed, then, after N messages, the line print_percentiles() makes.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "bench_common.h"

static void
usage(void)
{
	fprintf(stderr, "usage: wspushd-bench-subfloor --port P --channel C "
		"--count N\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "channel", required_argument, NULL, 'c' },
		{ "count", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t port = 0, count = 0, got = 0, *s;
	const char *channel = NULL;
	redisContext *c;
	redisReply *r;
	int ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'p' && parse_u64(optarg, &port) == 0)
			continue;
		if (ch == 'n' && parse_u64(optarg, &count) == 0)
			continue;
		if (ch == 'c') {
			channel = optarg;
			continue;
		}
		usage();
	}
	if (optind != argc || channel == NULL || port == 0 || port > 65535 ||
	    count == 0)
		usage();
	s = malloc(count * sizeof(*s));
	c = redisConnect("127.0.0.1", (int)port);
	if (s == NULL || c == NULL || c->err) {
		fprintf(stderr, "subfloor: redis 127.0.0.1:%u: %s\n",
			(unsigned)port, c != NULL ? c->errstr : "out of memory");
		return 1;
	}
	/* hiredis 0.14 has no way to ask for SOCK_CLOEXEC; set it after. */
	fcntl(c->fd, F_SETFD, FD_CLOEXEC);
	/* A publisher that never comes ends the run instead of hanging it. */
	redisSetTimeout(c, (struct timeval){ .tv_sec = 30 });
	r = redisCommand(c, "SUBSCRIBE %s", channel);
	if (r == NULL) {
		fprintf(stderr, "subfloor: SUBSCRIBE: %s\n", c->errstr);
		return 1;
	}
	freeReplyObject(r);
	printf("subscribed\n");
	fflush(stdout);
	while (got < count) {
		uint64_t now, ts;

		if (redisGetReply(c, (void **)&r) != REDIS_OK || r == NULL) {
			fprintf(stderr, "subfloor: after %llu messages: %s\n",
				(unsigned long long)got, c->errstr);
			return 1;
		}
		now = monotonic_ns();
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    r->element[2]->type == REDIS_REPLY_STRING &&
		    parse_stamp((const unsigned char *)r->element[2]->str,
				r->element[2]->len, &ts) == 0)
			s[got++] = now > ts ? now - ts : 0;
		freeReplyObject(r);
	}
	print_percentiles(s, got);
	redisFree(c);
	free(s);
	return fflush(stdout) == EOF;
}
