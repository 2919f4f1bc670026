/*
 * diag.h - collecting error messages, and quoting user input in them.
 *
 * A diag is a list of one-line messages, each already prefixed with
 * where the problem is ("file:12: ...", "command line: --url: ...").
 * Whoever finds a problem adds it and goes on, so an operator sees every
 * problem at once; whoever started the work prints the lot.
 */
#ifndef WSPUSHD_DIAG_H
#define WSPUSHD_DIAG_H

#include <stdarg.h>
#include <stddef.h>

/* Error collector: every message is one line, already prefixed. */
struct diag {
	char **lines;
	size_t count;
};

/* Append one message.  A NULL d discards it. */
void diag_add(struct diag *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag_vadd(struct diag *d, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Free every line; d is then empty and may be used again. */
void diag_free(struct diag *d);

/*
 * User input is echoed at most DIAG_QUOTE_MAX bytes long, so garbage
 * cannot flood a log line; a buffer of DIAG_QUOTE_BUF bytes holds any
 * quote.
 */
#define DIAG_QUOTE_MAX 64
#define DIAG_QUOTE_BUF (DIAG_QUOTE_MAX + 8)

/*
 * The first n bytes of text in single quotes, "..." added inside the
 * quotes when cut short: 'abc' or 'abcd...'.  Returns buf.
 */
const char *diag_quote_n(char *buf, size_t buflen, const char *text,
			 size_t n);
/* The same for the whole string. */
const char *diag_quote(char *buf, size_t buflen, const char *text);

#endif
