/*
 * units.c - strict parsing of durations, sizes and plain numbers.
 *
 * Parsing is hand-rolled instead of strtoull() because strtoull
 * accepts leading whitespace, a sign ("-1" wraps to UINT64_MAX) and
 * stops silently at the first bad character; a config typo must be an
 * error, never a surprising value.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wspushd/diag.h"
#include "wspushd/units.h"

/*
 * Fraction digits kept after trailing zeros are dropped.  Six is far
 * more than anyone writes, and keeps digits * multiplier inside 64
 * bits for every unit below (10^6 * 2^40 < 2^64).
 */
#define MAX_FRAC_DIGITS 6

struct number {
	uint64_t whole;
	uint64_t frac;		/* fraction digits as an integer: ".25" = 25 */
	unsigned frac_digits;	/* 2 for ".25" */
	const char *end;	/* first character after the number */
};

struct unit {
	const char *suffix;
	uint64_t mult;
};

static const struct unit duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "", 1000 },			/* bare number: seconds */
	{ NULL, 0 },
};

static const struct unit size_units[] = {
	{ "", 1 },
	{ "B", 1 },
	{ "KiB", 1ULL << 10 },
	{ "MiB", 1ULL << 20 },
	{ "GiB", 1ULL << 30 },
	{ "TiB", 1ULL << 40 },
	{ "kB", 1000ULL },
	{ "KB", 1000ULL },
	{ "MB", 1000ULL * 1000 },
	{ "GB", 1000ULL * 1000 * 1000 },
	{ "TB", 1000ULL * 1000 * 1000 * 1000 },
	{ NULL, 0 },
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/*
 * Digits, overflow-checked.  Consumes every digit even past an overflow
 * so that "99999999999999999999x" is reported as garbage, not as
 * merely too large.  Returns the number of digits.
 */
static int
scan_digits(const char *s, uint64_t *out, bool *overflow, const char **end)
{
	uint64_t v = 0;
	int n = 0;

	*overflow = false;
	while (is_digit(s[n])) {
		if (__builtin_mul_overflow(v, 10, &v) ||
		    __builtin_add_overflow(v, (uint64_t)(s[n] - '0'), &v))
			*overflow = true;
		n++;
	}
	*out = v;
	*end = s + n;
	return n;
}

/*
 * "123" or "1.25" (digits required on both sides of the dot), leaving
 * num->end at the unit.  Returns 0, -1 for malformed input, -2 for
 * overflow, -3 for more fraction digits than MAX_FRAC_DIGITS.
 */
static int
scan_number(const char *s, struct number *num)
{
	const char *p;
	bool overflow;

	memset(num, 0, sizeof(*num));
	if (scan_digits(s, &num->whole, &overflow, &p) == 0)
		return -1;
	if (*p == '.') {
		const char *f = p + 1, *last;
		unsigned digits = 0;

		while (is_digit(f[digits]))
			digits++;
		if (digits == 0)
			return -1;
		p = f + digits;
		/* "1.500s" is "1.5s": trailing zeros carry no precision. */
		last = f + digits;
		while (last > f && last[-1] == '0')
			last--;
		if (last - f > MAX_FRAC_DIGITS)
			return -3;
		for (const char *q = f; q < last; q++)
			num->frac = num->frac * 10 + (uint64_t)(*q - '0');
		num->frac_digits = (unsigned)(last - f);
	}
	num->end = p;
	return overflow ? -2 : 0;
}

/*
 * whole * mult + frac * mult / 10^digits.  Returns 0, -1 on overflow,
 * -2 when the result is not a whole number of base units.
 */
static int
scale(const struct number *num, uint64_t mult, uint64_t *out)
{
	uint64_t v, f, pow10 = 1;

	if (__builtin_mul_overflow(num->whole, mult, &v))
		return -1;
	if (num->frac_digits == 0) {
		*out = v;
		return 0;
	}
	for (unsigned i = 0; i < num->frac_digits; i++)
		pow10 *= 10;
	f = num->frac * mult;	/* cannot overflow, see MAX_FRAC_DIGITS */
	if (f % pow10 != 0)
		return -2;
	if (__builtin_add_overflow(v, f / pow10, &v))
		return -1;
	*out = v;
	return 0;
}

static const struct unit *
find_unit(const struct unit *units, const char *suffix)
{
	for (; units->suffix != NULL; units++)
		if (strcmp(units->suffix, suffix) == 0)
			return units;
	return NULL;
}

/* What differs between a duration and a size: words and units. */
struct quantity {
	const char *noun;		/* "duration" */
	const char *example;		/* "250ms, 3s, 1m" */
	const char *unit_hint;		/* said when the unit is unknown */
	const char *base;		/* "milliseconds" */
	const struct unit *units;
};

static const struct quantity duration = {
	"duration", "250ms, 3s, 1m",
	"expected ms, s, m or h; a bare number is seconds",
	"milliseconds", duration_units,
};

/*
 * "64K" or "16M" could mean either a power of two or of ten; guessing
 * wrong silently is worse than asking.
 */
static const struct quantity size = {
	"size", "512, 64KiB, 16MiB",
	"use KiB, MiB, GiB for powers of 1024 or kB, MB, GB for powers of 1000",
	"bytes", size_units,
};

static int
parse_quantity(const struct quantity *k, const char *text, uint64_t *out,
	       char *err, size_t errlen)
{
	const struct unit *u;
	struct number num;
	char q[DIAG_QUOTE_BUF];
	int rc;

	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty %s (expected e.g. %s)", k->noun,
			 k->example);
		return -1;
	}
	diag_quote(q, sizeof(q), text);
	rc = scan_number(text, &num);
	if (rc == -3) {
		snprintf(err, errlen, "%s %s has too many decimal places",
			 k->noun, q);
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "invalid %s %s (expected e.g. %s)",
			 k->noun, q, k->example);
		return -1;
	}
	u = find_unit(k->units, num.end);
	if (u == NULL) {
		snprintf(err, errlen, "invalid %s %s: unknown unit (%s)",
			 k->noun, q, k->unit_hint);
		return -1;
	}
	if (rc == 0)
		rc = scale(&num, u->mult, out);
	else
		rc = -1;	/* the digits alone overflowed */
	if (rc == -1) {
		snprintf(err, errlen, "%s %s is too large", k->noun, q);
		return -1;
	}
	if (rc == -2) {
		snprintf(err, errlen, "%s %s is not a whole number of %s",
			 k->noun, q, k->base);
		return -1;
	}
	return 0;
}

int
parse_duration_ms(const char *text, uint64_t *out_ms, char *err, size_t errlen)
{
	return parse_quantity(&duration, text, out_ms, err, errlen);
}

int
parse_size(const char *text, size_t *out, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_quantity(&size, text, &v, err, errlen) < 0)
		return -1;
	if (v > SIZE_MAX) {
		snprintf(err, errlen, "size '%s' is too large", text);
		return -1;
	}
	*out = (size_t)v;
	return 0;
}

int
parse_uint(const char *text, uint64_t min, uint64_t max, uint64_t *out,
	   char *err, size_t errlen)
{
	const char *end;
	char q[DIAG_QUOTE_BUF];
	bool overflow;
	uint64_t v;
	int n;

	if (text == NULL || *text == '\0') {
		snprintf(err, errlen, "empty number (expected %llu..%llu)",
			 (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	diag_quote(q, sizeof(q), text);
	n = scan_digits(text, &v, &overflow, &end);
	if (n == 0 || *end != '\0') {
		snprintf(err, errlen, "invalid number %s (expected a whole "
			 "number without sign or unit)", q);
		return -1;
	}
	/* Overflow is out of range too: the digits were all valid. */
	if (overflow || v < min || v > max) {
		snprintf(err, errlen, "number %s is out of range "
			 "(expected %llu..%llu)", q,
			 (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = v;
	return 0;
}

/* The shortest exact spelling: 90000 -> "90s", 1500 -> "1500ms". */
const char *
format_duration_ms(char *buf, size_t buflen, uint64_t ms)
{
	const uint64_t s = 1000, m = 60 * s, h = 60 * m;
	unsigned long long v = ms;

	if (v != 0 && v % h == 0)
		snprintf(buf, buflen, "%lluh", v / h);
	else if (v != 0 && v % m == 0)
		snprintf(buf, buflen, "%llum", v / m);
	else if (v % s == 0)
		snprintf(buf, buflen, "%llus", v / s);
	else
		snprintf(buf, buflen, "%llums", v);
	return buf;
}

/* The largest binary unit that spells it exactly: 65536 -> "64KiB". */
const char *
format_size(char *buf, size_t buflen, uint64_t bytes)
{
	static const char *const names[] = { "TiB", "GiB", "MiB", "KiB" };
	unsigned long long v = bytes;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		unsigned shift = 10 * (unsigned)(4 - i);

		if (v != 0 && v % (1ULL << shift) == 0) {
			snprintf(buf, buflen, "%llu%s", v >> shift, names[i]);
			return buf;
		}
	}
	snprintf(buf, buflen, "%llu", v);
	return buf;
}
