/*
 * bench_common.h - small helpers shared by the benchmark's tools.
 */
#ifndef WSPUSHD_BENCH_COMMON_H
#define WSPUSHD_BENCH_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Base64 of a 20-byte SHA-1: 28 characters. */
#define WS_ACCEPT_LEN 28

uint64_t monotonic_ns(void);

/* Decimal, the whole string, no sign; -1 on anything else or overflow. */
int parse_u64(const char *s, uint64_t *out);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key, NUL-terminated. */
void ws_accept_key(const char *key, size_t len, char out[WS_ACCEPT_LEN + 1]);

/* Sets an int socket option; prints what failed and returns -1. */
int set_sockopt_int(int fd, int level, int name, const char *what, int value);

#endif
