/*
 * loop.c - see loop.h.
 */
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/conn_callbacks.h"
#include "wspushd/fdlimit.h"
#include "wspushd/log.h"
#include "wspushd/loop.h"
#include "wspushd/lws_log.h"
#include "wspushd/tls.h"
#include "wspushd/watch.h"

static int
upstream_callback(struct lws *wsi, enum lws_callback_reasons reason,
		  void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS)
		return tls_load_extra_verify_certs(wsi, user);
	return conn_protocol_callback(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ CONN_PROTOCOL_NAME, upstream_callback, 0, 0, 0, NULL,
	  CONN_WRITE_RUN_BYTES },
	{ WATCH_PROTOCOL_NAME, watch_protocol_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

const struct lws_protocols *
loop_protocols(void)
{
	return protocols;
}

void
loop_raise_fd_limit(void)
{
	uint64_t was = 0, now = 0;
	int rc = fdlimit_raise(&was, &now);

	if (rc < 0)
		log_debug("descriptor limit (RLIMIT_NOFILE) stays %llu: %s",
			  (unsigned long long)was, strerror(-rc));
	else
		log_debug("descriptor limit (RLIMIT_NOFILE): %llu, was %llu",
			  (unsigned long long)now, (unsigned long long)was);
}

struct lws_context *
loop_create(const struct config *cfg, struct lws_vhost **vh)
{
	struct lws_context_creation_info info = { 0 };
	struct lws_context *ctx;

	lws_log_route(cfg->log_level);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	/* RFC 6455 8.1: a text frame that is not UTF-8 fails the connection. */
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	/*
	 * OpenSSL's global set-up touches some 4 MB of libcrypto that a
	 * ws:// upstream never uses.  A reload to wss:// still works: the
	 * TLS vhost asks for it, and OpenSSL initialises itself on first use.
	 */
	if (cfg->url.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.gid = -1;
	info.uid = -1;
	/* A handful of descriptors; keeps lws' per-fd tables small. */
	info.fd_limit_per_thread = 1024;
	ctx = lws_create_context(&info);
	if (ctx == NULL) {
		log_err("cannot create the event loop");
		return NULL;
	}
	*vh = lws_get_vhost_by_name(ctx, "default");
	if (*vh == NULL) {
		log_err("cannot find the default vhost");
		lws_context_destroy(ctx);
		return NULL;
	}
	return ctx;
}
