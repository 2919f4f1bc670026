/*
 * config_values.h - the kinds of value a setting can take, and the
 * parsers for those that are plain text: numbers within a range, words
 * from a fixed list, and names wspushd passes on.
 *
 * Every parser is pure: it knows nothing of files, lines or flags.  It
 * returns 0 and sets *out, or returns -1, leaves *out alone and writes
 * what is wrong into err, without a prefix ("invalid value 'x' (expected
 * auto, text or binary)"): the caller says where the value came from.
 * Values are never echoed longer than DIAG_QUOTE_MAX bytes.  Lists of
 * things with parsers of their own: close_codes.h (close codes),
 * headers.h (headers, subprotocols), addrs.h (name servers, the metrics
 * address), url.h (URLs).
 */
#ifndef WSPUSHD_CONFIG_VALUES_H
#define WSPUSHD_CONFIG_VALUES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wspushd/strlist.h"

/* Room for any message of the parsers in this file and its siblings. */
#define VALUE_ERRLEN 512

/* What kind of value a key holds (the key table in config_keys.h). */
enum value_kind {
	KIND_DURATION,		/* uint64_t milliseconds */
	KIND_SECONDS,		/* uint64_t milliseconds, whole seconds only */
	KIND_SIZE,		/* size_t bytes */
	KIND_COUNT,		/* size_t */
	KIND_UINT,		/* unsigned */
	KIND_WS_URL,		/* char *, with struct ws_url beside it */
	KIND_REDIS_URL,		/* char *, with struct redis_url beside it */
	KIND_HEADER,		/* struct strlist of "Name: value" */
	KIND_CHANNEL,		/* struct strlist */
	KIND_PATTERN,		/* struct strlist */
	KIND_STREAM,		/* struct strlist */
	KIND_STREAM_START,	/* enum stream_start */
	KIND_SUBPROTOCOL,	/* char * */
	KIND_MESSAGE_TYPE,	/* enum message_type */
	KIND_OVERFLOW,		/* enum overflow_policy */
	KIND_LOG_LEVEL,		/* int, a syslog priority */
	KIND_LIVENESS,		/* enum liveness */
	KIND_DELIVERY,		/* enum delivery */
	KIND_CLOSE_CODES,	/* struct close_code_set, codes min..max */
	KIND_DNS_SERVERS,	/* char *, normalised */
	KIND_FILE,		/* char *, a readable regular file; "" = none */
	KIND_DIR,		/* char *, a readable directory; "" = none */
	KIND_SERVER_NAME,	/* char *, a DNS name; "" = none */
	KIND_BOOL,		/* bool, yes or no */
	KIND_PASSWORD_FILE,	/* the Redis password, read from a file */
	KIND_REDIS_NAME,	/* char *, a Redis key or channel; "" = off */
	KIND_LISTEN,		/* char *, with the address and port beside it */
	KIND_RUNTIME_DIR,	/* char *, an absolute path */
	KIND_HEADER_NAME,	/* char *, an HTTP header's name; "" = off */
	KIND_SENTINELS,		/* char *, "host:port,..." normalised; "" = off */
	KIND_ON_OPEN,		/* struct strlist; "@FILE" reads a secret */
	KIND_TEXT,		/* char *, a message: no NUL, no line break */
};

/* What to do with a new message when the queue is full. */
enum overflow_policy {
	OVERFLOW_DROP_OLDEST,	/* evict from the head, keep the newest (default) */
	OVERFLOW_DROP_NEWEST,	/* refuse the incoming message */
};

/* How a Redis payload is framed upstream. */
enum message_type {
	MESSAGE_AUTO,	/* text frame if valid UTF-8, else binary (default) */
	MESSAGE_TEXT,	/* always text; invalid UTF-8 is dropped and counted */
	MESSAGE_BINARY,	/* always binary */
};

/* What proves the upstream is alive between pings. */
enum liveness {
	LIVENESS_PONG,	/* only a pong (default) */
	LIVENESS_ANY,	/* any frame from the server */
};

/* Where a consumer group that does not exist yet starts reading. */
enum stream_start {
	STREAM_START_NEW,	/* entries added from now on ($, default) */
	STREAM_START_OLDEST,	/* the whole stream (0) */
};

/* What wspushd promises about each message it took. */
enum delivery {
	DELIVERY_AT_LEAST_ONCE,	/* kept until the server confirmed it (default) */
	DELIVERY_AT_MOST_ONCE,	/* gone once written */
};

/* Whether s holds a control character (below 0x20, or 0x7f). */
bool has_control(const char *s);

/*
 * The items of a comma-separated value, blanks around each cut off:
 *	struct list_iter it;
 *	list_iter_init(&it, "a, b,,c");
 *	while (list_iter_next(&it, &item, &len)) ...	a, b, "" and c
 * An empty (or blank) value has no items; an empty item (",a", "a,,b",
 * "a,") comes out with len 0, for the caller to refuse.
 */
struct list_iter {
	const char *p;
	bool done;
};

void list_iter_init(struct list_iter *it, const char *value);
bool list_iter_next(struct list_iter *it, const char **item, size_t *len);

/*
 * A number of kind KIND_DURATION, KIND_SECONDS, KIND_SIZE, KIND_COUNT or
 * KIND_UINT, within min..max (milliseconds, bytes or a count).
 */
int parse_number(const char *value, enum value_kind kind, uint64_t min,
		 uint64_t max, uint64_t *out, char *err, size_t errlen);
/* v spelled as such a number is written: "90s", "64KiB", "3". */
const char *format_value(char *buf, size_t buflen, enum value_kind kind,
			 uint64_t v);

/* Words from a fixed list: "auto", "drop-oldest", "pong", "info", "yes". */
int parse_message_type(const char *value, enum message_type *out, char *err,
		       size_t errlen);
int parse_overflow(const char *value, enum overflow_policy *out, char *err,
		   size_t errlen);
int parse_liveness(const char *value, enum liveness *out, char *err,
		   size_t errlen);
int parse_delivery(const char *value, enum delivery *out, char *err,
		   size_t errlen);
int parse_stream_start(const char *value, enum stream_start *out, char *err,
		       size_t errlen);
int parse_log_level(const char *value, int *out, char *err, size_t errlen);
int parse_bool(const char *value, bool *out, char *err, size_t errlen);

/*
 * A channel or pattern (what is "channel" or "pattern") to add to have:
 * not empty, and not in have already.
 */
int check_sub_name(const char *value, const char *what,
		   const struct strlist *have, char *err, size_t errlen);

/*
 * tls_server_name: a DNS name such as a certificate holds.  *out is a
 * new string, or NULL for "" (none).
 */
int parse_server_name(const char *value, char **out, char *err,
		      size_t errlen);

/*
 * [status] key or channel (what says which, for messages): at most 256
 * bytes, no control characters.  *out is a new string, or NULL for ""
 * (off).
 */
int parse_redis_name(const char *value, const char *what, char **out,
		     char *err, size_t errlen);

/*
 * [daemon] runtime_dir: a non-empty absolute path.  fallback is what an
 * absent key means, for the message about an empty one.  *out is a new
 * string.
 */
int parse_runtime_dir(const char *value, const char *fallback, char **out,
		      char *err, size_t errlen);

#endif
