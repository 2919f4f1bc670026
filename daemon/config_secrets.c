/*
 * config_secrets.c - files the configuration names, and secrets read from them:
 * readable regular files and directories, header values and the Redis
 * password from @PATH or $CREDENTIALS_DIRECTORY, never echoed back.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "wspushd/config.h"

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
 * What stat says a path is, for "'/etc/x' is a directory, not a file".
 * Devices, FIFOs and sockets are refused before they are opened:
 * opening one can block, or do something.
 */
static const char *
file_type(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory";
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return "a device";
	if (S_ISFIFO(mode))
		return "a FIFO";
	if (S_ISSOCK(mode))
		return "a socket";
	return "something else";
}

/*
 * A file or directory that is needed later, when connecting: checked
 * now, so a typo shows at start (and under --check-config) instead of
 * at every reconnect.  Only stat and open; what is in it is the TLS
 * library's to judge.  Returns an open descriptor or -1 having said
 * why.
 */
static int
open_checked(struct loader *ld, const char *where, const char *path,
	     bool dir)
{
	struct stat st;
	int fd;

	if (stat(path, &st) < 0) {
		fail(ld, "%s: cannot read '%s': %s", where, path,
		     strerror(errno));
		return -1;
	}
	if (dir && !S_ISDIR(st.st_mode)) {
		fail(ld, "%s: '%s' is not a directory", where, path);
		return -1;
	}
	if (!dir && !S_ISREG(st.st_mode)) {
		fail(ld, "%s: '%s' is %s, not a file", where, path,
		     file_type(st.st_mode));
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
		  (dir ? O_DIRECTORY : 0));
	/* Certificates are looked up by name in a CA directory. */
	if (fd >= 0 && dir && access(path, X_OK) < 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		fail(ld, "%s: cannot read '%s': %s", where, path,
		     strerror(errno));
		return -1;
	}
	/* Swapped for something else since the stat: say so too. */
	if (fstat(fd, &st) < 0 || (dir ? !S_ISDIR(st.st_mode) :
				    !S_ISREG(st.st_mode))) {
		close(fd);
		fail(ld, "%s: '%s' changed while it was being read", where,
		     path);
		return -1;
	}
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
		fd = open_checked(ld, where, value, k->kind == KIND_DIR);
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
	size_t len = 0, start = 0;
	ssize_t n;
	int fd;

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
	fd = open_checked(ld, where, path, false);
	if (fd < 0)
		goto out;
	/* One byte more than allowed, to tell "too large" from "full". */
	buf = malloc(SECRET_MAX + 2);
	if (buf == NULL)
		oom();
	while (len <= SECRET_MAX) {
		n = read(fd, buf + len, SECRET_MAX + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fail(ld, "%s: cannot read '%s': %s", where, path,
			     strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > SECRET_MAX) {
		fail(ld, "%s: '%s' is larger than 16KiB", where, path);
		goto out;
	}
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
		explicit_bzero(buf, SECRET_MAX + 2);
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
