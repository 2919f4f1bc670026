/*
 * stream_core.h - reading Redis Streams as a consumer group, as plain
 * data and a pure function: (state, event, now) -> (state, actions,
 * deadline).  stream_in.c carries the actions out on a connection of its
 * own (XREADGROUP BLOCK holds the connection it is sent on).
 *
 *   idle --up--> creating --created--> history <-> (read) --exhausted-->
 *    ^             (XGROUP CREATE        (this consumer's own pending
 *    |              ... MKSTREAM)         entries, ID 0 onwards)
 *    |                                       |
 *    +--down-- any          reading <--------+  (new entries, ">",
 *                              |   ^             BLOCK, one read at a
 *                    no room   v   | room        time)
 *                             full
 *   a failed command: backoff, then creating again (the group may be
 *   gone); stop: stopped, for good.
 *
 * The rules it keeps:
 *  - One read at a time, never for more than the queue can take: COUNT
 *    is per stream, so each read asks for room / streams entries, at
 *    most the batch; with no room, no read until there is.
 *  - Every claim_every (half of claim_idle), while Redis is up, one round
 *    takes over what other consumers left idle, bounded like a read.
 *  - On every start (and after Redis came back) this consumer's own
 *    pending entries are read again first: an entry read but never
 *    received (a reply lost with its connection) is not stranded; one
 *    still held is recognised by the reader and not queued twice.
 *  - In a fleet ([fleet] lease_key), the leader first makes every pending
 *    entry of the group its own (takeover), on every start: what a
 *    leader that died or stood down had read is then read again, in ID
 *    order, with its own history, before anything new.
 *
 * Pure: tests/unit/test_stream_core.c.
 */
#ifndef WSPUSHD_STREAM_CORE_H
#define WSPUSHD_STREAM_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/retry.h"

enum stream_state {
	SR_IDLE,		/* Redis is not up */
	SR_CREATING,		/* XGROUP CREATE sent for every stream */
	SR_TAKEOVER,		/* a fleet's new leader makes every pending
				   entry of the group its own */
	SR_HISTORY,		/* a read of our own pending entries is out */
	SR_READING,		/* a read of new entries is out */
	SR_FULL,		/* no room in the queue: no read */
	SR_BACKOFF,		/* a command failed: wait, then start again */
	SR_STOPPED,		/* shutdown */
	SR_STATE_COUNT
};

enum stream_event {
	SEV_UP,			/* Redis is up (subscribed) */
	SEV_DOWN,		/* Redis went down */
	SEV_CREATED,		/* every group exists */
	SEV_READ,		/* a read came back: in.exhausted for history */
	SEV_FAILED,		/* a command failed: in.why */
	SEV_ROOM,		/* the queue took messages out: in.room */
	SEV_TICK,		/* the timer for stream_core_deadline() fired */
	SEV_STOP,		/* shutdown */
	SEV_CLAIMED,		/* a round of taking over others' entries ended */
	SEV_TAKEN,		/* the takeover is done (every stream) */
	SEV_COUNT
};

enum stream_action {
	SACT_CREATE	  = 1u << 0,	/* XGROUP CREATE ... MKSTREAM, each stream */
	SACT_READ_HISTORY = 1u << 1,	/* XREADGROUP ... our pending, out.count */
	SACT_READ_NEW	  = 1u << 2,	/* XREADGROUP ... ">" BLOCK, out.count */
	SACT_REPORT	  = 1u << 3,	/* a failure: out.why, out.retry_in_ms */
	SACT_CLAIM	  = 1u << 4,	/* take over others' idle entries, out.count */
	SACT_TAKEOVER	  = 1u << 5,	/* make every pending entry of the group
					   ours (XAUTOCLAIM ... 0 JUSTID) */
};

struct stream_params {
	uint32_t streams;		/* how many (>= 1) */
	uint32_t batch;			/* most entries per stream per read */
	struct retry_policy backoff;
	uint64_t claim_every_ms;	/* between rounds of taking over */
	bool takeover;			/* a fleet's leader: take the group's
					   pending entries on every start */
};

struct stream_core {
	enum stream_state state;
	struct stream_params p;
	struct retry retry;
	bool history_done;		/* own pending read since the start */
	uint64_t retry_at;		/* backoff: when to start again */
	uint64_t claim_at;		/* the next round of taking over; 0: none
					   due (Redis down, or one under way) */
};

struct stream_input {
	enum stream_event ev;
	uint64_t now;			/* monotonic ms */
	uint64_t random;		/* for the backoff's jitter */
	size_t room;			/* messages the queue can take now */
	bool exhausted;			/* SEV_READ: no pending entry was left */
	const char *why;		/* SEV_FAILED */
};

struct stream_output {
	unsigned actions;
	enum stream_state from, to;
	uint32_t count;			/* SACT_READ_*: COUNT, per stream */
	const char *why;		/* SACT_REPORT */
	uint64_t retry_in_ms;		/* SACT_REPORT */
	uint64_t deadline;
};

void stream_core_init(struct stream_core *c, const struct stream_params *p);
void stream_core_step(struct stream_core *c, const struct stream_input *in,
		      struct stream_output *out);
uint64_t stream_core_deadline(const struct stream_core *c);
const char *stream_state_name(enum stream_state s);

#endif
