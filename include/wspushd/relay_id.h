/*
 * relay_id.h - what a configuration relays, as names a lock can be keyed
 * by: the upstream, and each input read from Redis.
 *
 * Two daemons that relay the same input to the same upstream would send
 * every message twice.  Where their configurations live, and in which
 * order their flags came, must not matter, so the guard (lockfile.h) is
 * keyed by these names, not by a file's path.  Pure: no I/O.
 *
 * The upstream is the URL as a server sees it: scheme, host in lower
 * case, port always given, path and query.  Each input is one line:
 *
 *   channel NAME @ REDIS          (Pub/Sub ignores the database)
 *   pattern PATTERN @ REDIS
 *   stream NAME group GROUP @ REDIS/DB
 *
 * REDIS is "host:port" (host in lower case), "unix:PATH", or with
 * Sentinel "sentinel:MASTER" (whatever url says).
 */
#ifndef WSPUSHD_RELAY_ID_H
#define WSPUSHD_RELAY_ID_H

#include "wspushd/strlist.h"

struct config;

struct relay_id {
	char *upstream;
	struct strlist inputs;	/* one per channel, pattern and stream */
};

/* Fill id from cfg (a loaded configuration). */
void relay_id_build(const struct config *cfg, struct relay_id *id);
void relay_id_free(struct relay_id *id);

#endif
