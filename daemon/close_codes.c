/*
 * close_codes.c - see close_codes.h.
 */
#include <stdio.h>
#include <string.h>

#include "wspushd/close_codes.h"
#include "wspushd/config_values.h"
#include "wspushd/diag.h"

bool
close_code_set_has(const struct close_code_set *s, unsigned code)
{
	if (s == NULL)
		return false;
	for (size_t i = 0; i < s->count && i < CLOSE_CODES_MAX; i++)
		if (code >= s->ranges[i].lo && code <= s->ranges[i].hi)
			return true;
	return false;
}

static const char *
skip_blanks_until(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/*
 * Digits of a close code.  Past six digits nothing more is added, so
 * a long run reads as "out of range" instead of wrapping around.
 * Returns the number of digits.
 */
static size_t
scan_code(const char *p, unsigned *out)
{
	unsigned v = 0;
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9') {
		if (v < 100000)
			v = v * 10 + (unsigned)(p[n] - '0');
		n++;
	}
	*out = v;
	return n;
}

static const char *
fmt_code_range(char *buf, size_t buflen, unsigned lo, unsigned hi)
{
	if (lo == hi)
		snprintf(buf, buflen, "'%u'", lo);
	else
		snprintf(buf, buflen, "'%u-%u'", lo, hi);
	return buf;
}

/*
 * One item of a close code list: "1008" or "4000-4999", blanks allowed
 * around the '-'.  Returns 0, or -1 having said what is wrong.
 */
static int
parse_code_item(const char *item, size_t len, unsigned min, unsigned max,
		unsigned *lo, unsigned *hi, char *err, size_t errlen)
{
	const char *p = item, *end = item + len, *bad = NULL;
	char q[DIAG_QUOTE_BUF];
	size_t nlo, nhi = 0;
	const char *lo_text, *hi_text = NULL;

	/*
	 * A digit run cannot go on past end: the item is followed by a
	 * blank, ',' or the end of the value, never by a digit.
	 */
	lo_text = p;
	nlo = scan_code(p, lo);
	p = skip_blanks_until(p + nlo, end);
	*hi = *lo;
	if (nlo > 0 && p < end && *p == '-') {
		p = skip_blanks_until(p + 1, end);
		hi_text = p;
		nhi = scan_code(p, hi);
		p = skip_blanks_until(p + nhi, end);
	}
	if (nlo == 0 || (hi_text != NULL && nhi == 0) || p != end) {
		snprintf(err, errlen, "invalid close code %s (expected a code "
			 "such as 1008 or a range such as 4000-4999)",
			 diag_quote_n(q, sizeof(q), item, len));
		return -1;
	}
	if (*lo < min || *lo > max)
		bad = lo_text;
	else if (hi_text != NULL && (*hi < min || *hi > max))
		bad = hi_text;
	if (bad != NULL) {
		snprintf(err, errlen, "close code %s is out of range (expected "
			 "%u..%u)", diag_quote_n(q, sizeof(q), bad,
						 bad == lo_text ? nlo : nhi),
			 min, max);
		return -1;
	}
	if (*lo > *hi) {
		snprintf(err, errlen, "range %s is backwards (expected %u-%u)",
			 diag_quote_n(q, sizeof(q), item, len), *hi, *lo);
		return -1;
	}
	return 0;
}

/* Whether lo-hi may join set: no overlap, and room for it. */
static int
check_room(const struct close_code_set *set, const char *item, size_t len,
	   unsigned lo, unsigned hi, char *err, size_t errlen)
{
	char q[DIAG_QUOTE_BUF], r[32];

	for (size_t i = 0; i < set->count; i++) {
		if (lo <= set->ranges[i].hi && hi >= set->ranges[i].lo) {
			snprintf(err, errlen, "%s overlaps %s (list each code "
				 "once)", diag_quote_n(q, sizeof(q), item, len),
				 fmt_code_range(r, sizeof(r), set->ranges[i].lo,
						set->ranges[i].hi));
			return -1;
		}
	}
	if (set->count == CLOSE_CODES_MAX) {
		snprintf(err, errlen, "more than %d items (join neighbouring "
			 "codes into ranges such as 4000-4099)",
			 CLOSE_CODES_MAX);
		return -1;
	}
	return 0;
}

/*
 * Overlaps are refused like a channel listed twice: harmless, but never
 * what was meant.
 */
int
parse_close_codes(const char *value, unsigned min, unsigned max,
		  struct close_code_set *out, char *err, size_t errlen)
{
	struct close_code_set set;
	struct list_iter it;
	char q[DIAG_QUOTE_BUF];
	const char *item;
	size_t len;

	memset(&set, 0, sizeof(set));
	list_iter_init(&it, value);
	while (list_iter_next(&it, &item, &len)) {
		unsigned lo, hi;

		/* ",1003", "1003,,1008" and "1003," */
		if (len == 0) {
			snprintf(err, errlen, "empty item in %s (expected codes "
				 "or ranges separated by commas)",
				 diag_quote(q, sizeof(q), value));
			return -1;
		}
		if (parse_code_item(item, len, min, max, &lo, &hi, err,
				    errlen) < 0 ||
		    check_room(&set, item, len, lo, hi, err, errlen) < 0)
			return -1;
		set.ranges[set.count].lo = (uint16_t)lo;
		set.ranges[set.count].hi = (uint16_t)hi;
		set.count++;
	}
	*out = set;
	return 0;
}
