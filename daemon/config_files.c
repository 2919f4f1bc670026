/*
 * config_files.c - see config_files.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wspushd/config_files.h"
#include "wspushd/config_values.h"
#include "wspushd/safe_file.h"
#include "wspushd/xalloc.h"

ssize_t
config_file_read(const char *path, char **buf, char *err, size_t errlen)
{
	ssize_t len;
	char *b;
	int fd;

	fd = safe_file_open(path, SAFE_FILE_REGULAR, err, errlen);
	if (fd < 0)
		return -1;
	/* One byte more than allowed, to tell "too large" from "full". */
	b = xmalloc(CONFIG_FILE_MAX + 1);
	len = safe_file_read(fd, path, b, CONFIG_FILE_MAX, err, errlen);
	close(fd);
	if (len < 0) {
		/* A failed read says nothing of how much of b it filled. */
		explicit_bzero(b, CONFIG_FILE_MAX + 1);
		free(b);
		return -1;
	}
	*buf = b;
	return len;
}

int
config_path_check(const char *path, bool dir, char *err, size_t errlen)
{
	int fd;

	if (has_control(path)) {
		snprintf(err, errlen, "file name contains control characters");
		return -1;
	}
	fd = safe_file_open(path, dir ? SAFE_FILE_DIRECTORY :
			    SAFE_FILE_REGULAR, err, errlen);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Where spec is: itself, or a name in $CREDENTIALS_DIRECTORY. */
static char *
secret_path(const char *spec, char *err, size_t errlen)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	size_t dlen;

	if (*spec == '\0') {
		snprintf(err, errlen, "empty file name");
		return NULL;
	}
	if (has_control(spec)) {
		snprintf(err, errlen, "file name contains control characters");
		return NULL;
	}
	if (strchr(spec, '/') != NULL)
		return xstrdup(spec);
	if (dir == NULL || *dir == '\0') {
		snprintf(err, errlen, "CREDENTIALS_DIRECTORY is not set, so "
			 "credential '%s' cannot be found (load it with "
			 "LoadCredential=, or give a path containing '/')",
			 spec);
		return NULL;
	}
	dlen = strlen(dir);
	while (dlen > 1 && dir[dlen - 1] == '/')
		dlen--;
	return xasprintf("%.*s/%s", (int)dlen, dir, spec);
}

/*
 * What is allowed in a secret of len bytes in buf (terminated at len),
 * which path held.  Sets *start and *len to the value within buf.
 */
static int
check_secret(const char *buf, size_t *start, size_t *len, bool header,
	     const char *path, char *err, size_t errlen)
{
	size_t s = 0, n = *len;

	if (memchr(buf, '\0', n) != NULL) {
		snprintf(err, errlen, "'%s' contains a NUL byte", path);
		return -1;
	}
	if (strpbrk(buf, "\r\n") != NULL) {
		snprintf(err, errlen, "'%s' contains a line break (only one, "
			 "at the end, is allowed)", path);
		return -1;
	}
	if (header) {
		s = strspn(buf, " \t");
		while (n > s && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
			n--;
	}
	if (n == s) {
		snprintf(err, errlen, "'%s' is empty", path);
		return -1;
	}
	for (size_t i = s; header && i < n; i++) {
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f) {
			snprintf(err, errlen, "'%s' contains control "
				 "characters", path);
			return -1;
		}
	}
	*start = s;
	*len = n;
	return 0;
}

char *
secret_read(const char *spec, bool header, char *err, size_t errlen)
{
	char *path, *buf = NULL, *value = NULL;
	size_t len, start;
	ssize_t n;
	int fd;

	path = secret_path(spec, err, errlen);
	if (path == NULL)
		return NULL;
	fd = safe_file_open(path, SAFE_FILE_REGULAR, err, errlen);
	if (fd < 0)
		goto out;
	/* One byte more than allowed, to tell "too large" from "full". */
	buf = xmalloc(SECRET_MAX + 1);
	n = safe_file_read(fd, path, buf, SECRET_MAX, err, errlen);
	close(fd);
	if (n < 0)
		goto out;
	len = (size_t)n;
	/* "\n" or "\r\n", as editors leave it. */
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	buf[len] = '\0';
	if (check_secret(buf, &start, &len, header, path, err, errlen) == 0)
		value = xstrndup(buf + start, len - start);
out:
	if (buf != NULL) {
		explicit_bzero(buf, SECRET_MAX + 1);
		free(buf);
	}
	free(path);
	return value;
}
