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
	watch_remove_notify(l->watch);	/* closed() follows */
}

static void
on_readable(void *arg)
{
	struct fin_wait *l = arg;
	char buf[512];

	/* Bounded: a server that keeps talking meets the owner's deadline. */
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
	if (!l->silent)
		l->done(l->arg);
	free(l);
}

static const struct watch_ops fin_wait_ops = {
	.readable = on_readable,
	.closed = on_closed,
};

struct fin_wait *
fin_wait_start(struct lws_vhost *vh, int fd, void (*done)(void *), void *arg)
{
	struct fin_wait *l;

	if (fd < 0)
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
