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
 *     impossible length, an integer that is none, a line longer than
 *     max_line, more than max_elements array elements in one reply,
 *     nesting deeper than max_depth) is a protocol error: the connection
 *     is dropped, nothing is guessed;
 *   - with `pubsub`, a reply that hiredis 0.14 would hand to its pub/sub
 *     code must have the shape that code assumes, or hiredis aborts the
 *     process on an assert (or reads past the array): a top-level array
 *     has at least 2 elements, the first two are strings (names: never
 *     replaced, at most max_name bytes, else a protocol error), and an
 *     "unsubscribe" or "punsubscribe" has an integer third;
 *   - with `begin` in the sink, the sink sees the type byte of every
 *     top-level reply before any of it is passed, and after everything
 *     before it was: for a connection on which hiredis must have a
 *     callback waiting for each reply (a reply nobody asked for makes
 *     hiredis 0.14 abort too).

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
/* hiredis 0.14's reader refuses deeper nesting. */
#define RESP_DEPTH_MAX 7
/* Longest ":" integer line: "-" and 19 digits. */
#define RESP_INTEGER_MAX 20

struct resp_limits {
	uint64_t max_bulk;	/* a longer bulk string is skipped */
	uint64_t max_reply;	/* bulk bytes kept per top-level reply */
	size_t max_line;	/* a longer status/error/integer line: error */
	uint64_t max_elements;	/* more in one reply, all arrays together: error */
	unsigned max_depth;	/* deeper nesting: error; <= RESP_DEPTH_MAX */
	bool pubsub;		/* top-level arrays in pub/sub shape */
	uint64_t max_name;	/* with pubsub: longest kind or channel name */
};

/*
 * What the guard tells its sink.  Each returns 0 to go on, or non-zero
 * to stop feeding at once (the owner's connection is gone, or begin
 * refused the reply).
 *   begin:    (may be NULL) a top-level reply of this type byte begins;
 *             all before it has been passed;
 *   pass:     bytes for the reader, in order;
 *   skipping: a bulk string of `len` bytes is about to be replaced by a
 *             nil; everything before it has been passed;
 *   done:     the reply that held a skipped string is complete and has
 *             been passed whole.
 */
struct resp_guard_sink {
	int (*begin)(void *arg, char type);
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
	/* The integer of a ':' line, checked as it streams. */
	uint64_t int_value;
	unsigned int_digits;
	bool int_neg;
	/* pubsub: the top-level array's size and its first element so far. */
	uint64_t top_count;
	char kind[12];
	size_t kind_len;
	bool kind_capture;		/* the bulk being passed is element 0 */
	bool unsubscribe;		/* element 0 said (p)unsubscribe */
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
