/*
 * strlist.c - see strlist.h.
 */
#include <stdlib.h>
#include <string.h>

#include "wspushd/strlist.h"
#include "wspushd/xalloc.h"

void
strlist_add(struct strlist *l, const char *s)
{
	l->items = xreallocarray(l->items, l->count + 1, sizeof(*l->items));
	l->items[l->count++] = xstrdup(s);
}

void
strlist_free(struct strlist *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->count = 0;
}

bool
strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(l->items[i], s) == 0)
			return true;
	return false;
}

void
strlist_move(struct strlist *dst, struct strlist *src)
{
	strlist_free(dst);
	*dst = *src;
	src->items = NULL;
	src->count = 0;
}

size_t
strlist_minus(const struct strlist *a, const struct strlist *b,
	      const char **out)
{
	size_t n = 0;

	/* Quadratic, and fine: lists are short and this runs on SIGHUP only. */
	for (size_t i = 0; i < a->count; i++) {
		if (strlist_has(b, a->items[i]))
			continue;
		if (out != NULL)
			out[n] = a->items[i];
		n++;
	}
	return n;
}
