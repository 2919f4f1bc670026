/*
 * fuzz_config.c - libFuzzer target for the config file reader.
 *
 * Each input is a config file.  It is read twice:
 *
 *  1. by ini_parse_stream() alone, from memory, with a handler that
 *     checks what the reader promises in ini.h (trimmed keys, section
 *     names without brackets, line numbers in order, an error result
 *     whenever the handler complained);
 *  2. by config_load() exactly as "wspushd -c FILE --check-config" would,
 *     then the result is checked against the rules config.h and the
 *     example wspushd.conf state (a valid configuration has an upstream
 *     URL and something to subscribe to, min <= max, ...), and a failed
 *     one must have said why.
 *
 * Leading lines of the form "#!ARG" are comments to the INI reader but
 * become extra command-line arguments placed before "-c FILE", so the
 * flag parsing and the flags-over-file merge are fuzzed too.  Arguments
 * that could name another config file are dropped: reading /dev/zero or
 * a terminal would hang the fuzzer, not find a bug.  Paths in the file
 * itself (TLS files, "@FILE" headers, password_file) are left alone:
 * config_load opens nothing but regular files and directories, and
 * reads at most 16KiB of a secret, so they cannot hang it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "wspushd/config.h"
#include "wspushd/ini.h"
#include "wspushd/url.h"

#define MAX_EXTRA_ARGS 8

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): checks must survive -DNDEBUG builds. */
#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "%s:%d: invariant failed: %s\n",\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static int file_fd = -1;
static char file_path[64];	/* what config_load is given */
static char tmp_path[64];	/* the file's own name, if still linked */

/* ---- the temporary file -------------------------------------------- */

static void
remove_tmp(void)
{
	if (tmp_path[0] != '\0')
		unlink(tmp_path);
}

/*
 * One file for the whole run, in memory when possible: rewriting it for
 * every input should cost next to nothing.  When /proc is there the
 * file is unlinked at once and reached through /proc/self/fd, so a
 * crash (which skips atexit) leaves nothing behind.
 */
static void
open_tmp(void)
{
	const char *dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	int probe;

	snprintf(tmp_path, sizeof(tmp_path), "%s/wspushd-fuzz-XXXXXX", dir);
	file_fd = mkstemp(tmp_path);
	if (file_fd < 0) {
		fprintf(stderr, "fuzz_config: mkstemp %s: %s\n", tmp_path,
			strerror(errno));
		exit(1);
	}
	snprintf(file_path, sizeof(file_path), "/proc/self/fd/%d", file_fd);
	probe = open(file_path, O_RDONLY | O_CLOEXEC);
	if (probe >= 0) {
		close(probe);
		unlink(tmp_path);
		tmp_path[0] = '\0';
	} else {
		snprintf(file_path, sizeof(file_path), "%s", tmp_path);
		atexit(remove_tmp);
	}
}

static void
write_tmp(const uint8_t *data, size_t size)
{
	size_t done = 0;
	ssize_t n;

	if (ftruncate(file_fd, 0) < 0)
		abort();
	while (done < size) {
		n = pwrite(file_fd, data + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		done += (size_t)n;
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	open_tmp();
	return 0;
}

/* ---- 1: the INI reader alone --------------------------------------- */

struct ini_check {
	unsigned last_line;
	unsigned max_line;	/* newlines + 1 */
	unsigned complaints;	/* handler calls that returned non-zero */
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
trimmed(const char *s)
{
	size_t n = strlen(s);

	return n == 0 || (!is_blank(s[0]) && !is_blank(s[n - 1]));
}

static int
ini_checker(void *user, const char *section, const char *key,
	    const char *value, unsigned line)
{
	struct ini_check *c = user;

	CHECK(section != NULL);
	CHECK((key == NULL) == (value == NULL));
	/* At most one call per line, in file order. */
	CHECK(line >= 1 && line <= c->max_line && line > c->last_line);
	c->last_line = line;
	CHECK(strchr(section, '\n') == NULL);
	if (key == NULL) {
		/* Only well-formed headers reach the handler. */
		CHECK(section[0] != '\0' && trimmed(section));
		CHECK(strpbrk(section, "[]") == NULL);
		return 0;
	}
	CHECK(key[0] != '\0' && trimmed(key));
	CHECK(strpbrk(key, "=\n") == NULL);
	/* Comment and header lines are never taken for keys. */
	CHECK(strchr("#;[", key[0]) == NULL);
	CHECK(strchr(value, '\n') == NULL);
	/* Complain about some entries, so the error path is taken too. */
	if ((strlen(key) + strlen(value)) % 7 == 3) {
		c->complaints++;
		return 1;
	}
	return 0;
}

static void
check_diag(const struct diag *d, const char *prefix)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < d->count; i++) {
		CHECK(d->lines[i] != NULL);
		CHECK(strchr(d->lines[i], '\n') == NULL);
		CHECK(strncmp(d->lines[i], prefix, plen) == 0 ||
		      strncmp(d->lines[i], "command line", 12) == 0 ||
		      strncmp(d->lines[i], "environment: ", 13) == 0);
	}
}

static void
fuzz_ini(const uint8_t *data, size_t size)
{
	struct ini_check c = { .max_line = 1 };
	struct diag d = { 0 };
	char *copy;
	FILE *fp;
	int rc;

	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			c.max_line++;
	/* fmemopen wants a writable buffer even for reading. */
	copy = malloc(size + 1);
	CHECK(copy != NULL);
	memcpy(copy, data, size);
	fp = fmemopen(copy, size, "r");
	if (fp == NULL) {
		/* Older C libraries refuse an empty buffer. */
		free(copy);
		return;
	}
	rc = ini_parse_stream(fp, "fuzz", ini_checker, &c, &d);
	fclose(fp);
	free(copy);

	CHECK(rc == 0 || rc == -1);
	if (c.complaints > 0)
		CHECK(rc == -1);
	/* A syntax error is always explained; a clean read says nothing. */
	if (rc == 0)
		CHECK(d.count == 0);
	else
		CHECK(d.count > 0 || c.complaints > 0);
	check_diag(&d, "fuzz:");
	diag_free(&d);
}

/* ---- 2: config_load ------------------------------------------------ */

/*
 * True for arguments that could set the config file: -c in a cluster
 * of short options ("-c", "-Vc", "-cFILE") or any abbreviation of
 * --config ("--conf", "--c=FILE"), whether or not getopt_long would
 * find it ambiguous today.
 */
static bool
names_config(const char *arg)
{
	size_t n = strcspn(arg, "=");

	if (arg[0] == '-' && arg[1] != '-' && strchr(arg, 'c') != NULL)
		return true;
	return n >= 3 && n <= strlen("--config") &&
	    strncmp(arg, "--config", n) == 0;
}

/* The "#!ARG" lines at the very start of the input. */
static size_t
extra_args(const uint8_t *data, size_t size, char **out, size_t max)
{
	size_t n = 0, pos = 0;

	while (n < max && pos + 2 <= size && data[pos] == '#' &&
	       data[pos + 1] == '!') {
		const uint8_t *start = data + pos + 2;
		const uint8_t *nl = memchr(start, '\n', size - pos - 2);
		size_t len = nl != NULL ? (size_t)(nl - start)
					: size - pos - 2;
		char *arg = strndup((const char *)start, len);

		CHECK(arg != NULL);
		if (names_config(arg))
			free(arg);
		else
			out[n++] = arg;
		if (nl == NULL)
			break;
		pos += 2 + len + 1;
	}
	return n;
}

static bool
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || (c != '\0' &&
				       strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool
unique_nonempty(const struct strlist *l)
{
	for (size_t i = 0; i < l->count; i++) {
		if (l->items[i] == NULL || l->items[i][0] == '\0')
			return false;
		for (size_t j = 0; j < i; j++)
			if (strcmp(l->items[i], l->items[j]) == 0)
				return false;
	}
	return true;
}

/* "Name: value", as set_header() promises the connection code. */
static void
check_header(const char *h)
{
	const char *colon = strchr(h, ':');

	CHECK(colon != NULL && colon > h);
	for (const char *p = h; p < colon; p++)
		CHECK(is_tchar((unsigned char)*p));
	CHECK(colon[1] == ' ' && colon[2] != '\0');
	CHECK(!is_blank(colon[2]));
	for (const char *p = colon + 2; *p != '\0'; p++)
		CHECK(((unsigned char)*p >= 0x20 || *p == '\t') && *p != 0x7f);
}

/* "a, b, c": tokens joined by exactly ", ". */
static void
check_subprotocol(const char *s)
{
	for (;;) {
		size_t n = 0;

		while (is_tchar((unsigned char)s[n]))
			n++;
		CHECK(n > 0);
		s += n;
		if (*s == '\0')
			return;
		CHECK(s[0] == ',' && s[1] == ' ');
		s += 2;
	}
}

/* Inclusive ranges, never overlapping, all within 1000..4999. */
static void
check_close_codes(const struct close_code_set *set)
{
	CHECK(set->count <= sizeof(set->ranges) / sizeof(set->ranges[0]));
	for (size_t i = 0; i < set->count; i++) {
		CHECK(set->ranges[i].lo >= 1000 && set->ranges[i].hi <= 4999);
		CHECK(set->ranges[i].lo <= set->ranges[i].hi);
		CHECK(close_code_set_has(set, set->ranges[i].lo));
		CHECK(close_code_set_has(set, set->ranges[i].hi));
		for (size_t j = 0; j < i; j++)
			CHECK(set->ranges[i].hi < set->ranges[j].lo ||
			      set->ranges[i].lo > set->ranges[j].hi);
	}
	CHECK(!close_code_set_has(set, 999));
	CHECK(!close_code_set_has(set, 5000));
}

/*
 * "192.0.2.53:53,[2001:db8::53]:5353": every address as inet_ntop
 * spells it, every port given, IPv6 in brackets, no blanks, no
 * duplicates.  The resolver relies on this without checking again.
 */
static void
check_dns_servers(const char *list)
{
	const char *p = list;
	size_t count = 0;
	char *items[64];

	CHECK(*p != '\0');
	for (;;) {
		size_t len = strcspn(p, ",");
		char item[INET6_ADDRSTRLEN + 16], canon[INET6_ADDRSTRLEN];
		unsigned char addr[sizeof(struct in6_addr)];
		bool v6 = p[0] == '[';
		unsigned long port;
		char *colon, *end;

		CHECK(len > 0 && len < sizeof(item));
		memcpy(item, p, len);
		item[len] = '\0';
		CHECK(strpbrk(item, " \t") == NULL);
		for (size_t i = 0; i < count; i++)
			CHECK(strcmp(items[i], item) != 0);
		if (count < sizeof(items) / sizeof(items[0])) {
			items[count] = strdup(item);
			CHECK(items[count] != NULL);
			count++;
		}
		colon = strrchr(item, ':');
		CHECK(colon != NULL && colon[1] >= '1' && colon[1] <= '9');
		port = strtoul(colon + 1, &end, 10);
		CHECK(*end == '\0' && port >= 1 && port <= 65535);
		*colon = '\0';
		if (v6) {
			CHECK(colon > item + 1 && colon[-1] == ']');
			colon[-1] = '\0';
		}
		CHECK(inet_pton(v6 ? AF_INET6 : AF_INET, item + v6,
				addr) == 1);
		CHECK(inet_ntop(v6 ? AF_INET6 : AF_INET, addr, canon,
				sizeof(canon)) != NULL);
		CHECK(strcmp(canon, item + v6) == 0);
		p += len;
		if (*p == '\0')
			break;
		p++;
	}
	for (size_t i = 0; i < count; i++)
		free(items[i]);
}

/* Our own, not config_values.h's: the fuzzer checks the loader. */
static bool
holds_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A path config_load checked: non-empty, no control characters. */
static void
check_path(const char *path)
{
	if (path != NULL)
		CHECK(path[0] != '\0' && !holds_control(path));
}

/* Letters, digits, '-' and '.', labels of 1..63, 253 in all. */
static void
check_server_name(const char *s)
{
	size_t label = 0;

	CHECK(s[0] != '\0' && strlen(s) <= 253);
	for (const char *p = s; ; p++) {
		if (*p == '.' || *p == '\0') {
			CHECK(label >= 1 && label <= 63);
			CHECK(p[-1] != '-' && p[-(ptrdiff_t)label] != '-');
			if (*p == '\0')
				return;
			label = 0;
			continue;
		}
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-');
		label++;
	}
}

/* A [status] name: NULL (off), or 1..256 bytes, no control characters. */
static void
check_redis_name(const char *s)
{
	if (s != NULL)
		CHECK(s[0] != '\0' && strlen(s) <= 256 && !holds_control(s));
}

/* metrics_listen and what was made of it: loopback, with a port. */
static void
check_metrics(const struct config *cfg)
{
	union {
		struct in_addr v4;
		struct in6_addr v6;
	} a;
	const char *host = cfg->metrics_host;
	char canon[INET6_ADDRSTRLEN];
	bool v6;

	CHECK(memchr(host, '\0', sizeof(cfg->metrics_host)) != NULL);
	if (cfg->metrics_listen == NULL) {
		CHECK(host[0] == '\0' && cfg->metrics_port == 0);
		return;
	}
	CHECK(cfg->metrics_port >= 1);
	v6 = strchr(host, ':') != NULL;
	CHECK(inet_pton(v6 ? AF_INET6 : AF_INET, host, &a) == 1);
	CHECK(v6 ? IN6_IS_ADDR_LOOPBACK(&a.v6) :
	      ntohl(a.v4.s_addr) >> 24 == 127);
	/* Numeric, as inet_ntop spells it, without brackets. */
	CHECK(inet_ntop(v6 ? AF_INET6 : AF_INET, &a, canon,
			sizeof(canon)) != NULL);
	CHECK(strcmp(canon, host) == 0);
	/* And it is what was written. */
	CHECK(cfg->metrics_listen[0] == (v6 ? '[' : host[0]));
}

/* What a configuration that config_load() accepted must look like. */
static void
check_valid(const struct config *cfg)
{
	CHECK(cfg->url_text != NULL);
	CHECK(cfg->url.host != NULL && cfg->url.host[0] != '\0');
	CHECK(cfg->url.path != NULL && cfg->url.path[0] == '/');
	CHECK(cfg->url.port != 0);

	CHECK(cfg->redis_url_text != NULL);
	if (cfg->redis.transport == REDIS_TCP)
		CHECK(cfg->redis.host != NULL && cfg->redis.port != 0);
	else
		CHECK(cfg->redis.socket_path != NULL &&
		      cfg->redis.socket_path[0] == '/');

	CHECK(cfg->channels.count + cfg->patterns.count > 0);
	CHECK(unique_nonempty(&cfg->channels));
	CHECK(unique_nonempty(&cfg->patterns));
	for (size_t i = 0; i < cfg->headers.count; i++)
		check_header(cfg->headers.items[i]);
	if (cfg->subprotocol != NULL)
		check_subprotocol(cfg->subprotocol);

	/* The ranges and orderings documented in wspushd.conf. */
	CHECK(cfg->connect_timeout_ms >= 1 &&
	      cfg->connect_timeout_ms <= 3600000);
	CHECK(cfg->backoff_min_ms >= 1 && cfg->backoff_max_ms <= 3600000);
	CHECK(cfg->backoff_min_ms <= cfg->backoff_max_ms);
	CHECK(cfg->backoff_reset_ms <= 3600000);
	CHECK(cfg->close_timeout_ms >= 1 && cfg->close_timeout_ms <= 600000);
	CHECK(cfg->max_message_bytes >= 1 &&
	      cfg->max_message_bytes <= (1ULL << 30));
	CHECK(cfg->redis_connect_timeout_ms >= 1 &&
	      cfg->redis_connect_timeout_ms <= 3600000);
	CHECK(cfg->redis_backoff_min_ms >= 1 &&
	      cfg->redis_backoff_max_ms <= 3600000);
	CHECK(cfg->redis_backoff_min_ms <= cfg->redis_backoff_max_ms);
	CHECK(cfg->queue_max_messages >= 1 &&
	      cfg->queue_max_messages <= 100000000);
	CHECK(cfg->queue_max_bytes >= 1 &&
	      cfg->queue_max_bytes <= (1ULL << 40));
	CHECK(cfg->max_message_bytes <= cfg->queue_max_bytes);
	CHECK(cfg->drain_timeout_ms <= 3600000);
	CHECK(cfg->ping_interval_ms <= 3600000);
	CHECK(cfg->pong_timeout_ms >= 1 && cfg->pong_timeout_ms <= 3600000);
	CHECK(cfg->fin_timeout_ms <= 60000);
	CHECK(cfg->redis_ping_interval_ms <= 3600000);
	CHECK(cfg->redis_ping_timeout_ms >= 1 &&
	      cfg->redis_ping_timeout_ms <= 3600000);
	CHECK(cfg->dns_timeout_ms >= 1 && cfg->dns_timeout_ms <= 3600000);
	/* The kernel takes keepalive times in whole seconds. */
	CHECK(cfg->tcp_keepalive_idle_ms <= 7200000 &&
	      cfg->tcp_keepalive_idle_ms % 1000 == 0);
	CHECK(cfg->tcp_keepalive_interval_ms >= 1000 &&
	      cfg->tcp_keepalive_interval_ms <= 3600000 &&
	      cfg->tcp_keepalive_interval_ms % 1000 == 0);
	CHECK(cfg->tcp_keepalive_probes >= 1 &&
	      cfg->tcp_keepalive_probes <= 100);
	CHECK(cfg->tcp_user_timeout_ms <= 3600000);
	check_close_codes(&cfg->slow_retry_codes);
	if (cfg->dns_servers != NULL)
		check_dns_servers(cfg->dns_servers);

	CHECK(cfg->message_type == MESSAGE_AUTO ||
	      cfg->message_type == MESSAGE_TEXT ||
	      cfg->message_type == MESSAGE_BINARY);
	CHECK(cfg->liveness == LIVENESS_PONG || cfg->liveness == LIVENESS_ANY);
	CHECK(cfg->overflow == OVERFLOW_DROP_OLDEST ||
	      cfg->overflow == OVERFLOW_DROP_NEWEST);
	CHECK(cfg->log_level == LOG_ERR || cfg->log_level == LOG_WARNING ||
	      cfg->log_level == LOG_INFO || cfg->log_level == LOG_DEBUG);

	/* TLS: only for wss://, a client certificate only with its key. */
	check_path(cfg->tls_ca_file);
	check_path(cfg->tls_ca_dir);
	check_path(cfg->tls_cert_file);
	check_path(cfg->tls_key_file);
	CHECK((cfg->tls_cert_file == NULL) == (cfg->tls_key_file == NULL));
	if (cfg->tls_server_name != NULL)
		check_server_name(cfg->tls_server_name);
	if (cfg->tls_ca_file != NULL || cfg->tls_ca_dir != NULL ||
	    cfg->tls_cert_file != NULL || cfg->tls_server_name != NULL ||
	    cfg->tls_insecure)
		CHECK(cfg->url.tls);

	/* A password from password_file (or the URL) is one line. */
	if (cfg->redis.password != NULL)
		CHECK(cfg->redis.password[0] != '\0' &&
		      strpbrk(cfg->redis.password, "\r\n") == NULL);

	CHECK(cfg->runtime_dir != NULL && cfg->runtime_dir[0] == '/' &&
	      !holds_control(cfg->runtime_dir));
	check_redis_name(cfg->status_key);
	check_redis_name(cfg->status_channel);
	CHECK(cfg->status_ttl_ms >= 1000 && cfg->status_ttl_ms <= 3600000);
	check_metrics(cfg);
}

static void
fuzz_config_load(const uint8_t *data, size_t size)
{
	char *extra[MAX_EXTRA_ARGS];
	char *argv[MAX_EXTRA_ARGS + 5];
	size_t nextra;
	int argc = 0, rc;
	struct config cfg;
	struct diag d = { 0 };
	enum cli_action action;

	write_tmp(data, size);
	nextra = extra_args(data, size, extra, MAX_EXTRA_ARGS);

	argv[argc++] = (char *)"wspushd";
	for (size_t i = 0; i < nextra; i++)
		argv[argc++] = extra[i];
	argv[argc++] = (char *)"-c";
	argv[argc++] = file_path;
	argv[argc++] = (char *)"--check-config";
	argv[argc] = NULL;

	rc = config_load(argc, argv, &cfg, &action, &d);

	CHECK(rc == 0 || rc == -1);
	CHECK(action == CLI_RUN || action == CLI_CHECK_CONFIG ||
	      action == CLI_HELP || action == CLI_VERSION ||
	      action == CLI_STATUS);
	if (nextra == 0)
		CHECK(action == CLI_CHECK_CONFIG);
	/* Every problem is reported, and a report means a problem. */
	CHECK((rc == 0) == (d.count == 0));
	check_diag(&d, file_path);
	if (rc == 0 && action != CLI_HELP && action != CLI_VERSION)
		check_valid(&cfg);
	/* --status needs a key to read. */
	if (rc == 0 && action == CLI_STATUS)
		CHECK(cfg.status_key != NULL);

	config_free(&cfg);
	/* config_free leaves the defaults behind, owning nothing. */
	CHECK(cfg.path == NULL && cfg.url_text == NULL &&
	      cfg.redis_url_text == NULL && cfg.url.host == NULL &&
	      cfg.redis.host == NULL && cfg.headers.items == NULL &&
	      cfg.channels.items == NULL && cfg.patterns.items == NULL &&
	      cfg.dns_servers == NULL && cfg.tls_ca_file == NULL &&
	      cfg.tls_ca_dir == NULL && cfg.tls_cert_file == NULL &&
	      cfg.tls_key_file == NULL && cfg.tls_server_name == NULL &&
	      cfg.runtime_dir == NULL && cfg.status_key == NULL &&
	      cfg.status_channel == NULL && cfg.metrics_listen == NULL &&
	      cfg.redis.password == NULL);
	diag_free(&d);
	for (size_t i = 0; i < nextra; i++)
		free(extra[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_ini(data, size);
	fuzz_config_load(data, size);
	return 0;
}
