/*
 * inbound_msg.h - one of the server's messages, put together from the
 * pieces libwebsockets hands over (conn.h's conn_fragment), never more
 * than max_message_size of it.  Pure: no I/O.
 *
 * Most messages come in one piece: that piece is handed back where it
 * lies, with no copy.  Only a message in several pieces (fragmented by
 * the server, or longer than lws' read buffer) is gathered, in a buffer
 * that grows with it up to the limit; after a large one the buffer is
 * let go, so an idle daemon keeps nothing for the next.
 *
 * A message that passes the limit is the server's fault (the upstream
 * core fails that connection anyway): what was gathered is dropped at
 * once, said once (INMSG_TOO_BIG), and the rest of its pieces skipped.
 * A message never finished (its connection lost) is forgotten when the
 * next one begins; one joined in the middle (forwarding was switched on
 * by a reload) is skipped to its end.  Neither was received, so neither
 * is reported.
 */
#ifndef WSPUSHD_INBOUND_MSG_H
#define WSPUSHD_INBOUND_MSG_H

#include <stdbool.h>
#include <stddef.h>

/* A gathering buffer larger than this is freed once its message is out. */
#define INBOUND_MSG_KEEP (64 * 1024)

/* A piece of a message, or (out of inbound_msg_add) a whole message. */
struct inbound_piece {
	const void *data;
	size_t len;
	bool first, final;	/* of its message */
	bool binary;		/* the message is binary, else text */
};

enum inbound_msg_state {
	INMSG_IDLE,		/* between messages */
	INMSG_GATHERING,	/* pieces of a message are in buf */
	INMSG_SKIPPING,		/* the rest of a message not taken */
};

struct inbound_msg {
	enum inbound_msg_state state;
	unsigned char *buf;	/* owned; NULL until a message needs it */
	size_t len, cap;
	bool binary;
};

enum inbound_msg_verdict {
	INMSG_MORE,		/* nothing whole yet */
	INMSG_WHOLE,		/* *out is a whole message */
	INMSG_TOO_BIG,		/* a message passed max: dropped (once each) */
};

/*
 * Take the next piece; max is max_message_size.  On INMSG_WHOLE, *out
 * holds the message (first and final set): it points into p's data or
 * into m, valid until the next call.
 */
enum inbound_msg_verdict inbound_msg_add(struct inbound_msg *m,
					 const struct inbound_piece *p,
					 size_t max, struct inbound_piece *out);
/* The whole message handed out is used: a large buffer is let go. */
void inbound_msg_done(struct inbound_msg *m);
/* Forget a message half gathered (forwarding switched off). */
void inbound_msg_reset(struct inbound_msg *m);
void inbound_msg_free(struct inbound_msg *m);

#endif
