/*
 * stream_reply.c - see stream_reply.h.
 */
#include <string.h>

#include <hiredis/hiredis.h>

#include "wspushd/stream_reply.h"

static bool
is(const redisReply *r, const char *s)
{
	return r->type == REDIS_REPLY_STRING && r->len == strlen(s) &&
	       memcmp(r->str, s, r->len) == 0;
}

/* The value of field name in [f1, v1, f2, v2, ...], or NULL. */
static const redisReply *
field(const redisReply *fields, const char *name)
{
	for (size_t i = 0; i + 1 < fields->elements; i += 2)
		if (is(fields->element[i], name))
			return fields->element[i + 1];
	return NULL;
}

/* One [id, fields] entry into e; false when it is not one. */
static bool
entry(const redisReply *r, struct stream_entry *e)
{
	const redisReply *data;

	if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
	    r->element[0]->type != REDIS_REPLY_STRING ||
	    !stream_id_parse(r->element[0]->str, r->element[0]->len, &e->id))
		return false;
	e->data = NULL;
	e->len = 0;
	if (r->element[1]->type != REDIS_REPLY_ARRAY) {
		e->kind = SE_DELETED;
		return true;
	}
	data = field(r->element[1], "data");
	if (data == NULL) {
		e->kind = SE_NO_DATA;
	} else if (data->type == REDIS_REPLY_NIL) {
		e->kind = SE_OVERSIZE;
	} else if (data->type != REDIS_REPLY_STRING) {
		e->kind = SE_NOT_STRING;
	} else {
		e->kind = SE_DATA;
		e->data = data->str;
		e->len = data->len;
	}
	return true;
}

static bool
stream_index(const redisReply *name, char *const *names, size_t n, size_t *i)
{
	for (*i = 0; *i < n; (*i)++)
		if (is(name, names[*i]))
			return true;
	return false;
}

bool
stream_reply_walk(const redisReply *r, char *const *names, size_t n,
		  void (*fn)(void *, const struct stream_entry *), void *arg,
		  bool *seen)
{
	if (r->type == REDIS_REPLY_NIL)
		return true;
	if (r->type != REDIS_REPLY_ARRAY)
		return false;
	for (size_t i = 0; i < r->elements; i++) {
		const redisReply *one = r->element[i];
		struct stream_entry e;

		if (one->type != REDIS_REPLY_ARRAY || one->elements != 2 ||
		    one->element[1]->type != REDIS_REPLY_ARRAY ||
		    !stream_index(one->element[0], names, n, &e.stream))
			continue;
		if (seen != NULL && one->element[1]->elements > 0)
			seen[e.stream] = true;
		for (size_t j = 0; j < one->element[1]->elements; j++)
			if (entry(one->element[1]->element[j], &e))
				fn(arg, &e);
	}
	return true;
}

bool
stream_reply_entries(const redisReply *r, size_t stream,
		     void (*fn)(void *, const struct stream_entry *), void *arg)
{
	struct stream_entry e = { .stream = stream };

	if (r->type != REDIS_REPLY_ARRAY)
		return false;
	for (size_t i = 0; i < r->elements; i++)
		if (entry(r->element[i], &e))
			fn(arg, &e);
	return true;
}
