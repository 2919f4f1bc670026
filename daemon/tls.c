/*
 * tls.c - see tls.h.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/ssl.h>

#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/tls.h"

struct lws_vhost *
tls_upstream_vhost(struct lws_context *ctx, const struct lws_protocols *protocols,
		   const struct config *cfg, char *err, size_t errlen)
{
	static unsigned serial;
	struct lws_context_creation_info info = { 0 };
	struct lws_vhost *vh;
	char name[32];

	snprintf(name, sizeof(name), "upstream-%u", ++serial);
	info.vhost_name = name;
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
		       LWS_SERVER_OPTION_VALIDATE_UTF8;
	/* Read back by tls_load_extra_verify_certs() while the vhost is made. */
	info.user = cfg->tls_ca_dir;
	if (cfg->tls_ca_file != NULL)
		info.client_ssl_ca_filepath = cfg->tls_ca_file;
	else if (access(TLS_SYSTEM_CA_BUNDLE, R_OK) == 0)
		info.client_ssl_ca_filepath = TLS_SYSTEM_CA_BUNDLE;
	info.client_ssl_cert_filepath = cfg->tls_cert_file;
	info.client_ssl_private_key_filepath = cfg->tls_key_file;
	vh = lws_create_vhost(ctx, &info);
	if (vh == NULL)
		snprintf(err, errlen, "cannot set up TLS for the upstream "
			 "(CA file %s, certificate %s)",
			 info.client_ssl_ca_filepath ? info.client_ssl_ca_filepath : "none",
			 cfg->tls_cert_file ? cfg->tls_cert_file : "none");
	return vh;
}

int
tls_load_extra_verify_certs(struct lws *wsi, void *ssl_ctx)
{
	const char *dir = lws_vhost_user(lws_get_vhost(wsi));

	if (dir == NULL || ssl_ctx == NULL)
		return 0;
	if (SSL_CTX_load_verify_locations(ssl_ctx, NULL, dir) != 1) {
		log_err("upstream: cannot use tls_ca_dir %s", dir);
		return 1;
	}
	return 0;
}

int
tls_connect_flags(const struct config *cfg)
{
	if (!cfg->url.tls)
		return 0;
	if (cfg->tls_insecure)
		return LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED |
		       LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
		       LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
	return LCCSCF_USE_SSL;
}

/* The last verification complaint lws logged, for tls_take_error(). */
static char last_error[160];
static char taken[sizeof(last_error)];

void
tls_saw_error(const char *why)
{
	size_t n;

	snprintf(last_error, sizeof(last_error), "%s", why);
	n = strlen(last_error);
	while (n > 0 && (last_error[n - 1] == '\n' || last_error[n - 1] == ' '))
		last_error[--n] = '\0';
}

const char *
tls_take_error(void)
{
	memcpy(taken, last_error, sizeof(taken));
	last_error[0] = '\0';
	return taken;
}
