/*
 * textbuf.h - text written into a caller's buffer, snprintf style: what
 * does not fit is cut, and the length the whole text needs is still
 * counted, so a caller can tell and try a bigger buffer.
 */
#ifndef WSPUSHD_TEXTBUF_H
#define WSPUSHD_TEXTBUF_H

#include <stddef.h>

struct textbuf {
	char *buf;
	size_t len, used;	/* used: what the whole text needs so far */
};

void textbuf_put(struct textbuf *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A Prometheus label value: backslash, quote and line feed escaped. */
void textbuf_label(struct textbuf *t, const char *s);

#endif
