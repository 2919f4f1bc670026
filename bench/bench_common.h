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

/*
 * "t=<digits>" at the start of a payload: the CLOCK_MONOTONIC ns at which
 * a publisher on this machine sent it.  0 and *ns set, or -1.
 */
int parse_stamp(const unsigned char *p, size_t n, uint64_t *ns);

/*
 * Sort the n samples (ns) and print one JSON line: n, p50_ns, p90_ns,
 * p99_ns, p999_ns, max_ns (nearest rank; zeros when n is 0).
 */
void print_percentiles(uint64_t *s, size_t n);

#endif
