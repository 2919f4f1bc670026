/*
 * ares_loop.h - a c-ares channel's sockets and timer on the
 * libwebsockets loop, as hiredis' adapters put a context on a loop.
 *
 * c-ares opens, reads, writes and closes its own sockets; the
 * socket-state callback ares_loop_options() installs says which exist
 * and what they wait for, and each is watched with watch_lend() (so
 * lws dropping a descriptor on a poll error is watch.c's to handle).
 * Readiness and c-ares' own timer are turned into ares_process_fd()
 * calls on the channel given to ares_loop_use().
 *
 * Rules: call ares_loop_sync() after every call into c-ares from
 * outside this module (it follows c-ares' timer and pending writes).
 * on_error(arg) runs, inside c-ares, when a socket cannot be watched:
 * it may only mark things.  ares_loop_free() after ares_destroy() of
 * the channel, before lws_context_destroy().
 */
#ifndef WSPUSHD_ARES_LOOP_H
#define WSPUSHD_ARES_LOOP_H

#include <ares.h>
#include <libwebsockets.h>

struct ares_loop;

struct ares_loop *ares_loop_new(struct lws_context *ctx, struct lws_vhost *vh,
				void (*on_error)(void *arg), void *arg);
void ares_loop_free(struct ares_loop *l);

/* Adds the socket-state callback to options for ares_init_options(). */
void ares_loop_options(struct ares_loop *l, struct ares_options *o,
		       int *optmask);
/* The channel built with those options; NULL for none. */
void ares_loop_use(struct ares_loop *l, ares_channel ch);
void ares_loop_sync(struct ares_loop *l);

#endif
