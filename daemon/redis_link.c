/*
 * redis_link.c - see redis_link.h.
 *
 * When hiredis frees a context it calls the cleanup hook, then
 * onDisconnect, then redisFree(), which would close the descriptor; the
 * hook takes the number away from hiredis first, because lws owns it and
 * closes it when the watch ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/redis_link.h"
#include "wspushd/sockopt.h"
#include "wspushd/watch.h"

struct redis_link {
	redisAsyncContext *ac;
	struct watch *watch;
	void (*on_hangup)(redisAsyncContext *);
	bool *alive;		/* cleared if the context is freed in a callback */
};

static void
hook_add_read(void *p)
{
	struct redis_link *l = p;

	watch_want_read(l->watch, true);
}

static void
hook_del_read(void *p)
{
	struct redis_link *l = p;

	watch_want_read(l->watch, false);
}

static void
hook_add_write(void *p)
{
	struct redis_link *l = p;

	watch_want_write(l->watch);
}

static void
hook_del_write(void *p)
{
	/* lws writability is one-shot: nothing to undo. */
}

static void
hook_cleanup(void *p)
{
	struct redis_link *l = p;

	if (l->alive != NULL)
		*l->alive = false;
	l->ac->c.fd = -1;
	l->ac->ev.data = NULL;
	watch_remove(l->watch);
	free(l);
}

/*
 * hiredis reads 16 KiB at a time, one read per poll: a 64 KiB message
 * costs four turns of the loop.  While connected, read what is there in
 * one go; an error or end of stream goes back to redisAsyncHandleRead(),
 * which reads it again and disconnects as hiredis would.
 *
 * What was read is fed to hiredis' reader 16 KiB at a time (the slice
 * hiredis itself reads), with the replies taken after each slice: the
 * reader moves what it holds to the front of its buffer after every 1 KiB
 * it consumes, so a bigger slice costs more copying per message,
 * quadratically (256 KiB slices spent 10% of the time in memmove).
 */
#define READ_BYTES (256 * 1024)
#define FEED_BYTES (16 * 1024)

#if HIREDIS_MAJOR < 1
/* Exported by hiredis 0.14 but declared in async.h only from 1.0 on. */
void redisProcessCallbacks(redisAsyncContext *ac);
#endif

static void
link_readable(void *arg)
{
	static char buf[READ_BYTES];
	struct redis_link *l = arg;
	redisAsyncContext *ac = l->ac;
	bool alive = true;
	ssize_t n;

	if (!(ac->c.flags & REDIS_CONNECTED)) {
		redisAsyncHandleRead(ac);
		return;
	}
	n = read(ac->c.fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		redisAsyncHandleRead(ac);
		return;
	}
	/* A callback may free the context; hook_cleanup() then says so. */
	l->alive = &alive;
	for (size_t off = 0; off < (size_t)n && alive; off += FEED_BYTES) {
		size_t len = (size_t)n - off < FEED_BYTES ?
			     (size_t)n - off : FEED_BYTES;

		if (redisReaderFeed(ac->c.reader, buf + off, len) != REDIS_OK) {
			l->alive = NULL;
			redisAsyncHandleRead(ac);
			return;
		}
		redisProcessCallbacks(ac);
	}
	if (alive)
		l->alive = NULL;
}

static void
link_writable(void *arg)
{
	struct redis_link *l = arg;

	redisAsyncHandleWrite(l->ac);
}

static void
link_closed(void *arg)
{
	struct redis_link *l = arg;

	/* The number is gone already; hiredis must not close it again. */
	l->ac->c.fd = -1;
	l->on_hangup(l->ac);
}

static const struct watch_ops link_ops = {
	.readable = link_readable,
	.writable = link_writable,
	.closed = link_closed,
};

redisAsyncContext *
redis_link_connect(struct lws_vhost *vh, const struct config *cfg,
		   const char *address, void (*on_hangup)(redisAsyncContext *),
		   char *err, size_t errlen)
{
	const struct redis_url *u = &cfg->redis;
	struct redis_link *l;
	redisAsyncContext *ac;

	if (u->transport == REDIS_UNIX)
		ac = redisAsyncConnectUnix(u->socket_path);
	else
		ac = redisAsyncConnect(address, u->port);
	if (ac == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (ac->err) {
		snprintf(err, errlen, "%s", ac->errstr);
		redisAsyncFree(ac);
		return NULL;
	}
	/* hiredis 0.14 opens its socket without close-on-exec. */
	fcntl(ac->c.fd, F_SETFD, FD_CLOEXEC);
	if (u->transport == REDIS_TCP && sockopt_tune_tcp(ac->c.fd, cfg) < 0)
		log_warn("redis: cannot set TCP options");
	l = calloc(1, sizeof(*l));
	if (l != NULL)
		l->watch = watch_add(vh, ac->c.fd, &link_ops, l);
	if (l == NULL || l->watch == NULL) {
		free(l);
		redisAsyncFree(ac);
		snprintf(err, errlen, "cannot watch the socket");
		return NULL;
	}
	l->ac = ac;
	l->on_hangup = on_hangup;
	/*
	 * hiredis frees its reader's buffer whenever it is empty and has
	 * over 16 KiB spare: once per large message.  Allow a megabyte, so
	 * only a rare huge message costs a new buffer afterwards.
	 */
	ac->c.reader->maxbuf = 1024 * 1024;
	ac->ev.data = l;
	ac->ev.addRead = hook_add_read;
	ac->ev.delRead = hook_del_read;
	ac->ev.addWrite = hook_add_write;
	ac->ev.delWrite = hook_del_write;
	ac->ev.cleanup = hook_cleanup;
	return ac;
}
