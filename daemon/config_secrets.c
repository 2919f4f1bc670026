/*
 * config_secrets.c - files the configuration names, and secrets read from them:
 * readable regular files and directories, header values and the Redis
 * password from @PATH or $CREDENTIALS_DIRECTORY, never echoed back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wspushd/config.h"
#include "wspushd/safe_file.h"

#include "config_internal.h"

/* ---- files and secrets --------------------------------------------- */

bool
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/*
 * A file or directory that is needed later, when connecting: checked
 * now, so a typo shows at start (and under --check-config) instead of
 * at every reconnect.  Only opened, never read here: what is in it is
 * the TLS library's to judge.  Returns an open descriptor or -1 having
 * said why.
 */
static int
open_checked(struct loader *ld, const char *where, const char *path,
	     enum safe_file_kind kind)
{
	char err[SAFE_FILE_ERRLEN];
	int fd = safe_file_open(path, kind, err, sizeof(err));

	if (fd < 0)
		fail(ld, "%s: %s", where, err);
	return fd;
}

/* tls_ca_file, tls_ca_dir, tls_cert_file, tls_key_file. */
int
set_path(struct loader *ld, struct config *cfg, const struct key_def *k,
	 const char *where, const char *value)
{
	char **dst = field(cfg, k);
	int fd;

	if (*value != '\0') {
		if (has_control(value)) {
			fail(ld, "%s: file name contains control characters",
			     where);
			return -1;
		}
		fd = open_checked(ld, where, value, k->kind == KIND_DIR ?
				  SAFE_FILE_DIRECTORY : SAFE_FILE_REGULAR);
		if (fd < 0)
			return -1;
		close(fd);
	}
	free(*dst);
	*dst = *value != '\0' ? xstrdup(value) : NULL;
	return 0;
}

/*
 * A credential kept out of the config file.  spec is a path when it
 * holds a '/', else the name of a file in $CREDENTIALS_DIRECTORY,
 * where systemd puts what LoadCredential= names.  The whole file is
 * the value, less one line end at the very end; it must hold no other
 * line break and no NUL.  A header value also loses the blanks around
 * it (they are not part of it in HTTP) and may not hold other control
 * characters than tab.  Messages name the file, never what is in it.
 * Returns the value (for the caller to wipe and free) or NULL having
 * said why.
 */
char *
read_secret(struct loader *ld, const char *where, const char *spec,
	    bool header)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");
	char *path = NULL, *buf = NULL, *value = NULL;
	char err[SAFE_FILE_ERRLEN];
	size_t len = 0, start = 0;
	ssize_t n;
	int fd = -1;

	if (*spec == '\0') {
		fail(ld, "%s: empty file name", where);
		return NULL;
	}
	if (has_control(spec)) {
		fail(ld, "%s: file name contains control characters", where);
		return NULL;
	}
	if (strchr(spec, '/') != NULL) {
		path = xstrdup(spec);
	} else if (dir == NULL || *dir == '\0') {
		fail(ld, "%s: CREDENTIALS_DIRECTORY is not set, so credential "
		     "'%s' cannot be found (load it with LoadCredential=, or "
		     "give a path containing '/')", where, spec);
		return NULL;
	} else {
		size_t dlen = strlen(dir);

		while (dlen > 1 && dir[dlen - 1] == '/')
			dlen--;
		if (asprintf(&path, "%.*s/%s", (int)dlen, dir, spec) < 0)
			oom();
	}
	fd = open_checked(ld, where, path, SAFE_FILE_REGULAR);
	if (fd < 0)
		goto out;
	/* One byte more than allowed, to tell "too large" from "full". */
	buf = malloc(SECRET_MAX + 1);
	if (buf == NULL)
		oom();
	n = safe_file_read(fd, path, buf, SECRET_MAX, err, sizeof(err));
	if (n < 0) {
		fail(ld, "%s: %s", where, err);
		goto out;
	}
	len = (size_t)n;
	/* "\n" or "\r\n", as editors leave it. */
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		fail(ld, "%s: '%s' contains a NUL byte", where, path);
		goto out;
	}
	if (strpbrk(buf, "\r\n") != NULL) {
		fail(ld, "%s: '%s' contains a line break (only one, at the "
		     "end, is allowed)", where, path);
		goto out;
	}
	if (header) {
		start = strspn(buf, " \t");
		while (len > start && (buf[len - 1] == ' ' ||
				       buf[len - 1] == '\t'))
			len--;
	}
	if (len == start) {
		fail(ld, "%s: '%s' is empty", where, path);
		goto out;
	}
	for (size_t i = start; header && i < len; i++) {
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f) {
			fail(ld, "%s: '%s' contains control characters", where,
			     path);
			goto out;
		}
	}
	value = strndup(buf + start, len - start);
	if (value == NULL)
		oom();
out:
	if (buf != NULL) {
		explicit_bzero(buf, SECRET_MAX + 1);
		free(buf);
	}
	if (fd >= 0)
		close(fd);
	free(path);
	return value;
}

/* [redis] password_file: AUTH with this instead of the URL's password. */
int
set_password_file(struct loader *ld, const char *where, const char *value)
{
	char *pw = NULL;

	if (*value != '\0') {
		pw = read_secret(ld, where, value, false);
		if (pw == NULL)
			return -1;
	}
	wipe(ld->redis_password);
	free(ld->redis_password);
	ld->redis_password = pw;
	return 0;
}
