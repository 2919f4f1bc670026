/*
 * diag.c - see diag.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/diag.h"
#include "wspushd/xalloc.h"

void
diag_vadd(struct diag *d, const char *fmt, va_list ap)
{
	char *line;

	if (d == NULL)
		return;
	if (vasprintf(&line, fmt, ap) < 0)
		oom();
	d->lines = xreallocarray(d->lines, d->count + 1, sizeof(*d->lines));
	d->lines[d->count++] = line;
}

void
diag_add(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, fmt, ap);
	va_end(ap);
}

void
diag_free(struct diag *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->count; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->count = 0;
}

const char *
diag_quote_n(char *buf, size_t buflen, const char *text, size_t n)
{
	if (n > DIAG_QUOTE_MAX)
		snprintf(buf, buflen, "'%.*s...'", DIAG_QUOTE_MAX, text);
	else
		snprintf(buf, buflen, "'%.*s'", (int)n, text);
	return buf;
}

const char *
diag_quote(char *buf, size_t buflen, const char *text)
{
	return diag_quote_n(buf, buflen, text, strlen(text));
}
