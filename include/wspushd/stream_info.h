/*
 * stream_info.h - what Redis says of the consumer group, every few
 * seconds (XINFO GROUPS): how many entries it has delivered and not
 * acknowledged, and how many it has not delivered yet (its lag), per
 * stream, into the reader's counters for status and metrics.
 */
#ifndef WSPUSHD_STREAM_INFO_H
#define WSPUSHD_STREAM_INFO_H

#include <stddef.h>
#include <stdint.h>

#include <libwebsockets.h>

struct redis_cmd;
struct stream_stats;

struct stream_info {
	lws_sorted_usec_list_t timer;	/* first: lws_container_of */
	struct lws_context *ctx;
	struct redis_cmd *cmd;
	const char *group;
	char *const *names;
	struct stream_stats *stats;	/* n, the reader's */
	size_t n;
	uint64_t every_ms;
	unsigned due;			/* replies still to come */
	struct stream_ask *asks;	/* one per stream, for the replies */
};

struct stream_ask {
	struct stream_info *i;
	size_t stream;
};

/* Ask now and every every_ms; i must outlive the command connection. */
void stream_info_start(struct stream_info *i);
void stream_info_stop(struct stream_info *i);
/* After the command connection is gone (its replies use i->asks). */
void stream_info_free(struct stream_info *i);

#endif
