/*
 * retry_after.h - the HTTP Retry-After header (RFC 9110 10.2.3), which a
 * server may send with 429 or 503 when it refuses the upgrade.
 */
#ifndef WSPUSHD_RETRY_AFTER_H
#define WSPUSHD_RETRY_AFTER_H

#include <stdint.h>
#include <time.h>

/*
 * Milliseconds to wait, from delay-seconds ("120") or an IMF-fixdate
 * ("Sun, 06 Nov 1994 08:49:37 GMT") taken relative to now.  Capped at
 * cap_ms; 0 for a value that is malformed or already in the past.
 */
uint64_t retry_after_ms(const char *value, time_t now, uint64_t cap_ms);

#endif
