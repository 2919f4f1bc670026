/*
 * resp_guard.c - see resp_guard.h.
 *
 * The input is scanned where RESP says something about structure (type
 * bytes, headers, integers, line ends, the CRLF after a bulk string) and
 * jumped over where it does not (bulk contents).  Bytes to pass on are
 * collected as a run [run, p) of the caller's buffer and handed over
 * only when the run must break: before a nil is substituted, before a
 * reply the sink wants to see begin, when a header straddles two feeds,
 * and at the end of the input.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "wspushd/resp_guard.h"

enum {
	ST_TYPE,	/* the next byte begins an element */
	ST_HEADER,	/* inside a '$' or '*' header, held in g->hdr */
	ST_LINE,	/* inside a '+' or '-' line */
	ST_INTEGER,	/* inside a ':' line */
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
 * The header's number: "-1" or decimal digits without a leading zero
 * (hiredis refuses "01"), nothing else.  Returns 0 and sets *neg for
 * -1, or -1.
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
	if (s == end || (s[0] == '0' && end - s > 1))
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9' || *v > (UINT64_MAX - 9) / 10)
			return -1;
		*v = *v * 10 + (uint64_t)(*s - '0');
	}
	return 0;
}

/*
 * One more byte of a ':' line before its CRLF: a signed 64-bit integer
 * as hiredis' string2ll() takes it, "0" or -?[1-9][0-9]*.
 */
static bool
integer_byte(struct resp_guard *g, char c)
{
	if (c == '-' && g->int_digits == 0 && !g->int_neg) {
		g->int_neg = true;
		return true;
	}
	if (c < '0' || c > '9' || g->int_digits == RESP_INTEGER_MAX)
		return false;
	/* No leading zero, and no "-0". */
	if (g->int_digits > 0 && g->int_value == 0)
		return false;
	if (c == '0' && g->int_digits == 0 && g->int_neg)
		return false;
	if (g->int_value > (UINT64_MAX - 9) / 10)
		return false;
	g->int_value = g->int_value * 10 + (uint64_t)(c - '0');
	g->int_digits++;
	/* The most a long long holds: one more on the negative side. */
	return g->int_value <= (uint64_t)INT64_MAX + (g->int_neg ? 1 : 0);
}

/* Index of the element beginning now within the top-level array. */
static uint64_t
top_index(const struct resp_guard *g)
{
	return g->top_count - g->pending[0];
}

/*
 * With pubsub: an element of the top-level array begins with type byte
 * c.  Returns an error message, or NULL when the shape still holds.
 */
static const char *
pubsub_element(struct resp_guard *g, char c)
{
	uint64_t i;

	if (!g->lim.pubsub || g->depth != 1)
		return NULL;
	i = top_index(g);
	if (i < 2 && c != '$')
		return "a pub/sub reply whose kind or name is not a string";
	if (i == 2 && g->unsubscribe && c != ':')
		return "an unsubscribe reply without a count";
	return NULL;
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
	g->top_count = 0;
	g->kind_len = 0;
	g->unsubscribe = false;
}

/* Element 0 of a pub/sub reply is whole: is it an unsubscribe? */
static const char *
kind_done(struct resp_guard *g)
{
	static const char *const unsub[] = { "unsubscribe", "punsubscribe" };

	g->kind_capture = false;
	for (size_t k = 0; k < 2; k++)
		if (g->kind_len == strlen(unsub[k]) &&
		    strncasecmp(g->kind, unsub[k], g->kind_len) == 0)
			g->unsubscribe = true;
	if (g->unsubscribe && g->top_count < 3)
		return "an unsubscribe reply without a count";
	return NULL;
}

/*
 * Where a feed is: the next byte, the run of bytes still to pass on, and
 * where a '$' or '*' header began in this input (NULL if in an earlier).
 */
struct cursor {
	struct resp_guard *g;
	const struct resp_guard_sink *sink;
	void *arg;
	const char *p, *end, *run, *hdr_start;
};

/*
 * Each step below returns RESP_GUARD_OK to go on, or what the feed
 * returns: RESP_GUARD_STOPPED (a sink said stop) or RESP_GUARD_ERROR.
 */
static enum resp_guard_result
flush_to(struct cursor *c, const char *q)
{
	if (q > c->run && c->sink->pass(c->arg, c->run, (size_t)(q - c->run)) != 0)
		return RESP_GUARD_STOPPED;
	c->run = q;
	return RESP_GUARD_OK;
}

/* The header just read passes, from where it is or from g->hdr. */
static enum resp_guard_result
pass_header(struct cursor *c)
{
	if (!c->g->hdr_held)
		return RESP_GUARD_OK;	/* in place, part of the run */
	if (c->sink->pass(c->arg, c->g->hdr, c->g->hdr_len) != 0)
		return RESP_GUARD_STOPPED;
	c->run = c->p;
	return RESP_GUARD_OK;
}

/* An element is complete, so perhaps a reply the sink must hear of. */
static enum resp_guard_result
element_end(struct cursor *c)
{
	struct resp_guard *g = c->g;

	g->state = ST_TYPE;
	if (!element_done(g)) {
		if (g->depth == 0)
			reply_reset(g);
		return RESP_GUARD_OK;
	}
	if (flush_to(c, c->p) != RESP_GUARD_OK)
		return RESP_GUARD_STOPPED;
	reply_reset(g);
	return c->sink->done(c->arg) != 0 ? RESP_GUARD_STOPPED : RESP_GUARD_OK;
}

static enum resp_guard_result
type_byte(struct cursor *c)
{
	struct resp_guard *g = c->g;
	char t = *c->p;
	const char *why;

	if (g->depth == 0 && c->sink->begin != NULL) {
		if (flush_to(c, c->p) != RESP_GUARD_OK ||
		    c->sink->begin(c->arg, t) != 0)
			return RESP_GUARD_STOPPED;
	}
	if (t != '$' && t != '*' && t != '+' && t != '-' && t != ':')
		return fail(g, "unexpected byte 0x%02x where a reply begins",
			    (unsigned char)t);
	if ((why = pubsub_element(g, t)) != NULL)
		return fail(g, "%s", why);
	if (t == '$' || t == '*') {
		g->hdr[0] = t;
		g->hdr_len = 1;
		g->hdr_held = false;
		c->hdr_start = c->p;
		g->state = ST_HEADER;
	} else if (t == ':') {
		g->line_len = 0;
		g->int_value = 0;
		g->int_digits = 0;
		g->int_neg = false;
		g->state = ST_INTEGER;
	} else {
		g->line_len = 0;
		g->line_cr = false;
		g->state = ST_LINE;
	}
	c->p++;
	return RESP_GUARD_OK;
}

static enum resp_guard_result
array_header(struct cursor *c, uint64_t v, bool neg)
{
	struct resp_guard *g = c->g;

	/* hiredis counts empty arrays in its depth too. */
	if (g->depth >= g->lim.max_depth)
		return fail(g, "arrays nested deeper than %u", g->lim.max_depth);
	if (g->lim.pubsub && g->depth == 0 && !neg && v < 2)
		return fail(g, "a pub/sub reply of %llu element(s)",
			    (unsigned long long)v);
	if (pass_header(c) != RESP_GUARD_OK)
		return RESP_GUARD_STOPPED;
	if (neg || v == 0)
		return element_end(c);
	if (v > g->lim.max_elements - g->reply_elements)
		return fail(g, "array of %llu elements, over %llu in one reply",
			    (unsigned long long)v,
			    (unsigned long long)g->lim.max_elements);
	if (g->depth == 0)
		g->top_count = v;
	g->reply_elements += v;
	g->pending[g->depth++] = v;
	g->state = ST_TYPE;
	return RESP_GUARD_OK;
}

/* A string over the limits: the reader gets a nil, the bytes are skipped. */
static enum resp_guard_result
skip_bulk(struct cursor *c, uint64_t v)
{
	struct resp_guard *g = c->g;

	/* Everything before the header goes first. */
	if (!g->hdr_held && flush_to(c, c->hdr_start) != RESP_GUARD_OK)
		return RESP_GUARD_STOPPED;
	if (c->sink->skipping(c->arg, v) != 0 ||
	    c->sink->pass(c->arg, NIL, sizeof(NIL) - 1) != 0)
		return RESP_GUARD_STOPPED;
	c->run = c->p;
	g->reply_skipped = true;
	g->left = v + 2;
	g->state = ST_SKIP;
	return RESP_GUARD_OK;
}

static enum resp_guard_result
bulk_header(struct cursor *c, uint64_t v, bool neg)
{
	struct resp_guard *g = c->g;
	/* A kind or channel name: passed whole, or an error. */
	bool name = g->lim.pubsub && g->depth == 1 && top_index(g) < 2;

	if (neg) {
		if (name)
			return fail(g, "a pub/sub reply with a nil name");
		if (pass_header(c) != RESP_GUARD_OK)
			return RESP_GUARD_STOPPED;
		return element_end(c);
	}
	if (v > RESP_IMPOSSIBLE_BULK)
		return fail(g, "bulk length %llu is impossible",
			    (unsigned long long)v);
	if (name && v > g->lim.max_name)
		return fail(g, "a pub/sub name of %llu bytes", (unsigned long long)v);
	if (!name && (v > g->lim.max_bulk || g->reply_bulk + v > g->lim.max_reply))
		return skip_bulk(c, v);
	if (pass_header(c) != RESP_GUARD_OK)
		return RESP_GUARD_STOPPED;
	if (!name)
		g->reply_bulk += v;
	g->kind_capture = name && top_index(g) == 0;
	g->left = v + 2;
	g->state = ST_BULK;
	return RESP_GUARD_OK;
}

static enum resp_guard_result
header_byte(struct cursor *c)
{
	struct resp_guard *g = c->g;
	uint64_t v;
	bool neg;

	if (g->hdr_len == RESP_HEADER_MAX)
		return fail(g, "length header over %d bytes", RESP_HEADER_MAX);
	g->hdr[g->hdr_len++] = *c->p++;
	if (g->hdr[g->hdr_len - 1] != '\n' || g->hdr_len < 3 ||
	    g->hdr[g->hdr_len - 2] != '\r')
		return RESP_GUARD_OK;
	if (header_number(g, &v, &neg) < 0)
		return fail(g, "malformed %s length",
			    g->hdr[0] == '$' ? "bulk" : "array");
	return g->hdr[0] == '*' ? array_header(c, v, neg) : bulk_header(c, v, neg);
}

static enum resp_guard_result
line_bytes(struct cursor *c)
{
	struct resp_guard *g = c->g;
	const char *nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	const char *stop = nl != NULL ? nl + 1 : c->end;
	bool cr_before = nl != NULL && (nl > c->p ? nl[-1] == '\r' : g->line_cr);

	g->line_len += (size_t)(stop - c->p);
	if (g->line_len > g->lim.max_line + 2)
		return fail(g, "reply line over %zu bytes", g->lim.max_line);
	g->line_cr = stop[-1] == '\r';
	c->p = stop;
	return cr_before ? element_end(c) : RESP_GUARD_OK;
}

/* Short by rule: byte by byte. */
static enum resp_guard_result
integer_line_byte(struct cursor *c)
{
	struct resp_guard *g = c->g;
	char b = *c->p++;

	if (b == '\r' && g->line_len == 0) {
		g->line_len = 1;	/* CR seen; LF must follow */
		return RESP_GUARD_OK;
	}
	if (g->line_len == 1) {
		if (b != '\n' || g->int_digits == 0)
			return fail(g, "malformed integer");
		return element_end(c);
	}
	return integer_byte(g, b) ? RESP_GUARD_OK : fail(g, "malformed integer");
}

/* A bulk string's bytes, passed (ST_BULK) or skipped (ST_SKIP). */
static enum resp_guard_result
bulk_bytes(struct cursor *c)
{
	struct resp_guard *g = c->g;
	bool skip = g->state == ST_SKIP;
	const char *why;

	if (g->left > 2) {
		uint64_t n = (uint64_t)(c->end - c->p);

		if (n > g->left - 2)
			n = g->left - 2;
		if (g->kind_capture) {
			size_t room = sizeof(g->kind) - g->kind_len;
			size_t take = n < room ? (size_t)n : room;

			memcpy(g->kind + g->kind_len, c->p, take);
			g->kind_len += take;
		}
		c->p += n;
		g->left -= n;
	} else {
		if (*c->p != (g->left == 2 ? '\r' : '\n'))
			return fail(g, "bulk string not followed by CRLF");
		c->p++;
		g->left--;
	}
	if (skip)
		c->run = c->p;
	if (g->left > 0)
		return RESP_GUARD_OK;
	if (g->kind_capture && (why = kind_done(g)) != NULL)
		return fail(g, "%s", why);
	return element_end(c);
}

enum resp_guard_result
resp_guard_feed(struct resp_guard *g, const char *in, size_t len,
		const struct resp_guard_sink *sink, void *arg)
{
	struct cursor c = { g, sink, arg, in, in + len, in, NULL };
	enum resp_guard_result r = RESP_GUARD_OK;

	if (g->state == ST_ERROR)
		return RESP_GUARD_ERROR;
	while (c.p < c.end && r == RESP_GUARD_OK) {
		switch (g->state) {
		case ST_TYPE:
			r = type_byte(&c);
			break;
		case ST_HEADER:
			r = header_byte(&c);
			break;
		case ST_LINE:
			r = line_bytes(&c);
			break;
		case ST_INTEGER:
			r = integer_line_byte(&c);
			break;
		case ST_BULK:
		case ST_SKIP:
			r = bulk_bytes(&c);
			break;
		default:
			return RESP_GUARD_ERROR;
		}
	}
	if (r != RESP_GUARD_OK)
		return r;
	if (g->state == ST_HEADER) {
		/* Held back until it is whole: it may have to become a nil. */
		if (!g->hdr_held && flush_to(&c, c.hdr_start) != RESP_GUARD_OK)
			return RESP_GUARD_STOPPED;
		g->hdr_held = true;
		return RESP_GUARD_OK;
	}
	return flush_to(&c, c.end);
}
