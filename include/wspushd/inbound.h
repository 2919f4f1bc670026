/*
 * inbound.h - what the upstream server says goes back into Redis
 * ([inbound]): every data message, byte for byte, PUBLISHed on a channel
 * or XADDed to a stream, over the command connection (redis_cmd.h),
 * never the subscription.
 *
 * Glue.  What is decided is decided elsewhere: a message put together
 * from its pieces, within max_message_size (inbound_msg.h); what may
 * wait for Redis, what is dropped, and every message accounted for
 * (inbound_queue.h); the command (inbound_dest.h).  This carries it out
 * with the connection's hook (conn_set_inbound) and redis_cmd_send(),
 * so the upstream path pays, per message, a copy and a command.
 *
 * Commands are pipelined (INBOUND_WINDOW in flight).  While Redis is
 * down the messages wait, within [inbound]'s bounds, and go when it is
 * back: inbound_redis_up(), or the next reply, or the next message, and
 * at the latest half a second after a send failed or a command was lost
 * with its connection.
 *
 * Lifetimes: conn and rs must outlive it.  A reply may come after it is
 * freed (at exit it goes before the Redis connections, whose pending
 * callbacks then run with NULL): each command carries a record of its
 * own, which its reply frees and inbound_free() only disowns.
 */
#ifndef WSPUSHD_INBOUND_H
#define WSPUSHD_INBOUND_H

#include <stddef.h>

struct config;
struct conn;
struct lws_context;
struct inbound;
struct redis_sub;

/* Made whether [inbound] is on or not, so a reload can switch it. */
struct inbound *inbound_new(struct lws_context *ctx, struct conn *conn,
			    struct redis_sub *rs, const struct config *cfg);
/*
 * A reload: cfg (which must outlive the next call) says from now on
 * where the next messages go, and the bounds they meet.  Messages that
 * already wait still go where they were going.
 */
void inbound_reconfigure(struct inbound *in, const struct config *cfg);
/* Redis is subscribed again: send what waits.  in may be NULL. */
void inbound_redis_up(struct inbound *in);
/* The wspushd_inbound_* families; snprintf-like.  in may be NULL. */
size_t inbound_metrics(const struct inbound *in, char *buf, size_t len);
/* What still waits is discarded (said); replies to come are disowned. */
void inbound_free(struct inbound *in);

#endif
