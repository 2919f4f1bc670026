/*
 * resp_guard.h - bound what a Redis peer can make us buffer.
 *
 * hiredis' reader keeps a bulk string in memory until the whole of it
 * has arrived, whatever length the peer announced: a 200 MiB PUBLISH
 * costs 200 MiB (twice, while the reply object is made), and a peer that
 * announces $4611686018427387904 makes it grow until the machine gives
 * out.  The guard sits between read() and the reader and follows the
 * RESP2 framing byte by byte as it streams past:
 *
 *   - a bulk string longer than max_bulk (or than what is left of
 *     max_reply for the reply it belongs to) is never passed on: the
 *     reader gets "$-1\r\n", a nil, in its place, and the bytes are
 *     counted off as they arrive and forgotten;
 *   - what cannot be a reply (an unknown type byte, a malformed or
 *     impossible length, a line longer than max_line, an array larger
 *     than max_elements, nested deeper than max_depth) is a protocol
 *     error: the connection is dropped, nothing is guessed.
 *
 * Everything else passes through untouched, in runs as long as the
 * input allows, so the common case costs a scan of the headers only.
 *
 * Invariant: the bytes passed on are exactly a well-formed RESP2 stream
 * (the input with oversized bulk strings replaced by nils), so the
 * reader never sees a partial reply it would have to buffer past the
 * limits.
 *
 * Pure: no I/O, no allocation; unit-tested by feeding bytes.
 */
#ifndef WSPUSHD_RESP_GUARD_H
#define WSPUSHD_RESP_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A bulk length above this is a lie: no Redis holds a terabyte string. */
#define RESP_IMPOSSIBLE_BULK (1ull << 40)
/* Longest length header we accept: "$" "-" 19 digits "\r\n". */
#define RESP_HEADER_MAX 24
#define RESP_DEPTH_MAX 8

struct resp_limits {
	uint64_t max_bulk;	/* a longer bulk string is skipped */
	uint64_t max_reply;	/* bulk bytes kept per top-level reply */
	size_t max_line;	/* a longer status/error/integer line: error */
	uint64_t max_elements;	/* more in one reply, all arrays together: error */
	unsigned max_depth;	/* deeper nesting: error; <= RESP_DEPTH_MAX */
};

/*
 * What the guard tells its sink.  Each returns 0 to go on, or non-zero
 * to stop feeding at once (the owner's connection is gone).
 *   pass:     bytes for the reader, in order;
 *   skipping: a bulk string of `len` bytes is about to be replaced by a
 *             nil; everything before it has been passed;
 *   done:     the reply that held a skipped string is complete and has
 *             been passed whole.
 */
struct resp_guard_sink {
	int (*pass)(void *arg, const char *data, size_t len);
	int (*skipping)(void *arg, uint64_t len);
	int (*done)(void *arg);
};

enum resp_guard_result {
	RESP_GUARD_OK,		/* all input consumed */
	RESP_GUARD_STOPPED,	/* a sink callback asked to stop */
	RESP_GUARD_ERROR,	/* protocol error; see g->error */
};

struct resp_guard {
	struct resp_limits lim;
	int state;			/* private: what the next byte is */
	char hdr[RESP_HEADER_MAX];	/* a '$' or '*' header being read */
	size_t hdr_len;
	bool hdr_held;			/* hdr began in an earlier feed */
	size_t line_len;		/* of a +, -, : line */
	bool line_cr;			/* its last byte so far was CR */
	uint64_t left;			/* bytes of a bulk (+ CRLF) to pass or skip */
	uint64_t reply_bulk;		/* bulk bytes passed in this reply */
	uint64_t reply_elements;	/* array elements in this reply */
	bool reply_skipped;		/* this reply had a string replaced */
	uint64_t pending[RESP_DEPTH_MAX];	/* elements still due per level */
	unsigned depth;
	char error[96];			/* the protocol error, once there is one */
};

void resp_guard_init(struct resp_guard *g, const struct resp_limits *lim);

/*
 * New limits, from the next bulk string on (a reload).  The depth is
 * capped at RESP_DEPTH_MAX.
 */
void resp_guard_set_limits(struct resp_guard *g, const struct resp_limits *lim);

/*
 * Feed the next bytes from the peer.  After RESP_GUARD_ERROR the guard
 * stays in error: drop the connection and start a new guard with it.
 */
enum resp_guard_result resp_guard_feed(struct resp_guard *g, const char *in,
				       size_t len,
				       const struct resp_guard_sink *sink,
				       void *arg);

#endif
