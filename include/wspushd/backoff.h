/*
 * backoff.h - reconnect delays: exponential growth with full jitter.
 *
 * The n-th consecutive failure waits a uniformly random time in
 * [min, min(max, min * 2^(n-1))].  Randomness spreads a fleet of daemons
 * that lost the same upstream at the same instant; the floor keeps a
 * single daemon from hammering it.  Pure: the caller supplies the random
 * number, so tests are exact.
 */
#ifndef WSPUSHD_BACKOFF_H
#define WSPUSHD_BACKOFF_H

#include <stdint.h>

/* attempt 0 means "no failure, reconnect now" and yields 0. */
uint64_t backoff_delay_ms(uint64_t min_ms, uint64_t max_ms, uint32_t attempt,
			  uint64_t random);

/* Upper bound of the interval backoff_delay_ms draws from. */
uint64_t backoff_cap_ms(uint64_t min_ms, uint64_t max_ms, uint32_t attempt);

/* A small, fast generator (xorshift64*); never seeded with 0. */
struct rng { uint64_t s; };
void rng_seed(struct rng *r, uint64_t seed);
/* Seed from the kernel, so daemons started together do not retry in step. */
void rng_seed_random(struct rng *r);
uint64_t rng_next(struct rng *r);

#endif
