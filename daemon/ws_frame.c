/*
 * ws_frame.c - see ws_frame.h.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "wspushd/ws_frame.h"

/* Sixteen bytes, in whatever vector registers the target has. */
typedef unsigned char v16 __attribute__((vector_size(16)));

void
ws_mask(unsigned char *dst, const unsigned char *src, size_t len,
	const unsigned char key[4])
{
	v16 k16, a, b;
	size_t i = 0;

	/*
	 * The key repeats every four bytes, so four copies of it mask
	 * sixteen.  memcpy keeps the loads and stores legal at any
	 * alignment and compiles to unaligned vector moves.
	 */
	for (int j = 0; j < 16; j += 4)
		memcpy((unsigned char *)&k16 + j, key, 4);
	for (; i + 32 <= len; i += 32) {
		memcpy(&a, src + i, 16);
		memcpy(&b, src + i + 16, 16);
		a ^= k16;
		b ^= k16;
		memcpy(dst + i, &a, 16);
		memcpy(dst + i + 16, &b, 16);
	}
	for (; i + 16 <= len; i += 16) {
		memcpy(&a, src + i, 16);
		a ^= k16;
		memcpy(dst + i, &a, 16);
	}
	for (; i < len; i++)
		dst[i] = src[i] ^ key[i & 3];
}

size_t
ws_frame_encode(unsigned char *out, const void *src, size_t len, bool binary,
		const unsigned char key[4])
{
	size_t h = 0;

	out[h++] = 0x80 | (binary ? WS_OPCODE_BINARY : WS_OPCODE_TEXT);
	if (len < 126) {
		out[h++] = 0x80 | (unsigned char)len;
	} else if (len < 65536) {
		out[h++] = 0x80 | 126;
		out[h++] = (unsigned char)(len >> 8);
		out[h++] = (unsigned char)len;
	} else {
		uint64_t l = len;

		out[h++] = 0x80 | 127;
		for (int shift = 56; shift >= 0; shift -= 8)
			out[h++] = (unsigned char)(l >> shift);
	}
	memcpy(out + h, key, 4);
	h += 4;
	ws_mask(out + h, src, len, key);
	return h + len;
}

bool
ws_frame_parse(const unsigned char *p, size_t avail, struct ws_frame_info *out)
{
	size_t h = 2;
	uint64_t len;

	if (avail < 2)
		return false;
	out->fin = (p[0] & 0x80) != 0;
	out->opcode = p[0] & 0x0f;
	out->masked = (p[1] & 0x80) != 0;
	len = p[1] & 0x7f;
	if (len == 126) {
		if (avail < 4)
			return false;
		len = (uint64_t)p[2] << 8 | p[3];
		h = 4;
	} else if (len == 127) {
		if (avail < 10)
			return false;
		len = 0;
		for (int i = 2; i < 10; i++)
			len = len << 8 | p[i];
		h = 10;
	}
	if (out->masked)
		h += 4;
	if (avail < h)
		return false;
	out->header_len = h;
	out->payload_len = len;
	return true;
}

void
ws_mask_keys_init(struct ws_mask_keys *k)
{
	k->used = sizeof(k->pool);	/* empty: the first key fills it */
}

int
ws_mask_keys_next(struct ws_mask_keys *k, unsigned char key[4])
{
	if (k->used + 4 > sizeof(k->pool)) {
		size_t got = 0;

		while (got < sizeof(k->pool)) {
			ssize_t n = getrandom(k->pool + got,
					      sizeof(k->pool) - got, 0);

			if (n < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			got += (size_t)n;
		}
		k->used = 0;
	}
	memcpy(key, k->pool + k->used, 4);
	k->used += 4;
	return 0;
}
