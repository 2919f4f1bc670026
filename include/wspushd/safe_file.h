/*
 * safe_file.h - opening and reading a file whose name came from a user.
 *
 * The configuration names files: the -c file itself, secrets (@FILE
 * header values, [redis] password_file), TLS certificates and keys.  A
 * name can point at anything: a FIFO, where a plain open(2) waits for a
 * writer forever; /dev/zero or /dev/urandom, which never end; a
 * directory, a socket, a terminal.  Everything here refuses all of that
 * with a message naming the path and what it is, never blocks, and
 * never reads more than the caller's cap, so a wrong name costs an
 * error message instead of a hang or all of the memory.
 *
 * Messages are written to err without a prefix, for the caller to say
 * where the name came from ("file:12: key: " or "command line:
 * --config: "); they name the path and never what is in the file.
 */
#ifndef WSPUSHD_SAFE_FILE_H
#define WSPUSHD_SAFE_FILE_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

/* Room for any message below with a path of up to PATH_MAX bytes. */
#define SAFE_FILE_ERRLEN (PATH_MAX + 128)

enum safe_file_kind {
	SAFE_FILE_REGULAR,	/* a regular file, or a symlink to one */
	SAFE_FILE_DIRECTORY,	/* a searchable directory, or a symlink to one */
};

/*
 * Open path read-only, with O_NONBLOCK | O_CLOEXEC | O_NOCTTY.  The
 * path is stat'ed first, so a FIFO or a device is refused without being
 * opened at all, and the opened descriptor is fstat'ed, so one swapped
 * in between the two is refused too.  Returns the descriptor (for the
 * caller to close), or -1 with one of these in err:
 *	cannot read 'PATH': <strerror>
 *	'PATH' is a FIFO, not a file	(also a directory, a character
 *					 device, a block device, a socket)
 *	'PATH' is not a directory
 * O_NONBLOCK stays set: it changes nothing for a regular file's reads.
 */
int safe_file_open(const char *path, enum safe_file_kind kind, char *err,
		   size_t errlen);

/*
 * Read the rest of fd, a regular file from safe_file_open, into buf,
 * which must hold max + 1 bytes: one more than allowed, to tell "too
 * large" from "exactly full".  A file larger than max, or one that grows
 * past it while being read, is refused as a whole.  Returns the number
 * of bytes read (buf is not terminated), or -1 with one of these in err:
 *	'PATH' is larger than 4MiB	(max in KiB or MiB when it is a
 *					 whole number of them, else bytes)
 *	cannot read 'PATH': <strerror>
 * What was read stays in buf either way: wipe it if it may be a secret.
 */
ssize_t safe_file_read(int fd, const char *path, char *buf, size_t max,
		       char *err, size_t errlen);

#endif
