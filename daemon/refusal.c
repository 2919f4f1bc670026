/*
 * refusal.c - see refusal.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/log.h"
#include "wspushd/refusal.h"
#include "wspushd/retry_after.h"

/* What of a Location goes in the log: the host, not all of it. */
#define LOCATION_SHOWN 120

uint64_t
refusal_describe(int status, const struct refusal_headers *h, time_t now,
		 char *why, size_t whylen)
{
	char loc[LOCATION_SHOWN];
	uint64_t floor_ms = 0;

	if (status >= 300 && status < 400) {
		if (h->location_too_long)
			snprintf(why, whylen, "server answered HTTP %d, redirect "
				 "(Location over %d bytes) not followed", status,
				 REFUSAL_LOCATION_MAX);
		else if (h->location == NULL || h->location[0] == '\0')
			snprintf(why, whylen, "server answered HTTP %d (a redirect "
				 "without Location), not followed", status);
		else
			snprintf(why, whylen, "server answered HTTP %d, redirect "
				 "to %s not followed", status,
				 log_printable(loc, sizeof(loc), h->location,
					       strlen(h->location)));
		return 0;
	}
	if ((status == 429 || status == 503) && h->retry_after != NULL)
		floor_ms = retry_after_ms(h->retry_after, now,
					  REFUSAL_RETRY_AFTER_CAP_MS);
	if (floor_ms > 0)
		snprintf(why, whylen, "server answered HTTP %d, Retry-After %llus",
			 status, (unsigned long long)(floor_ms / 1000));
	else
		snprintf(why, whylen, "server answered HTTP %d", status);
	return floor_ms;
}
