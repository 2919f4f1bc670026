/*
 * bench_common.c - see bench_common.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "bench_common.h"

static const char ws_guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

uint64_t
monotonic_ns(void)
{
	struct timespec ts;

	/* Cannot fail with a valid clock id and pointer. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int
parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

void
ws_accept_key(const char *key, size_t len, char out[WS_ACCEPT_LEN + 1])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	char buf[256];

	/* Keys are 24 characters; a longer one cannot match anyway. */
	if (len > sizeof(buf) - sizeof(ws_guid))
		len = sizeof(buf) - sizeof(ws_guid);
	memcpy(buf, key, len);
	memcpy(buf + len, ws_guid, sizeof(ws_guid) - 1);
	SHA1((const unsigned char *)buf, len + sizeof(ws_guid) - 1, md);
	EVP_EncodeBlock((unsigned char *)out, md, SHA_DIGEST_LENGTH);
}

int
set_sockopt_int(int fd, int level, int name, const char *what, int value)
{
	if (setsockopt(fd, level, name, &value, sizeof(value)) < 0) {
		fprintf(stderr, "setsockopt %s: %s\n", what, strerror(errno));
		return -1;
	}
	return 0;
}

int
parse_stamp(const unsigned char *p, size_t n, uint64_t *ns)
{
	uint64_t ts = 0;
	size_t i;

	if (n < 3 || p[0] != 't' || p[1] != '=')
		return -1;
	for (i = 2; i < n && p[i] >= '0' && p[i] <= '9'; i++) {
		if (ts > (UINT64_MAX - 9) / 10)
			return -1;
		ts = ts * 10 + (uint64_t)(p[i] - '0');
	}
	if (i == 2)
		return -1;
	*ns = ts;
	return 0;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest rank: the smallest sample with at least permille of n at or below. */
static uint64_t
rank(const uint64_t *s, size_t n, uint64_t permille)
{
	uint64_t r = (permille * n + 999) / 1000;

	return s[r > 0 ? r - 1 : 0];
}

void
print_percentiles(uint64_t *s, size_t n)
{
	if (n == 0) {
		printf("{\"n\":0,\"p50_ns\":0,\"p90_ns\":0,\"p99_ns\":0,"
		       "\"p999_ns\":0,\"max_ns\":0}\n");
		return;
	}
	qsort(s, n, sizeof(*s), cmp_u64);
	printf("{\"n\":%zu,\"p50_ns\":%" PRIu64 ",\"p90_ns\":%" PRIu64
	       ",\"p99_ns\":%" PRIu64 ",\"p999_ns\":%" PRIu64
	       ",\"max_ns\":%" PRIu64 "}\n", n,
	       rank(s, n, 500), rank(s, n, 900), rank(s, n, 990),
	       rank(s, n, 999), s[n - 1]);
}
