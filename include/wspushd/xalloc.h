/*
 * xalloc.h - allocation that cannot fail, and wiping what held a secret.
 *
 * wspushd has nothing sensible to do when malloc() fails: the messages it
 * holds are not worth a half-applied configuration or a connection in an
 * unknown state.  So these helpers print "wspushd: out of memory" and
 * abort(), and their callers never test for NULL.
 */
#ifndef WSPUSHD_XALLOC_H
#define WSPUSHD_XALLOC_H

#include <stddef.h>

/* Print "wspushd: out of memory" to stderr and abort(). */
void oom(void) __attribute__((noreturn));

void *xmalloc(size_t size);
/* realloc(p, n * size), refusing a product that overflows. */
void *xreallocarray(void *p, size_t n, size_t size);
/* n zeroed items (at least one) of size bytes. */
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Overwrite the string s (passwords, header tokens) with zeros before it
 * is freed, in a way the compiler may not drop.  NULL is fine.
 */
void wipe(char *s);
/* wipe(s), then free(s). */
void wipe_free(char *s);

#endif
