/*
 * reload.c - see reload.h.
 */
#include <string.h>

#include "wspushd/reload.h"

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

static bool
list_differs(const struct strlist *a, const struct strlist *b)
{
	if (a->count != b->count)
		return true;
	for (size_t i = 0; i < a->count; i++)
		if (strcmp(a->items[i], b->items[i]) != 0)
			return true;
	return false;
}

/* As sets: the order of channels does not matter to Redis. */
static bool
set_differs(const struct strlist *a, const struct strlist *b)
{
	const char *none[1];

	return a->count != b->count || strlist_minus(a, b, none) > 0;
}

size_t
strlist_minus(const struct strlist *a, const struct strlist *b, const char **out)
{
	size_t n = 0;

	/* Quadratic, and fine: lists are short and this runs on SIGHUP only. */
	for (size_t i = 0; i < a->count; i++) {
		bool found = false;

		for (size_t j = 0; j < b->count && !found; j++)
			found = strcmp(a->items[i], b->items[j]) == 0;
		if (!found) {
			if (out != NULL && n < a->count)
				out[n] = a->items[i];
			n++;
		}
	}
	return n;
}

void
reload_plan(const struct config *o, const struct config *n, struct reload_plan *p)
{
	memset(p, 0, sizeof(*p));
	/* Everything that shapes the upgrade request or the TLS session. */
	p->upstream = str_differs(o->url_text, n->url_text) ||
		      list_differs(&o->headers, &n->headers) ||
		      str_differs(o->subprotocol, n->subprotocol) ||
		      str_differs(o->tls_ca_file, n->tls_ca_file) ||
		      str_differs(o->tls_ca_dir, n->tls_ca_dir) ||
		      str_differs(o->tls_cert_file, n->tls_cert_file) ||
		      str_differs(o->tls_key_file, n->tls_key_file) ||
		      str_differs(o->tls_server_name, n->tls_server_name) ||
		      o->tls_insecure != n->tls_insecure;
	p->redis = str_differs(o->redis_url_text, n->redis_url_text) ||
		   str_differs(o->redis.password, n->redis.password) ||
		   str_differs(o->redis.user, n->redis.user);
	p->subscriptions = set_differs(&o->channels, &n->channels) ||
			   set_differs(&o->patterns, &n->patterns);
	p->status = str_differs(o->status_key, n->status_key) ||
		    str_differs(o->status_channel, n->status_channel) ||
		    o->status_ttl_ms != n->status_ttl_ms;
	p->metrics = str_differs(o->metrics_listen, n->metrics_listen);
}
