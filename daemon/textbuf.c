/*
 * textbuf.c - see textbuf.h.
 */
#include <stdarg.h>
#include <stdio.h>

#include "wspushd/textbuf.h"

void
textbuf_put(struct textbuf *t, const char *fmt, ...)
{
	va_list ap;
	size_t room = t->used < t->len ? t->len - t->used : 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room > 0 ? t->buf + t->used : NULL, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->used += (size_t)n;
}

void
textbuf_label(struct textbuf *t, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			textbuf_put(t, "\\%c", *s);
		else if (*s == '\n')
			textbuf_put(t, "\\n");
		else
			textbuf_put(t, "%c", *s);
	}
}
