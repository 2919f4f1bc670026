/*
 * upgrade.c - see upgrade.h.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wspushd/config.h"
#include "wspushd/log.h"
#include "wspushd/refusal.h"
#include "wspushd/tls.h"
#include "wspushd/upgrade.h"

void
upgrade_free(struct upgrade *u)
{
	for (size_t k = 0; k < u->count; k++)
		free(u->names[k]);
	free(u->names);
	free(u->values);
	free(u->fence_name);
	u->names = NULL;
	u->values = NULL;
	u->fence_name = NULL;
	u->count = 0;
}

void
upgrade_set_term(struct upgrade *u, uint64_t term)
{
	snprintf(u->fence_value, sizeof(u->fence_value), "%llu",
		 (unsigned long long)term);
}

static char *
wire_name(const char *name, size_t n)
{
	char *out = malloc(n + 2);

	if (out == NULL)
		return NULL;
	/* lws wants the name as it goes on the wire, colon included. */
	for (size_t j = 0; j < n; j++)
		out[j] = (char)tolower((unsigned char)name[j]);
	out[n] = ':';
	out[n + 1] = '\0';
	return out;
}

static int
split_headers(struct upgrade *u, const struct strlist *h)
{
	u->names = calloc(h->count + 1, sizeof(*u->names));
	u->values = calloc(h->count + 1, sizeof(*u->values));
	if (u->names == NULL || u->values == NULL)
		return -1;
	for (size_t k = 0; k < h->count; k++) {
		const char *line = h->items[k], *colon = strchr(line, ':');
		size_t n = colon != NULL ? (size_t)(colon - line) : strlen(line);
		const char *v = colon != NULL ? colon + 1 : "";
		char *name = wire_name(line, n);

		if (name == NULL)
			return -1;
		while (*v == ' ' || *v == '\t')
			v++;
		u->names[k] = name;
		u->values[k] = v;
		u->count++;
	}
	return 0;
}

int
upgrade_set(struct upgrade *u, const struct config *cfg)
{
	const struct ws_url *url = &cfg->url;
	bool v6 = strchr(url->host, ':') != NULL;

	upgrade_free(u);
	snprintf(u->endpoint, sizeof(u->endpoint), "%s://%s%s%s:%u%s",
		 url->tls ? "wss" : "ws", v6 ? "[" : "", url->host, v6 ? "]" : "",
		 url->port, url->path);
	if (cfg->fence_header != NULL) {
		u->fence_name = wire_name(cfg->fence_header,
					  strlen(cfg->fence_header));
		if (u->fence_name == NULL)
			return -1;
	}
	return split_headers(u, &cfg->headers);
}

int
upgrade_append_headers(const struct upgrade *u, struct lws *wsi, void *in,
		       size_t len)
{
	unsigned char **p = in, *end = *p + len;

	for (size_t k = 0; k < u->count; k++) {
		if (lws_add_http_header_by_name(wsi,
				(const unsigned char *)u->names[k],
				(const unsigned char *)u->values[k],
				(int)strlen(u->values[k]), p, end)) {
			log_err("upstream: request headers exceed the buffer");
			return -1;
		}
	}
	if (u->fence_name != NULL && u->fence_value[0] != '\0' &&
	    lws_add_http_header_by_name(wsi, (const unsigned char *)u->fence_name,
			(const unsigned char *)u->fence_value,
			(int)strlen(u->fence_value), p, end)) {
		log_err("upstream: request headers exceed the buffer");
		return -1;
	}
	return 0;
}

struct lws *
upgrade_connect(const struct upgrade *u, const struct config *cfg,
		struct lws_context *ctx, struct lws_vhost *client_vh,
		const char *ip, const char *protocol_name, void *opaque,
		struct lws **pwsi)
{
	const struct ws_url *url = &cfg->url;
	struct lws_client_connect_info i = { 0 };
	/* lws' own ping/hang-up policy stays off: liveness is ours to decide. */
	static const lws_retry_bo_t no_idle_policy = { 0 };

	i.context = ctx;
	i.vhost = client_vh;
	i.address = ip;
	i.port = url->port;
	i.path = url->path;
	/*
	 * The name, not the address, goes in Host, SNI and the certificate
	 * check (lws 4.1 takes all three from here).
	 */
	i.host = cfg->tls_server_name ? cfg->tls_server_name : url->host;
	/* A 3xx fails the attempt (refusal.h) instead of being followed. */
	i.ssl_connection = tls_connect_flags(cfg) | LCCSCF_HTTP_NO_FOLLOW_REDIRECT;
	if (cfg->tls_insecure && url->tls)
		log_warnx("upstream: tls_insecure = yes: the certificate of %s "
			  "is not checked", u->endpoint);
	i.protocol = cfg->subprotocol;
	i.local_protocol_name = protocol_name;
	i.ietf_version_or_minus_one = -1;
	i.opaque_user_data = opaque;
	i.retry_and_idle_policy = &no_idle_policy;
	i.pwsi = pwsi;
	log_debug("upstream: connecting to %s at %s", u->endpoint, ip);
	return lws_client_connect_via_info(&i);
}

uint64_t
upgrade_refusal(struct lws *wsi, int status, char *why, size_t whylen)
{
	static char loc[REFUSAL_LOCATION_MAX];
	char ra[64];
	struct refusal_headers h = { 0 };

	if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_LOCATION) > 0) {
		if (lws_hdr_copy(wsi, loc, sizeof(loc), WSI_TOKEN_HTTP_LOCATION) < 0)
			h.location_too_long = true;
		else
			h.location = loc;
	}
	if (lws_hdr_copy(wsi, ra, sizeof(ra), WSI_TOKEN_HTTP_RETRY_AFTER) > 0)
		h.retry_after = ra;
	return refusal_describe(status, &h, time(NULL), why, whylen);
}
