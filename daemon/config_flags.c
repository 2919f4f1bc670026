/*
 * config_flags.c - the command line: flags parsed into a scratch config,
 * then moved over what the file said.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/config.h"

#include "config_internal.h"

/* ---- the command line ---------------------------------------------- */

enum {
	OPT_URL = 256,
	OPT_REDIS,
	OPT_CHANNEL,
	OPT_PATTERN,
	OPT_CHECK_CONFIG,
	OPT_LOG_LEVEL,
	OPT_CONNECT_TIMEOUT,
	OPT_PING_INTERVAL,
	OPT_PONG_TIMEOUT,
	OPT_DRAIN_TIMEOUT,
	OPT_STATUS,
};

static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "url", required_argument, NULL, OPT_URL },
	{ "redis", required_argument, NULL, OPT_REDIS },
	{ "channel", required_argument, NULL, OPT_CHANNEL },
	{ "pattern", required_argument, NULL, OPT_PATTERN },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
	{ "ping-interval", required_argument, NULL, OPT_PING_INTERVAL },
	{ "pong-timeout", required_argument, NULL, OPT_PONG_TIMEOUT },
	{ "drain-timeout", required_argument, NULL, OPT_DRAIN_TIMEOUT },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int
option_key(int c)
{
	switch (c) {
	case OPT_URL:
		return UP_URL;
	case OPT_REDIS:
		return RD_URL;
	case OPT_CHANNEL:
		return RD_CHANNEL;
	case OPT_PATTERN:
		return RD_PATTERN;
	case OPT_LOG_LEVEL:
		return D_LOG_LEVEL;
	case OPT_CONNECT_TIMEOUT:
		return UP_CONNECT_TIMEOUT;
	case OPT_PING_INTERVAL:
		return UP_PING_INTERVAL;
	case OPT_PONG_TIMEOUT:
		return UP_PONG_TIMEOUT;
	case OPT_DRAIN_TIMEOUT:
		return D_DRAIN_TIMEOUT;
	}
	return -1;
}

/* getopt_long takes unique prefixes; say so when one is not unique. */
bool
ambiguous(const char *arg)
{
	size_t n = strcspn(arg + 2, "=");
	int matches = 0;

	for (const struct option *o = long_options; o->name != NULL; o++)
		if (strncmp(o->name, arg + 2, n) == 0)
			matches++;
	return n > 0 && matches > 1;
}

static void
bad_option(struct loader *ld, char **argv, int c)
{
	const char *arg = argv[optind - 1];
	bool islong = strncmp(arg, "--", 2) == 0;

	if (c == ':' && islong)
		fail(ld, "command line: option '%.*s' requires an argument",
		     (int)strcspn(arg, "="), arg);
	else if (c == ':')
		fail(ld, "command line: option '-%c' requires an argument",
		     optopt);
	else if (islong && optopt != 0)
		fail(ld, "command line: option '%.*s' doesn't allow an "
		     "argument", (int)strcspn(arg, "="), arg);
	else if (islong && ambiguous(arg))
		fail(ld, "command line: option '%s' is ambiguous", arg);
	else if (islong)
		fail(ld, "command line: unrecognized option '%s'", arg);
	else
		fail(ld, "command line: unrecognized option '-%c'", optopt);
}

/* Returns the -c argument (pointing into argv), NULL if none. */
const char *
parse_flags(struct loader *ld, int argc, char **argv, enum cli_action *action)
{
	const char *path = NULL;
	bool help = false, version = false, check = false, status = false;
	char where[64];
	int c, id;

	/* 0, not 1: glibc then also resets its internal state. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", long_options,
				NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			help = true;
			break;
		case 'V':
			version = true;
			break;
		case OPT_CHECK_CONFIG:
			check = true;
			break;
		case OPT_STATUS:
			status = true;
			break;
		case '?':
		case ':':
			bad_option(ld, argv, c);
			break;
		default:
			id = option_key(c);
			if (id < 0)
				break;
			snprintf(where, sizeof(where), "command line: %s",
				 cfg_keys[id].flag);
			ld->from_cli[id] = true;
			if (set_value(ld, &ld->cli, (enum key_id)id, where,
				      optarg) < 0) {
				ld->bad[id] = true;
				ld->bad_flag[id] = true;
			}
			break;
		}
	}
	for (int i = optind; i < argc; i++)
		fail(ld, "command line: unexpected argument '%s' (settings "
		     "are given as --flags or in the -c file)", argv[i]);

	/* Either is a question about the file; which one is unclear. */
	if (check && status && !help && !version)
		fail(ld, "command line: --check-config and --status cannot be "
		     "combined");
	if (help)
		*action = CLI_HELP;
	else if (version)
		*action = CLI_VERSION;
	else if (check)
		*action = CLI_CHECK_CONFIG;
	else if (status)
		*action = CLI_STATUS;
	else
		*action = CLI_RUN;
	ld->action = *action;
	return path;
}

/*
 * Flags win over the file; repeatable flags replace the file's list.
 * A good flag still replaces a bad line of the file (which was
 * reported): the result is then as near as can be to what was meant.
 */
void
apply_flags(struct loader *ld)
{
	struct config *cfg = ld->cfg, *cli = &ld->cli;

	if (cli->url_text != NULL) {
		ws_url_free(&cfg->url);
		free(cfg->url_text);
		cfg->url = cli->url;
		cfg->url_text = cli->url_text;
		memset(&cli->url, 0, sizeof(cli->url));
		cli->url_text = NULL;
	}
	if (cli->redis_url_text != NULL) {
		redis_url_free(&cfg->redis);
		wipe(cfg->redis_url_text);
		free(cfg->redis_url_text);
		cfg->redis = cli->redis;
		cfg->redis_url_text = cli->redis_url_text;
		memset(&cli->redis, 0, sizeof(cli->redis));
		cli->redis_url_text = NULL;
	}
	if (cli->channels.count > 0)
		strlist_move(&cfg->channels, &cli->channels);
	if (cli->patterns.count > 0)
		strlist_move(&cfg->patterns, &cli->patterns);
	if (ld->from_cli[D_LOG_LEVEL] && !ld->bad_flag[D_LOG_LEVEL])
		cfg->log_level = cli->log_level;
	for (int i = 0; i < KEY_COUNT; i++) {
		const struct key_def *k = &cfg_keys[i];

		if (k->kind == KIND_DURATION && ld->from_cli[i] &&
		    !ld->bad_flag[i])
			*(uint64_t *)field(cfg, k) =
				*(uint64_t *)field(cli, k);
	}
}
