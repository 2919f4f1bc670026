/*
 * stream_out.h - what goes back to Redis for the entries of streams
 * read (stream_in.h): XACK, batched, for those delivered or dropped as
 * told; XADD to the dead-letter stream, then XACK, for those the
 * upstream refused.  Over the command connection; what cannot be sent
 * (Redis is down) waits and goes with the next flush.
 */
#ifndef WSPUSHD_STREAM_OUT_H
#define WSPUSHD_STREAM_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/log.h"
#include "wspushd/stream_id.h"

struct redis_cmd;

/* Per stream, for status and metrics. */
struct stream_stats {
	uint64_t read;		/* entries read (own pending again included) */
	uint64_t acked;		/* acknowledged after delivery */
	uint64_t dropped;	/* acknowledged undelivered, as told */
	uint64_t invalid;	/* no "data" field, or deleted: acknowledged */
	uint64_t dead;		/* moved to the dead-letter stream */
	uint64_t claimed;	/* taken over from other consumers */
	/* The consumer group as Redis last said (XINFO GROUPS). */
	uint64_t pending;	/* entries delivered, not acknowledged */
	uint64_t lag;		/* entries not yet delivered to the group */
	bool known;		/* pending and lag were read at least once */
};


struct stream_due {
	struct stream_id *ids;	/* due for XACK, not sent yet */
	size_t n, cap;
};

struct stream_out {
	struct redis_cmd *cmd;
	const char *group;
	char *const *names;		/* n streams */
	size_t n;
	struct stream_due *due;		/* per stream */
	struct stream_stats *stats;	/* per stream, the reader's: counted into */
	const char *dead_letter;	/* NULL: "<stream>:dead" */
	unsigned max_deliveries;	/* for the reason given */
	struct log_repeat bad_log;	/* entries that cannot be delivered */
};

/* Set up over the owner's arrays (names, stats: n each); they outlive it. */
void stream_out_init(struct stream_out *o, struct redis_cmd *cmd,
		     const char *group, char *const *names,
		     struct stream_stats *stats, size_t n,
		     const char *dead_letter, unsigned max_deliveries);
void stream_out_free(struct stream_out *o);

/* Entry id of stream i is due for XACK (sent at the next flush). */
void stream_out_due(struct stream_out *o, size_t i, const struct stream_id *id);
/* An entry that can never be delivered: said, counted, acknowledged. */
void stream_out_invalid(struct stream_out *o, size_t i,
			const struct stream_id *id, const char *why);
/* Send what is due, as far as Redis takes it now. */
void stream_out_flush(struct stream_out *o);
/*
 * The upstream refused entry id of stream i (data: its message): to the
 * dead-letter stream, and acknowledged once that worked.  o must outlive
 * the command connection (its replies find it).
 */
void stream_out_dead(struct stream_out *o, size_t i, const struct stream_id *id,
		     const void *data, size_t len);

#endif
