/*
 * main.c - wiring: configuration, the one event loop, the Redis input,
 * the upstream connection, signals, and an orderly exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <libwebsockets.h>

#include "wspushd/config.h"
#include "wspushd/relay_id.h"
#include "wspushd/conn.h"
#include "wspushd/dns.h"
#include "wspushd/fleet.h"
#include "wspushd/inbound.h"
#include "wspushd/lockfile.h"
#include "wspushd/log.h"
#include "wspushd/loop.h"
#include "wspushd/lws_log.h"
#include "wspushd/metrics.h"
#include "wspushd/notify.h"
#include "wspushd/redis_sub.h"
#include "wspushd/reload.h"
#include "wspushd/report.h"
#include "wspushd/signals.h"
#include "wspushd/status.h"
#include "wspushd/status_pub.h"
#include "wspushd/status_query.h"
#include "wspushd/stream_in.h"
#include "wspushd/tls.h"

#include "daemon.h"
#include "daemon_reload.h"



static void
on_released(void *arg)
{
	struct daemon *d = arg;

	d->done = true;
	lws_cancel_service(d->ctx);
}

static void
on_conn_exit(void *arg)
{
	struct daemon *d = arg;

	/* The upstream is closed: now a standby may take over at once. */
	if (d->fleet != NULL)
		fleet_release(d->fleet, on_released, d);
	else
		on_released(d);
}

static void
on_conn_activity(void *arg)
{
	struct daemon *d = arg;

	status_pub_activity(d->status);
}

/* Reading the input: Redis is up and, in a fleet, this one leads. */
static bool
reading(const struct daemon *d)
{
	return d->redis_up && (d->fleet == NULL || fleet_leading(d->fleet));
}

/* How often STATUS= is refreshed while nothing changes state. */
#define STATUS_REFRESH_MS 5000

static void
update_status(struct daemon *d)
{
	struct conn_snapshot snap;
	char line[300];

	report_snapshot(&d->report, &snap);
	status_line(&snap, redis_sub_state_name(d->redis), line, sizeof(line));
	notify_status(d->notify, line);
}

static void
status_tick(lws_sorted_usec_list_t *sul)
{
	struct daemon *d = lws_container_of(sul, struct daemon, status_sul);

	/* Counters move without state changes; keep systemctl status fresh. */
	update_status(d);
	lws_sul_schedule(d->ctx, 0, &d->status_sul, status_tick,
			 (lws_usec_t)STATUS_REFRESH_MS * LWS_US_PER_MS);
}

static void
on_conn_change(void *arg)
{
	struct daemon *d = arg;

	update_status(d);
	status_pub_update(d->status);
}

static void
on_redis_change(void *arg, bool subscribed)
{
	struct daemon *d = arg;

	/* Ready means: configured, and messages can come in. */
	if (subscribed) {
		notify_ready(d->notify);
		inbound_redis_up(d->inbound);
	}
	d->redis_up = subscribed;
	stream_in_redis(d->streams, reading(d));
	update_status(d);
	status_pub_update(d->status);
}

static void
on_redis_message(void *arg, const struct redis_message *m)
{
	struct daemon *d = arg;

	if (m->pattern != NULL)
		sub_counts_add(&d->report.subs, true, m->pattern, m->pattern_len);
	else
		sub_counts_add(&d->report.subs, false, m->channel, m->channel_len);
	if (m->data != NULL)
		conn_submit(d->conn, m->data, m->len);
	else
		conn_drop_oversize(d->conn, m->channel, m->channel_len, m->len);
}

/* The fleet lease was won or lost (fleet.h). */
static void
on_role(void *arg, bool leader, uint64_t term, const char *why)
{
	struct daemon *d = arg;

	(void)why;
	if (leader) {
		redis_sub_stand_by(d->redis, false);
		conn_lead(d->conn, term);
	} else {
		/* Stream entries stay pending on Redis for the next leader. */
		stream_in_forget(d->streams);
		conn_stand_by(d->conn, d->streams != NULL);
		redis_sub_stand_by(d->redis, true);
	}
	stream_in_redis(d->streams, reading(d));
	update_status(d);
	status_pub_update(d->status);
}

static void
begin_shutdown(struct daemon *d, const char *why)
{
	if (d->stopping) {
		log_info("already stopping");
		return;
	}
	d->stopping = true;
	log_info("%s: stopping", why);
	notify_stopping(d->notify);
	/* First stop the input, so the queue can only shrink. */
	stream_in_stop(d->streams);
	redis_sub_stop(d->redis);
	conn_shutdown(d->conn);
	status_pub_update(d->status);
}

static void
on_signal(void *arg, int signo)
{
	struct daemon *d = arg;

	switch (signo) {
	case SIGTERM:
	case SIGINT:
		begin_shutdown(d, strsignal(signo));
		break;
	case SIGHUP:
		if (!d->stopping) {
			daemon_reload(d);
			update_status(d);
		}
		break;
	default:
		break;
	}
}

/* Every module, made and wired; an exit status if one cannot be. */
static int
start_modules(struct daemon *d)
{
	struct metrics_source src = { report_metrics, report_probe, &d->report };
	char err[160];

	d->signals = signals_watch(d->vh, on_signal, d);
	d->dns = dns_new(d->ctx, d->vh, d->cfg->dns_servers, err, sizeof(err));
	if (d->dns == NULL) {
		log_err("cannot set up name resolution: %s", err);
		return WSPUSHD_EX_SOFTWARE;
	}
	d->conn = conn_new(d->ctx, d->vh, d->dns, d->cfg, on_conn_exit, d);
	if (d->conn != NULL && d->cfg->url.tls) {
		struct lws_vhost *uvh = tls_upstream_vhost(d->ctx, loop_protocols(),
							   d->cfg, err, sizeof(err));

		if (uvh == NULL) {
			log_err("%s", err);
			return WSPUSHD_EX_CONFIG;
		}
		conn_set_client_vhost(d->conn, uvh);
	}
	d->redis = redis_sub_new(d->ctx, d->vh, d->dns, d->cfg,
				 on_redis_message, d);
	d->notify = notify_new(d->ctx);
	if (d->signals == NULL || d->conn == NULL || d->redis == NULL ||
	    d->notify == NULL) {
		log_warn("cannot start");
		return WSPUSHD_EX_SOFTWARE;
	}
	switch (metrics_start(d->ctx, d->cfg, &src, &d->metrics)) {
	case 0:
		break;
	case -EADDRINUSE:
		/* Not ours to fix by restarting: the unit does not. */
		return WSPUSHD_EX_UNAVAILABLE;
	default:
		return WSPUSHD_EX_SOFTWARE;
	}
	if (d->cfg->streams.count > 0)
		d->streams = stream_in_new(d->ctx, d->cfg, d->redis, d->conn);
	if (d->cfg->lease_key != NULL)
		d->fleet = fleet_new(d->ctx, d->redis, d->cfg, on_role, d);
	d->report.conn = d->conn;
	d->report.redis = d->redis;
	d->report.streams = d->streams;
	d->report.fleet = d->fleet;
	d->report.inbound = d->inbound = inbound_new(d->ctx, d->conn, d->redis,
							      d->cfg);
	sub_counts_set(&d->report.subs, &d->cfg->channels, &d->cfg->patterns);
	d->status = status_pub_new(d->ctx, d->redis, d->cfg, report_snapshot,
				   &d->report);
	conn_set_observer(d->conn, on_conn_change, d);
	conn_set_activity(d->conn, on_conn_activity, d);
	redis_sub_set_observer(d->redis, on_redis_change, d);
	return WSPUSHD_EX_OK;
}

static int
run(struct daemon *d)
{
	char url[512];
	int rc;

	d->report.started_ms = monotonic_ms();
	if (signals_block() < 0) {
		log_warn("cannot block signals");
		return WSPUSHD_EX_SOFTWARE;
	}
	loop_raise_fd_limit();
	d->ctx = loop_create(d->cfg, &d->vh);
	if (d->ctx == NULL)
		return WSPUSHD_EX_SOFTWARE;
	if ((rc = start_modules(d)) != WSPUSHD_EX_OK)
		return rc;
	url_redact(d->cfg->url_text, url, sizeof(url));
	log_info("wspushd %s starting: upstream %s", WSPUSHD_VERSION, url);
	if (d->fleet != NULL) {
		/* Standing by until the lease is won. */
		conn_stand_by(d->conn, false);
		redis_sub_stand_by(d->redis, true);
		fleet_start(d->fleet);
	} else {
		conn_start(d->conn);
	}
	redis_sub_start(d->redis);
	/* Without a service manager to tell, an idle daemon stays asleep. */
	if (notify_enabled(d->notify))
		status_tick(&d->status_sul);

	while (!d->done) {
		if (lws_service(d->ctx, 0) < 0) {
			log_err("event loop failed");
			return WSPUSHD_EX_SOFTWARE;
		}
		conn_after_service(d->conn);
	}
	return WSPUSHD_EX_OK;
}

/*
 * One daemon per relay: no other process on this host may relay any of
 * our inputs to our upstream (lockfile.h).
 */
static int
take_lock(struct daemon *d)
{
	struct relay_id id;
	char err[512];
	int rc;

	relay_id_build(d->cfg, &id);
	d->lock = lockfile_acquire(daemon_runtime_dir(d->cfg), &id, &rc, err,
				   sizeof(err));
	relay_id_free(&id);
	if (d->lock == NULL && rc == -EWOULDBLOCK) {
		log_err("%s", err);
		return WSPUSHD_EX_TEMPFAIL;
	}
	if (d->lock == NULL) {
		/*
		 * Most often: not root, and /run is not this user's.  Then err
		 * is replaced by what to do instead; else it is acquire's.
		 */
		lockfile_check_dir(daemon_runtime_dir(d->cfg), err, sizeof(err));
		log_err("%s", err);
		return WSPUSHD_EX_CANTCREAT;
	}
	return WSPUSHD_EX_OK;
}

static void
teardown(struct daemon *d)
{
	const struct conn_stats *st;

	if (d->conn != NULL) {
		st = conn_get_stats(d->conn);
		log_info("stopped: %llu sent, %llu dropped, %zu undelivered",
			 (unsigned long long)st->sent,
			 (unsigned long long)(st->dropped_overflow +
					      st->dropped_oversize +
					      st->dropped_invalid + st->dropped_refused +
					      st->dropped_fenced),
			 conn_queued(d->conn));
	}
	/* Everything that lives on the loop goes before the loop itself. */
	if (d->ctx != NULL)
		lws_sul_cancel(&d->status_sul);
	notify_free(d->notify);
	metrics_free(d->metrics);
	status_pub_free(d->status);
	inbound_free(d->inbound);
	stream_in_flush(d->streams);
	redis_sub_free(d->redis);
	fleet_free(d->fleet);
	stream_in_free(d->streams);
	conn_free(d->conn);
	signals_free(d->signals);
	dns_free(d->dns);
	sub_counts_free(&d->report.subs);
	if (d->ctx != NULL)
		lws_context_destroy(d->ctx);
	lockfile_release(d->lock);
	config_destroy(d->cfg);
}

/* --check-config, once the file passed: could it run as it is? */
static int
check_config(const struct config *cfg)
{
	char err[512];

	/* Running needs its lock files; say now if it could not. */
	if (lockfile_check_dir(daemon_runtime_dir(cfg), err, sizeof(err)) < 0) {
		fprintf(stderr, "%swspushd: %s\n", log_error_prefix(), err);
		return WSPUSHD_EX_CANTCREAT;
	}
	printf("configuration OK\n");
	return WSPUSHD_EX_OK;
}

/*
 * lws gives "4.1.6-" and a build's git hash after the dash; a packaged
 * build has none, so the dash alone is dropped.
 */
static void
print_version(void)
{
	const char *lws = lws_get_library_version();
	size_t n = strlen(lws);

	if (n > 0 && lws[n - 1] == '-')
		n--;
	printf("wspushd %s (libwebsockets %.*s, hiredis %d.%d.%d)\n",
	       WSPUSHD_VERSION, (int)n, lws, HIREDIS_MAJOR, HIREDIS_MINOR,
	       HIREDIS_PATCH);
}

/* Did any error come from a flag (config_flags.c's prefix)? */
static bool
from_command_line(const struct diag *diag)
{
	for (size_t k = 0; k < diag->count; k++)
		if (strncmp(diag->lines[k], "command line: ", 14) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	struct daemon d = { 0 };
	struct diag diag = { 0 };
	enum cli_action action = CLI_RUN;
	int rc;

	d.cfg = config_new();
	if (d.cfg == NULL)
		return WSPUSHD_EX_SOFTWARE;
	rc = config_load(argc, argv, d.cfg, &action, &diag);
	switch (action) {
	case CLI_HELP:
		config_usage(stdout);
		rc = WSPUSHD_EX_OK;
		goto out;
	case CLI_VERSION:
		print_version();
		rc = WSPUSHD_EX_OK;
		goto out;
	default:
		break;
	}
	if (rc < 0) {
		for (size_t k = 0; k < diag.count; k++)
			fprintf(stderr, "%s%s\n", log_error_prefix(),
				diag.lines[k]);
		fprintf(stderr, "%swspushd: %zu error(s) in the configuration%s\n",
			log_error_prefix(), diag.count,
			from_command_line(&diag) ? "; try --help" : "");
		rc = WSPUSHD_EX_CONFIG;
		goto out;
	}
	if (action == CLI_STATUS) {
		rc = status_query(d.cfg, stdout);
		goto out;
	}
	if (action == CLI_CHECK_CONFIG) {
		rc = check_config(d.cfg);
		goto out;
	}
	log_set_level(d.cfg->log_level);
	d.argc = argc;
	d.argv = argv;
	rc = take_lock(&d);
	if (rc != WSPUSHD_EX_OK) {
		teardown(&d);
		diag_free(&diag);
		return rc;
	}
	rc = run(&d);
	teardown(&d);
	diag_free(&diag);
	return rc;
out:
	diag_free(&diag);
	config_destroy(d.cfg);
	return rc;
}
