/*
 * ares_loop.c - see ares_loop.h.
 */
#include <stdbool.h>
#include <stdlib.h>

#include <libwebsockets.h>

#include "wspushd/ares_loop.h"
#include "wspushd/log.h"
#include "wspushd/watch.h"

/* One of c-ares' sockets, as its socket-state callback described it. */
struct ares_sock {
	struct ares_sock *next;
	struct ares_loop *l;
	int fd;			/* c-ares' own; c-ares closes it */
	struct watch *watch;	/* watch_lend() of fd */
	bool want_write;	/* as c-ares last said */
	bool write_armed;	/* watch_want_write() pending */
};

struct ares_loop {
	struct lws_context *ctx;
	struct lws_vhost *vh;
	ares_channel ch;
	struct ares_sock *socks;
	lws_sorted_usec_list_t timer;	/* c-ares' own retry timer */
	void (*on_error)(void *arg);
	void *arg;
};

static void
on_readable(void *arg)
{
	struct ares_sock *s = arg;
	struct ares_loop *l = s->l;

	/* c-ares may close the socket, and so free s, in here. */
	ares_process_fd(l->ch, s->fd, ARES_SOCKET_BAD);
	ares_loop_sync(l);
}

static void
on_writable(void *arg)
{
	struct ares_sock *s = arg;
	struct ares_loop *l = s->l;

	s->write_armed = false;
	ares_process_fd(l->ch, ARES_SOCKET_BAD, s->fd);
	ares_loop_sync(l);
}

/* The watch gave up; c-ares' own timers end what waits on the socket. */
static void
on_closed(void *arg)
{
	log_debug("dns: socket %d is not watched any more",
		  ((struct ares_sock *)arg)->fd);
}

static const struct watch_ops sock_ops = {
	.readable = on_readable,
	.writable = on_writable,
	.closed = on_closed,
};

static struct ares_sock *
sock_new(struct ares_loop *l, int fd)
{
	struct ares_sock *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->l = l;
	s->fd = fd;
	s->watch = watch_lend(l->vh, fd, &sock_ops, s);
	if (s->watch == NULL) {
		free(s);
		return NULL;
	}
	s->next = l->socks;
	l->socks = s;
	return s;
}

static void
sock_state(void *arg, ares_socket_t fd, int readable, int writable)
{
	struct ares_loop *l = arg;
	struct ares_sock **pp, *s;

	for (pp = &l->socks; (s = *pp) != NULL && s->fd != fd; pp = &s->next)
		;
	if (!readable && !writable) {
		/* c-ares closes fd right after this. */
		if (s != NULL) {
			*pp = s->next;
			watch_remove(s->watch);
			free(s);
		}
		return;
	}
	if (s == NULL && (s = sock_new(l, fd)) == NULL) {
		log_warn("dns: cannot watch a socket");
		l->on_error(l->arg);
		return;
	}
	watch_want_read(s->watch, readable != 0);
	s->want_write = writable != 0;
}

static void
timer_fired(lws_sorted_usec_list_t *sul)
{
	struct ares_loop *l = lws_container_of(sul, struct ares_loop, timer);

	/* No descriptor: only c-ares' timeouts are processed. */
	ares_process_fd(l->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
	ares_loop_sync(l);
}

void
ares_loop_sync(struct ares_loop *l)
{
	struct timeval tv;
	lws_usec_t us;

	for (struct ares_sock *s = l->socks; s != NULL; s = s->next) {
		if (s->want_write && !s->write_armed) {
			s->write_armed = true;
			watch_want_write(s->watch);
		}
	}
	if (l->ch == NULL || ares_timeout(l->ch, NULL, &tv) == NULL) {
		lws_sul_cancel(&l->timer);
		return;
	}
	/* A millisecond late, so that c-ares agrees the time has come. */
	us = (lws_usec_t)tv.tv_sec * LWS_US_PER_SEC + tv.tv_usec +
	     LWS_US_PER_MS;
	lws_sul_schedule(l->ctx, 0, &l->timer, timer_fired, us);
}

struct ares_loop *
ares_loop_new(struct lws_context *ctx, struct lws_vhost *vh,
	      void (*on_error)(void *arg), void *arg)
{
	struct ares_loop *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->ctx = ctx;
	l->vh = vh;
	l->on_error = on_error;
	l->arg = arg;
	return l;
}

void
ares_loop_options(struct ares_loop *l, struct ares_options *o, int *optmask)
{
	o->sock_state_cb = sock_state;
	o->sock_state_cb_data = l;
	*optmask |= ARES_OPT_SOCK_STATE_CB;
}

void
ares_loop_use(struct ares_loop *l, ares_channel ch)
{
	l->ch = ch;
}

void
ares_loop_free(struct ares_loop *l)
{
	struct ares_sock *s;

	if (l == NULL)
		return;
	/* ares_destroy() closed every socket; this is only a safety net. */
	while ((s = l->socks) != NULL) {
		l->socks = s->next;
		watch_remove(s->watch);
		free(s);
	}
	lws_sul_cancel(&l->timer);
	free(l);
}
