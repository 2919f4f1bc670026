/*
 * fnv.h - FNV-1a (64 bits): a stable short name for a string, or a
 * table slot; not a security hash.  Pure.
 */
#ifndef WSPUSHD_FNV_H
#define WSPUSHD_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_INIT 0xcbf29ce484222325ull

/* h, extended by the len bytes at data. */
static inline uint64_t
fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

#endif
