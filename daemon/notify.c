/*
 * notify.c - see notify.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

#include "wspushd/log.h"
#include "wspushd/notify.h"

struct notify {
	lws_sorted_usec_list_t watchdog;	/* first: lws_container_of */
	struct lws_context *ctx;
	uint64_t watchdog_usec;		/* 0: no watchdog */
	bool enabled;			/* $NOTIFY_SOCKET is set */
	bool ready;
	char status[256];		/* last STATUS= sent */
};

static void
send_state(struct notify *n, const char *state)
{
	int r;

	if (!n->enabled)
		return;
	r = sd_notify(0, state);
	if (r < 0)
		log_debug("sd_notify(%s): %s", state, strerror(-r));
}

static void
watchdog_fired(lws_sorted_usec_list_t *sul)
{
	struct notify *n = lws_container_of(sul, struct notify, watchdog);

	/*
	 * This runs on the loop, so the keep-alive stops when the loop
	 * stops: a hung daemon is restarted instead of being kept alive by
	 * a thread that knows nothing.
	 */
	send_state(n, "WATCHDOG=1");
	lws_sul_schedule(n->ctx, 0, &n->watchdog, watchdog_fired,
			 (lws_usec_t)(n->watchdog_usec / 2));
}

bool
notify_enabled(const struct notify *n)
{
	return n != NULL && n->enabled;
}

struct notify *
notify_new(struct lws_context *ctx)
{
	struct notify *n = calloc(1, sizeof(*n));
	uint64_t usec = 0;

	if (n == NULL)
		return NULL;
	n->ctx = ctx;
	n->enabled = getenv("NOTIFY_SOCKET") != NULL;
	if (n->enabled && sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		n->watchdog_usec = usec;
		log_debug("watchdog every %llums", (unsigned long long)(usec / 1000));
		watchdog_fired(&n->watchdog);
	}
	return n;
}

void
notify_free(struct notify *n)
{
	if (n == NULL)
		return;
	lws_sul_cancel(&n->watchdog);
	free(n);
}

void
notify_ready(struct notify *n)
{
	if (n->ready)
		return;
	n->ready = true;
	send_state(n, "READY=1");
}

void
notify_status(struct notify *n, const char *status)
{
	char msg[sizeof(n->status) + 8];

	if (!n->enabled || strcmp(status, n->status) == 0)
		return;
	snprintf(n->status, sizeof(n->status), "%s", status);
	snprintf(msg, sizeof(msg), "STATUS=%s", n->status);
	send_state(n, msg);
}

void
notify_stopping(struct notify *n)
{
	send_state(n, "STOPPING=1");
}

void
notify_reloading(struct notify *n)
{
	send_state(n, "RELOADING=1");
}

void
notify_reloaded(struct notify *n)
{
	/* Before the first READY=1 a reload must not claim readiness. */
	if (n->ready)
		send_state(n, "READY=1");
}
