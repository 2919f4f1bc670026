/*
 * retry.c - see retry.h.
 */
#include "wspushd/backoff.h"
#include "wspushd/retry.h"

void
retry_failed(struct retry *r)
{
	if (r->failures < UINT32_MAX)
		r->failures++;
}

void
retry_reset(struct retry *r)
{
	r->failures = 0;
}

void
retry_set_floor(struct retry *r, uint64_t ms)
{
	if (ms > r->floor_ms)
		r->floor_ms = ms;
}

uint64_t
retry_delay_ms(struct retry *r, const struct retry_policy *p, uint64_t random)
{
	uint64_t ms = backoff_delay_ms(p->min_ms, p->max_ms, r->failures, random);

	if (ms < r->floor_ms)
		ms = r->floor_ms;
	r->floor_ms = 0;
	return ms;
}

uint32_t
retry_address(const struct retry *r, uint32_t count)
{
	return count == 0 ? 0 : r->failures % count;
}
