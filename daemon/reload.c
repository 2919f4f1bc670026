/*
 * reload.c - see reload.h.
 *
 * What a change needs is the key table's to say (config_keys.h): this
 * file only compares each key's value in the two configurations.
 */
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/config_keys.h"
#include "wspushd/reload.h"
#include "wspushd/strlist.h"

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool
list_differs(const struct strlist *a, const struct strlist *b)
{
	if (a->count != b->count)
		return true;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return true;
	return false;
}

/* As sets: the order of channels does not matter to Redis. */
static bool
set_differs(const struct strlist *a, const struct strlist *b)
{
	return a->count != b->count || strlist_minus(a, b, NULL) > 0;
}

/* Whether the key k has another value in n than in o. */
static bool
key_differs(const struct key_def *k, const struct config *o,
	    const struct config *n)
{
	const void *fo = config_field_const(o, k), *fn = config_field_const(n, k);
	size_t inline_size = config_kind_inline(k->kind);

	if (inline_size > 0)
		return memcmp(fo, fn, inline_size) != 0;
	switch (k->kind) {
	case KIND_HEADER:
		/* Sent in this order. */
		return list_differs(fo, fn);
	case KIND_CHANNEL:
	case KIND_PATTERN:
	case KIND_STREAM:
		return set_differs(fo, fn);
	case KIND_REDIS_URL:
		/* The text, and what AUTH sends, whichever key gave it. */
		return str_differs(o->redis_url_text, n->redis_url_text) ||
		       str_differs(o->redis.user, n->redis.user) ||
		       str_differs(o->redis.password, n->redis.password);
	default:
		/* A string: the text of a URL, a path, a name. */
		return str_differs(*(char *const *)fo, *(char *const *)fn);
	}
}

void
reload_plan(const struct config *o, const struct config *n,
	    struct reload_plan *p)
{
	memset(p, 0, sizeof(*p));
	for (int i = 0; i < KEY_COUNT; i++) {
		const struct key_def *k = &cfg_keys[i];

		if (k->reload == RELOAD_AT_ONCE || !key_differs(k, o, n))
			continue;
		switch (k->reload) {
		case RELOAD_AT_ONCE:
			break;
		case RELOAD_UPSTREAM:
			p->upstream = true;
			break;
		case RELOAD_REDIS:
			p->redis = true;
			break;
		case RELOAD_SUBSCRIPTIONS:
			p->subscriptions = true;
			break;
		case RELOAD_STATUS:
			p->status = true;
			break;
		case RELOAD_METRICS:
			p->metrics = true;
			break;
		case RELOAD_STREAMS:
			p->streams = true;
			break;
		case RELOAD_FLEET:
			p->fleet = true;
			break;
		}
	}
}
