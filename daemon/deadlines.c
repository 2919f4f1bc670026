/*
 * deadlines.c - see deadlines.h.
 */
#include "wspushd/deadlines.h"

static const char *const names[DL_COUNT] = {
	[DL_RETRY] = "retry",
	[DL_CONNECT] = "connect",
	[DL_STABLE] = "stable",
	[DL_CLOSE] = "close",
	[DL_DRAIN] = "drain",
	[DL_HEARTBEAT] = "heartbeat",
	[DL_FIN] = "FIN wait",
	[DL_CONFIRM] = "confirm",
	[DL_CLOSE_CONFIRM] = "close confirm",
	[DL_GREETING] = "greeting",
};

const char *
deadline_name(enum deadline_kind k)
{
	return (unsigned)k < DL_COUNT ? names[k] : "?";
}

void
deadlines_set(struct deadlines *d, enum deadline_kind k, uint64_t at)
{
	if ((unsigned)k < DL_COUNT)
		d->at[k] = at;
}

/* The earliest armed kind, or DL_COUNT. */
static enum deadline_kind
earliest(const struct deadlines *d)
{
	enum deadline_kind best = DL_COUNT;

	for (int k = 0; k < DL_COUNT; k++)
		if (d->at[k] != 0 && (best == DL_COUNT || d->at[k] < d->at[best]))
			best = (enum deadline_kind)k;
	return best;
}

uint64_t
deadlines_next(const struct deadlines *d)
{
	enum deadline_kind k = earliest(d);

	return k == DL_COUNT ? 0 : d->at[k];
}

enum deadline_kind
deadlines_take_due(struct deadlines *d, uint64_t now)
{
	enum deadline_kind k = earliest(d);

	if (k == DL_COUNT || d->at[k] > now)
		return DL_COUNT;
	d->at[k] = 0;
	return k;
}
