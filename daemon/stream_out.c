/*
 * stream_out.c - see stream_out.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "wspushd/log.h"
#include "wspushd/redis_cmd.h"
#include "wspushd/stream_out.h"
#include "wspushd/xalloc.h"

/* Most IDs per XACK. */
#define ACK_BATCH 500

void
stream_out_init(struct stream_out *o, struct redis_cmd *cmd, const char *group,
		char *const *names, struct stream_stats *stats, size_t n,
		const char *dead_letter, unsigned max_deliveries)
{
	*o = (struct stream_out){
		.cmd = cmd, .group = group, .names = names, .n = n,
		.stats = stats, .dead_letter = dead_letter,
		.max_deliveries = max_deliveries,
	};
	o->due = xcalloc(n, sizeof(*o->due));
	o->bad_log.interval_ms = 10000;
}

void
stream_out_invalid(struct stream_out *o, size_t i, const struct stream_id *id,
		   const char *why)
{
	char text[STREAM_ID_MAX];

	stream_id_format(id, text);
	o->stats[i].invalid++;
	log_repeated(&o->bad_log, LOG_WARNING, "streams: %s entry %s: %s; "
		     "acknowledged, not delivered", o->names[i], text, why);
	stream_out_due(o, i, id);
}

void
stream_out_free(struct stream_out *o)
{
	for (size_t i = 0; o->due != NULL && i < o->n; i++)
		free(o->due[i].ids);
	free(o->due);
	o->due = NULL;
}

void
stream_out_due(struct stream_out *o, size_t i, const struct stream_id *id)
{
	struct stream_due *d = &o->due[i];

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->ids = xreallocarray(d->ids, d->cap, sizeof(*d->ids));
	}
	d->ids[d->n++] = *id;
}

void
stream_out_flush(struct stream_out *o)
{
	const char *argv[3 + ACK_BATCH];
	char ids[ACK_BATCH][STREAM_ID_MAX];

	for (size_t k = 0; k < o->n; k++) {
		struct stream_due *d = &o->due[k];

		while (d->n > 0) {
			size_t n = d->n < ACK_BATCH ? d->n : ACK_BATCH;

			argv[0] = "XACK";
			argv[1] = o->names[k];
			argv[2] = o->group;
			for (size_t i = 0; i < n; i++) {
				stream_id_format(&d->ids[i], ids[i]);
				argv[3 + i] = ids[i];
			}
			/* Not now (Redis is down): kept, and sent when it is up. */
			if (redis_cmd_send(o->cmd, NULL, NULL, (int)(3 + n), argv,
					   NULL) < 0)
				return;
			memmove(d->ids, d->ids + n, (d->n - n) * sizeof(d->ids[0]));
			d->n -= n;
		}
	}
}

struct dead_job {
	struct stream_out *o;
	size_t stream;
	struct stream_id id;
};

static void
dead_lettered(void *arg, const struct redisReply *r)
{
	struct dead_job *j = arg;
	struct stream_out *o = j->o;

	if (r != NULL && r->type != REDIS_REPLY_ERROR) {
		o->stats[j->stream].dead++;
		stream_out_due(o, j->stream, &j->id);
		stream_out_flush(o);
	} else {
		log_warnx("streams: cannot add to the dead-letter stream of %s: "
			  "%s; the entry stays pending", o->names[j->stream],
			  r == NULL ? "connection lost" : r->str);
	}
	free(j);
}

void
stream_out_dead(struct stream_out *o, size_t i, const struct stream_id *id,
		const void *data, size_t len)
{
	struct dead_job *j = xcalloc(1, sizeof(*j));
	char text[STREAM_ID_MAX], reason[96], *dl;
	const char *argv[11];
	size_t lens[11];

	stream_id_format(id, text);
	snprintf(reason, sizeof(reason), "the upstream closed the connection "
		 "on it %u times", o->max_deliveries + 1);
	dl = o->dead_letter ? xstrdup(o->dead_letter) :
	     xasprintf("%s:dead", o->names[i]);
	log_warnx("streams: %s entry %s: %s; moved to %s", o->names[i], text,
		  reason, dl);
	*j = (struct dead_job){ .o = o, .stream = i, .id = *id };
	argv[0] = "XADD", argv[1] = dl, argv[2] = "*";
	argv[3] = "stream", argv[4] = o->names[i];
	argv[5] = "id", argv[6] = text, argv[7] = "reason", argv[8] = reason;
	argv[9] = "data", argv[10] = data;
	for (int k = 0; k < 11; k++)
		lens[k] = k == 10 ? len : strlen(argv[k]);
	if (redis_cmd_send(o->cmd, dead_lettered, j, 11, argv, lens) < 0) {
		log_warnx("streams: Redis is down; the entry stays pending");
		free(j);
	}
	free(dl);
}
