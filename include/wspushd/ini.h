/*
 * ini.h - the small INI dialect wspushd's config file is written in.
 *
 *	# comment			(also ';', only at the start of a line)
 *	[section]
 *	key = value			(whitespace around key and value trimmed)
 *	key = "  kept  "		(one outer pair of quotes removed)
 *	key = a;b#c			(no inline comments: ';' and '#' are data)
 *
 * Lines may be of any length, a UTF-8 byte order mark at the start of
 * the file is skipped, and CRLF line ends are accepted.  Keys may repeat;
 * the handler sees each occurrence in file order.
 */
#ifndef WSPUSHD_INI_H
#define WSPUSHD_INI_H

#include <stdio.h>

struct diag;

/*
 * Called for every "key = value" with the current section ("" before
 * the first header), and once per section header with key and value
 * NULL, so the caller can complain about an unknown section exactly
 * once, at its own line.  Return 0 if the entry was fine, non-zero if
 * the handler reported a problem (to its own diag); parsing goes on
 * either way.
 */
typedef int (*ini_handler)(void *user, const char *section, const char *key,
			   const char *value, unsigned line);

/*
 * Syntax errors go to d as "name:line: what is wrong" and parsing goes on
 * with the next line; keys under a malformed section header are skipped
 * since they belong to no section that can be named.  Returns 0 when
 * the file was read without syntax errors and every handler call
 * returned 0, -1 otherwise (including "path: cannot open: ...").
 */
int ini_parse_file(const char *path, ini_handler handler, void *user,
		   struct diag *d);

/* Same, reading an open stream; name prefixes the messages. */
int ini_parse_stream(FILE *fp, const char *name, ini_handler handler,
		     void *user, struct diag *d);

#endif
