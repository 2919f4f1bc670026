/*
 * signals.h - signals as events on the loop.
 *
 * SIGTERM, SIGINT and SIGHUP are blocked and read from a signalfd that
 * sits on the lws loop like any other descriptor, so no code runs in an
 * asynchronous handler.  SIGPIPE is ignored: a peer that vanishes
 * mid-write must cost an EPIPE, never the process.
 */
#ifndef WSPUSHD_SIGNALS_H
#define WSPUSHD_SIGNALS_H

struct lws_vhost;
struct signals;

/* Block the signals; call before any thread or loop exists.  0 or -1. */
int signals_block(void);

/* Watch the blocked signals; on_signal(arg, signo) runs on the loop. */
struct signals *signals_watch(struct lws_vhost *vh,
			      void (*on_signal)(void *arg, int signo), void *arg);
void signals_free(struct signals *s);

#endif
