/*
 * resend.c - see resend.h.
 */
#include "wspushd/resend.h"

bool
resend_careful(const struct resend *r, const struct confirm *k)
{
	return k->interval_ms > 0 && k->confirmed < r->careful_until;
}

bool
resend_lost(struct resend *r, const struct confirm *k, uint32_t max_deliveries,
	    uint64_t *give_up)
{
	bool careful = resend_careful(r, k);

	if (!confirm_pending(k))
		return false;
	/* Exactly one in flight while careful: that one did it. */
	if (careful && k->written == k->confirmed + 1) {
		if (r->blamed == k->confirmed) {
			r->blames++;
		} else {
			r->blamed = k->confirmed;
			r->blames = 1;
		}
	}
	if (k->written > r->careful_until)
		r->careful_until = k->written;
	if (max_deliveries == 0 || r->blames < max_deliveries ||
	    r->blamed != k->confirmed)
		return false;
	*give_up = r->blamed;
	r->blames = 0;
	return true;
}
