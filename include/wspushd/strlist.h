/*
 * strlist.h - a growable list of owned strings (channels, patterns,
 * headers), and the set operations a reload needs.
 *
 * A zeroed struct strlist is an empty list.  Every string added is
 * copied; strlist_free frees the copies and leaves the list empty again.
 */
#ifndef WSPUSHD_STRLIST_H
#define WSPUSHD_STRLIST_H

#include <stdbool.h>
#include <stddef.h>

struct strlist {
	char **items;
	size_t count;
};

void strlist_add(struct strlist *l, const char *s);	/* a copy of s */
void strlist_free(struct strlist *l);			/* NULL is fine */
bool strlist_has(const struct strlist *l, const char *s);
/* Hand src's items over to dst, dropping dst's; src is left empty. */
void strlist_move(struct strlist *dst, struct strlist *src);

/*
 * The items of a missing from b, into out (at most a->count of them;
 * out may be NULL to count only).  Returns how many.  For SUBSCRIBE
 * (new minus old) and UNSUBSCRIBE (old minus new).
 */
size_t strlist_minus(const struct strlist *a, const struct strlist *b,
		     const char **out);

#endif
