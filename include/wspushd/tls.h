/*
 * tls.h - the TLS side of the upstream connection.
 *
 * In lws 4.1 a client's TLS settings (CA, client certificate) live in
 * the vhost it connects through, fixed when the vhost is made.  So the
 * upstream gets a vhost of its own, made from the configuration, and a
 * reload that changes TLS settings makes a new one for the next attempt.
 */
#ifndef WSPUSHD_TLS_H
#define WSPUSHD_TLS_H

#include <stddef.h>

#include <libwebsockets.h>

struct config;

/* Debian's CA bundle: lws 4.1 as packaged has no usable default. */
#define TLS_SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/*
 * A client vhost with cfg's TLS settings and the given protocols (the
 * upstream's and the watches').  NULL with a reason in err.
 */
struct lws_vhost *tls_upstream_vhost(struct lws_context *ctx,
				     const struct lws_protocols *protocols,
				     const struct config *cfg,
				     char *err, size_t errlen);

/*
 * For the protocols[0] callback: LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_
 * VERIFY_CERTS, where tls_ca_dir is added to the vhost's trust store.
 * Returns the callback's return value.
 */
int tls_load_extra_verify_certs(struct lws *wsi, void *ssl_ctx);

/* lcc flags for lws_client_connect_via_info() under cfg. */
int tls_connect_flags(const struct config *cfg);

/*
 * Why a certificate was refused: lws 4.1.6 says it only in its log
 * ("SSL error: hostname mismatch ..."), so lws_log.c hands each such
 * line here, and the connection takes the reason for its own error line.
 * There is one upstream connection, so one reason at a time.
 */
void tls_saw_error(const char *why);
/* The reason seen since the last call (then forgotten), or "" if none. */
const char *tls_take_error(void);

#endif
