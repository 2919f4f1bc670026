/*
 * bench_common.c - see bench_common.h.
 */
#include <errno.h>
#include <stdio.h>
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
