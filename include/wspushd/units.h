/*
 * units.h - durations ("250ms", "3s", "1m", "1h") and sizes ("512",
 * "64KiB", "16MiB", "1GiB", also "kB"/"MB"/"GB" as powers of 1000).
 * Strict: no sign, no trailing garbage, overflow is an error.
 */
#ifndef WSPUSHD_UNITS_H
#define WSPUSHD_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* A bare number is seconds.  Returns 0 or -1 with a reason in err. */
int parse_duration_ms(const char *text, uint64_t *out_ms, char *err, size_t errlen);

/* A bare number is bytes.  Returns 0 or -1 with a reason in err. */
int parse_size(const char *text, size_t *out, char *err, size_t errlen);

/* Plain unsigned integer in [min, max].  Returns 0 or -1. */
int parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out,
	       char *err, size_t errlen);

#endif
