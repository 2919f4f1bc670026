/*
 * fin_wait.c - see fin_wait.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "wspushd/fin_wait.h"
#include "wspushd/log.h"
#include "wspushd/watch.h"

struct fin_wait {
	lws_sorted_usec_list_t deadline;	/* first: lws_container_of */
	struct watch *watch;
	int fd;
	bool ending;		/* the watch is being removed */
	bool silent;		/* abandoned: no done() */
	void (*done)(void *);
	void *arg;
};

static void
finish(struct fin_wait *l)
{
	if (l->ending)
		return;
	l->ending = true;
	lws_sul_cancel(&l->deadline);
	watch_remove_notify(l->watch);	/* closed() follows */
}

static void
on_readable(void *arg)
{
	struct fin_wait *l = arg;
	char buf[512];

	/* Bounded: a server that keeps talking gets the deadline, not us. */
	for (int i = 0; i < 8; i++) {
		ssize_t n = read(l->fd, buf, sizeof(buf));

		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		log_debug("upstream: server closed TCP first");
		finish(l);
		return;
	}
}

static void
on_closed(void *arg)
{
	struct fin_wait *l = arg;

	/* Either we ended it, or lws saw a hang-up and closed it itself. */
	if (!l->ending)
		watch_remove(l->watch);
	lws_sul_cancel(&l->deadline);
	if (!l->silent)
		l->done(l->arg);
	free(l);
}

static const struct watch_ops fin_wait_ops = {
	.readable = on_readable,
	.closed = on_closed,
};

static void
deadline_fired(lws_sorted_usec_list_t *sul)
{
	struct fin_wait *l = lws_container_of(sul, struct fin_wait, deadline);

	log_debug("upstream: server did not close TCP in time; closing");
	finish(l);
}

struct fin_wait *
fin_wait_start(struct lws_context *ctx, struct lws_vhost *vh, int fd,
	     uint64_t timeout_ms, void (*done)(void *), void *arg)
{
	struct fin_wait *l;

	if (fd < 0 || timeout_ms == 0)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		return NULL;
	l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (l->fd < 0) {
		free(l);
		return NULL;
	}
	l->done = done;
	l->arg = arg;
	l->watch = watch_add(vh, l->fd, &fin_wait_ops, l);
	if (l->watch == NULL) {
		close(l->fd);
		free(l);
		return NULL;
	}
	lws_sul_schedule(ctx, 0, &l->deadline, deadline_fired,
			 (lws_usec_t)timeout_ms * LWS_US_PER_MS);
	return l;
}

void
fin_wait_end(struct fin_wait *l)
{
	if (l != NULL)
		finish(l);
}

void
fin_wait_abandon(struct fin_wait *l)
{
	if (l == NULL)
		return;
	l->silent = true;
	finish(l);
}
