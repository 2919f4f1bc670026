/*
 * ws_frame.h - client-to-server WebSocket frames (RFC 6455 section 5).
 *
 * wspushd frames its messages itself instead of handing each one to
 * libwebsockets: a frame is built once, when the message is queued, and
 * a run of queued frames then leaves in one write.  Letting the library
 * frame them costs a write, a read of /dev/urandom and a byte-by-byte
 * mask per message, and masks the caller's buffer in place.
 *
 * Client frames are always masked (section 5.3), with a key drawn from
 * the kernel's random source, a block at a time.
 */
#ifndef WSPUSHD_WS_FRAME_H
#define WSPUSHD_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_OPCODE_TEXT		0x1
#define WS_OPCODE_BINARY	0x2
#define WS_FRAME_MAX_HEADER	14	/* 2 + 8 (length) + 4 (key) */

/* Bytes of header a masked frame with len payload bytes needs: 6, 8 or 14. */
static inline size_t
ws_frame_header_len(uint64_t len)
{
	return len < 126 ? 6 : len < 65536 ? 8 : 14;
}

/*
 * Write one final (FIN) masked text or binary frame to out, which has
 * room for ws_frame_header_len(len) + len bytes.  The payload is masked
 * while it is copied; src is not changed.  Returns the frame's length.
 */
size_t ws_frame_encode(unsigned char *out, const void *src, size_t len,
		       bool binary, const unsigned char key[4]);

/* dst[i] = src[i] ^ key[i % 4]; dst may equal src. */
void ws_mask(unsigned char *dst, const unsigned char *src, size_t len,
	     const unsigned char key[4]);

struct ws_frame_info {
	size_t header_len;	/* including the key, if masked */
	uint64_t payload_len;
	unsigned opcode;
	bool fin;
	bool masked;
};

/*
 * Read a frame header from the avail bytes at p.  Returns false when
 * they do not hold a whole header yet.  Only well-formed headers are
 * expected here (frames this module built); no validation beyond that.
 */
bool ws_frame_parse(const unsigned char *p, size_t avail,
		    struct ws_frame_info *out);

/* Masking keys, fetched from getrandom() a block at a time. */
struct ws_mask_keys {
	unsigned char pool[1024];
	size_t used;		/* bytes of pool handed out */
};

void ws_mask_keys_init(struct ws_mask_keys *k);

/* Next key; -1 (errno set) only if the kernel gives no randomness. */
int ws_mask_keys_next(struct ws_mask_keys *k, unsigned char key[4]);

#endif
