/*
 * inbound_dest.c - see inbound_dest.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/inbound_dest.h"
#include "wspushd/xalloc.h"

struct inbound_dest *
inbound_dest_new(const struct config *cfg)
{
	const char *name = cfg->inbound_stream != NULL ? cfg->inbound_stream :
			   cfg->inbound_channel;
	struct inbound_dest *d;
	size_t n;

	if (name == NULL)
		return NULL;
	n = strlen(name);
	d = xmalloc(sizeof(*d) + n + 1);
	d->refs = 1;
	d->stream = cfg->inbound_stream != NULL;
	snprintf(d->maxlen, sizeof(d->maxlen), "%zu", cfg->inbound_maxlen);
	memcpy(d->name, name, n + 1);
	return d;
}

struct inbound_dest *
inbound_dest_ref(struct inbound_dest *d)
{
	if (d != NULL)
		d->refs++;
	return d;
}

void
inbound_dest_unref(struct inbound_dest *d)
{
	if (d != NULL && --d->refs == 0)
		free(d);
}

bool
inbound_dest_same(const struct inbound_dest *a, const struct inbound_dest *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->stream == b->stream && strcmp(a->name, b->name) == 0 &&
	       (!a->stream || strcmp(a->maxlen, b->maxlen) == 0);
}

/* v in decimal (it is paid for every message: no printf). */
static void
decimal(char out[24], int64_t v)
{
	char rev[24];
	uint64_t u = v < 0 ? 0 : (uint64_t)v;
	size_t n = 0;

	do {
		rev[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0);
	for (size_t i = 0; i < n; i++)
		out[i] = rev[n - 1 - i];
	out[n] = '\0';
}

int
inbound_dest_command(const struct inbound_dest *d, const void *data,
		     size_t len, bool binary, int64_t at_ms, char stamp[24],
		     const char **argv, size_t *lens)
{
	int n = 0, msg;

	if (!d->stream) {
		argv[n++] = "PUBLISH";
		argv[n++] = d->name;
		msg = n++;
	} else {
		decimal(stamp, at_ms);
		argv[n++] = "XADD";
		argv[n++] = d->name;
		argv[n++] = "MAXLEN";
		argv[n++] = "~";
		argv[n++] = d->maxlen;
		argv[n++] = "*";
		argv[n++] = "data";
		msg = n++;
		argv[n++] = "type";
		argv[n++] = binary ? "binary" : "text";
		argv[n++] = "time";
		argv[n++] = stamp;
	}
	/* Every argument is text but the message, which is bytes. */
	for (int i = 0; i < n; i++)
		lens[i] = i == msg ? 0 : strlen(argv[i]);
	argv[msg] = data != NULL ? data : "";
	lens[msg] = len;
	return n;
}
