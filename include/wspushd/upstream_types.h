/*
 * upstream_types.h - the upstream core's data: its events, actions,
 * parameters, state, inputs and outputs.  What they mean and the rules
 * they keep: upstream_core.h.
 */
#ifndef WSPUSHD_UPSTREAM_TYPES_H
#define WSPUSHD_UPSTREAM_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/close_codes.h"
#include "wspushd/confirm.h"
#include "wspushd/deadlines.h"
#include "wspushd/fsm.h"
#include "wspushd/greeting.h"
#include "wspushd/resend.h"
#include "wspushd/heartbeat.h"
#include "wspushd/retry.h"
#include "wspushd/wsock.h"

enum upstream_event {
	UEV_START,		/* connect for the first time */
	UEV_TICK,		/* the timer for upstream_core_deadline() fired;
				   in.tcp_up says whether TCP is connected */
	UEV_RESOLVED,		/* the host has in.count (>= 1) addresses */
	UEV_UNRESOLVED,		/* the name did not resolve (said): in.why */
	UEV_NO_SOCKET,		/* the connect call made no socket: in.why */
	UEV_UPGRADING,		/* TCP (and TLS) are up; the upgrade goes out */
	UEV_CONNECT_ERROR,	/* the attempt failed: in.why; in.floor_ms is
				   the server's Retry-After (0: none) */
	UEV_ESTABLISHED,	/* the upgrade succeeded */
	UEV_WRITABLE,		/* the socket may be written now */
	UEV_WRITTEN,		/* queued frames were written (in.queue_empty) */
	UEV_PONG,		/* a Pong arrived */
	UEV_RECEIVED,		/* in.len bytes of a server message; in.final */
	UEV_PEER_CLOSE,		/* the server's Close frame, code in.code */
	UEV_CLOSED,		/* the library closed the connection: in.why */
	UEV_DESTROYED,		/* the library destroyed the socket */
	UEV_FIN_DONE,		/* the wait for the server's FIN is over */
	UEV_RESTART,		/* close and connect again, keeping the queue */
	UEV_SHUTDOWN,		/* drain, close, exit */
	UEV_FENCE,		/* stand by: drop the socket, connect no more */
	UEV_RESUME,		/* connect again after UEV_FENCE */
	UEV_COUNT
};

/*
 * Actions, as bits, carried out by the glue in this order.  UACT_SAY_*
 * ask for a log line with out.why the core wrote; the others are things
 * to do.
 */
enum upstream_action {
	UACT_CANCEL_QUERY   = 1u << 0,	/* the attempt was a DNS query: cancel it */
	UACT_KILL	    = 1u << 1,	/* drop the socket without a handshake */
	UACT_END_FIN_WAIT   = 1u << 2,	/* stop waiting for the FIN; UEV_FIN_DONE
					   follows */
	UACT_START_FIN_WAIT = 1u << 3,	/* keep a dup of the socket until the
					   server's FIN; if impossible, feed
					   UEV_FIN_DONE */
	UACT_REWIND	    = 1u << 4,	/* the socket is gone: what it carried
					   unconfirmed is to be sent again */
	UACT_CONFIRM	    = 1u << 5,	/* messages below out.confirm_upto were
					   read: they leave the queue */
	UACT_GIVE_UP	    = 1u << 24,	/* drop message out.give_up_seq, at the
					   head: the upstream will not take it */
	UACT_SAY_FAILED     = 1u << 6,	/* "connect failed: out.why" (repeats
					   suppressed) */
	UACT_SAY_DEAD	    = 1u << 7,	/* the peer is dead: out.why */
	UACT_SAY_TOO_BIG    = 1u << 8,	/* the server's message is too big */
	UACT_SAY_UNDRAINED  = 1u << 9,	/* drain time over with messages queued */
	UACT_SAY_DRAINING   = 1u << 10,	/* shutdown with messages queued */
	UACT_RESOLVE	    = 1u << 11,	/* a new attempt: resolve the host */
	UACT_CONNECT	    = 1u << 12,	/* open the socket to address out.address */
	UACT_CONNECTED	    = 1u << 13,	/* the connection opened: count it */
	UACT_COUNT_RX	    = 1u << 14,	/* in.len data bytes for the read budget */
	UACT_THROTTLE_RX    = 1u << 15,	/* read the server at the bounded rate */
	UACT_WANT_WRITE	    = 1u << 16,	/* ask for UEV_WRITABLE */
	UACT_WRITE_CLOSE    = 1u << 17,	/* write the Close, code out.close_code */
	UACT_WRITE_PING	    = 1u << 18,	/* write a ping carrying out.ping_seq,
					   before any data */
	UACT_WRITE_DATA	    = 1u << 19,	/* write queued frames */
	UACT_HEALTHY	    = 1u << 20,	/* stable: past failures forgotten */
	UACT_RETRY	    = 1u << 21,	/* next attempt in out.retry_in_ms */
	UACT_REFUSED	    = 1u << 22,	/* a connect refused in this state */
	UACT_EXIT	    = 1u << 23,	/* shutdown complete */
	UACT_WRITE_HELLO    = 1u << 25,	/* write the on-open messages, first */
	UACT_WRITE_BEAT	    = 1u << 26,	/* write the application heartbeat,
					   before any data */
};

/* What the configuration says; conn.c fills it from [upstream]. */
struct upstream_params {
	uint64_t connect_timeout_ms;
	struct retry_policy backoff;	/* backoff_min, backoff_max */
	uint64_t backoff_reset_ms;
	uint64_t close_timeout_ms;
	uint64_t drain_timeout_ms;
	uint64_t fin_timeout_ms;	/* 0: do not wait for the server's FIN */
	uint64_t confirm_interval_ms;	/* 0: at most once, nothing confirmed */
	uint32_t max_deliveries;	/* give a message up after this many
					   careful losses (resend.h); 0: never */
	uint64_t ping_interval_ms;	/* 0: no pings */
	uint64_t pong_timeout_ms;
	bool any_frame_is_alive;	/* liveness = any */
	uint64_t max_message_bytes;	/* of one server message */
	struct close_code_set slow_codes;	/* wait backoff_max after these */
	bool tls;			/* wss: for naming a timed-out phase */
	uint32_t on_open_count;		/* messages said first (greeting.h) */
	uint64_t on_open_wait_ms;	/* then the queue waits for an answer */
	uint64_t heartbeat_interval_ms;	/* application heartbeat; 0: off */
};

/* The whole machine.  Give it its parameters with upstream_core_init(). */
struct upstream_core {
	struct upstream_params p;
	struct fsm fsm;			/* life cycle and failures */
	struct wsock sock;		/* the one socket */
	struct heartbeat live;		/* pings and the pong deadline */
	struct greeting greet;		/* on-open messages, the wait for the
					   server's answer, heartbeats */
	struct confirm confirm;		/* what the server has read */
	struct resend resend;		/* after a loss: one at a time */
	struct deadlines timers;	/* every deadline (DL_HEARTBEAT,
					   DL_CONFIRM and DL_GREETING mirror
					   live's, confirm's and greet's) */
	struct retry retry;		/* the floor the server asked for */
	uint64_t drain_by;		/* while stopping: the drain's end */
	uint64_t close_confirm_by;	/* our Close waits for confirmation
					   until then, and goes anyway */
	uint64_t rx_bytes;		/* of the server message in progress */
};

struct upstream_input {
	enum upstream_event ev;
	uint64_t now;			/* monotonic ms, never 0 */
	uint64_t random;		/* for the backoff's jitter */
	bool queue_empty;		/* nothing waits, written or not */
	bool unsent;			/* messages wait to be written */
	uint64_t sent_seq;		/* the queue's number after the last
					   message written */
	bool tcp_up;			/* UEV_TICK: TCP is connected */
	bool final;			/* UEV_RECEIVED: last fragment */
	uint32_t count;			/* UEV_RESOLVED */
	size_t len;			/* UEV_RECEIVED, UEV_PONG */
	unsigned char pong[CONFIRM_PING_BYTES];	/* UEV_PONG: its payload
					   (up to len bytes of it) */
	uint16_t code;			/* UEV_PEER_CLOSE (0: none given) */
	uint64_t floor_ms;		/* UEV_CONNECT_ERROR */
	int fd;				/* UEV_CLOSED: the socket, for the FIN
					   wait (the glue's; the core ignores it) */
	const char *why;		/* what happened, for the log */
};

/* A change of state: the glue logs "upstream: from -> to (why)". */
struct upstream_transition {
	enum fsm_state from, to;
	const char *why;
	bool quiet;			/* part of a failing cycle: log at debug */
	bool is_error;			/* the reason is the last error to report */
};

#define UC_MAX_TRANSITIONS 4

/*
 * The result of one step.  Strings point into the input, into this
 * output, or are constants: use them before the next step.
 */
struct upstream_output {
	unsigned actions;		/* enum upstream_action bits */
	size_t ntrans;
	struct upstream_transition trans[UC_MAX_TRANSITIONS];
	uint32_t address;		/* UACT_CONNECT */
	uint16_t close_code;		/* UACT_WRITE_CLOSE */
	uint64_t ping_seq;		/* UACT_WRITE_PING */
	bool keep_written;		/* UACT_WRITE_DATA: keep until confirmed */
	bool write_one;			/* UACT_WRITE_DATA: one message only */
	uint64_t give_up_seq;		/* UACT_GIVE_UP */
	uint64_t confirm_upto;		/* UACT_CONFIRM */
	bool slow_retry;		/* UEV_PEER_CLOSE: the code is a slow one */
	uint64_t retry_in_ms;		/* UACT_RETRY */
	uint32_t failures;		/* UACT_RETRY: failures so far */
	const char *why;		/* UACT_SAY_* */
	uint64_t deadline;		/* upstream_core_deadline() after the step */
	char text[96];			/* a reason the core wrote itself */
};

#endif
