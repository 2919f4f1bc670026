/*
 * config_load.c - config_load() and config_usage(); see config.h.
 *
 * Loading happens in three passes: flags are parsed into a scratch
 * config (so -c is known and flag errors come first; config_flags.c),
 * the file is read into the real one (here), then the flags that were
 * given are moved over it.  Last, settings are checked against each
 * other (config_check.c).  Every value goes through config_set.c, which
 * remembers where it came from.
 *
 * Nothing stops at the first error.  A value that fails to parse is
 * marked bad and left out of the cross-checks, so one typo yields one
 * message instead of a cascade.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wspushd/config.h"
#include "wspushd/config_files.h"
#include "wspushd/config_keys.h"
#include "wspushd/diag.h"
#include "wspushd/ini.h"
#include "wspushd/xalloc.h"

#include "config_check.h"
#include "config_flags.h"
#include "config_set.h"

/* "[upstream], [redis], ... or [metrics]": the table's, in its order. */
static const char *
section_list(char *buf, size_t buflen)
{
	const char *seen[KEY_COUNT];
	size_t n = 0, len = 0;

	for (int i = 0; i < KEY_COUNT; i++)
		if (n == 0 || strcmp(seen[n - 1], cfg_keys[i].section) != 0)
			seen[n++] = cfg_keys[i].section;
	buf[0] = '\0';
	for (size_t i = 0; i < n && len < buflen; i++)
		len += (size_t)snprintf(buf + len, buflen - len, "%s[%s]",
					i == 0 ? "" : i + 1 == n ? " or " :
					", ", seen[i]);
	return buf;
}

static int
unknown_section(struct loader *ld, const char *section, unsigned line)
{
	char list[256];

	ld_fail(ld, "%s:%u: unknown section [%s] (expected %s)", ld->path,
		line, section, section_list(list, sizeof(list)));
	return -1;
}

/* "channel" under [upstream] is a misplaced key, not a typo. */
static int
unknown_key(struct loader *ld, const char *section, const char *key,
	    unsigned line)
{
	const char *home = config_key_home(key);
	char q[DIAG_QUOTE_BUF];

	diag_quote(q, sizeof(q), key);
	if (*section == '\0' && home != NULL)
		ld_fail(ld, "%s:%u: key %s is outside any section (put it "
			"under [%s])", ld->path, line, q, home);
	else if (*section == '\0')
		ld_fail(ld, "%s:%u: unknown key %s outside any section",
			ld->path, line, q);
	else if (home != NULL)
		ld_fail(ld, "%s:%u: unknown key %s in [%s] (it belongs in "
			"[%s])", ld->path, line, q, section, home);
	else
		ld_fail(ld, "%s:%u: unknown key %s in [%s]", ld->path, line, q,
			section);
	return -1;
}

static int
on_ini(void *user, const char *section, const char *key, const char *value,
       unsigned line)
{
	struct loader *ld = user;
	char where[512];
	int id;

	if (key == NULL) {
		ld->in_unknown_section = !config_section_known(section);
		return ld->in_unknown_section ?
		       unknown_section(ld, section, line) : 0;
	}
	/* Reported once at the header; its keys would only repeat it. */
	if (*section != '\0' && ld->in_unknown_section)
		return 0;
	id = config_key_find(section, key);
	if (id < 0)
		return unknown_key(ld, section, key, line);
	if (!cfg_keys[id].repeatable && ld->line[id] != 0) {
		ld_fail(ld, "%s:%u: duplicate key '%s' in [%s] (already set at "
			"line %u)", ld->path, line, key, section, ld->line[id]);
		return -1;
	}
	ld->line[id] = line;
	snprintf(where, sizeof(where), "%s:%u: %s", ld->path, line, key);
	if (ld_set_value(ld, ld->cfg, (enum key_id)id, where, value) < 0) {
		ld->bad[id] = true;
		return -1;
	}
	return 0;
}

/* The -c file, read whole by config_files.c, then parsed from memory. */
static void
read_config_file(struct loader *ld, const char *path)
{
	char err[CONFIG_FILES_ERRLEN], *buf;
	ssize_t len;
	FILE *fp;

	if (*path == '\0') {
		ld_fail(ld, "command line: --config: empty file name");
		return;
	}
	ld->cfg->path = xstrdup(path);
	ld->path = ld->cfg->path;
	len = config_file_read(path, &buf, err, sizeof(err));
	if (len < 0) {
		ld_fail(ld, "command line: --config: %s", err);
		/* Everything would be "missing"; that is not news. */
		ld->unreadable = true;
		return;
	}
	fp = fmemopen(buf, (size_t)len, "r");
	if (fp == NULL) {
		ld_fail(ld, "command line: --config: cannot read '%s': %s",
			path, strerror(errno));
		ld->unreadable = true;
	} else {
		/* Syntax errors are counted by the reader alone. */
		if (ini_parse_stream(fp, path, on_ini, ld, ld->d) < 0 &&
		    ld->errors == 0)
			ld->errors++;
		fclose(fp);
	}
	/* The file may hold a password in a URL, or a header's token. */
	explicit_bzero(buf, (size_t)len);
	free(buf);
}

int
config_load(int argc, char **argv, struct config *cfg,
	    enum cli_action *action, struct diag *d)
{
	struct loader ld;
	const char *path;

	config_init(cfg);
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.d = d;
	config_init(&ld.cli);

	path = parse_flags(&ld, argc, argv, action);
	/* --help and --version must work whatever state the file is in. */
	if (*action == CLI_HELP || *action == CLI_VERSION)
		goto out;

	if (path != NULL)
		read_config_file(&ld, path);
	apply_flags(&ld);
	config_check(&ld);
out:
	config_free(&ld.cli);
	wipe_free(ld.redis_password);
	return ld.errors == 0 ? 0 : -1;
}

void
config_usage(void *stream)
{
	fputs(
"Usage: wspushd [OPTION]...\n"
"Relay Redis Pub/Sub messages to one upstream WebSocket connection.\n"
"\n"
"  -c, --config FILE      read settings from FILE, an INI file; every key\n"
"                         is described in the example installed as\n"
"                         /etc/wspushd/wspushd.conf\n"
"      --url URL          upstream WebSocket URL, ws://HOST[:PORT][/PATH]\n"
"                         or wss://...  ([upstream] url)\n"
"      --redis URL        Redis server ([redis] url), one of\n"
"                           redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]\n"
"                           unix:///PATH/redis.sock[?db=N]\n"
"                         default redis://127.0.0.1:6379; a password here\n"
"                         is visible to other local users, prefer the file\n"
"      --channel NAME     SUBSCRIBE to NAME; repeatable; replaces every\n"
"                         channel from the file  ([redis] channel)\n"
"      --pattern GLOB     PSUBSCRIBE to GLOB; repeatable; replaces every\n"
"                         pattern from the file  ([redis] pattern)\n"
"      --stream NAME      read the Redis Stream NAME as a consumer group;\n"
"                         repeatable; replaces every stream from the file\n"
"                         ([redis] stream)\n"
"      --group NAME       the consumer group (default wspushd)\n"
"                         ([redis] group)\n"
"      --log-level LEVEL  error, warn, info or debug (default info)\n"
"                         ([daemon] log_level)\n"
"      --runtime-dir DIR  where the lock files go (default\n"
"                         $RUNTIME_DIRECTORY, else /run/wspushd for root,\n"
"                         else $XDG_RUNTIME_DIR/wspushd)\n"
"                         ([daemon] runtime_dir)\n"
"      --connect-timeout DURATION\n"
"                         give up on an upstream connection attempt (TCP,\n"
"                         TLS and handshake) after DURATION (default 3s)\n"
"                         ([upstream] connect_timeout)\n"
"      --ping-interval DURATION\n"
"                         send a WebSocket ping upstream this often; 0 sends\n"
"                         none (default 30s)  ([upstream] ping_interval)\n"
"      --pong-timeout DURATION\n"
"                         reconnect when no pong (or, with liveness = any,\n"
"                         no frame at all) arrives this long after a ping\n"
"                         (default 10s)  ([upstream] pong_timeout)\n"
"      --drain-timeout DURATION\n"
"                         on SIGTERM, keep sending what is queued for up to\n"
"                         DURATION; 0 exits at once (default 5s)\n"
"                         ([daemon] drain_timeout)\n"
"      --check-config     check the configuration, report every problem\n"
"                         found, and exit\n"
"      --status           print the running daemon's status, read from the\n"
"                         Redis hash named by [status] key, and exit; -c\n"
"                         tells which Redis and key to ask\n"
"  -V, --version          print the version and exit\n"
"  -h, --help             print this help and exit\n"
"\n"
"Options given on the command line override the file.  Without -c no file\n"
"is read, so at least --url and one --channel, --pattern or --stream\n"
"are needed.\n"
"Durations take ms, s, m or h (a bare number is seconds); sizes take\n"
"KiB, MiB, GiB (powers of 1024) or kB, MB, GB (powers of 1000).\n",
	      (FILE *)stream);
}
