/*
 * refusal.h - the upgrade was answered with an HTTP status instead of
 * 101: the line to log, and how long the server asked us to wait.
 *
 * A redirect (3xx) is never followed (the upgrade request carries the
 * configured credentials, which are for this upstream only); its
 * Location is named, made printable and cut.  429 and 503 may carry
 * Retry-After, a floor for the next delay, capped.
 *
 * Pure: the glue copies the headers out of libwebsockets; the words and
 * the wait are decided here (tests/unit/test_refusal.c).
 */
#ifndef WSPUSHD_REFUSAL_H
#define WSPUSHD_REFUSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* A Retry-After beyond this is treated as this: we still want to try. */
#define REFUSAL_RETRY_AFTER_CAP_MS (60ull * 60 * 1000)
/* The longest Location the glue copies out; longer ones are not shown. */
#define REFUSAL_LOCATION_MAX 1024

struct refusal_headers {
	const char *location;		/* NULL: none */
	bool location_too_long;		/* there was one, over LOCATION_MAX */
	const char *retry_after;	/* NULL: none */
};

/*
 * Write the reason for status into why (for "connect to X failed: ...")
 * and return the floor for the next delay in ms (0: none), at now.
 */
uint64_t refusal_describe(int status, const struct refusal_headers *h,
			  time_t now, char *why, size_t whylen);

#endif
