/*
 * lws_log.c - see lws_log.h.
 */
#include <string.h>

#include <libwebsockets.h>

#include "wspushd/log.h"
#include "wspushd/lws_log.h"
#include "wspushd/tls.h"

static void
emit(int level, const char *line)
{
	static struct log_repeat lws_repeat;
	int prio = level & LLL_ERR ? LOG_ERR :
		   level & LLL_WARN ? LOG_WARNING :
		   level & LLL_NOTICE ? LOG_NOTICE : LOG_DEBUG;
	size_t n = strlen(line);
	const char *why = strstr(line, "SSL error: ");

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (why != NULL)
		tls_saw_error(why + strlen("SSL error: "));
	log_repeated(&lws_repeat, prio, "lws: %.*s", (int)n, line);
}

static int
mask_for(int level)
{
	/* lws' notices are chatty (banners, vhost setup): debug only. */
	if (level >= LOG_DEBUG)
		return LLL_ERR | LLL_WARN | LLL_NOTICE;
	if (level >= LOG_WARNING)
		return LLL_ERR | LLL_WARN;
	return LLL_ERR;
}

void
lws_log_route(int level)
{
	lws_set_log_level(mask_for(level), emit);
}
