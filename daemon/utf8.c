/*
 * utf8.c - see utf8.h.  It runs over every byte of every message (the
 * auto message type), so ASCII, the common case (JSON), is skipped
 * eight bytes at a time; the rest is checked a byte at a time.
 */
#include <stdint.h>
#include <string.h>

#include "wspushd/utf8.h"

bool
utf8_valid(const void *data, size_t len)
{
	const uint8_t *p = data, *end = p + len;

	while (p < end) {
		uint8_t c = *p;
		size_t n;
		uint32_t cp, lo;

		if (c < 0x80) {
			uint64_t w;

			/* No high bit in the next eight: all ASCII. */
			while (end - p >= 8) {
				memcpy(&w, p, 8);
				if (w & UINT64_C(0x8080808080808080))
					break;
				p += 8;
			}
			if (p < end && *p < 0x80)
				p++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1; cp = c & 0x1f; lo = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2; cp = c & 0x0f; lo = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3; cp = c & 0x07; lo = 0x10000;
		} else {
			return false;	/* continuation byte, 0xc0/0xc1, >= 0xf5 */
		}
		if ((size_t)(end - p) <= n)
			return false;
		for (size_t i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i] & 0x3f);
		}
		if (cp < lo || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n + 1;
	}
	return true;
}
