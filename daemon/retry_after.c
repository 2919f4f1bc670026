/*
 * retry_after.c - see retry_after.h.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* strptime, timegm */
#endif
#include <string.h>

#include "wspushd/retry_after.h"

uint64_t
retry_after_ms(const char *v, time_t now, uint64_t cap_ms)
{
	uint64_t cap_s = cap_ms / 1000, secs = 0;
	struct tm tm;
	const char *end;
	time_t when;

	while (*v == ' ' || *v == '\t')
		v++;
	if (*v >= '0' && *v <= '9') {
		for (; *v >= '0' && *v <= '9'; v++) {
			secs = secs * 10 + (uint64_t)(*v - '0');
			if (secs > cap_s)
				secs = cap_s + 1;	/* saturate; no overflow */
		}
		while (*v == ' ' || *v == '\t')
			v++;
		if (*v != '\0')
			return 0;
		return secs > cap_s ? cap_ms : secs * 1000;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (end == NULL || *end != '\0')
		return 0;
	when = timegm(&tm);
	if (when <= now)
		return 0;
	if ((uint64_t)(when - now) > cap_s)
		return cap_ms;
	return (uint64_t)(when - now) * 1000;
}
