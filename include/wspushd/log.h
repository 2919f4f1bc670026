/*
 * log.h - one line per event on stderr, each prefixed with the syslog
 * priority as "<N>" so journald files it at the right level.
 *
 * log_warn() appends strerror(errno); log_warnx() does not (OpenBSD's
 * convention).  A reconnect loop must not flood the journal, so errors
 * that repeat go through a struct log_repeat: the first is logged, the
 * repeats are counted and summarised.
 */
#ifndef WSPUSHD_LOG_H
#define WSPUSHD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

void log_set_level(int level);	/* LOG_ERR .. LOG_DEBUG */
int log_get_level(void);
bool log_enabled(int prio);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(int prio, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#define log_err(...)	log_msg(LOG_ERR, __VA_ARGS__)
#define log_warnx(...)	log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	log_msg(LOG_DEBUG, __VA_ARGS__)
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Where lines go; stderr unless a test redirects it. */
/*
 * "<3>" when stderr is the journal (systemd's JOURNAL_STREAM names it), so
 * that lines written before the logger runs (configuration errors) are
 * filed as errors; "" on a terminal, where the prefix is noise.
 */
const char *log_error_prefix(void);
void log_set_sink(void (*sink)(int prio, const char *line, void *arg), void *arg);

/*
 * Repeat suppression for one source of errors (one per connection).
 * The decision is a pure function of the message and the time, so it
 * is unit-tested without a clock.
 */
struct log_repeat {
	char last[256];		/* last message logged from this source */
	uint64_t repeats;	/* identical messages since it was logged */
	uint64_t since_ms;	/* when it was last logged or summarised */
	uint64_t interval_ms;	/* summarise at most this often; 0 = 60 s */
};

enum log_repeat_verdict {
	REPEAT_LOG,		/* new message: log it */
	REPEAT_SUPPRESS,	/* same as before: count it, say nothing */
	REPEAT_SUMMARISE,	/* same, and interval passed: log a summary */
};

/*
 * Decide what to do with msg at now_ms.  On REPEAT_SUMMARISE *count is
 * the number of repeats being summarised; on REPEAT_LOG it is the number
 * of unreported repeats of the previous message (0 if none).
 */
enum log_repeat_verdict log_repeat_check(struct log_repeat *r, const char *msg,
					 uint64_t now_ms, uint64_t *count);

/* Log through r: first occurrence, then a summary now and then. */
void log_repeated(struct log_repeat *r, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The trouble is over: report unreported repeats and forget them. */
void log_repeat_reset(struct log_repeat *r, int prio);

uint64_t monotonic_ms(void);

/*
 * Bytes a peer chose (a channel name, a Location header), made fit for
 * one log line: anything but printable ASCII becomes '?', so they cannot
 * forge lines or upset a terminal; cut to dstlen - 1, always terminated.
 * Returns dst.
 */
char *log_printable(char *dst, size_t dstlen, const char *src, size_t srclen);

#endif
