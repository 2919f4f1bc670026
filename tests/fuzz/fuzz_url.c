/*
 * fuzz_url.c - libFuzzer target for the URL and unit parsers.
 *
 * The input, NUL-terminated, goes to every parser in url.h and units.h.
 * Not crashing is only half of it: the parsers promise things in their
 * headers (a parsed ws:// URL has a host and a path starting with '/',
 * a failed parse leaves its output zeroed, url_redact hides exactly the
 * password the parser would use, ...) and each promise is checked here,
 * so a silent misparse is reported like a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>

#include "wspushd/units.h"
#include "wspushd/url.h"

#define ERRLEN 256
/* url.c refuses databases above this; see REDIS_MAX_DB there. */
#define REDIS_MAX_DB 1000000
#define SUN_PATH_MAX sizeof(((struct sockaddr_un *)0)->sun_path)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): checks must survive -DNDEBUG builds. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static bool
all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

static bool
has_ctl_or_space(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * A failure must say why: a non-empty reason, written into the buffer
 * (see reset_err) and fitting it.  url.h also
 * promises a single line; units.h does not, and its messages quote the
 * input, which in a config file can never hold a newline anyway.
 */
static void
check_err(const char *err, bool one_line)
{
	size_t len = strnlen(err, ERRLEN);

	CHECK(len > 0 && len < ERRLEN);
	if (one_line)
		CHECK(strchr(err, '\n') == NULL);
}

/*
 * Fill the error buffer without any NUL: finding one inside it after a
 * failure proves the parser wrote a message.
 */
static void
reset_err(char *err)
{
	memset(err, 'E', ERRLEN);
}

/* ---- units --------------------------------------------------------- */

/* Append a suffix, for the cross-checks between the three parsers. */
static char *
with_suffix(const char *text, const char *suffix)
{
	size_t a = strlen(text), b = strlen(suffix);
	char *s = malloc(a + b + 1);

	CHECK(s != NULL);
	memcpy(s, text, a);
	memcpy(s + a, suffix, b + 1);
	return s;
}

static void
fuzz_units(const char *text)
{
	char err[ERRLEN], *s;
	uint64_t v, ms, n;
	size_t sz;
	bool is_uint;

	reset_err(err);
	if (parse_duration_ms(text, &ms, err, sizeof(err)) < 0)
		check_err(err, false);
	reset_err(err);
	if (parse_size(text, &sz, err, sizeof(err)) < 0)
		check_err(err, false);

	reset_err(err);
	is_uint = parse_uint(text, 0, UINT64_MAX, &v, err, sizeof(err)) == 0;
	if (!is_uint) {
		check_err(err, false);
	} else {
		/* Strict: digits only, no sign, space or unit. */
		CHECK(*text != '\0' && strspn(text, "0123456789") ==
		      strlen(text));
		/* Range limits are inclusive at both ends. */
		CHECK(parse_uint(text, v, v, &n, NULL, 0) == 0 && n == v);
		if (v > 0)
			CHECK(parse_uint(text, 0, v - 1, &n, NULL, 0) < 0);
		if (v < UINT64_MAX)
			CHECK(parse_uint(text, v + 1, UINT64_MAX, &n,
					 NULL, 0) < 0);
	}
	/* Parsing must not depend on there being room for a message. */
	CHECK((parse_uint(text, 0, UINT64_MAX, &n, NULL, 0) == 0) == is_uint);

	/*
	 * The three parsers share a number scanner, so a plain number must
	 * mean the same to each: bytes to parse_size, seconds to a bare
	 * duration, and the named unit once a suffix is added.
	 */
	if (!is_uint)
		return;
	CHECK(parse_size(text, &sz, NULL, 0) == 0 && sz == v);
	if (v <= UINT64_MAX / 1000)
		CHECK(parse_duration_ms(text, &ms, NULL, 0) == 0 &&
		      ms == v * 1000);
	else
		CHECK(parse_duration_ms(text, &ms, NULL, 0) < 0);

	s = with_suffix(text, "ms");
	CHECK(parse_duration_ms(s, &ms, NULL, 0) == 0 && ms == v);
	free(s);
	s = with_suffix(text, "h");
	if (v <= UINT64_MAX / 3600000)
		CHECK(parse_duration_ms(s, &ms, NULL, 0) == 0 &&
		      ms == v * 3600000);
	else
		CHECK(parse_duration_ms(s, &ms, NULL, 0) < 0);
	free(s);
	s = with_suffix(text, "KiB");
	if (v <= (UINT64_MAX >> 10))
		CHECK(parse_size(s, &sz, NULL, 0) == 0 && sz == v << 10);
	else
		CHECK(parse_size(s, &sz, NULL, 0) < 0);
	free(s);
	/* Ambiguous units are refused, whatever the number. */
	s = with_suffix(text, "K");
	CHECK(parse_size(s, &sz, NULL, 0) < 0);
	free(s);
	s = with_suffix(text, ".5s");
	if (v <= (UINT64_MAX - 500) / 1000)
		CHECK(parse_duration_ms(s, &ms, NULL, 0) == 0 &&
		      ms == v * 1000 + 500);
	else
		CHECK(parse_duration_ms(s, &ms, NULL, 0) < 0);
	free(s);
}

/* ---- ws:// --------------------------------------------------------- */

/* What url_redact makes of text, in a buffer that never truncates. */
static char *
redacted(const char *text)
{
	size_t n = strlen(text) + 8;
	char *out = malloc(n);

	CHECK(out != NULL);
	url_redact(text, out, n);
	CHECK(strnlen(out, n) < n);
	return out;
}

/*
 * Spelling a parsed URL out again, in full, must give the same URL:
 * the parser split it where the rebuilt text says it did.
 */
static void
check_ws_round_trip(const struct ws_url *u)
{
	char err[ERRLEN], *text;
	bool v6 = strchr(u->host, ':') != NULL;
	struct ws_url r;

	if (asprintf(&text, "%s://%s%s%s:%u%s", u->tls ? "wss" : "ws",
		     v6 ? "[" : "", u->host, v6 ? "]" : "",
		     (unsigned)u->port, u->path) < 0)
		abort();
	reset_err(err);
	if (ws_url_parse(text, &r, err, sizeof(err)) < 0) {
		check_err(err, true);
		fprintf(stderr, "rebuilt '%s' is refused: %s\n", text, err);
		abort();
	}
	CHECK(r.tls == u->tls && r.port == u->port);
	CHECK(strcmp(r.host, u->host) == 0 && strcmp(r.path, u->path) == 0);
	ws_url_free(&r);
	free(text);
}

static void
fuzz_ws(const char *text)
{
	char err[ERRLEN], *out;
	struct ws_url u;
	size_t n;

	memset(&u, 0xa5, sizeof(u));
	reset_err(err);
	if (ws_url_parse(text, &u, err, sizeof(err)) < 0) {
		check_err(err, true);
		CHECK(all_zero(&u, sizeof(u)));
		ws_url_free(&u);	/* must be harmless on a zeroed struct */
		return;
	}
	CHECK(u.host != NULL && u.host[0] != '\0');
	CHECK(strpbrk(u.host, "[]/?#@") == NULL);
	CHECK(!has_ctl_or_space(u.host));
	CHECK(u.path != NULL && u.path[0] == '/');
	CHECK(!has_ctl_or_space(u.path) && strchr(u.path, '#') == NULL);
	CHECK(u.port != 0);
	/* The scheme decides TLS: ws:// or wss://, any case. */
	n = strcspn(text, ":");
	CHECK((n == 3 && strncasecmp(text, "wss", 3) == 0) == u.tls);
	CHECK((n == 2 && strncasecmp(text, "ws", 2) == 0) == !u.tls);
	/* Without an explicit port the scheme's default applies. */
	if (strchr(u.host, ':') == NULL && strstr(text, "]:") == NULL &&
	    memchr(text + n + 3, ':', strcspn(text + n + 3, "/?")) == NULL)
		CHECK(u.port == (u.tls ? 443 : 80));
	check_ws_round_trip(&u);
	/* Credentials are refused, so there is nothing to hide. */
	out = redacted(text);
	CHECK(strcmp(out, text) == 0);
	free(out);
	ws_url_free(&u);
	CHECK(u.host == NULL && u.path == NULL);
}

/* ---- redis:// and unix:// ------------------------------------------ */

/*
 * Where the password is in a URL that redis_url_parse accepted, found
 * the way url.h describes it: after the first ':' of the userinfo,
 * which ends at the last '@' of a redis:// URL, or at the '@' just
 * before the socket path of a unix:// URL.  Sets *start and *len to
 * the raw (still percent-encoded) bytes; false if there is none.
 */
static bool
find_password(const char *text, const struct redis_url *u, size_t *start,
	      size_t *len)
{
	const char *auth = strstr(text, "://"), *end, *colon;

	CHECK(auth != NULL);
	auth += 3;
	if (u->transport == REDIS_TCP) {
		end = strrchr(auth, '@');
	} else {
		const char *slash = strchr(auth, '/');

		CHECK(slash != NULL);
		end = slash > auth && slash[-1] == '@' ? slash - 1 : NULL;
	}
	if (end == NULL)
		return false;
	colon = memchr(auth, ':', (size_t)(end - auth));
	if (colon == NULL)
		return false;
	*start = (size_t)(colon + 1 - text);
	*len = (size_t)(end - colon - 1);
	return true;
}

static bool
redis_url_equal(const struct redis_url *a, const struct redis_url *b)
{
	if (a->transport != b->transport || a->port != b->port ||
	    a->db != b->db)
		return false;
	if ((a->host == NULL) != (b->host == NULL) ||
	    (a->host != NULL && strcmp(a->host, b->host) != 0))
		return false;
	if ((a->socket_path == NULL) != (b->socket_path == NULL) ||
	    (a->socket_path != NULL &&
	     strcmp(a->socket_path, b->socket_path) != 0))
		return false;
	if ((a->user == NULL) != (b->user == NULL) ||
	    (a->user != NULL && strcmp(a->user, b->user) != 0))
		return false;
	return true;
}

/* As check_ws_round_trip, without the credentials. */
static void
check_redis_round_trip(const struct redis_url *u)
{
	char err[ERRLEN], *text;
	struct redis_url r, want = *u;
	int rc;

	if (u->transport == REDIS_TCP) {
		bool v6 = strchr(u->host, ':') != NULL;

		rc = asprintf(&text, "redis://%s%s%s:%u/%d", v6 ? "[" : "",
			      u->host, v6 ? "]" : "", (unsigned)u->port, u->db);
	} else {
		rc = asprintf(&text, "unix://%s?db=%d", u->socket_path, u->db);
	}
	if (rc < 0)
		abort();
	reset_err(err);
	if (redis_url_parse(text, &r, err, sizeof(err)) < 0) {
		check_err(err, true);
		fprintf(stderr, "rebuilt '%s' is refused: %s\n", text, err);
		abort();
	}
	want.user = NULL;
	CHECK(redis_url_equal(&want, &r));
	CHECK(r.password == NULL);
	redis_url_free(&r);
	free(text);
}

/*
 * url_redact must hide whatever the parser takes as the password, and
 * nothing that would change the address: re-parsing the redacted text
 * gives the same URL with "***" as its password.  The literal check
 * (the password's text is gone from the output) is done only when it
 * cannot also occur legitimately, i.e. it is not part of what the
 * output is supposed to look like.
 */
static void
check_redaction(const char *text, const struct redis_url *u)
{
	size_t start, len;
	char err[ERRLEN], *out, *expect;
	struct redis_url r;

	out = redacted(text);

	if (u->password == NULL || !find_password(text, u, &start, &len)) {
		/* No password: nothing to hide, nothing to change. */
		CHECK(u->password == NULL);
		CHECK(strcmp(out, text) == 0);
		free(out);
		return;
	}
	CHECK(len > 0);
	if (asprintf(&expect, "%.*s***%s", (int)start, text,
		     text + start + len) < 0)
		abort();
	if (strstr(expect, u->password) == NULL) {
		if (strstr(out, u->password) != NULL) {
			fprintf(stderr, "url_redact leaks the password "
				"(%zu bytes) of an accepted URL: got '%s', "
				"expected '%s'\n", strlen(u->password), out,
				expect);
			abort();
		}
	}
	CHECK(strcmp(out, expect) == 0);
	free(expect);

	reset_err(err);
	CHECK(redis_url_parse(out, &r, err, sizeof(err)) == 0);
	CHECK(redis_url_equal(u, &r));
	CHECK(r.password != NULL && strcmp(r.password, "***") == 0);
	redis_url_free(&r);
	free(out);
}

static void
fuzz_redis(const char *text)
{
	char err[ERRLEN];
	struct redis_url u;

	memset(&u, 0xa5, sizeof(u));
	reset_err(err);
	if (redis_url_parse(text, &u, err, sizeof(err)) < 0) {
		check_err(err, true);
		CHECK(all_zero(&u, sizeof(u)));
		redis_url_free(&u);
		return;
	}
	CHECK(u.db >= 0 && u.db <= REDIS_MAX_DB);
	if (u.transport == REDIS_TCP) {
		CHECK(u.host != NULL && u.host[0] != '\0');
		CHECK(strpbrk(u.host, "[]/?#@") == NULL);
		CHECK(!has_ctl_or_space(u.host));
		CHECK(u.port != 0);
		CHECK(u.socket_path == NULL);
	} else {
		CHECK(u.transport == REDIS_UNIX);
		CHECK(u.host == NULL && u.port == 0);
		CHECK(u.socket_path != NULL && u.socket_path[0] == '/');
		CHECK(strlen(u.socket_path) >= 2);
		CHECK(strlen(u.socket_path) < SUN_PATH_MAX);
		CHECK(strpbrk(u.socket_path, "?#") == NULL);
	}
	/* AUTH needs a password; a user name alone is never kept. */
	CHECK(u.password == NULL || u.password[0] != '\0');
	CHECK(u.user == NULL || (u.user[0] != '\0' && u.password != NULL));
	check_redis_round_trip(&u);
	check_redaction(text, &u);
	redis_url_free(&u);
	CHECK(all_zero(&u, sizeof(u)));
}

/* ---- url_redact on anything ---------------------------------------- */

/*
 * Every buffer size, including ones that cut the output short, must
 * give a NUL-terminated string that fits.  Each buffer is allocated to
 * its exact size so ASan sees a write past it.
 */
static void
fuzz_redact_sizes(const char *text)
{
	const size_t sizes[] = { 1, 2, 4, 9, 12, 32, 4200 };
	size_t full = strlen(text) + 8;
	char guard = 'G';

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i] < full ? sizes[i] : full;
		char *out = malloc(n);

		CHECK(out != NULL);
		memset(out, 'X', n);
		url_redact(text, out, n);
		CHECK(strnlen(out, n) < n);
		free(out);
	}
	/* outlen 0 must not write at all. */
	url_redact(text, &guard, 0);
	CHECK(guard == 'G');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Exact-size copy: a read past the terminator is an ASan report. */
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	fuzz_units(text);
	fuzz_ws(text);
	fuzz_redis(text);
	fuzz_redact_sizes(text);

	free(text);
	return 0;
}
