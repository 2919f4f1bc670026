/*
 * stream_reply.h - what an XREADGROUP reply holds, entry by entry:
 * hiredis' tree of arrays walked once, every shape checked, nothing
 * decided.
 */
#ifndef WSPUSHD_STREAM_REPLY_H
#define WSPUSHD_STREAM_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "wspushd/stream_id.h"

struct redisReply;

enum stream_entry_kind {
	SE_DATA,		/* data, len: the value of its field "data" */
	SE_DELETED,		/* pending, but deleted from the stream */
	SE_NO_DATA,		/* no field "data" */
	SE_NOT_STRING,		/* "data" is not a string */
	SE_OVERSIZE,		/* "data" was over max_message_size (a nil) */
};

struct stream_entry {
	size_t stream;		/* index into the names given */
	struct stream_id id;
	enum stream_entry_kind kind;
	const char *data;	/* SE_DATA: valid during the callback */
	size_t len;
};

/*
 * fn(arg, entry) for every well-formed entry of r, in order, and
 * *seen[i] set for every stream i the reply names with at least one
 * entry (seen: n bools, or NULL).  A nil reply (BLOCK ran out) holds
 * none.  Returns false when r is not an XREADGROUP reply at all.
 */
bool stream_reply_walk(const struct redisReply *r, char *const *names, size_t n,
		       void (*fn)(void *arg, const struct stream_entry *e),
		       void *arg, bool *seen);

/*
 * The same for a plain list of entries [[id, fields], ...] of stream
 * (XCLAIM's reply); nil items (deleted meanwhile) are passed over.
 */
bool stream_reply_entries(const struct redisReply *r, size_t stream,
			  void (*fn)(void *arg, const struct stream_entry *e),
			  void *arg);

#endif
