/*
 * stream_group.h - the consumer group made ready for reading, before
 * every start of the reader (stream_core.h): created, and in a fleet
 * taken over.
 *
 * Created: XGROUP CREATE stream group $|0 MKSTREAM for every stream (a
 * group that exists already, BUSYGROUP, is fine).
 *
 * Taken over: a fleet's new leader makes every pending entry of the
 * group its own before it reads: XAUTOCLAIM stream group consumer 0
 * CURSOR COUNT n JUSTID, stream by stream, until the cursor comes back
 * "0-0".  The entries are then read, in ID order, as this consumer's
 * own history: whatever the last leader had read but not had
 * acknowledged is delivered, even when it ran under another consumer
 * name (another host).  JUSTID moves ownership only: nothing is sent
 * back but IDs, and the delivery count is not raised (the history read
 * raises it).
 */
#ifndef WSPUSHD_STREAM_GROUP_H
#define WSPUSHD_STREAM_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/stream_id.h"

struct redis_cmd;

struct stream_group {
	struct redis_cmd *cmd;
	const char *group, *consumer;
	char *const *names;
	size_t n;
	bool oldest;			/* a new group starts at the oldest entry */
	/* The step is over: why NULL when it succeeded. */
	void (*done)(void *arg, const char *why);
	void *arg;
	/* While a step runs: */
	unsigned due;			/* creation replies to come */
	size_t stream;			/* the one being taken over */
	unsigned rounds;		/* XAUTOCLAIM calls for it so far */
	uint64_t taken;			/* entries made ours, all streams */
	char cursor[STREAM_ID_MAX];
};

/*
 * Start a step; done() follows once.  The owner must outlive the
 * connection (its replies find it), as with stream_claim.h.
 */
void stream_group_create(struct stream_group *g);
void stream_group_take_over(struct stream_group *g);

#endif
