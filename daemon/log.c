/*
 * log.c - see log.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/stat.h>

#include "wspushd/log.h"

static int log_level = LOG_INFO;
static void (*log_sink)(int, const char *, void *);
static void *log_sink_arg;

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

bool
log_enabled(int prio)
{
	return prio <= log_level;
}

const char *
log_error_prefix(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st) < 0)
		return "";
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino ? "<3>" : "";
}

void
log_set_sink(void (*sink)(int, const char *, void *), void *arg)
{
	log_sink = sink;
	log_sink_arg = arg;
}

static void
emit(int prio, const char *line)
{
	if (log_sink != NULL) {
		log_sink(prio, line, log_sink_arg);
		return;
	}
	/* One fprintf per line: stderr is unbuffered, so lines stay whole. */
	fprintf(stderr, "<%d>%s\n", prio, line);
}

void
log_vmsg(int prio, const char *fmt, va_list ap)
{
	char line[1024];
	char *nl;

	if (!log_enabled(prio))
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	/* A stray newline would split one event into two journal entries. */
	while ((nl = strchr(line, '\n')) != NULL)
		*nl = ' ';
	emit(prio, line);
}

void
log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(prio, fmt, ap);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	char buf[768];
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(LOG_WARNING, "%s: %s", buf, strerror(saved));
}

uint64_t
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

enum log_repeat_verdict
log_repeat_check(struct log_repeat *r, const char *msg, uint64_t now_ms,
		 uint64_t *count)
{
	uint64_t interval = r->interval_ms ? r->interval_ms : 60000;

	*count = 0;
	if (r->last[0] == '\0' || strncmp(r->last, msg, sizeof(r->last) - 1) != 0) {
		*count = r->repeats;
		snprintf(r->last, sizeof(r->last), "%s", msg);
		r->repeats = 0;
		r->since_ms = now_ms;
		return REPEAT_LOG;
	}
	r->repeats++;
	if (now_ms - r->since_ms >= interval) {
		*count = r->repeats;
		r->repeats = 0;
		r->since_ms = now_ms;
		return REPEAT_SUMMARISE;
	}
	return REPEAT_SUPPRESS;
}

void
log_repeated(struct log_repeat *r, int prio, const char *fmt, ...)
{
	char msg[256];
	uint64_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	switch (log_repeat_check(r, msg, monotonic_ms(), &n)) {
	case REPEAT_LOG:
		if (n > 0)
			log_msg(prio, "previous message repeated %llu more times",
				(unsigned long long)n);
		log_msg(prio, "%s", msg);
		break;
	case REPEAT_SUMMARISE:
		log_msg(prio, "%s (repeated %llu more times)", msg,
			(unsigned long long)n);
		break;
	case REPEAT_SUPPRESS:
		log_msg(LOG_DEBUG, "%s", msg);
		break;
	}
}

void
log_repeat_reset(struct log_repeat *r, int prio)
{
	if (r->repeats > 0)
		log_msg(prio, "%s (repeated %llu more times)", r->last,
			(unsigned long long)r->repeats);
	r->last[0] = '\0';
	r->repeats = 0;
}

char *
log_printable(char *dst, size_t dstlen, const char *src, size_t srclen)
{
	size_t k = 0;

	if (dstlen == 0)
		return dst;
	for (; k < srclen && k + 1 < dstlen; k++)
		dst[k] = src[k] >= 0x20 && src[k] < 0x7f ? src[k] : '?';
	dst[k] = '\0';
	return dst;
}
