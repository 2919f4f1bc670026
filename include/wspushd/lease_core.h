/*
 * lease_core.h - one active instance across hosts: the lease on Redis,
 * as plain data and a pure function: (state, event, now) -> (state,
 * actions, next deadline).  fleet.c sends the commands and carries out
 * the rest.
 *
 *   standby --claim won--> leader --renewed--> leader
 *      ^                     |
 *      +--- lost, or not renewed in time (fenced) ---+
 *   any --stop--> released (after the upstream closed: DEL if ours)
 *
 * The commands (fleet.c spells them as scripts, so each is one atomic
 * step on Redis):
 *   claim:   the key is free or ours: SET key instance PX ttl, INCR
 *            key:term -> won, with the new term; else the holder and
 *            its PTTL.
 *   renew:   the key is ours: PEXPIRE key ttl -> renewed; else lost.
 *   release: the key is ours: DEL.
 *
 * The rules it keeps:
 *  - One command at a time (a claim or a renewal), so replies need no
 *    matching; a release goes whatever is under way.
 *  - A standby claims every poll interval, so a lease given back on
 *    SIGTERM passes within one interval, and one that expired (a
 *    leader killed) within ttl plus one interval.
 *  - A leader renews every third of the TTL and, after a failure,
 *    every poll interval.  Its lease is sure to be its own until
 *    sent + ttl, where sent is when the last successful renewal (or the
 *    claim) left: Redis set the expiry later than that.  At that time
 *    minus the margin it fences itself (the upstream connection is
 *    dropped at once) whether or not Redis answered: a leader cut off
 *    from Redis is gone before another can take over.  Two connections
 *    can overlap only if this process is paused for longer than the
 *    margin, or if Redis loses the key (a failover to a replica that
 *    had not seen it).
 *  - A reply to a claim that left so long ago that the lease it won is
 *    already within its margin does not make a leader; the next claim,
 *    finding the key ours, takes it with a new term.
 *
 * Deadlines are absolute monotonic milliseconds, 0 meaning none.
 * Pure: tests/unit/test_lease_core.c.
 */
#ifndef WSPUSHD_LEASE_CORE_H
#define WSPUSHD_LEASE_CORE_H

#include <stdbool.h>
#include <stdint.h>

enum lease_role {
	LEASE_STANDBY,
	LEASE_LEADER,
	LEASE_RELEASED,		/* stopped: no more claims */
};

enum lease_event {
	LEV_TICK,		/* the timer for lease_core_deadline() fired */
	LEV_WON,		/* claim answered: ours, term in.term */
	LEV_HELD,		/* claim answered: another holds it */
	LEV_RENEWED,		/* renew answered: still ours */
	LEV_LOST,		/* renew answered: not ours any more */
	LEV_FAILED,		/* no answer (Redis down, an error): in.why */
	LEV_STOP,		/* shutdown: the upstream is closed */
	LEV_COUNT
};

enum lease_action {
	LACT_CLAIM	= 1u << 0,
	LACT_RENEW	= 1u << 1,
	LACT_RELEASE	= 1u << 2,
	LACT_LEAD	= 1u << 3,	/* connect upstream, read the input */
	LACT_FENCE	= 1u << 4,	/* drop the upstream at once, stop
					   reading: out.why */
};

struct lease_params {
	uint64_t ttl_ms;
	uint64_t renew_ms;		/* a third of the TTL */
	uint64_t poll_ms;		/* claims, and renewals after a failure */
	uint64_t margin_ms;		/* fence this long before the lease ends */
};

struct lease_core {
	struct lease_params p;
	enum lease_role role;
	bool asking;			/* a claim or renewal awaits its reply */
	uint64_t asked_at;		/* when it left */
	uint64_t next_at;		/* the next claim or renewal */
	uint64_t fence_at;		/* leader: fence then, unless renewed */
	uint64_t term;			/* the last term won; 0: none yet */
};

struct lease_input {
	enum lease_event ev;
	uint64_t now;
	uint64_t term;			/* LEV_WON */
	const char *why;		/* LEV_FAILED */
};

struct lease_output {
	unsigned actions;
	enum lease_role from, to;
	uint64_t term;			/* LACT_LEAD */
	const char *why;		/* LACT_FENCE */
	uint64_t deadline;
};

/* Derive the parameters from the TTL: renew, poll and margin. */
void lease_params_for(uint64_t ttl_ms, struct lease_params *p);
/* Standby, with a claim due at once. */
void lease_core_init(struct lease_core *c, const struct lease_params *p,
		     uint64_t now);
void lease_core_step(struct lease_core *c, const struct lease_input *in,
		     struct lease_output *out);
uint64_t lease_core_deadline(const struct lease_core *c);
const char *lease_role_name(enum lease_role r);

#endif
