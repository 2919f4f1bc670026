/*
 * config_check.h - what is checked once the file and the flags are in:
 * settings compared with each other, required ones present, and the
 * defaults that depend on the environment filled in.  Part of the
 * configuration loader (config_load.c); not a public interface.
 */
#ifndef WSPUSHD_CONFIG_CHECK_H
#define WSPUSHD_CONFIG_CHECK_H

#include "config_set.h"

void config_check(struct loader *ld);

#endif
