/*
 * dns_probe.c - resolve names with the daemon's dns module on a real lws
 * loop and say what happened, for tests/dns/test_dns.py.
 *
 *   dns_probe [--servers LIST] [--timeout MS] [--cancel-after MS]
 *             [--free-after MS] [--on-first-answer ACTION] [--linger MS]
 *             [--then-servers LIST] [-v] NAME...
 *
 * --then-servers: from inside the first callback, before ACTION,
 * dns_set_servers(LIST), as a reload does; later queries ask LIST.
 *
 * ACTION, done from inside the first callback, checks that a callback may
 * do anything: "free" (dns_free), "cancel-rest" (dns_cancel on every query
 * still running, and on itself), "resolve:NAME" (start another query).
 *
 * All names are resolved at once.  One line per name:
 *
 *   resolve NAME status=0 addrs=127.0.0.1,::1 elapsed_ms=3
 *   resolve NAME status=-1 error="name not found" elapsed_ms=2
 *   cancelled NAME elapsed_ms=300
 *
 * then "ticks=N": how many times a 100 ms timer ran while the names were
 * being resolved, which shows the loop never stopped for DNS.  After a
 * short linger (lws closes descriptors on its next turn) it prints
 * "fds_leaked=N", descriptors open now that were not before.
 *
 * Exit status: 0 all resolved, 2 some failed, 3 a cancelled query called
 * back, 4 the probe itself gave up, 1 usage or setup error.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libwebsockets.h>

#include "wspushd/dns.h"
#include "wspushd/log.h"
#include "wspushd/watch.h"

#define TICK_MS		100
#define MAX_NAMES	16

struct probe;

struct lookup {
	struct probe *p;
	const char *name;
	struct dns_query *q;	/* NULL once answered or cancelled */
	bool cancelled;
	uint64_t started_ms;
};

enum first_action { FIRST_NONE, FIRST_FREE, FIRST_CANCEL_REST, FIRST_RESOLVE };

struct probe {
	struct lws_context *ctx;
	struct dns *dns;
	struct lookup lookups[MAX_NAMES];
	int nlookups;
	int pending;
	unsigned ticks;
	bool resolving;
	bool finished;		/* every lookup answered or cancelled */
	bool gave_up;
	bool failed;
	bool bad_callback;
	lws_sorted_usec_list_t tick_sul, cancel_sul, free_sul, stop_sul;
	lws_sorted_usec_list_t linger_sul, guard_sul;
	uint64_t linger_ms;
	uint64_t timeout_ms;
	bool lingered;
	enum first_action first_action;
	const char *chain_name;		/* FIRST_RESOLVE */
	const char *then_servers;	/* --then-servers */
	bool first_done;
};

static const struct lws_protocols protocols[] = {
	{ WATCH_PROTOCOL_NAME, watch_protocol_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

#define PROBE_OF(sul, member) lws_container_of(sul, struct probe, member)

static int
count_fds(void)
{
	DIR *dir = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (dir == NULL)
		return -1;
	while ((e = readdir(dir)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory itself */
}

static void
all_done(struct probe *p)
{
	p->finished = true;
	if (p->resolving) {
		p->resolving = false;
		printf("ticks=%u\n", p->ticks);
		fflush(stdout);
	}
}

static void answered(void *arg, int status, const struct dns_result *res);

static void
start(struct probe *p, const char *name)
{
	struct lookup *l = &p->lookups[p->nlookups];

	l->p = p;
	l->name = name;
	l->started_ms = monotonic_ms();
	l->q = dns_resolve(p->dns, l->name, p->timeout_ms, answered, l);
	if (l->q == NULL) {
		printf("resolve %s cannot start: %s\n", l->name, strerror(errno));
		p->failed = true;
		return;
	}
	p->nlookups++;
	p->pending++;
}

/* Give up on every lookup still running, saying why. */
static void
abandon_rest(struct probe *p, const char *why, bool cancel)
{
	for (int i = 0; i < p->nlookups; i++) {
		struct lookup *l = &p->lookups[i];

		if (l->q == NULL)
			continue;
		if (cancel)
			dns_cancel(l->q);
		l->q = NULL;
		l->cancelled = true;
		printf("cancelled %s elapsed_ms=%" PRIu64 "%s\n", l->name,
		       monotonic_ms() - l->started_ms, why);
		p->pending--;
	}
}

static void
first_answer(struct probe *p, struct dns_query *self)
{
	char err[256];

	if (p->then_servers != NULL) {
		if (dns_set_servers(p->dns, p->then_servers, err, sizeof(err)) < 0) {
			printf("set servers error=\"%s\"\n", err);
			p->failed = true;
		} else {
			printf("servers now %s\n", p->then_servers);
		}
	}
	switch (p->first_action) {
	case FIRST_FREE:
		abandon_rest(p, " (dns_free in a callback)", false);
		dns_free(p->dns);
		p->dns = NULL;
		break;
	case FIRST_CANCEL_REST:
		abandon_rest(p, " (cancelled in a callback)", true);
		dns_cancel(self);	/* allowed, and does nothing */
		break;
	case FIRST_RESOLVE:
		if (p->nlookups < MAX_NAMES)
			start(p, p->chain_name);
		break;
	default:
		break;
	}
}

static void
answered(void *arg, int status, const struct dns_result *res)
{
	struct lookup *l = arg;
	struct probe *p = l->p;
	struct dns_query *self = l->q;
	uint64_t elapsed = monotonic_ms() - l->started_ms;

	if (l->cancelled || l->q == NULL) {
		printf("BUG callback for %s after cancel\n", l->name);
		p->bad_callback = true;
		return;
	}
	l->q = NULL;
	if (status == DNS_OK) {
		printf("resolve %s status=0 addrs=", l->name);
		for (size_t i = 0; i < res->count; i++)
			printf("%s%s", i > 0 ? "," : "", res->addrs[i].ip);
		printf(" elapsed_ms=%" PRIu64 "\n", elapsed);
	} else {
		printf("resolve %s status=%d error=\"%s\" short=\"%s\" "
		       "elapsed_ms=%" PRIu64 "\n", l->name, status, res->error,
		       dns_strerror(status), elapsed);
		p->failed = true;
	}
	p->pending--;
	if (!p->first_done) {
		p->first_done = true;
		first_answer(p, self);
	}
	fflush(stdout);
	if (p->pending == 0)
		all_done(p);
}

static void
tick_fired(lws_sorted_usec_list_t *sul)
{
	struct probe *p = PROBE_OF(sul, tick_sul);

	if (p->resolving)
		p->ticks++;
	lws_sul_schedule(p->ctx, 0, &p->tick_sul, tick_fired,
			 TICK_MS * LWS_US_PER_MS);
}

static void
cancel_fired(lws_sorted_usec_list_t *sul)
{
	struct probe *p = PROBE_OF(sul, cancel_sul);

	abandon_rest(p, "", true);
	fflush(stdout);
	if (p->pending == 0)
		all_done(p);
}

static void
free_fired(lws_sorted_usec_list_t *sul)
{
	struct probe *p = PROBE_OF(sul, free_sul);

	/* Like cancelling everything at once. */
	abandon_rest(p, " (dns_free)", false);
	dns_free(p->dns);
	p->dns = NULL;
	fflush(stdout);
	all_done(p);
}

static void
linger_fired(lws_sorted_usec_list_t *sul)
{
	PROBE_OF(sul, linger_sul)->lingered = true;
}

static void
guard_fired(lws_sorted_usec_list_t *sul)
{
	struct probe *p = PROBE_OF(sul, guard_sul);

	printf("probe: gave up waiting\n");
	p->gave_up = true;
}

static int
parse_ms(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 3600000ULL)
		return -1;
	*out = v;
	return 0;
}

static int
parse_action(const char *s, struct probe *p)
{
	if (strcmp(s, "free") == 0)
		p->first_action = FIRST_FREE;
	else if (strcmp(s, "cancel-rest") == 0)
		p->first_action = FIRST_CANCEL_REST;
	else if (strncmp(s, "resolve:", 8) == 0 && s[8] != '\0') {
		p->first_action = FIRST_RESOLVE;
		p->chain_name = s + 8;
	} else
		return -1;
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: dns_probe [--servers LIST] [--timeout MS] "
		"[--cancel-after MS] [--free-after MS] [--on-first-answer "
		"free|cancel-rest|resolve:NAME] [--linger MS] "
		"[--then-servers LIST] [-v] NAME...\n");
	return 1;
}

/* Run the loop until stop says so or the guard fires. */
static int
serve(struct probe *p, bool *stop)
{
	while (!*stop && !p->gave_up)
		if (lws_service(p->ctx, 0) < 0)
			return -1;
	return p->gave_up ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct lws_context_creation_info info = { 0 };
	struct probe p = { .linger_ms = 200 };
	struct lws_vhost *vh;
	const char *servers = NULL;
	uint64_t cancel_ms = 0, free_ms = 0, guard_ms;
	char err[256];
	int i, bad, fds_before, fds_after, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(opt, "-v") == 0) {
			log_set_level(LOG_DEBUG);
			continue;
		}
		if (val == NULL)
			return usage();
		i++;
		bad = 0;
		if (strcmp(opt, "--servers") == 0)
			servers = val;
		else if (strcmp(opt, "--timeout") == 0)
			bad = parse_ms(val, &p.timeout_ms);
		else if (strcmp(opt, "--cancel-after") == 0)
			bad = parse_ms(val, &cancel_ms);
		else if (strcmp(opt, "--free-after") == 0)
			bad = parse_ms(val, &free_ms);
		else if (strcmp(opt, "--linger") == 0)
			bad = parse_ms(val, &p.linger_ms);
		else if (strcmp(opt, "--on-first-answer") == 0)
			bad = parse_action(val, &p);
		else if (strcmp(opt, "--then-servers") == 0)
			p.then_servers = val;
		else
			bad = -1;
		if (bad < 0)
			return usage();
	}
	if (i == argc || argc - i >= MAX_NAMES)
		return usage();

	lws_set_log_level(LLL_ERR | LLL_WARN, NULL);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.fd_limit_per_thread = 1024;
	p.ctx = lws_create_context(&info);
	if (p.ctx == NULL) {
		fprintf(stderr, "dns_probe: cannot create the lws context\n");
		return 1;
	}
	vh = lws_get_vhost_by_name(p.ctx, "default");
	p.dns = vh != NULL ? dns_new(p.ctx, vh, servers, err, sizeof(err)) : NULL;
	if (p.dns == NULL) {
		printf("setup error=\"%s\"\n", vh != NULL ? err : "no vhost");
		lws_context_destroy(p.ctx);
		return 1;
	}
	fds_before = count_fds();

	/* The guard bounds the whole run whatever happens. */
	guard_ms = (p.timeout_ms != 0 ? p.timeout_ms : DNS_DEFAULT_TIMEOUT_MS) * 3 +
		   p.linger_ms + 5000;
	lws_sul_schedule(p.ctx, 0, &p.guard_sul, guard_fired,
			 (lws_usec_t)guard_ms * LWS_US_PER_MS);
	lws_sul_schedule(p.ctx, 0, &p.tick_sul, tick_fired,
			 TICK_MS * LWS_US_PER_MS);
	if (cancel_ms != 0)
		lws_sul_schedule(p.ctx, 0, &p.cancel_sul, cancel_fired,
				 (lws_usec_t)cancel_ms * LWS_US_PER_MS);
	if (free_ms != 0)
		lws_sul_schedule(p.ctx, 0, &p.free_sul, free_fired,
				 (lws_usec_t)free_ms * LWS_US_PER_MS);

	p.resolving = true;
	for (; i < argc; i++)
		start(&p, argv[i]);
	if (p.pending == 0)
		all_done(&p);

	if (serve(&p, &p.finished) < 0)
		rc = 4;
	lws_sul_cancel(&p.cancel_sul);
	lws_sul_cancel(&p.free_sul);

	/* A cancelled query must stay silent, and lws needs a turn to close. */
	lws_sul_schedule(p.ctx, 0, &p.linger_sul, linger_fired,
			 (lws_usec_t)p.linger_ms * LWS_US_PER_MS);
	if (rc == 0 && serve(&p, &p.lingered) < 0)
		rc = 4;
	fds_after = count_fds();
	printf("fds_leaked=%d\n", fds_after - fds_before);
	fflush(stdout);

	dns_free(p.dns);
	lws_sul_cancel(&p.tick_sul);
	lws_sul_cancel(&p.guard_sul);
	lws_sul_cancel(&p.linger_sul);
	lws_context_destroy(p.ctx);
	if (rc != 0)
		return rc;
	if (p.bad_callback)
		return 3;
	return p.failed ? 2 : 0;
}
