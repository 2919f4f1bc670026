/*
 * outbox.c - see outbox.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wspushd/config.h"
#include "wspushd/outbox.h"
#include "wspushd/utf8.h"

void
outbox_init(struct outbox *o, const struct config *cfg, struct conn_stats *stats)
{
	queue_init(&o->queue, cfg->queue_max_messages, cfg->queue_max_bytes,
		   cfg->overflow);
	ws_mask_keys_init(&o->mask_keys);
	o->stats = stats;
	o->drop_log.interval_ms = 10000;
}

void
outbox_free(struct outbox *o)
{
	log_repeat_reset(&o->drop_log, LOG_WARNING);
	if (o->queue.count > 0) {
		o->stats->dropped_shutdown += o->queue.count;
		log_warnx("upstream: %zu queued message(s) discarded at exit",
			  o->queue.count);
	}
	queue_free(&o->queue);
}

static void
count_drop(struct outbox *o, uint64_t *counter, size_t n, const char *why)
{
	*counter += n;
	log_repeated(&o->drop_log, LOG_WARNING, "upstream: dropping messages: %s",
		     why);
}

/* Text or binary, as message_type says; false: not to be sent at all. */
static bool
frame_kind(struct outbox *o, const struct config *cfg, const void *data,
	   size_t len, bool *binary)
{
	switch (cfg->message_type) {
	case MESSAGE_AUTO:
		*binary = !utf8_valid(data, len);
		return true;
	case MESSAGE_TEXT:
		*binary = false;
		if (utf8_valid(data, len))
			return true;
		count_drop(o, &o->stats->dropped_invalid, 1,
			   "not valid UTF-8 (message_type = text)");
		return false;
	case MESSAGE_BINARY:
		*binary = true;
		return true;
	}
	return false;
}

bool
outbox_submit(struct outbox *o, const struct config *cfg, const void *data,
	      size_t len)
{
	unsigned char key[4];
	bool binary = false;
	size_t evicted;
	char why[96];

	o->stats->received++;
	if (len > cfg->max_message_bytes) {
		snprintf(why, sizeof(why), "larger than max_message_size (%zu bytes)",
			 cfg->max_message_bytes);
		count_drop(o, &o->stats->dropped_oversize, 1, why);
		return false;
	}
	if (!frame_kind(o, cfg, data, len, &binary))
		return false;
	if (ws_mask_keys_next(&o->mask_keys, key) < 0) {
		count_drop(o, &o->stats->dropped_overflow, 1,
			   "no randomness for a masking key");
		return false;
	}
	switch (queue_push(&o->queue, data, len, binary, key, &evicted)) {
	case QUEUE_OK:
		return true;
	case QUEUE_EVICTED:
		count_drop(o, &o->stats->dropped_overflow, evicted,
			   "queue full, oldest dropped");
		return true;
	case QUEUE_REJECTED:
		count_drop(o, &o->stats->dropped_overflow, 1,
			   "queue full, newest dropped");
		return false;
	case QUEUE_TOO_LARGE:
		count_drop(o, &o->stats->dropped_oversize, 1,
			   "larger than the queue's max_bytes");
		return false;
	case QUEUE_NOMEM:
		count_drop(o, &o->stats->dropped_overflow, 1, "out of memory");
		return false;
	}
	return false;
}

void
outbox_drop_oversize(struct outbox *o, const struct config *cfg,
		     const char *channel, size_t channel_len, uint64_t len)
{
	char name[64], why[160];

	o->stats->received++;
	if (channel != NULL)
		log_printable(name, sizeof(name), channel, channel_len);
	snprintf(why, sizeof(why), "%llu bytes on '%s', over max_message_size "
		 "(%zu bytes)", (unsigned long long)len,
		 channel != NULL ? name : "(a name over the limit)",
		 cfg->max_message_bytes);
	count_drop(o, &o->stats->dropped_oversize, 1, why);
}

void
outbox_set_limits(struct outbox *o, const struct config *cfg)
{
	size_t evicted = queue_set_limits(&o->queue, cfg->queue_max_messages,
					  cfg->queue_max_bytes, cfg->overflow);

	if (evicted > 0) {
		o->stats->dropped_overflow += evicted;
		log_warnx("upstream: the new queue limits dropped %zu message(s)",
			  evicted);
	}
}

int
outbox_write(struct outbox *o, struct lws *wsi, size_t run_bytes, int runs,
	     bool keep)
{
	struct queue_run run;
	bool wrote = false;

	/*
	 * The queue holds finished frames, so a run of them goes out in one
	 * raw write.  lws keeps whatever the socket did not take and reports
	 * the send pipe choked until it is flushed.  The queue is asked
	 * first: lws_send_pipe_choked() is a poll() of its own.
	 */
	for (int n = 0; n < runs && queue_peek_run(&o->queue, run_bytes, &run) &&
			!lws_send_pipe_choked(wsi); n++) {
		int r = lws_write(wsi, (unsigned char *)run.data, run.len,
				  LWS_WRITE_RAW);

		if (r < 0 || (size_t)r < run.len) {
			/* The socket is broken; the frames stay unsent. */
			log_warnx("upstream: write failed, closing");
			return -1;
		}
		if (keep)
			queue_mark_sent(&o->queue, &run);
		else
			queue_consume(&o->queue, &run);
		o->stats->sent += run.count;
		o->stats->sent_bytes += run.payload;
		wrote = true;
	}
	if (wrote)
		o->stats->last_sent_at = (int64_t)time(NULL);
	if (o->queue.count == 0)
		/* The backlog is gone: report drops that were only counted. */
		log_repeat_reset(&o->drop_log, LOG_WARNING);
	return 0;
}

void
outbox_confirm(struct outbox *o, uint64_t upto)
{
	size_t n = queue_confirm(&o->queue, upto);

	o->stats->confirmed += n;
	if (n > 0)
		o->stats->last_confirmed_at = (int64_t)time(NULL);
	if (o->queue.count == 0)
		log_repeat_reset(&o->drop_log, LOG_WARNING);
}

void
outbox_rewind(struct outbox *o)
{
	size_t n = queue_rewind(&o->queue);

	if (n == 0)
		return;
	o->stats->resent += n;
	log_info("upstream: %zu message(s) written but not confirmed; "
		 "sending them again first", n);
}

void
outbox_give_up(struct outbox *o, uint64_t seq, unsigned tries,
	       const char *endpoint,
	       void (*fn)(void *, uint64_t, const void *, size_t), void *arg)
{
	struct queue_run run;
	struct ws_frame_info f;
	unsigned char *plain;

	/* Gone meanwhile (overflow), or not at the head: nothing to drop. */
	if (o->queue.head_seq != seq || o->queue.unconfirmed > 0 ||
	    !queue_peek_head(&o->queue, &run))
		return;
	ws_frame_parse(run.data, run.len, &f);
	plain = malloc(f.payload_len ? f.payload_len : 1);
	if (plain != NULL && fn != NULL) {
		ws_mask(plain, run.data + f.header_len, f.payload_len,
			run.data + f.header_len - 4);
		fn(arg, seq, plain, f.payload_len);
	}
	free(plain);
	queue_pop(&o->queue);
	o->stats->dropped_refused++;
	log_warnx("upstream: %s closed the connection on one message (%llu "
		  "bytes) %u times in a row; dropping it", endpoint,
		  (unsigned long long)f.payload_len, tries + 1);
}

void
outbox_discard(struct outbox *o)
{
	size_t n = o->queue.count;

	queue_rewind(&o->queue);
	while (o->queue.count > 0)
		queue_pop(&o->queue);
	o->stats->dropped_fenced += n;
	if (n > 0)
		log_warnx("upstream: %zu queued message(s) dropped on standing "
			  "by; their stream entries stay pending for the leader", n);
}
