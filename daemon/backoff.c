/*
 * backoff.c - see backoff.h.
 */
#include <sys/random.h>
#include <time.h>

#include "wspushd/backoff.h"

uint64_t
backoff_cap_ms(uint64_t min_ms, uint64_t max_ms, uint32_t attempt)
{
	uint64_t cap = min_ms;

	if (attempt == 0)
		return 0;
	/* Double until the ceiling; stop early so the shift never overflows. */
	for (uint32_t i = 1; i < attempt && cap < max_ms; i++)
		cap = cap > UINT64_MAX / 2 ? UINT64_MAX : cap * 2;
	if (cap > max_ms)
		cap = max_ms;
	return cap < min_ms ? min_ms : cap;
}

uint64_t
backoff_delay_ms(uint64_t min_ms, uint64_t max_ms, uint32_t attempt,
		 uint64_t random)
{
	uint64_t cap = backoff_cap_ms(min_ms, max_ms, attempt);
	uint64_t span;

	if (attempt == 0)
		return 0;
	if (cap <= min_ms)
		return cap;
	span = cap - min_ms;
	return min_ms + (span == UINT64_MAX ? random : random % (span + 1));
}

void
rng_seed(struct rng *r, uint64_t seed)
{
	r->s = seed ? seed : 0x9e3779b97f4a7c15ull;
}

uint64_t
rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 0x2545f4914f6cdd1dull;
}

void
rng_seed_random(struct rng *r)
{
	uint64_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed)) {
		struct timespec ts;

		/* Early boot without entropy: any per-process value will do. */
		clock_gettime(CLOCK_MONOTONIC, &ts);
		seed = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
		       (uint64_t)(uintptr_t)r;
	}
	rng_seed(r, seed);
}
