/*
 * close_codes.h - sets of WebSocket close codes, as [upstream]
 * slow_retry_codes gives them: "1003, 1008, 4000-4999".
 */
#ifndef WSPUSHD_CLOSE_CODES_H
#define WSPUSHD_CLOSE_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLOSE_CODES_MAX 16

/* A set of WebSocket close codes (1000..4999), as inclusive ranges. */
struct close_code_set {
	struct { uint16_t lo, hi; } ranges[CLOSE_CODES_MAX];
	size_t count;
};

bool close_code_set_has(const struct close_code_set *s, unsigned code);

/*
 * Codes and inclusive ranges LOW-HIGH within min..max, separated by
 * commas, at most CLOSE_CODES_MAX of them, none overlapping another; an
 * empty value is the empty set.  Returns 0 and sets *out, or -1 with
 * what is wrong in err (no prefix).
 */
int parse_close_codes(const char *value, unsigned min, unsigned max,
		      struct close_code_set *out, char *err, size_t errlen);

#endif
