/*
 * units.h - durations ("250ms", "3s", "1m", "1h") and sizes ("512",
 * "64KiB", "16MiB", "1GiB", also "kB"/"MB"/"GB" as powers of 1000),
 * read and written.  Reading is strict: no sign, no trailing garbage,
 * overflow is an error.
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

/*
 * The shortest exact spelling, for messages: 90000 ms is "90s", 1500 ms
 * "1500ms", 3600000 ms "1h"; 65536 bytes "64KiB", 1000 bytes "1000".
 * Written to buf, which is returned.
 */
const char *format_duration_ms(char *buf, size_t buflen, uint64_t ms);
const char *format_size(char *buf, size_t buflen, uint64_t bytes);

#endif
