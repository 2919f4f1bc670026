/*
 * config_flags.h - the command line.  Part of the configuration loader
 * (config_load.c); not a public interface: config.h is.
 *
 * Flags are parsed into a scratch config first, so -c is known and flag
 * errors come first; once the file is read, the flags that were given
 * are moved over it.  Which flags set which key is the key table's to
 * say (config_keys.h); the rest are actions (--check-config, --status,
 * --help, --version) and -c.
 */
#ifndef WSPUSHD_CONFIG_FLAGS_H
#define WSPUSHD_CONFIG_FLAGS_H

#include "wspushd/config.h"

#include "config_set.h"

/*
 * Parse argv into ld->cli, report what is wrong, set *action (also
 * ld->action).  Returns the -c argument (pointing into argv), NULL if
 * none.
 */
const char *parse_flags(struct loader *ld, int argc, char **argv,
			enum cli_action *action);

/*
 * Flags win over the file; repeatable flags replace the file's list.
 * A good flag still replaces a bad line of the file (which was
 * reported): the result is then as near as can be to what was meant.
 */
void apply_flags(struct loader *ld);

#endif
