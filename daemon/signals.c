/*
 * signals.c - see signals.h.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "wspushd/log.h"
#include "wspushd/signals.h"
#include "wspushd/watch.h"

struct signals {
	int fd;
	struct watch *watch;
	void (*on_signal)(void *, int);
	void *arg;
};

static void
fill_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
}

int
signals_block(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigset_t set;

	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	fill_set(&set);
	return sigprocmask(SIG_BLOCK, &set, NULL) < 0 ? -1 : 0;
}

static void
on_readable(void *arg)
{
	struct signals *s = arg;
	struct signalfd_siginfo si;

	/* Bounded: a signal storm cannot keep us here for long. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(s->fd, &si, sizeof(si));

		if (n != (ssize_t)sizeof(si)) {
			if (n < 0 && errno != EAGAIN && errno != EINTR)
				log_warn("signalfd read");
			return;
		}
		s->on_signal(s->arg, (int)si.ssi_signo);
	}
}

static const struct watch_ops signal_ops = {
	.readable = on_readable,
};

struct signals *
signals_watch(struct lws_vhost *vh, void (*on_signal)(void *, int), void *arg)
{
	struct signals *s;
	sigset_t set;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return NULL;
	fill_set(&set);
	s->fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->fd < 0)
		goto fail;
	s->on_signal = on_signal;
	s->arg = arg;
	s->watch = watch_add(vh, s->fd, &signal_ops, s);
	if (s->watch == NULL)
		goto fail;
	return s;	/* the watch owns s->fd from here */
fail:
	if (s->fd >= 0)
		close(s->fd);
	free(s);
	return NULL;
}

void
signals_free(struct signals *s)
{
	if (s == NULL)
		return;
	watch_remove(s->watch);	/* closes s->fd */
	free(s);
}
