/*
 * confirm.h - which written messages the server has read: the
 * confirmation window of at-least-once delivery.
 *
 * A WebSocket server handles frames in order, so a Pong that answers a
 * Ping sent after message N proves the server read everything up to N.
 * Every ping carries the sequence number after the last message written
 * (queue.h numbers them); its Pong echoes it back.  While written
 * messages wait for confirmation, a ping goes at most every interval,
 * and at once when nothing is left to write and no ping is awaited, so
 * the last of a burst is confirmed within a round trip.  Heartbeat pings
 * (heartbeat.h) carry the same number, so every Pong confirms; and our
 * Close waits for the Pong of one (upstream_core.c says why).
 *
 * Sequence numbers are the queue's: stable across connections, so a Pong
 * can never confirm a message it did not follow.  0 means none.
 *
 * Pure: tests/unit/test_confirm.c.
 */
#ifndef WSPUSHD_CONFIRM_H
#define WSPUSHD_CONFIRM_H

#include <stdbool.h>
#include <stdint.h>

/* The payload of a ping: the sequence number, big-endian. */
#define CONFIRM_PING_BYTES 8

struct confirm {
	uint64_t interval_ms;	/* at most one ping per this; 0: never confirm */
	uint64_t written;	/* sequence number after the last written */
	uint64_t pinged;	/* what the last ping carried */
	uint64_t confirmed;	/* everything below this was read */
	uint64_t last_ping_at;	/* monotonic ms of the last ping; 0: none */
	bool asked;		/* a write was asked for the ping due */
};

/*
 * A connection opened, its first message to write is number from.
 * interval_ms 0: at most once, nothing is confirmed.
 */
void confirm_start(struct confirm *k, uint64_t interval_ms, uint64_t from);
/* Messages were written: the next to write is number next. */
void confirm_written(struct confirm *k, uint64_t next);
/* Whether a ping should go now; unsent: messages still wait to be written. */
bool confirm_wants_ping(const struct confirm *k, uint64_t now, bool unsent);
/* When a ping wanted later becomes due (0: none, or a write was asked). */
uint64_t confirm_next(const struct confirm *k);
/* A write was asked for the ping due: no deadline until it is sent. */
void confirm_asked(struct confirm *k);
/* A ping went at now: what it carries. */
uint64_t confirm_ping_sent(struct confirm *k, uint64_t now);
/*
 * A Pong came with these bytes.  Returns the new confirmed bound (every
 * message below it was read), or 0 when it confirms nothing new (not
 * ours, stale, or garbled).
 */
uint64_t confirm_pong(struct confirm *k, const unsigned char *payload,
		      uint64_t len);
/* Written and not confirmed. */
bool confirm_pending(const struct confirm *k);

/* The ping payload for seq, and back. */
void confirm_encode(uint64_t seq, unsigned char out[CONFIRM_PING_BYTES]);
bool confirm_decode(const unsigned char *payload, uint64_t len, uint64_t *seq);

#endif
