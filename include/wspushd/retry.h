/*
 * retry.h - when to try a connection again, and where: the policy both
 * connections share (the upstream and the Redis subscription).
 *
 * A retry counts consecutive failures.  Each failure waits a backoff
 * (backoff.h: exponential, full jitter) that is never shorter than a
 * floor the peer asked for (Retry-After, a slow close code), and each
 * attempt dials the next of the peer's addresses, so one dead address
 * cannot pin us: the first attempt after a success dials the first.
 * Failures are forgotten only once a connection has stayed healthy for
 * a while (the caller's reset timer), never merely because one opened.
 *
 * Pure: the caller supplies the random number.
 */
#ifndef WSPUSHD_RETRY_H
#define WSPUSHD_RETRY_H

#include <stdint.h>

struct retry_policy {
	uint64_t min_ms;	/* first delay */
	uint64_t max_ms;	/* longest delay */
};

struct retry {
	uint32_t failures;	/* consecutive failed attempts */
	uint64_t floor_ms;	/* the next delay is at least this, then 0 */
};

/* One more failed attempt (or connection that did not stay healthy). */
void retry_failed(struct retry *r);

/* Healthy for long enough: start again from the first delay. */
void retry_reset(struct retry *r);

/* The peer asked for patience: the next delay is at least ms. */
void retry_set_floor(struct retry *r, uint64_t ms);

/*
 * The delay before the next attempt: 0 after no failure, else the
 * backoff for the failures so far, raised to the floor; the floor is
 * used up.
 */
uint64_t retry_delay_ms(struct retry *r, const struct retry_policy *p,
			uint64_t random);

/* Which of `count` addresses the next attempt dials (0 when count is 0). */
uint32_t retry_address(const struct retry *r, uint32_t count);

#endif
