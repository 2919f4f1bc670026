/*
 * upstream_feed.h - what the tests of the upstream core share: one input
 * stepped as the glue would, with the rule every step keeps checked
 * (the deadline given out is the core's next one).  Include after
 * <cmocka.h>.
 */
#ifndef WSPUSHD_TEST_UPSTREAM_FEED_H
#define WSPUSHD_TEST_UPSTREAM_FEED_H

#include "wspushd/upstream_core.h"

/*
 * The output comes back by value: a reason the core wrote itself is
 * read from out.text, not out.why.
 */
static inline struct upstream_output
feed(struct upstream_core *c, struct upstream_input in)
{
	struct upstream_output out;

	if (in.why == NULL)
		in.why = "because";
	upstream_core_step(c, &in, &out);
	assert_int_equal(out.deadline, upstream_core_deadline(c));
	return out;
}

#endif
