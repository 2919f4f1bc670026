/*
 * conn_callbacks.h - the libwebsockets protocol callback of the upstream
 * connection (conn.h): every report becomes an input for its core.
 */
#ifndef WSPUSHD_CONN_CALLBACKS_H
#define WSPUSHD_CONN_CALLBACKS_H

#include <stddef.h>

#include <libwebsockets.h>

/* The callback of the CONN_PROTOCOL_NAME protocol. */
int conn_protocol_callback(struct lws *wsi, enum lws_callback_reasons reason,
			   void *user, void *in, size_t len);

#endif
