/*
 * sub_counts.c - see sub_counts.h.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/fnv.h"
#include "wspushd/sub_counts.h"
#include "wspushd/textbuf.h"
#include "wspushd/xalloc.h"

/* The kind mixed in: a channel and a pattern may share a name. */
static size_t
slot_of(bool pattern, const char *name, size_t len)
{
	unsigned char kind = pattern;

	return fnv1a(fnv1a(FNV1A_INIT, &kind, 1), name, len) &
	       (SUB_COUNTS_SLOTS - 1);
}

/* The item for the name, or NULL; linear probing over a table never full. */
static struct sub_count *
find(const struct sub_counts *c, bool pattern, const char *name, size_t len)
{
	for (size_t s = slot_of(pattern, name, len); c->slot[s] != 0;
	     s = (s + 1) & (SUB_COUNTS_SLOTS - 1)) {
		const struct sub_count *it = &c->item[c->slot[s] - 1];

		if (it->len == len && it->pattern == pattern &&
		    memcmp(it->name, name, len) == 0)
			return (struct sub_count *)it;
	}
	return NULL;
}

static void
track(struct sub_counts *c, bool pattern, const char *name, uint64_t received)
{
	size_t len = strlen(name), s;

	if (c->n == SUB_COUNTS_MAX || find(c, pattern, name, len) != NULL)
		return;
	for (s = slot_of(pattern, name, len); c->slot[s] != 0;
	     s = (s + 1) & (SUB_COUNTS_SLOTS - 1))
		;
	c->item[c->n] = (struct sub_count){ xstrdup(name), len, pattern,
					    received };
	c->n++;
	c->slot[s] = (uint8_t)c->n;
}

static uint64_t
count_of(const struct sub_counts *old, bool pattern, const char *name)
{
	const struct sub_count *it = find(old, pattern, name, strlen(name));

	return it != NULL ? it->received : 0;
}

void
sub_counts_set(struct sub_counts *c, const struct strlist *channels,
	       const struct strlist *patterns)
{
	struct sub_counts old = *c;

	memset(c->slot, 0, sizeof(c->slot));
	c->n = 0;
	for (size_t i = 0; i < channels->count; i++)
		track(c, false, channels->items[i],
		      count_of(&old, false, channels->items[i]));
	for (size_t i = 0; i < patterns->count; i++)
		track(c, true, patterns->items[i],
		      count_of(&old, true, patterns->items[i]));
	sub_counts_free(&old);
}

void
sub_counts_add(struct sub_counts *c, bool pattern, const char *name, size_t len)
{
	struct sub_count *it = name != NULL ? find(c, pattern, name, len) : NULL;

	if (it != NULL)
		it->received++;
	else
		c->other++;
}

void
sub_counts_free(struct sub_counts *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->item[i].name);
	c->n = 0;
}

size_t
sub_counts_metrics(const struct sub_counts *c, char *buf, size_t len)
{
	static const char name[] = "wspushd_subscription_messages_total";
	struct textbuf t = { .buf = buf, .len = len };

	if (len > 0)
		buf[0] = '\0';
	textbuf_put(&t, "# HELP %s Messages Redis delivered, by subscription: "
		    "each channel and pattern (the first %d configured); "
		    "kind=\"other\" sums the rest.\n# TYPE %s counter\n",
		    name, SUB_COUNTS_MAX, name);
	for (size_t i = 0; i < c->n; i++) {
		textbuf_put(&t, "%s{kind=\"%s\",name=\"", name,
			    c->item[i].pattern ? "pattern" : "channel");
		textbuf_label(&t, c->item[i].name);
		textbuf_put(&t, "\"} %llu\n",
			    (unsigned long long)c->item[i].received);
	}
	textbuf_put(&t, "%s{kind=\"other\",name=\"\"} %llu\n", name,
		    (unsigned long long)c->other);
	return t.used;
}
