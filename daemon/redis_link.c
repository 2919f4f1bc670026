/*
 * redis_link.c - see redis_link.h.
 *
 * When hiredis frees a context it calls the cleanup hook, then
 * onDisconnect, then redisFree(), which would close the descriptor; the
 * hook takes the number away from hiredis first, because lws owns it and
 * closes it when the watch ends.
 *
 * Every byte from Redis passes the RESP guard (resp_guard.h) before
 * hiredis' reader sees it, so what the reader buffers is bounded by
 * max_message_size, whatever the peer announces.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <hiredis/sds.h>

#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/redis_link.h"
#include "wspushd/resp_guard.h"
#include "wspushd/sockopt.h"
#include "wspushd/watch.h"

struct redis_link {
	redisAsyncContext *ac;
	struct watch *watch;
	void (*on_fail)(redisAsyncContext *, const char *);
	bool *alive;		/* cleared if the context is freed in a callback */
	enum redis_link_kind kind;
	struct resp_guard guard;
	uint64_t skipped;	/* length of the bulk string a nil stands for */
};

/*
 * A message's kind and pattern (or channel) are names, at most this
 * long; the channel of a pmessage may take as much again beyond the
 * largest message.
 */
#define NAME_MAX_BYTES (64 * 1024)
#define REPLY_SLACK NAME_MAX_BYTES
/* Status, error and integer lines: Redis' longest are a few hundred bytes. */
#define LINE_MAX_BYTES (64 * 1024)
/* Elements in one reply: a message is 3 or 4, a command's reply a few. */
#define REPLY_ELEMENTS 1024
#define REPLY_DEPTH 4
/*
 * The reader's buffer is given back once it is empty and this large:
 * after a big message, memory returns at once, not at the next one.
 */
#define SHRINK_BYTES (1024 * 1024)

/* Elements of one stream reply; fields beyond "data" count too. */
#define STREAM_REPLY_ELEMENTS (1u << 20)

/* What a stream reply may keep whole: what the queue may hold. */
static uint64_t
stream_reply_budget(const struct config *cfg)
{
	uint64_t b = cfg->queue_max_bytes;

	if (b < cfg->max_message_bytes)
		b = cfg->max_message_bytes;
	return b + REPLY_SLACK;
}

static void
limits_for(const struct config *cfg, enum redis_link_kind kind,
	   struct resp_limits *lim)
{
	/*
	 * hiredis hands every reply on a subscribed connection that no
	 * command waits for to its pub/sub code, which asserts their shape.
	 */
	lim->pubsub = kind == REDIS_LINK_SUBSCRIBER;
	lim->max_name = NAME_MAX_BYTES;
	lim->max_bulk = cfg->max_message_bytes;
	lim->max_reply = (uint64_t)cfg->max_message_bytes + REPLY_SLACK;
	lim->max_line = LINE_MAX_BYTES;
	lim->max_elements = REPLY_ELEMENTS;
	lim->max_depth = REPLY_DEPTH;
	if (kind == REDIS_LINK_STREAMS) {
		/*
		 * [[stream, [[id, [field, value, ...]], ...]], ...]: five
		 * levels, and as many entries as the queue could hold.
		 */
		lim->max_reply = stream_reply_budget(cfg);
		lim->max_elements = STREAM_REPLY_ELEMENTS;
		lim->max_depth = 5;
	}
}

uint64_t
redis_link_stream_batch(const struct config *cfg)
{
	/* An entry: its message, and an ID and field names besides. */
	uint64_t n = stream_reply_budget(cfg) / (cfg->max_message_bytes + 256);

	/* Each entry is at least [id, [field, value]]: five elements. */
	if (n > STREAM_REPLY_ELEMENTS / 8)
		n = STREAM_REPLY_ELEMENTS / 8;
	return n > 0 ? n : 1;
}

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

/*
 * One read's worth of feeding.  A reply callback may free the context,
 * and the link with it; hook_cleanup() then clears `alive`, which lives
 * here, on the reader's stack, so it can still be looked at.
 */
struct feed {
	struct redis_link *l;
	bool alive;
	bool unasked;		/* a reply came that no command waits for */
};

/*
 * On the command connection every reply must have a command waiting for
 * it: hiredis 0.14 asserts so (an error reply aside, which it takes as
 * the server hanging up).  All before this reply has been processed, so
 * hiredis' list of callbacks is exact here.
 */
static int
guard_begin(void *arg, char type)
{
	struct feed *f = arg;

	if (type == '-' || f->l->ac->replies.head != NULL)
		return 0;
	f->unasked = true;
	return 1;
}

/* Bytes the guard lets through go to the reader, and replies to hiredis. */
static int
guard_pass(void *arg, const char *data, size_t len)
{
	struct feed *f = arg;
	redisAsyncContext *ac = f->l->ac;

	for (size_t off = 0; off < len && f->alive; off += FEED_BYTES) {
		size_t n = len - off < FEED_BYTES ? len - off : FEED_BYTES;

		if (redisReaderFeed(ac->c.reader, data + off, n) != REDIS_OK) {
			/* Out of memory: hiredis' own read reports it. */
			redisAsyncHandleRead(ac);
			return 1;
		}
		redisProcessCallbacks(ac);
	}
	return f->alive ? 0 : 1;
}

static int
guard_skipping(void *arg, uint64_t len)
{
	struct feed *f = arg;

	f->l->skipped = len;
	return 0;
}

static int
guard_done(void *arg)
{
	struct feed *f = arg;

	f->l->skipped = 0;
	return 0;
}

static const struct resp_guard_sink subscriber_sink = {
	.pass = guard_pass,
	.skipping = guard_skipping,
	.done = guard_done,
};

static const struct resp_guard_sink commands_sink = {
	.begin = guard_begin,
	.pass = guard_pass,
	.skipping = guard_skipping,
	.done = guard_done,
};

/* Give a big, empty reader buffer back now (hiredis would at the next read). */
static void
shrink_reader(redisReader *r)
{
	if (r->pos == r->len && sdsAllocSize(r->buf) > SHRINK_BYTES) {
		sds empty = sdsempty();

		if (empty == NULL)
			return;
		sdsfree(r->buf);
		r->buf = empty;
		r->pos = 0;
		r->len = 0;
	}
}

static void
link_readable(void *arg)
{
	static char buf[READ_BYTES];
	struct redis_link *l = arg;
	redisAsyncContext *ac = l->ac;
	char why[sizeof(l->guard.error) + 32];
	struct feed f = { l, true, false };
	ssize_t n;

	if (!(ac->c.flags & REDIS_CONNECTED)) {
		/*
		 * Finish the connect (or learn it failed), but read nothing:
		 * hiredis' own read would bypass the guard.  Whatever is there
		 * is read on the next turn.  The context may be gone after.
		 */
		redisAsyncHandleWrite(ac);
		return;
	}
	n = read(ac->c.fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		redisAsyncHandleRead(ac);
		return;
	}
	l->alive = &f.alive;
	switch (resp_guard_feed(&l->guard, buf, (size_t)n,
				l->kind == REDIS_LINK_SUBSCRIBER ? &subscriber_sink :
				&commands_sink, &f)) {
	case RESP_GUARD_OK:
		l->alive = NULL;
		shrink_reader(ac->c.reader);
		return;
	case RESP_GUARD_STOPPED:
		/* The context may be gone: touch nothing that was its. */
		if (!f.alive)
			return;
		l->alive = NULL;
		if (!f.unasked)
			return;
		snprintf(why, sizeof(why), "protocol error: a reply no command "
			 "asked for");
		break;
	case RESP_GUARD_ERROR:
		l->alive = NULL;
		snprintf(why, sizeof(why), "protocol error: %s", l->guard.error);
		break;
	}
	/* Stop reading; the owner frees the context. */
	watch_want_read(l->watch, false);
	l->on_fail(ac, why);
}

void
redis_link_free(redisAsyncContext **slot)
{
	redisAsyncContext *ac = *slot;

	*slot = NULL;
	if (ac != NULL)
		redisAsyncFree(ac);
}

void
redis_link_read(redisAsyncContext *ac)
{
	if (ac != NULL && ac->ev.data != NULL)
		link_readable(ac->ev.data);
}

uint64_t
redis_link_skipped(const redisAsyncContext *ac)
{
	const struct redis_link *l = ac->ev.data;

	return l != NULL ? l->skipped : 0;
}

void
redis_link_set_limits(redisAsyncContext *ac, const struct config *cfg)
{
	struct redis_link *l = ac != NULL ? ac->ev.data : NULL;
	struct resp_limits lim;

	if (l == NULL)
		return;
	limits_for(cfg, l->kind, &lim);
	resp_guard_set_limits(&l->guard, &lim);
}

unsigned
redis_link_setup_count(const struct config *cfg)
{
	return (cfg->redis.password != NULL) + (cfg->redis.db != 0);
}

int
redis_link_send_list(redisAsyncContext *ac, redisCallbackFn *fn, void *privdata,
		     const char *cmd, const char *const *items, size_t n)
{
	const char **argv = calloc(n + 1, sizeof(*argv));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	int r = REDIS_ERR;

	if (argv != NULL && lens != NULL) {
		argv[0] = cmd;
		lens[0] = strlen(cmd);
		for (size_t k = 0; k < n; k++) {
			argv[k + 1] = items[k];
			lens[k + 1] = strlen(items[k]);
		}
		r = redisAsyncCommandArgv(ac, fn, privdata, (int)n + 1, argv, lens);
	}
	free(argv);
	free(lens);
	return r == REDIS_OK ? 0 : -1;
}

int
redis_link_send_setup(redisAsyncContext *ac, const struct config *cfg,
		      redisCallbackFn *fn, void *privdata)
{
	const struct redis_url *u = &cfg->redis;
	const char *auth[2];
	size_t n = 0;

	if (u->password != NULL) {
		if (u->user != NULL)
			auth[n++] = u->user;
		auth[n++] = u->password;
		if (redis_link_send_list(ac, fn, privdata, "AUTH", auth, n) < 0)
			return -1;
	}
	if (u->db != 0 &&
	    redisAsyncCommand(ac, fn, privdata, "SELECT %d", u->db) != REDIS_OK)
		return -1;
	return 0;
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
	l->on_fail(l->ac, "connection closed");
}

static const struct watch_ops link_ops = {
	.readable = link_readable,
	.writable = link_writable,
	.closed = link_closed,
};

redisAsyncContext *
redis_link_connect(struct lws_vhost *vh, const struct config *cfg,
		   enum redis_link_kind kind, const char *address, uint16_t port,
		   void (*on_fail)(redisAsyncContext *, const char *),
		   char *err, size_t errlen)
{
	const struct redis_url *u = &cfg->redis;
	struct resp_limits lim;
	struct redis_link *l;
	redisAsyncContext *ac;

	if (u->transport == REDIS_UNIX)
		ac = redisAsyncConnectUnix(u->socket_path);
	else
		ac = redisAsyncConnect(address, port != 0 ? port : u->port);
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
	l->on_fail = on_fail;
	l->kind = kind;
	limits_for(cfg, kind, &lim);
	resp_guard_init(&l->guard, &lim);
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
