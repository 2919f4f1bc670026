/*
 * fleet.h - one active instance across hosts: the lease ([fleet]
 * lease_key) kept on Redis over the command connection.
 *
 * What happens when is lease_core.h's; this module sends the scripts,
 * turns their replies into events, keeps the one timer, and tells its
 * owner when this process leads (connect upstream, read the input) and
 * when it must stand by (drop the upstream at once, read nothing).
 */
#ifndef WSPUSHD_FLEET_H
#define WSPUSHD_FLEET_H

#include <stdbool.h>
#include <stdint.h>

struct config;
struct fleet;
struct lws_context;
struct redis_sub;

/* What status and metrics show. */
struct fleet_view {
	const char *role;		/* "leader", "standby", "released" */
	uint64_t term;			/* the last term this process won; 0: none */
	const char *holder;		/* the lease's holder as last seen; "" */
	uint64_t terms_won;		/* times this process became leader */
	uint64_t fenced;		/* times it stood down */
};

/*
 * on_role(arg, leader, term, why) runs on the loop whenever the role
 * changes.  The fleet must be freed after rs (pending replies find it).
 */
struct fleet *fleet_new(struct lws_context *ctx, struct redis_sub *rs,
			const struct config *cfg,
			void (*on_role)(void *arg, bool leader, uint64_t term,
					const char *why),
			void *arg);
/* Compete: the first claim goes at once (and again while Redis is down). */
void fleet_start(struct fleet *f);
/*
 * Shutdown, once the upstream is closed: give the lease back (if ours)
 * so a standby takes over at once; done(arg) runs when Redis answered,
 * or after a second at most.
 */
void fleet_release(struct fleet *f, void (*done)(void *arg), void *arg);
void fleet_free(struct fleet *f);
void fleet_view(const struct fleet *f, struct fleet_view *v);
bool fleet_leading(const struct fleet *f);

#endif
