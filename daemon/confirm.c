/*
 * confirm.c - see confirm.h.
 */
#include <stddef.h>

#include "wspushd/confirm.h"

void
confirm_start(struct confirm *k, uint64_t interval_ms, uint64_t from)
{
	k->interval_ms = interval_ms;
	k->written = from;
	k->pinged = from;
	k->confirmed = from;
	k->last_ping_at = 0;
	k->asked = false;
}

void
confirm_written(struct confirm *k, uint64_t next)
{
	if (next > k->written)
		k->written = next;
}

bool
confirm_pending(const struct confirm *k)
{
	return k->interval_ms > 0 && k->written > k->confirmed;
}

/* Written messages that no ping has followed yet. */
static bool
uncovered(const struct confirm *k)
{
	return k->interval_ms > 0 && k->written > k->pinged;
}

bool
confirm_wants_ping(const struct confirm *k, uint64_t now, bool unsent)
{
	if (!uncovered(k))
		return false;
	/* Nothing more to write and no ping awaited: confirm the tail now. */
	if (!unsent && k->confirmed >= k->pinged)
		return true;
	return k->last_ping_at == 0 || now >= k->last_ping_at + k->interval_ms;
}

uint64_t
confirm_next(const struct confirm *k)
{
	if (!uncovered(k) || k->asked)
		return 0;
	/* The very first may go at once (the caller asks wants_ping first). */
	return k->last_ping_at == 0 ? 1 : k->last_ping_at + k->interval_ms;
}

void
confirm_asked(struct confirm *k)
{
	k->asked = true;
}

uint64_t
confirm_ping_sent(struct confirm *k, uint64_t now)
{
	k->asked = false;
	k->pinged = k->written;
	k->last_ping_at = now;
	return k->pinged;
}

uint64_t
confirm_pong(struct confirm *k, const unsigned char *payload, uint64_t len)
{
	uint64_t seq;

	if (k->interval_ms == 0 || !confirm_decode(payload, len, &seq))
		return 0;
	/* Only a number we sent, and only forward. */
	if (seq > k->pinged || seq <= k->confirmed)
		return 0;
	k->confirmed = seq;
	return seq;
}

void
confirm_encode(uint64_t seq, unsigned char out[CONFIRM_PING_BYTES])
{
	for (int i = CONFIRM_PING_BYTES - 1; i >= 0; i--) {
		out[i] = (unsigned char)(seq & 0xff);
		seq >>= 8;
	}
}

bool
confirm_decode(const unsigned char *payload, uint64_t len, uint64_t *seq)
{
	uint64_t v = 0;

	if (payload == NULL || len != CONFIRM_PING_BYTES)
		return false;
	for (int i = 0; i < CONFIRM_PING_BYTES; i++)
		v = v << 8 | payload[i];
	*seq = v;
	return true;
}
