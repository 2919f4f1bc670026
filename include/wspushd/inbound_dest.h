/*
 * inbound_dest.h - where the server's messages go in Redis, as [inbound]
 * says, and the one command that puts a message there.  Pure: no I/O.
 *
 *   PUBLISH channel <message>
 *   XADD stream MAXLEN ~ maxlen * data <message> type text|binary
 *        time <Unix ms received>
 *
 * A destination is shared, counted, by the messages on their way to it:
 * a reload that changes [inbound] makes a new one for the next messages,
 * and those already waiting still go where they were going.
 */
#ifndef WSPUSHD_INBOUND_DEST_H
#define WSPUSHD_INBOUND_DEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

/* The most arguments a command has. */
#define INBOUND_ARGC_MAX 12

struct inbound_dest {
	unsigned refs;
	bool stream;		/* XADD, else PUBLISH */
	char maxlen[24];	/* MAXLEN ~'s count, as text */
	char name[];		/* the channel or the stream */
};

/* The configuration's destination (one reference), or NULL: [inbound] off. */
struct inbound_dest *inbound_dest_new(const struct config *cfg);
struct inbound_dest *inbound_dest_ref(struct inbound_dest *d);
/* Drop a reference; the last frees it.  NULL is fine. */
void inbound_dest_unref(struct inbound_dest *d);
/* Whether two destinations (either NULL) are the same place, the same way. */
bool inbound_dest_same(const struct inbound_dest *a,
		       const struct inbound_dest *b);

/*
 * The command that forwards one message to d: argv and lens (room for
 * INBOUND_ARGC_MAX each) point into d, data and stamp, which must last
 * until the command is sent.  Returns argc.
 */
int inbound_dest_command(const struct inbound_dest *d, const void *data,
			 size_t len, bool binary, int64_t at_ms, char stamp[24],
			 const char **argv, size_t *lens);

#endif
