/*
 * daemon_reload.h - SIGHUP: read the configuration again.  A bad one is
 * reported like at start (file:line, all of it) and changes nothing.  A
 * good one is applied the gentlest way each change allows (reload.h),
 * once what can still fail (the TLS vhost, DNS servers, the relay lock)
 * has succeeded.
 */
#ifndef WSPUSHD_DAEMON_RELOAD_H
#define WSPUSHD_DAEMON_RELOAD_H

struct config;
struct daemon;

void daemon_reload(struct daemon *d);

/* Where the lock files live: [daemon] runtime_dir, else /run/wspushd. */
const char *daemon_runtime_dir(const struct config *cfg);

#endif
