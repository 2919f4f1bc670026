/*
 * listener.c - see listener.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "wspushd/fdlimit.h"
#include "wspushd/listener.h"
#include "wspushd/log.h"
#include "wspushd/watch.h"

/*
 * Connections the kernel queues for us.  The owners are small servers
 * (a scraper or two); a longer queue would only hold clients that are
 * refused anyway.
 */
#define LISTENER_BACKLOG 16

/* Accepts per wakeup, so a flood of connections cannot hold the loop. */
#define ACCEPT_BATCH 8

enum listener_state {
	LISTENER_ACCEPTING,	/* watched for reads */
	LISTENER_WAITING,	/* accept() had no descriptor: not watched,
				   the retry timer armed */
	LISTENER_CLOSED,	/* lws dropped the socket: nothing to do */
};

struct listener {
	struct lws_context *ctx;
	struct watch *watch;		/* owns the socket; NULL once lws closed it */
	int fd;				/* the socket, to accept() on */
	enum listener_state state;
	lws_sorted_usec_list_t retry;	/* armed only while WAITING */
	unsigned reserve;		/* descriptors never given to a client */
	listener_accepted_fn accepted;
	void *arg;
	char name[32];			/* "metrics" */
	char where[64];			/* "127.0.0.1:9477" */
	struct log_repeat short_log;	/* one line per shortage, not per refusal */
};

static void accept_some(struct listener *l);

/*
 * accept() failures that belong to the one connection (it was reset
 * while queued, or a network error was pending on it): the next one in
 * the queue may be fine.
 */
static bool
connection_error(int e)
{
	switch (e) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return true;
	default:
		return false;
	}
}

static void
retry_now(lws_sorted_usec_list_t *sul)
{
	struct listener *l = lws_container_of(sul, struct listener, retry);

	l->state = LISTENER_ACCEPTING;
	watch_want_read(l->watch, true);
	accept_some(l);
}

/*
 * accept() itself failed, and trying again at once would fail the same
 * way: that is the busy loop lws' own listener falls into.  Stop
 * watching the socket; the connection waits in the kernel's queue.
 */
static void
wait_for_room(struct listener *l, int e)
{
	log_repeated(&l->short_log, LOG_WARNING,
		     "%s: cannot accept on %s: %s; not accepting for a while",
		     l->name, l->where,
		     e == EMFILE || e == ENFILE ? "out of descriptors" : strerror(e));
	l->state = LISTENER_WAITING;
	watch_want_read(l->watch, false);
	lws_sul_schedule(l->ctx, 0, &l->retry, retry_now,
			 (lws_usec_t)LISTENER_RETRY_MS * LWS_US_PER_MS);
}

/* With the connection just accepted open, are `reserve` descriptors left? */
static bool
room_after(struct listener *l)
{
	int64_t left = fdlimit_left();

	if (left < 0) {
		/* No /proc: without a count, EMFILE is the only guard left. */
		log_debug("%s: cannot count open descriptors (%s); accepting "
			  "regardless", l->name, strerror((int)-left));
		return true;
	}
	if ((uint64_t)left >= l->reserve)
		return true;
	log_repeated(&l->short_log, LOG_WARNING,
		     "%s: out of descriptors: fewer than %u left below the limit "
		     "of %llu, kept for the upstream and Redis; refusing "
		     "connections on %s until more are free", l->name,
		     l->reserve, (unsigned long long)fdlimit_soft(), l->where);
	return false;
}

/* A connection was taken: a shortage logged before is over. */
static void
shortage_over(struct listener *l)
{
	if (l->short_log.last[0] == '\0')
		return;
	log_repeat_reset(&l->short_log, LOG_WARNING);
	log_notice("%s: accepting connections on %s again", l->name, l->where);
}

static void
accept_some(struct listener *l)
{
	for (int i = 0; i < ACCEPT_BATCH && l->state == LISTENER_ACCEPTING; i++) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (connection_error(errno))
				continue;
			/*
			 * EMFILE, ENFILE, ENOBUFS, ENOMEM, or something
			 * stranger (EPERM from a firewall): none goes away by
			 * asking again at once.
			 */
			wait_for_room(l, errno);
			return;
		}
		if (!room_after(l)) {
			close(fd);
			continue;
		}
		shortage_over(l);
		l->accepted(l->arg, fd);
	}
}

static void
on_readable(void *arg)
{
	struct listener *l = arg;

	if (l->state == LISTENER_ACCEPTING)
		accept_some(l);
}

static void
on_closed(void *arg)
{
	struct listener *l = arg;

	/* A listening socket hangs up only if something is badly wrong. */
	log_err("%s: the listening socket on %s was closed; no longer serving",
		l->name, l->where);
	lws_sul_cancel(&l->retry);
	/* lws has let go of it; ours to free now. */
	watch_remove(l->watch);
	l->watch = NULL;
	l->fd = -1;
	l->state = LISTENER_CLOSED;
}

static const struct watch_ops listener_ops = {
	.readable = on_readable,
	.closed = on_closed,
};

static int
open_socket(const struct sockaddr *sa, socklen_t salen)
{
	int fd, one = 1, e;

	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* As lws did: a port with connections in TIME_WAIT is not taken. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, sa, salen) < 0 || listen(fd, LISTENER_BACKLOG) < 0) {
		e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

struct listener *
listener_new(struct lws_context *ctx, struct lws_vhost *vh,
	     const struct sockaddr *sa, socklen_t salen, const char *name,
	     const char *where, unsigned reserve, listener_accepted_fn accepted,
	     void *arg, char *err, size_t errlen)
{
	struct listener *l = calloc(1, sizeof(*l));
	int fd;

	if (l == NULL) {
		snprintf(err, errlen, "cannot listen on %s: out of memory", where);
		return NULL;
	}
	fd = open_socket(sa, salen);
	if (fd < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", where, strerror(-fd));
		free(l);
		errno = -fd;	/* for the caller: EADDRINUSE, say */
		return NULL;
	}
	l->ctx = ctx;
	l->fd = fd;
	l->state = LISTENER_ACCEPTING;
	l->reserve = reserve;
	l->accepted = accepted;
	l->arg = arg;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->where, sizeof(l->where), "%s", where);
	l->watch = watch_add(vh, fd, &listener_ops, l);
	if (l->watch == NULL) {
		snprintf(err, errlen, "cannot listen on %s: cannot put the socket "
			 "on the event loop", where);
		close(fd);
		free(l);
		return NULL;
	}
	return l;
}

void
listener_room(struct listener *l)
{
	if (l == NULL || l->state != LISTENER_WAITING)
		return;
	/*
	 * Not accept() here: the caller may be inside lws' close of the
	 * connection that frees the descriptor.  The next poll() says
	 * whether anyone is waiting.
	 */
	lws_sul_cancel(&l->retry);
	l->state = LISTENER_ACCEPTING;
	watch_want_read(l->watch, true);
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	lws_sul_cancel(&l->retry);
	watch_remove(l->watch);	/* closes the socket on lws' next turn */
	free(l);
}
