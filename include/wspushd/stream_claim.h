/*
 * stream_claim.h - taking over what another consumer of the group left
 * pending for too long (a crashed host): XPENDING ... IDLE finds the
 * entries idle for claim_idle that are not ours, XCLAIM makes them ours
 * and hands them over, with how often Redis had delivered them.  Over
 * the command connection; one round per stream at a time.
 */
#ifndef WSPUSHD_STREAM_CLAIM_H
#define WSPUSHD_STREAM_CLAIM_H

#include <stdint.h>

#include "wspushd/stream_reply.h"

struct redis_cmd;

struct stream_claim {
	struct redis_cmd *cmd;
	const char *group, *consumer;
	char *const *names;
	size_t n;
	uint64_t idle_ms;		/* claim_idle */
	/* Each entry claimed, and how often it had been delivered. */
	void (*take)(void *arg, const struct stream_entry *e, uint64_t deliveries);
	/* The round is over (every stream answered, or failed). */
	void (*done)(void *arg);
	void *arg;
	unsigned due;			/* streams still under way */
};

/*
 * One round: at most count entries per stream.  The owner must outlive
 * the command connection (its replies find it).  done() follows, also
 * when nothing could be sent.
 */
void stream_claim_round(struct stream_claim *c, uint32_t count);

#endif
