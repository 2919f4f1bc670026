/*
 * config_files.h - every file the configuration names is read, or
 * checked, here and nowhere else: the -c file itself, secrets kept out
 * of it ("Name: @FILE" headers, [redis] password_file), and the TLS
 * files and directories a connection will need.
 *
 * Every file goes through safe_file.h: regular files (or directories)
 * only, never a FIFO or a device, and never more than a cap.  Messages
 * go to err without a prefix, for the caller to say where the name came
 * from; they name the file, never what is in it.
 */
#ifndef WSPUSHD_CONFIG_FILES_H
#define WSPUSHD_CONFIG_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

#include "wspushd/safe_file.h"

#define CONFIG_FILE_MAX (4u << 20)	/* the -c file: real ones are a few KiB */
#define SECRET_MAX (16u << 10)
/* Room for any message below but secret_read()'s, which needs more. */
#define CONFIG_FILES_ERRLEN (SAFE_FILE_ERRLEN + 256)

/*
 * The -c file, whole, read before any of it is parsed, so a file that
 * never ends cannot block a start (or a SIGHUP reload) or fill the
 * memory.  Returns its length and sets *buf (for the caller to wipe,
 * since the file may hold a password, and free), or -1 with err set.
 */
ssize_t config_file_read(const char *path, char **buf, char *err,
			 size_t errlen);

/*
 * A file (or, with dir, a directory) needed later, when connecting:
 * checked now, so a typo shows at start (and under --check-config)
 * instead of at every reconnect.  Only opened, never read: what is in
 * it is the TLS library's to judge.  0, or -1 with err set.
 */
int config_path_check(const char *path, bool dir, char *err, size_t errlen);

/*
 * A credential kept out of the config file.  spec is a path when it
 * holds a '/', else the name of a file in $CREDENTIALS_DIRECTORY, where
 * systemd puts what LoadCredential= names.  The whole file is the
 * value, less one line end at the very end; it must hold no other line
 * break and no NUL.  A header value (header) also loses the blanks
 * around it (they are not part of it in HTTP) and may hold no control
 * characters but tab.  Returns the value (for the caller to wipe and
 * free), or NULL with err set; err needs secret_errlen(spec) bytes to
 * hold any message whole.
 */
char *secret_read(const char *spec, bool header, char *err, size_t errlen);

static inline size_t
secret_errlen(const char *spec)
{
	return CONFIG_FILES_ERRLEN + strlen(spec);
}

#endif
