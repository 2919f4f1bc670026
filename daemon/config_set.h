/*
 * config_set.h - a load in progress, and setting one key in it.  Part of
 * the configuration loader (config_load.c), shared with config_flags.c
 * and config_check.c; not a public interface: config.h is.
 *
 * Every setting remembers where it came from, so a problem found only
 * when settings are compared can still point at a line of the file or
 * at a flag.  A value that fails to parse is marked bad and left out of
 * the cross-checks, so one typo yields one message, not a cascade.
 */
#ifndef WSPUSHD_CONFIG_SET_H
#define WSPUSHD_CONFIG_SET_H

#include <stdbool.h>

#include "wspushd/config.h"
#include "wspushd/config_keys.h"

struct loader {
	struct config *cfg;	/* the file's settings, then the result */
	struct config cli;	/* settings given as flags */
	struct diag *d;
	const char *path;	/* the -c file, NULL if none */
	int errors;
	bool in_unknown_section;
	bool unreadable;	/* the -c file could not be opened */
	unsigned line[KEY_COUNT];	/* where the file set it; 0 = not */
	bool from_cli[KEY_COUNT];
	bool bad[KEY_COUNT];		/* a value was given but rejected */
	bool bad_flag[KEY_COUNT];	/* ... and that value was a flag's */
	char *redis_password;	/* from password_file; wins over the URL's */
	enum cli_action action;
};

/* Count an error and keep its message; errors are never fatal. */
void ld_fail(struct loader *ld, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Whether the file or a flag gave the key a value (good or bad). */
bool ld_is_set(const struct loader *ld, enum key_id id);

/*
 * Where a setting came from, as a message prefix: "file:12" or
 * "command line: --url".  Settings still at their defaults have no
 * place of their own; the file as a whole (or the command line, when
 * there is no file) stands in.
 */
const char *ld_origin(const struct loader *ld, enum key_id id, char *buf,
		      size_t buflen);

/*
 * Parse value for the key id into cfg (ld->cfg for the file, &ld->cli
 * for a flag).  where is the message prefix, already naming the key
 * ("file:3: connect_timeout") or flag ("command line: --url").  Returns
 * 0, or -1 having reported what is wrong.
 */
int ld_set_value(struct loader *ld, struct config *cfg, enum key_id id,
		 const char *where, const char *value);

#endif
