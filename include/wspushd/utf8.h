/*
 * utf8.h - strict UTF-8 validation (RFC 3629), as RFC 6455 requires of
 * text frames: no overlong forms, no surrogates, nothing above U+10FFFF.
 */
#ifndef WSPUSHD_UTF8_H
#define WSPUSHD_UTF8_H

#include <stdbool.h>
#include <stddef.h>

bool utf8_valid(const void *data, size_t len);

#endif
