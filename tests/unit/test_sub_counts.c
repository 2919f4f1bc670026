/*
 * test_sub_counts.c - messages per subscription: each configured channel
 * and pattern counted, a pattern apart from a channel of the same name,
 * the label set bounded whatever is configured or published, counts kept
 * across a reload for names that stay, and the text valid and escaped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "wspushd/sub_counts.h"

static void
add(struct sub_counts *c, int pattern, const char *name, int times)
{
	for (int i = 0; i < times; i++)
		sub_counts_add(c, pattern != 0, name, strlen(name));
}

static uint64_t
count(const struct sub_counts *c, int pattern, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if ((c->item[i].pattern != 0) == (pattern != 0) &&
		    strcmp(c->item[i].name, name) == 0)
			return c->item[i].received;
	return UINT64_MAX;
}

static void
test_channels_and_patterns_apart(void **state)
{
	struct sub_counts c = { 0 };
	struct strlist ch = { 0 }, pa = { 0 };

	(void)state;
	strlist_add(&ch, "ws:out");
	strlist_add(&ch, "ws:*");
	strlist_add(&pa, "ws:*");
	sub_counts_set(&c, &ch, &pa);
	add(&c, 0, "ws:out", 3);
	add(&c, 0, "ws:*", 1);		/* the channel literally named so */
	add(&c, 1, "ws:*", 5);
	add(&c, 0, "elsewhere", 2);	/* not subscribed (in flight at a reload) */
	sub_counts_add(&c, false, NULL, 0);	/* a name over the size limit */
	assert_int_equal(c.n, 3);
	assert_int_equal(count(&c, 0, "ws:out"), 3);
	assert_int_equal(count(&c, 0, "ws:*"), 1);
	assert_int_equal(count(&c, 1, "ws:*"), 5);
	assert_int_equal(c.other, 3);
	/* A prefix or an extension of a name is another name. */
	add(&c, 0, "ws:ou", 1);
	add(&c, 0, "ws:outx", 1);
	assert_int_equal(count(&c, 0, "ws:out"), 3);
	assert_int_equal(c.other, 5);
	sub_counts_free(&c);
	strlist_free(&ch);
	strlist_free(&pa);
}

/* 10,000 channels: 100 series and one "other", every message counted once. */
static void
test_bounded_labels(void **state)
{
	struct sub_counts c = { 0 };
	struct strlist ch = { 0 }, pa = { 0 };
	char name[32];
	uint64_t total = 0;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "ch:%d", i);
		strlist_add(&ch, name);
	}
	sub_counts_set(&c, &ch, &pa);
	assert_int_equal(c.n, SUB_COUNTS_MAX);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "ch:%d", i);
		add(&c, 0, name, 1 + i % 3);
		total += 1 + (uint64_t)(i % 3);
	}
	for (size_t i = 0; i < c.n; i++) {
		snprintf(name, sizeof(name), "ch:%zu", i);
		assert_string_equal(c.item[i].name, name);	/* configuration order */
		assert_int_equal(c.item[i].received, 1 + i % 3);
		total -= c.item[i].received;
	}
	assert_int_equal(c.other, total);
	sub_counts_free(&c);
	strlist_free(&ch);
	strlist_free(&pa);
}

static void
test_reload_keeps_counts_of_names_kept(void **state)
{
	struct sub_counts c = { 0 };
	struct strlist a = { 0 }, b = { 0 }, none = { 0 };

	(void)state;
	strlist_add(&a, "one");
	strlist_add(&a, "two");
	sub_counts_set(&c, &a, &none);
	add(&c, 0, "one", 4);
	add(&c, 0, "two", 6);
	strlist_add(&b, "two");
	strlist_add(&b, "three");
	strlist_add(&b, "two");		/* a duplicate is one series */
	sub_counts_set(&c, &b, &none);
	assert_int_equal(c.n, 2);
	assert_int_equal(count(&c, 0, "two"), 6);
	assert_int_equal(count(&c, 0, "three"), 0);
	assert_int_equal(count(&c, 0, "one"), UINT64_MAX);
	add(&c, 0, "one", 1);		/* gone: counted as other */
	assert_int_equal(c.other, 1);
	sub_counts_free(&c);
	strlist_free(&a);
	strlist_free(&b);
}

static void
test_text(void **state)
{
	struct sub_counts c = { 0 };
	struct strlist ch = { 0 }, pa = { 0 };
	static const char want[] =
		"# HELP wspushd_subscription_messages_total Messages Redis "
		"delivered, by subscription: each channel and pattern (the first "
		"100 configured); kind=\"other\" sums the rest.\n"
		"# TYPE wspushd_subscription_messages_total counter\n"
		"wspushd_subscription_messages_total{kind=\"channel\",name=\"a\\\"b\\\\c\"} 2\n"
		"wspushd_subscription_messages_total{kind=\"pattern\",name=\"p:*\"} 1\n"
		"wspushd_subscription_messages_total{kind=\"other\",name=\"\"} 0\n";
	char buf[1024];

	(void)state;
	strlist_add(&ch, "a\"b\\c");
	strlist_add(&pa, "p:*");
	sub_counts_set(&c, &ch, &pa);
	add(&c, 0, "a\"b\\c", 2);
	add(&c, 1, "p:*", 1);
	assert_int_equal(sub_counts_metrics(&c, buf, sizeof(buf)), strlen(want));
	assert_string_equal(buf, want);
	assert_int_equal(sub_counts_metrics(&c, buf, 20), strlen(want));
	assert_int_equal(strlen(buf), 19);
	assert_int_equal(sub_counts_metrics(&c, NULL, 0), strlen(want));
	sub_counts_free(&c);
	strlist_free(&ch);
	strlist_free(&pa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_channels_and_patterns_apart),
		cmocka_unit_test(test_bounded_labels),
		cmocka_unit_test(test_reload_keeps_counts_of_names_kept),
		cmocka_unit_test(test_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
