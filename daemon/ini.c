/*
 * ini.c - a strict little INI reader.
 *
 * Debian's libinih is built with a 200-byte line limit and treats ';'
 * as the start of an inline comment, so "header = Authorization: Bearer
 * abc;def" or any long token would be cut short without a word.  This
 * reader has neither problem: lines come from getline(), and comments
 * exist only as whole lines.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/diag.h"
#include "wspushd/ini.h"

struct ini_state {
	const char *name;
	ini_handler handler;
	void *user;
	struct diag *d;
	char *section;		/* current section, "" before the first */
	bool section_bad;	/* last header was malformed: skip its keys */
	int errors;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *
trim(char *s)
{
	char *end;

	while (is_blank(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_blank(end[-1]))
		end--;
	*end = '\0';
	return s;
}

static int
set_section(struct ini_state *st, const char *name)
{
	char *copy = strdup(name);

	if (copy == NULL)
		return -1;
	free(st->section);
	st->section = copy;
	st->section_bad = false;
	return 0;
}

/* "[name]", already trimmed. */
static void
parse_header(struct ini_state *st, char *line, unsigned lineno)
{
	size_t len = strlen(line);
	char *name;

	if (len < 2 || line[len - 1] != ']') {
		diag_add(st->d, "%s:%u: unterminated section header "
			 "(expected '[name]' alone on the line)",
			 st->name, lineno);
		goto bad;
	}
	line[len - 1] = '\0';
	name = trim(line + 1);
	if (*name == '\0') {
		diag_add(st->d, "%s:%u: empty section name", st->name, lineno);
		goto bad;
	}
	if (strpbrk(name, "[]") != NULL) {
		diag_add(st->d, "%s:%u: invalid section name '%s'",
			 st->name, lineno, name);
		goto bad;
	}
	if (set_section(st, name) < 0) {
		diag_add(st->d, "%s:%u: out of memory", st->name, lineno);
		goto bad;
	}
	if (st->handler(st->user, st->section, NULL, NULL, lineno) != 0)
		st->errors++;
	return;

bad:
	st->errors++;
	st->section_bad = true;
}

/*
 * A value wrapped in double quotes keeps its inner whitespace.  Nothing
 * inside is interpreted: there are no escapes, so a value that needs a
 * literal quote at both ends is written with an extra pair.
 */
static int
unquote(char **value)
{
	char *v = *value;
	size_t len = strlen(v);

	if (v[0] != '"')
		return 0;
	if (len < 2 || v[len - 1] != '"')
		return -1;
	v[len - 1] = '\0';
	*value = v + 1;
	return 0;
}

static void
parse_pair(struct ini_state *st, char *line, unsigned lineno)
{
	char *eq = strchr(line, '='), *key, *value;

	if (eq == NULL) {
		diag_add(st->d, "%s:%u: expected 'key = value', '[section]' "
			 "or a comment", st->name, lineno);
		st->errors++;
		return;
	}
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	if (*key == '\0') {
		diag_add(st->d, "%s:%u: missing key before '='",
			 st->name, lineno);
		st->errors++;
		return;
	}
	if (unquote(&value) < 0) {
		diag_add(st->d, "%s:%u: %s: unterminated quoted value",
			 st->name, lineno, key);
		st->errors++;
		return;
	}
	if (st->section_bad)
		return;
	if (st->handler(st->user, st->section, key, value, lineno) != 0)
		st->errors++;
}

static void
parse_line(struct ini_state *st, char *line, size_t len, unsigned lineno)
{
	if (lineno == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	/* A NUL would silently cut the value short; say so instead. */
	if (memchr(line, '\0', len) != NULL) {
		diag_add(st->d, "%s:%u: line contains a NUL byte",
			 st->name, lineno);
		st->errors++;
		return;
	}
	if (len > 0 && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		line[--len] = '\0';

	line = trim(line);
	if (*line == '\0' || *line == '#' || *line == ';')
		return;
	if (*line == '[')
		parse_header(st, line, lineno);
	else
		parse_pair(st, line, lineno);
}

int
ini_parse_stream(FILE *fp, const char *name, ini_handler handler, void *user,
		 struct diag *d)
{
	struct ini_state st = {
		.name = name,
		.handler = handler,
		.user = user,
		.d = d,
	};
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned lineno = 0;

	if (set_section(&st, "") < 0) {
		diag_add(d, "%s: out of memory", name);
		return -1;
	}
	errno = 0;
	while ((n = getline(&line, &cap, fp)) >= 0)
		parse_line(&st, line, (size_t)n, ++lineno);
	if (ferror(fp)) {
		diag_add(d, "%s: read error: %s", name,
			 strerror(errno != 0 ? errno : EIO));
		st.errors++;
	}
	free(line);
	free(st.section);
	return st.errors == 0 ? 0 : -1;
}

int
ini_parse_file(const char *path, ini_handler handler, void *user,
	       struct diag *d)
{
	FILE *fp;
	int rc;

	fp = fopen(path, "re");
	if (fp == NULL) {
		diag_add(d, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	rc = ini_parse_stream(fp, path, handler, user, d);
	fclose(fp);
	return rc;
}
