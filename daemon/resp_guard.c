/*
 * resp_guard.c - see resp_guard.h.
 *
 * The input is scanned where RESP says something about structure (type
 * bytes, headers, line ends, the CRLF after a bulk string) and jumped
 * over where it does not (bulk contents).  Bytes to pass on are
 * collected as a run [run, p) of the caller's buffer and handed over
 * only when the run must break: before a nil is substituted, when a
 * header straddles two feeds, and at the end of the input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wspushd/resp_guard.h"

enum {
	ST_TYPE,	/* the next byte begins an element */
	ST_HEADER,	/* inside a '$' or '*' header, held in g->hdr */
	ST_LINE,	/* inside a '+', '-' or ':' line */
	ST_BULK,	/* passing a bulk string and its CRLF */
	ST_SKIP,	/* skipping one */
	ST_ERROR,
};

static const char NIL[] = "$-1\r\n";

void
resp_guard_set_limits(struct resp_guard *g, const struct resp_limits *lim)
{
	g->lim = *lim;
	if (g->lim.max_depth > RESP_DEPTH_MAX)
		g->lim.max_depth = RESP_DEPTH_MAX;
}

void
resp_guard_init(struct resp_guard *g, const struct resp_limits *lim)
{
	memset(g, 0, sizeof(*g));
	g->state = ST_TYPE;
	resp_guard_set_limits(g, lim);
}

static enum resp_guard_result __attribute__((format(printf, 2, 3)))
fail(struct resp_guard *g, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(g->error, sizeof(g->error), fmt, ap);
	va_end(ap);
	g->state = ST_ERROR;
	return RESP_GUARD_ERROR;
}

/*
 * The header's number: "-1" or decimal digits, nothing else (no sign,
 * no space, no empty).  Returns 0 and sets *neg for -1, or -1.
 */
static int
header_number(const struct resp_guard *g, uint64_t *v, bool *neg)
{
	const char *s = g->hdr + 1, *end = g->hdr + g->hdr_len - 2;

	*v = 0;
	*neg = false;
	if (end - s == 2 && s[0] == '-' && s[1] == '1') {
		*neg = true;
		return 0;
	}
	if (s == end)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || *v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

/*
 * One element is complete.  Returns true when that completes a top-level
 * reply in which a bulk string was replaced: the sink must hear of it.
 */
static bool
element_done(struct resp_guard *g)
{
	while (g->depth > 0) {
		if (--g->pending[g->depth - 1] > 0)
			return false;
		g->depth--;	/* the array is complete: an element of its parent */
	}
	return g->reply_skipped;
}

/* A top-level reply is complete: the per-reply budgets start again. */
static void
reply_reset(struct resp_guard *g)
{
	g->reply_bulk = 0;
	g->reply_elements = 0;
	g->reply_skipped = false;
}

enum resp_guard_result
resp_guard_feed(struct resp_guard *g, const char *in, size_t len,
		const struct resp_guard_sink *sink, void *arg)
{
	const char *p = in, *end = in + len, *run = in, *hdr_start = NULL;

#define FLUSH_TO(q) do {						\
		if ((q) > run && sink->pass(arg, run, (size_t)((q) - run)) != 0) \
			return RESP_GUARD_STOPPED;			\
		run = (q);						\
	} while (0)
#define ELEMENT_DONE() do {						\
		if (element_done(g)) {					\
			FLUSH_TO(p);					\
			reply_reset(g);					\
			if (sink->done(arg) != 0)			\
				return RESP_GUARD_STOPPED;		\
		} else if (g->depth == 0) {				\
			reply_reset(g);					\
		}							\
	} while (0)

	if (g->state == ST_ERROR)
		return RESP_GUARD_ERROR;
	while (p < end) {
		switch (g->state) {
		case ST_TYPE:
			switch (*p) {
			case '$':
			case '*':
				g->hdr[0] = *p;
				g->hdr_len = 1;
				g->hdr_held = false;
				hdr_start = p;
				g->state = ST_HEADER;
				break;
			case '+':
			case '-':
			case ':':
				g->line_len = 0;
				g->line_cr = false;
				g->state = ST_LINE;
				break;
			default:
				return fail(g, "unexpected byte 0x%02llx where a "
					    "reply begins",
					    (unsigned long long)(unsigned char)*p);
			}
			p++;
			break;

		case ST_HEADER: {
			uint64_t v;
			bool neg;

			if (g->hdr_len == RESP_HEADER_MAX)
				return fail(g, "length header over %d bytes",
					    RESP_HEADER_MAX);
			g->hdr[g->hdr_len++] = *p++;
			if (g->hdr[g->hdr_len - 1] != '\n' || g->hdr_len < 3 ||
			    g->hdr[g->hdr_len - 2] != '\r')
				break;
			if (header_number(g, &v, &neg) < 0)
				return fail(g, "malformed %s length",
					    g->hdr[0] == '$' ? "bulk" : "array");
			/* The header is whole: pass it, unless a nil replaces it. */
			if (g->hdr[0] == '*') {
				if (g->hdr_held && sink->pass(arg, g->hdr, g->hdr_len) != 0)
					return RESP_GUARD_STOPPED;
				if (g->hdr_held)
					run = p;
				g->state = ST_TYPE;
				if (neg || v == 0) {
					ELEMENT_DONE();
					break;
				}
				if (v > g->lim.max_elements - g->reply_elements)
					return fail(g, "array of %llu elements, over "
						    "%llu in one reply",
						    (unsigned long long)v,
						    (unsigned long long)g->lim.max_elements);
				if (g->depth == g->lim.max_depth)
					return fail(g, "arrays nested deeper than %u",
						    g->lim.max_depth);
				g->reply_elements += v;
				g->pending[g->depth++] = v;
				break;
			}
			if (neg) {
				/* A nil bulk string passes as it is. */
				if (g->hdr_held && sink->pass(arg, g->hdr, g->hdr_len) != 0)
					return RESP_GUARD_STOPPED;
				if (g->hdr_held)
					run = p;
				g->state = ST_TYPE;
				ELEMENT_DONE();
				break;
			}
			if (v > RESP_IMPOSSIBLE_BULK)
				return fail(g, "bulk length %llu is impossible",
					    (unsigned long long)v);
			if (v > g->lim.max_bulk ||
			    g->reply_bulk + v > g->lim.max_reply) {
				/* Everything before the header goes first. */
				if (!g->hdr_held)
					FLUSH_TO(hdr_start);
				if (sink->skipping(arg, v) != 0 ||
				    sink->pass(arg, NIL, sizeof(NIL) - 1) != 0)
					return RESP_GUARD_STOPPED;
				run = p;
				g->reply_skipped = true;
				g->left = v + 2;
				g->state = ST_SKIP;
				break;
			}
			if (g->hdr_held && sink->pass(arg, g->hdr, g->hdr_len) != 0)
				return RESP_GUARD_STOPPED;
			if (g->hdr_held)
				run = p;
			g->reply_bulk += v;
			g->left = v + 2;
			g->state = ST_BULK;
			break;
		}

		case ST_LINE: {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl != NULL ? nl + 1 : end;
			bool cr_before = nl != NULL &&
					 (nl > p ? nl[-1] == '\r' : g->line_cr);

			g->line_len += (size_t)(stop - p);
			if (g->line_len > g->lim.max_line + 2)
				return fail(g, "reply line over %zu bytes",
					    g->lim.max_line);
			g->line_cr = stop[-1] == '\r';
			p = stop;
			if (cr_before) {
				g->state = ST_TYPE;
				ELEMENT_DONE();
			}
			break;
		}

		case ST_BULK:
		case ST_SKIP: {
			bool skip = g->state == ST_SKIP;

			if (g->left > 2) {
				uint64_t n = (uint64_t)(end - p);

				if (n > g->left - 2)
					n = g->left - 2;
				p += n;
				g->left -= n;
			} else {
				if (*p != (g->left == 2 ? '\r' : '\n'))
					return fail(g, "bulk string not followed by "
						    "CRLF");
				p++;
				if (--g->left == 0) {
					g->state = ST_TYPE;
					if (skip)
						run = p;
					ELEMENT_DONE();
					break;
				}
			}
			if (skip)
				run = p;
			break;
		}

		default:
			return RESP_GUARD_ERROR;
		}
	}
	if (g->state == ST_HEADER) {
		/* Held back until it is whole: it may have to become a nil. */
		if (!g->hdr_held)
			FLUSH_TO(hdr_start);
		g->hdr_held = true;
		return RESP_GUARD_OK;
	}
	FLUSH_TO(end);
	return RESP_GUARD_OK;
#undef ELEMENT_DONE
#undef FLUSH_TO
}
