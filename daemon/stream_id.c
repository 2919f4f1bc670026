/*
 * stream_id.c - see stream_id.h.
 */
#include <stdio.h>

#include "wspushd/stream_id.h"

/* Digits only, no sign, no overflow, at least one. */
static bool
number(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 20)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

bool
stream_id_parse(const char *s, size_t len, struct stream_id *out)
{
	size_t dash = 0;

	while (dash < len && s[dash] != '-')
		dash++;
	if (!number(s, dash, &out->ms))
		return false;
	if (dash == len) {
		out->seq = 0;
		return true;
	}
	return number(s + dash + 1, len - dash - 1, &out->seq);
}

int
stream_id_cmp(const struct stream_id *a, const struct stream_id *b)
{
	if (a->ms != b->ms)
		return a->ms < b->ms ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

void
stream_id_format(const struct stream_id *id, char out[STREAM_ID_MAX])
{
	snprintf(out, STREAM_ID_MAX, "%llu-%llu", (unsigned long long)id->ms,
		 (unsigned long long)id->seq);
}
