/*
 * status.h - one line that says how wspushd is doing, for the service
 * manager's STATUS= (systemctl status) and for the status hash.
 * Pure: a snapshot in, text out.
 */
#ifndef WSPUSHD_STATUS_H
#define WSPUSHD_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Counters, for logs now and for status reporting. */
struct conn_stats {
	uint64_t received;	/* messages handed to conn_submit */
	uint64_t sent;		/* frames written upstream */
	uint64_t dropped_overflow;	/* evicted or refused by the queue bound */
	uint64_t dropped_oversize;	/* larger than max_message_size */
	uint64_t dropped_invalid;	/* not UTF-8 with message_type = text */
	uint64_t dropped_shutdown;	/* still queued when we exited */
	uint64_t dropped_refused;	/* the upstream closed the connection on
					   it max_deliveries times (resend.h) */
	uint64_t dropped_fenced;	/* queued when the fleet lease was lost */
	uint64_t attempts;	/* connection attempts started */
	uint64_t connects;	/* attempts that reached open */
	uint64_t rx_floods;	/* times the server's overhead was throttled */
	uint64_t confirmed;	/* messages the server showed it read */
	uint64_t resent;	/* written, unconfirmed when the connection was
				   lost: sent again */
	uint64_t sent_bytes;	/* payload bytes of the frames written */
	uint64_t on_open_sent;	/* on-open messages written */
	uint64_t heartbeats_sent;	/* application heartbeats written */
	int64_t last_sent_at;	/* wall clock, s, of the last write; 0 none */
	int64_t last_confirmed_at;	/* ... of the last confirmation; 0 none */
};

/* Everything an operator may ask about the connection, at one instant. */
struct conn_snapshot {
	int state;			/* enum fsm_state */
	const char *state_name;		/* "open", ... */
	bool stopping;
	time_t since;			/* wall-clock time of the last state change */
	uint64_t attempt;		/* attempts started so far */
	uint64_t retry_in_ms;		/* next attempt in; 0 if none is scheduled */
	const char *endpoint;		/* ws://host:port/path, no credentials */
	const char *last_error;		/* "" if none since the last success */
	struct conn_stats stats;
	size_t queued;
	size_t queued_bytes;		/* payload bytes of the queued messages */
	size_t queue_max_messages;	/* the queue's bounds */
	size_t queue_max_bytes;
	const char *streams;		/* the streams' line (report.h), or NULL */
	uint64_t uptime_s;		/* since the daemon started */
	/* The fleet lease (fleet.h); role NULL without one. */
	const char *role;		/* "leader", "standby" */
	uint64_t term;			/* the last term this process won */
	const char *holder;		/* who holds the lease, as last seen */
};


/*
 * E.g. "open to wss://host:443/path, 12034 sent, 0 dropped" or
 * "connecting (attempt 4, next in 2.1s): connection refused".
 * redis_state is the subscriber's state name; it is mentioned only when
 * it is not "subscribed".
 */
void status_line(const struct conn_snapshot *s, const char *redis_state,
		 char *buf, size_t len);

/*
 * The event published on every state change, one JSON object:
 * {"state":..,"previous":..,"since":..,"url":..,"last_error":..}.
 * Strings are escaped; a long url or error is cut at a character
 * boundary, never inside an escape, so the object stays valid JSON.
 * Returns false if buf was too small for even that.
 */
bool status_event_json(const struct conn_snapshot *s, const char *state,
		       const char *previous, char *buf, size_t len);

#endif
