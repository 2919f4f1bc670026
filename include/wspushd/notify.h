/*
 * notify.h - talking to the service manager (sd_notify(3)).
 *
 * READY=1 once configured and subscribed, STATUS= as things change,
 * WATCHDOG=1 from the event loop itself (so a stuck loop is what gets
 * the service restarted), STOPPING=1 and RELOADING=1 as they happen.
 * Without $NOTIFY_SOCKET every call is a cheap no-op.
 */
#ifndef WSPUSHD_NOTIFY_H
#define WSPUSHD_NOTIFY_H

#include <stdbool.h>

#include <libwebsockets.h>

struct notify;

/* Starts the watchdog timer if the manager asked for one. */
struct notify *notify_new(struct lws_context *ctx);
void notify_free(struct notify *n);	/* before lws_context_destroy() */

/* Whether there is a service manager to tell ($NOTIFY_SOCKET). */
bool notify_enabled(const struct notify *n);
void notify_ready(struct notify *n);	/* once; later calls do nothing */
void notify_status(struct notify *n, const char *status);	/* if changed */
void notify_stopping(struct notify *n);
void notify_reloading(struct notify *n);
void notify_reloaded(struct notify *n);	/* READY=1 again, if it was ready */

#endif
