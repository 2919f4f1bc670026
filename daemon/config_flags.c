/*
 * config_flags.c - see config_flags.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/config_keys.h"
#include "wspushd/xalloc.h"

#include "config_flags.h"
#include "config_set.h"

/* getopt_long's values: the actions, then one per key with a flag. */
enum {
	OPT_CHECK_CONFIG = 256,
	OPT_STATUS,
	OPT_KEY,		/* OPT_KEY + key id */
};

static const struct option action_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "check-config", no_argument, NULL, OPT_CHECK_CONFIG },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
};

#define N_ACTIONS (sizeof(action_options) / sizeof(action_options[0]))

/* The actions and every key's flag, as getopt_long wants them. */
static void
build_options(struct option *opts)
{
	size_t n = 0;

	for (size_t i = 0; i < N_ACTIONS; i++)
		opts[n++] = action_options[i];
	for (int id = 0; id < KEY_COUNT; id++) {
		if (cfg_keys[id].flag == NULL)
			continue;
		opts[n].name = cfg_keys[id].flag + 2;	/* past "--" */
		opts[n].has_arg = required_argument;
		opts[n].flag = NULL;
		opts[n].val = OPT_KEY + id;
		n++;
	}
	memset(&opts[n], 0, sizeof(opts[n]));
}

/* getopt_long takes unique prefixes; say so when one is not unique. */
static bool
ambiguous(const struct option *opts, const char *arg)
{
	size_t n = strcspn(arg + 2, "=");
	int matches = 0;

	for (const struct option *o = opts; o->name != NULL; o++)
		if (strncmp(o->name, arg + 2, n) == 0)
			matches++;
	return n > 0 && matches > 1;
}

static void
bad_option(struct loader *ld, const struct option *opts, char **argv, int c)
{
	const char *arg = argv[optind - 1];
	bool islong = strncmp(arg, "--", 2) == 0;

	if (c == ':' && islong)
		ld_fail(ld, "command line: option '%.*s' requires an argument",
			(int)strcspn(arg, "="), arg);
	else if (c == ':')
		ld_fail(ld, "command line: option '-%c' requires an argument",
			optopt);
	else if (islong && optopt != 0)
		ld_fail(ld, "command line: option '%.*s' doesn't allow an "
			"argument", (int)strcspn(arg, "="), arg);
	else if (islong && ambiguous(opts, arg))
		ld_fail(ld, "command line: option '%s' is ambiguous", arg);
	else if (islong)
		ld_fail(ld, "command line: unrecognized option '%s'", arg);
	else
		ld_fail(ld, "command line: unrecognized option '-%c'", optopt);
}

/* A flag that sets a key: into the scratch config, marked as given. */
static void
set_flag(struct loader *ld, enum key_id id, const char *value)
{
	char where[64];

	snprintf(where, sizeof(where), "command line: %s", cfg_keys[id].flag);
	ld->from_cli[id] = true;
	if (ld_set_value(ld, &ld->cli, id, where, value) < 0) {
		ld->bad[id] = true;
		ld->bad_flag[id] = true;
	}
}

static enum cli_action
choose_action(struct loader *ld, bool help, bool version, bool check,
	      bool status)
{
	/* Either is a question about the file; which one is unclear. */
	if (check && status && !help && !version)
		ld_fail(ld, "command line: --check-config and --status cannot "
			"be combined");
	if (help)
		return CLI_HELP;
	if (version)
		return CLI_VERSION;
	if (check)
		return CLI_CHECK_CONFIG;
	if (status)
		return CLI_STATUS;
	return CLI_RUN;
}

const char *
parse_flags(struct loader *ld, int argc, char **argv, enum cli_action *action)
{
	struct option opts[N_ACTIONS + KEY_COUNT + 1];
	bool help = false, version = false, check = false, status = false;
	const char *path = NULL;
	int c;

	build_options(opts);
	/* 0, not 1: glibc then also resets its internal state. */
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:hV", opts, NULL)) != -1) {
		if (c == 'c')
			path = optarg;
		else if (c == 'h')
			help = true;
		else if (c == 'V')
			version = true;
		else if (c == OPT_CHECK_CONFIG)
			check = true;
		else if (c == OPT_STATUS)
			status = true;
		else if (c == '?' || c == ':')
			bad_option(ld, opts, argv, c);
		else if (c >= OPT_KEY && c < OPT_KEY + KEY_COUNT)
			set_flag(ld, (enum key_id)(c - OPT_KEY), optarg);
	}
	for (int i = optind; i < argc; i++)
		ld_fail(ld, "command line: unexpected argument '%s' (settings "
			"are given as --flags or in the -c file)", argv[i]);
	*action = choose_action(ld, help, version, check, status);
	ld->action = *action;
	return path;
}

/*
 * Move the flag's value for the key id over the file's.  A value that
 * owns memory is there when the scratch config holds it; for a number
 * or a word nothing tells, so a rejected flag keeps the file's.  (A
 * flag for a key of another kind needs a case of its own here.)
 */
static void
apply_flag(struct loader *ld, enum key_id id)
{
	const struct key_def *k = &cfg_keys[id];
	struct config *cfg = ld->cfg, *cli = &ld->cli;
	size_t inline_size = config_kind_inline(k->kind);

	if (inline_size > 0) {
		if (ld->from_cli[id] && !ld->bad_flag[id])
			memcpy(config_field(cfg, k), config_field(cli, k),
			       inline_size);
	} else if (k->kind == KIND_WS_URL && cli->url_text != NULL) {
		ws_url_free(&cfg->url);
		free(cfg->url_text);
		cfg->url = cli->url;
		cfg->url_text = cli->url_text;
		memset(&cli->url, 0, sizeof(cli->url));
		cli->url_text = NULL;
	} else if (k->kind == KIND_REDIS_URL && cli->redis_url_text != NULL) {
		redis_url_free(&cfg->redis);
		wipe_free(cfg->redis_url_text);
		cfg->redis = cli->redis;
		cfg->redis_url_text = cli->redis_url_text;
		memset(&cli->redis, 0, sizeof(cli->redis));
		cli->redis_url_text = NULL;
	} else if ((k->kind == KIND_CHANNEL || k->kind == KIND_PATTERN ||
		    k->kind == KIND_STREAM) &&
		   ((struct strlist *)config_field(cli, k))->count > 0) {
		strlist_move(config_field(cfg, k), config_field(cli, k));
	} else if ((k->kind == KIND_REDIS_NAME || k->kind == KIND_RUNTIME_DIR) &&
		   *(char **)config_field(cli, k) != NULL) {
		char **dst = config_field(cfg, k), **src = config_field(cli, k);

		free(*dst);
		*dst = *src;
		*src = NULL;
	}
}

void
apply_flags(struct loader *ld)
{
	for (int id = 0; id < KEY_COUNT; id++)
		if (cfg_keys[id].flag != NULL)
			apply_flag(ld, (enum key_id)id);
}
