/*
 * wsock.h - the life of the one upstream socket, inside the connection's
 * life cycle (fsm.h): what is written next, and when the socket is gone.
 *
 * fsm.h decides *that* the connection closes (a Close with a code, or a
 * drop) and waits for EV_SOCKET_GONE before anything new may open.  This
 * machine decides everything between: whether the Close still has to be
 * written or already was, whether the server's Close was seen, whether
 * the socket is being dropped, and so whether, once libwebsockets has
 * closed it, we wait for the server to close TCP first (so TIME_WAIT
 * lands on its side) or the socket is gone at once.  It answers the
 * question the one-socket invariant hangs on: "is the socket gone now?"
 *
 * Plain data and pure functions, no library types: every step is
 * unit-tested (tests/unit/test_wsock.c); the upstream core
 * (upstream_core.h) joins it to the life cycle.
 */
#ifndef WSPUSHD_WSOCK_H
#define WSPUSHD_WSOCK_H

#include <stdbool.h>
#include <stdint.h>

enum wsock_state {
	WSOCK_NONE,		/* no socket, no attempt */
	WSOCK_RESOLVING,	/* the attempt is a DNS query so far */
	WSOCK_CONNECTING,	/* TCP (and TLS) under way */
	WSOCK_UPGRADING,	/* the upgrade request is out */
	WSOCK_OPEN,		/* frames flow */
	WSOCK_CLOSE_OWED,	/* a Close is decided, not yet written */
	WSOCK_CLOSE_SENT,	/* our Close is out; the server's is awaited */
	WSOCK_CLOSE_SEEN,	/* the server's Close came (first, or in answer) */
	WSOCK_DROPPING,		/* being dropped without a handshake */
	WSOCK_ENDED,		/* lws closed it without a handshake; destroy due */
	WSOCK_FIN_WAIT,		/* closed cleanly: waiting for the server's FIN */
	WSOCK_STATE_COUNT
};

struct wsock {
	enum wsock_state state;
	uint16_t close_code;	/* the Close owed or sent */
	bool destroyed;		/* lws has destroyed its wsi (FIN wait may go on) */
};

/* What a step asks of the glue. */
enum wsock_action {
	WSOCK_NOTHING = 0,
	WSOCK_WRITE_CLOSE = 1u << 0,	/* write the Close (close_code) now */
	WSOCK_WANT_WRITE = 1u << 1,	/* ask for a WRITEABLE callback */
	WSOCK_START_FIN_WAIT = 1u << 2,	/* watch a dup of the socket for EOF */
	WSOCK_KILL = 1u << 3,		/* drop the socket (lws timeout kill) */
	WSOCK_END_FIN_WAIT = 1u << 4,	/* stop waiting for the FIN now */
	WSOCK_CANCEL_QUERY = 1u << 5,	/* the attempt was only a DNS query */
	WSOCK_GONE = 1u << 6,		/* the socket is gone: EV_SOCKET_GONE */
	WSOCK_WRITE_DATA = 1u << 7,	/* open: write queued frames (and pings) */
};

/* A new attempt begins: it is a DNS query until wsock_connecting(). */
void wsock_attempt(struct wsock *w);
/* The name resolved; the socket is being made. */
void wsock_connecting(struct wsock *w);
/* TCP (and TLS) are up; the upgrade request goes out. */
void wsock_upgrading(struct wsock *w);
/* The upgrade succeeded. */
void wsock_open(struct wsock *w);

/* The connection is to close with this code: returns WANT_WRITE or nothing. */
unsigned wsock_close(struct wsock *w, uint16_t code);
/* The connection is to be dropped at once, without a handshake. */
unsigned wsock_drop(struct wsock *w);

/* lws says the socket may be written: what to write (at most one Close). */
unsigned wsock_writable(struct wsock *w);
/* The server's Close frame arrived. */
void wsock_peer_close(struct wsock *w);
/*
 * lws closed the connection (CLIENT_CLOSED, or during the handshake):
 * after a clean handshake, wait for the server's FIN.
 */
unsigned wsock_closed(struct wsock *w);
/* lws destroyed the socket (WSI_DESTROY): gone, unless the FIN is awaited. */
unsigned wsock_destroyed(struct wsock *w);
/* The FIN wait ended (EOF, or its own deadline). */
unsigned wsock_fin_done(struct wsock *w);
/* The attempt failed before any socket existed (DNS, or no socket made). */
unsigned wsock_failed_early(struct wsock *w);

/* True from wsock_attempt() until WSOCK_GONE: the socket counts. */
bool wsock_live(const struct wsock *w);
/* Whether data may be written and read: open, and no Close decided. */
bool wsock_carrying(const struct wsock *w);
/* For the log: which part of an attempt a timeout interrupted. */
const char *wsock_phase(const struct wsock *w, bool tls, bool tcp_up);
const char *wsock_state_name(enum wsock_state s);

#endif
