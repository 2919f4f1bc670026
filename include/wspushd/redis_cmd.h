/*
 * redis_cmd.h - the command connection: a second, unsubscribed Redis
 * connection for what a subscribed hiredis 0.14 connection cannot carry
 * (PING, the status writes, later stream commands).
 *
 * It opens on first use, and only while its owner allows it: redis_sub
 * enables it once subscribed (at the subscription's address), closes it
 * when the subscription goes down, and at shutdown disables it (the open
 * connection stays for the last status writes; no new one is made).  A
 * connection that fails is dropped and made again on the next command:
 * a protocol error is logged as a warning, a hang-up at debug (the
 * subscription reports that Redis went away, and PING's deadline judges
 * a Redis that stopped answering).
 *
 * Lifetimes: every command's callback runs exactly once, with the reply,
 * or with NULL when the connection is gone first (closed, failed, or
 * freed by redis_cmd_free()).  So whatever `arg` points to must outlive
 * the command connection, or be something a NULL reply does not touch:
 * at exit status_pub is freed before the Redis connections, and its
 * commands carry records that live as long as the process.
 */
#ifndef WSPUSHD_REDIS_CMD_H
#define WSPUSHD_REDIS_CMD_H

#include <stddef.h>
#include <stdint.h>

#include "wspushd/redis_link.h"	/* enum redis_link_kind */

struct config;
struct lws_vhost;
struct redis_cmd;


/*
 * cfg must outlive the module, and stay at the same address on reload;
 * so must endpoint, the owner's redacted name of Redis, for the logs.
 */
struct redis_cmd *redis_cmd_new(struct lws_vhost *vh, const struct config *cfg,
				const char *endpoint, enum redis_link_kind kind);
/* Closes the connection: callbacks still pending run with NULL. */
void redis_cmd_free(struct redis_cmd *c);

/*
 * From now on the first command opens a connection to address (numeric)
 * and port (0: cfg's).
 */
void redis_cmd_enable(struct redis_cmd *c, const char *address, uint16_t port);
/* A Sentinel, not a Redis: no AUTH or SELECT first. */
void redis_cmd_set_bare(struct redis_cmd *c);
/* No new connection; one that is open stays and carries commands. */
void redis_cmd_disable(struct redis_cmd *c);
/* Disable, and close the open connection. */
void redis_cmd_close(struct redis_cmd *c);

/*
 * Send a command, opening the connection if there is none and it is
 * enabled.  The arguments are copied.  0, or -1 when it cannot go (no
 * connection allowed, or it failed): fn is then never called.  fn may
 * be NULL.  May be called from inside any redis callback.
 */
int redis_cmd_send(struct redis_cmd *c, redis_reply_fn *fn, void *arg,
		   int argc, const char **argv, const size_t *lens);

/*
 * Before exit: write what hiredis still buffers (the last XACKs, the
 * last status), as far as the socket takes it now.
 */
void redis_cmd_flush(struct redis_cmd *c);

/* A reload: cfg is the configuration from now on (its limits at once). */
void redis_cmd_reconfigure(struct redis_cmd *c, const struct config *cfg);

#endif
