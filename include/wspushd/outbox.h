/*
 * outbox.h - the messages waiting for the upstream, and every one that
 * will never get there, counted.
 *
 * A message is checked (size, UTF-8 for message_type = text), framed
 * once as a masked frame and queued (queue.h); a run of queued frames
 * leaves in one write.  Each drop is counted in the stats by reason and
 * logged through one repeat-suppressed line, summarised when the backlog
 * is gone.  Everything in here is about messages; nothing decides about
 * the connection, which only tells the outbox when it may write.
 */
#ifndef WSPUSHD_OUTBOX_H
#define WSPUSHD_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

#include "wspushd/log.h"
#include "wspushd/queue.h"
#include "wspushd/status.h"
#include "wspushd/ws_frame.h"

struct config;

struct outbox {
	struct queue queue;
	struct ws_mask_keys mask_keys;
	struct conn_stats *stats;	/* the owner's; counted into */
	struct log_repeat drop_log;	/* lost messages */
};

void outbox_init(struct outbox *o, const struct config *cfg,
		 struct conn_stats *stats);
/* At exit: what is still queued is counted as discarded, and said. */
void outbox_free(struct outbox *o);

/* Take one message from Redis.  Returns true if it was queued. */
bool outbox_submit(struct outbox *o, const struct config *cfg,
		   const void *data, size_t len);
/*
 * A message of len bytes, over max_message_size, never read into memory:
 * counted and logged by its channel (NULL: the name was over it too).
 */
void outbox_drop_oversize(struct outbox *o, const struct config *cfg,
			  const char *channel, size_t channel_len,
			  uint64_t len);
/* New queue bounds (a reload); what they evict is counted. */
void outbox_set_limits(struct outbox *o, const struct config *cfg);

/*
 * Write unsent frames to wsi: at most `runs` runs of `run_bytes`, while
 * lws takes them; with keep, what was written stays until
 * outbox_confirm() (at least once), else it leaves.  Returns -1 if the
 * socket failed (the frames stay unsent), else 0.
 */
int outbox_write(struct outbox *o, struct lws *wsi, size_t run_bytes,
		 int runs, bool keep);
/*
 * The upstream will not take message seq (resend.h): if it is still at
 * the head, fn(arg, seq, payload, len) (may be NULL) sees it, then it
 * is dropped and counted.  tries: how often it was sent, for the log.
 */
void outbox_give_up(struct outbox *o, uint64_t seq, unsigned tries,
		    const char *endpoint,
		    void (*fn)(void *arg, uint64_t seq, const void *data,
			       size_t len), void *arg);
/* The server read every message below upto. */
void outbox_confirm(struct outbox *o, uint64_t upto);
/* The connection is lost: what it carried unconfirmed is unsent again. */
void outbox_rewind(struct outbox *o);
/* Drop everything queued (none written unconfirmed), counted as fenced. */
void outbox_discard(struct outbox *o);

static inline size_t
outbox_count(const struct outbox *o)
{
	return o->queue.count;
}

/* How many more messages fit (by count). */
static inline size_t
outbox_room(const struct outbox *o)
{
	const struct queue *q = &o->queue;

	return q->count < q->max_count ? q->max_count - q->count : 0;
}

#endif
