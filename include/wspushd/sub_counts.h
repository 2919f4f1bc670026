/*
 * sub_counts.h - messages received per subscription (each channel and
 * each pattern), for /metrics.  Pure: no I/O.
 *
 * The label set stays bounded whatever is configured or published: the
 * first SUB_COUNTS_MAX subscriptions, in configuration order, get a
 * series each; messages on the rest, and on any channel no longer
 * subscribed (one still in flight across a reload), are summed under
 * kind="other".  A message matched by a pattern counts for the pattern,
 * never for the channel it was published on, whose names are the
 * publisher's to choose.  Counting is one hash and one comparison: it
 * runs for every message.
 */
#ifndef WSPUSHD_SUB_COUNTS_H
#define WSPUSHD_SUB_COUNTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/strlist.h"

#define SUB_COUNTS_MAX 100
#define SUB_COUNTS_SLOTS 256	/* a power of two, over twice the above */

struct sub_count {
	char *name;
	size_t len;
	bool pattern;
	uint64_t received;
};

struct sub_counts {
	size_t n;
	struct sub_count item[SUB_COUNTS_MAX];
	uint8_t slot[SUB_COUNTS_SLOTS];	/* index + 1 into item; 0: empty */
	uint64_t other;			/* messages on untracked names */
};

/*
 * Track these subscriptions (a reload calls it again: a name kept keeps
 * its count, a name gone loses its series).  Zero c before the first
 * call.
 */
void sub_counts_set(struct sub_counts *c, const struct strlist *channels,
		    const struct strlist *patterns);
/* One message on channel name (pattern false) or matched by pattern name. */
void sub_counts_add(struct sub_counts *c, bool pattern, const char *name,
		    size_t len);
void sub_counts_free(struct sub_counts *c);

/* The family as Prometheus text; snprintf-like, as metrics_text.h. */
size_t sub_counts_metrics(const struct sub_counts *c, char *buf, size_t len);

#endif
