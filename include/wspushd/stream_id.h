/*
 * stream_id.h - Redis stream entry IDs ("1700000000000-3"): parsed,
 * compared, written back.
 */
#ifndef WSPUSHD_STREAM_ID_H
#define WSPUSHD_STREAM_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "18446744073709551615-18446744073709551615" and its NUL. */
#define STREAM_ID_MAX 42

struct stream_id {
	uint64_t ms, seq;
};

/* "ms-seq" (or "ms", seq 0), len bytes; false if it is not one. */
bool stream_id_parse(const char *s, size_t len, struct stream_id *out);
/* <0, 0, >0 as a is before, equal to, after b. */
int stream_id_cmp(const struct stream_id *a, const struct stream_id *b);
/* "ms-seq" into out (STREAM_ID_MAX bytes). */
void stream_id_format(const struct stream_id *id, char out[STREAM_ID_MAX]);

#endif
