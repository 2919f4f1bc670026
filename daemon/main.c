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
#include "wspushd/conn.h"
#include "wspushd/dns.h"
#include "wspushd/fdlimit.h"
#include "wspushd/lockfile.h"
#include "wspushd/log.h"
#include "wspushd/metrics.h"
#include "wspushd/metrics_text.h"
#include "wspushd/notify.h"
#include "wspushd/redis_sub.h"
#include "wspushd/reload.h"
#include "wspushd/signals.h"
#include "wspushd/status.h"
#include "wspushd/status_pub.h"
#include "wspushd/status_query.h"
#include "wspushd/tls.h"
#include "wspushd/watch.h"


struct daemon {
	struct config cfg;
	struct lws_context *ctx;
	struct lws_vhost *vh;
	struct dns *dns;
	struct conn *conn;
	struct redis_sub *redis;
	struct signals *signals;
	struct notify *notify;
	struct status_pub *status;	/* NULL when [status] is off */
	struct metrics *metrics;	/* NULL when [metrics] is off */
	uint64_t started_ms;		/* monotonic, for the uptime metric */
	lws_sorted_usec_list_t status_sul;	/* refreshes STATUS= */
	bool stopping;
	bool done;
	int lock_fd;			/* held until exit; -1 if none */
	int argc;			/* kept for SIGHUP: flags still override */
	char **argv;
};

/*
 * The daemon, for the two lws hooks that carry no pointer of ours: the
 * log callback and the TLS set-up of a new vhost.
 */
static struct daemon *the_daemon;

static int
upstream_callback(struct lws *wsi, enum lws_callback_reasons reason,
		  void *user, void *in, size_t len)
{
	if (reason == LWS_CALLBACK_OPENSSL_LOAD_EXTRA_CLIENT_VERIFY_CERTS)
		return tls_load_extra_verify_certs(wsi, user);
	return conn_protocol_callback(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
	{ CONN_PROTOCOL_NAME, upstream_callback, 0, 0, 0, NULL,
	  CONN_WRITE_RUN_BYTES },
	{ WATCH_PROTOCOL_NAME, watch_protocol_callback, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

/*
 * lws' own lines, through our logger, at our priorities.  lws repeats
 * the same complaint on every failed attempt (a TLS verification error,
 * say), so its lines go through repeat suppression like ours.
 */
static void
lws_log_emit(int level, const char *line)
{
	static struct log_repeat lws_repeat;
	int prio = level & LLL_ERR ? LOG_ERR :
		   level & LLL_WARN ? LOG_WARNING :
		   level & LLL_NOTICE ? LOG_NOTICE : LOG_DEBUG;
	size_t n = strlen(line);

	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	/*
	 * lws says why a certificate was refused only in its log; keep the
	 * reason for the connection's own error line.
	 */
	if (the_daemon != NULL && the_daemon->conn != NULL) {
		const char *why = strstr(line, "SSL error: ");

		if (why != NULL)
			conn_note_tls_error(the_daemon->conn, why + 11);
	}
	log_repeated(&lws_repeat, prio, "lws: %.*s", (int)n, line);
}

static int
lws_mask_for(int level)
{
	/* lws' notices are chatty (banners, vhost setup): debug only. */
	if (level >= LOG_DEBUG)
		return LLL_ERR | LLL_WARN | LLL_NOTICE;
	if (level >= LOG_WARNING)
		return LLL_ERR | LLL_WARN;
	return LLL_ERR;
}

static void
on_conn_exit(void *arg)
{
	struct daemon *d = arg;

	d->done = true;
	lws_cancel_service(d->ctx);
}

/* How often STATUS= is refreshed while nothing changes state. */
#define STATUS_REFRESH_MS 5000

static void
update_status(struct daemon *d)
{
	struct conn_snapshot snap;
	char line[300];

	conn_snapshot(d->conn, &snap);
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

/* GET /metrics: the connection and the Redis input as they are now. */
static size_t
render_metrics(void *arg, char *buf, size_t len)
{
	struct daemon *d = arg;
	struct conn_snapshot snap;

	conn_snapshot(d->conn, &snap);
	return metrics_render(&snap, redis_sub_state_name(d->redis),
			      status_pub_write_errors(),
			      (monotonic_ms() - d->started_ms) / 1000, buf, len);
}

static void
snapshot(void *arg, struct conn_snapshot *out)
{
	struct daemon *d = arg;

	conn_snapshot(d->conn, out);
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
	if (subscribed)
		notify_ready(d->notify);
	update_status(d);
	status_pub_update(d->status);
}

static void
on_redis_message(void *arg, const struct redis_message *m)
{
	struct daemon *d = arg;

	if (m->data != NULL)
		conn_submit(d->conn, m->data, m->len);
	else
		conn_drop_oversize(d->conn, m->channel, m->channel_len, m->len);
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
	redis_sub_stop(d->redis);
	conn_shutdown(d->conn);
	status_pub_update(d->status);
}

/*
 * SIGHUP: read the configuration again.  A bad one is reported like at
 * start (file:line, all of it) and changes nothing.  A good one is
 * applied the gentlest way each change allows; see reload.h.
 */
static void
reload(struct daemon *d)
{
	struct config next, old;
	struct reload_plan plan;
	char err2[300];
	struct diag diag = { 0 };
	enum cli_action action;

	notify_reloading(d->notify);
	log_info("SIGHUP: reloading %s", d->cfg.path ? d->cfg.path : "the command line");
	config_init(&next);
	if (config_load(d->argc, d->argv, &next, &action, &diag) < 0) {
		for (size_t k = 0; k < diag.count; k++)
			log_err("%s", diag.lines[k]);
		log_err("reload rejected (%zu error(s)); the running configuration stays",
			diag.count);
		config_free(&next);
		diag_free(&diag);
		notify_reloaded(d->notify);
		return;
	}
	diag_free(&diag);
	reload_plan(&d->cfg, &next, &plan);
	if (dns_set_servers(d->dns, next.dns_servers, err2, sizeof(err2)) < 0) {
		log_err("reload rejected: %s; the running configuration stays", err2);
		config_free(&next);
		notify_reloaded(d->notify);
		return;
	}
	if (plan.upstream && next.url.tls) {
		char err[300];
		/*
		 * TLS settings are fixed in a vhost when it is made: the next
		 * attempt goes through a new one.  The old one stays until
		 * exit, as its closing connection may still need it.
		 */
		struct lws_vhost *uvh = tls_upstream_vhost(d->ctx, protocols,
							   &next, err, sizeof(err));

		if (uvh == NULL) {
			log_err("reload rejected: %s; the running configuration stays",
				err);
			config_free(&next);
			notify_reloaded(d->notify);
			return;
		}
		conn_set_client_vhost(d->conn, uvh);
	}
	if (plan.subscriptions && !plan.redis)
		redis_sub_update(d->redis, &d->cfg, &next);

	/* Same address, new contents: everyone holds &d->cfg. */
	old = d->cfg;
	d->cfg = next;
	config_free(&old);
	log_set_level(d->cfg.log_level);
	if (conn_config_changed(d->conn) < 0)
		log_err("reload: out of memory rebuilding the upstream request");
	redis_sub_config_changed(d->redis);
	if (plan.upstream)
		conn_restart(d->conn);
	if (plan.redis)
		redis_sub_restart(d->redis);
	if (plan.metrics)
		/* lws 4.1.6 keeps a vhost's listening socket until exit. */
		log_warnx("reload: [metrics] listen applies at the next start; "
			  "still serving where the daemon started");
	if (plan.status) {
		status_pub_free(d->status);
		d->status = status_pub_new(d->ctx, d->redis, &d->cfg, snapshot, d);
	}
	log_info("configuration reloaded%s%s%s", plan.upstream ? "; upstream reconnecting" : "",
		 plan.redis ? "; Redis reconnecting" : "",
		 plan.subscriptions && !plan.redis ? "; subscriptions updated" : "");
	notify_reloaded(d->notify);
	update_status(d);
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
		if (!d->stopping)
			reload(d);
		break;
	default:
		break;
	}
}

/*
 * The soft RLIMIT_NOFILE up to the hard one: the kernel's default soft
 * 1024 (systemd's too) is an old select() guard; we use none.  Before
 * the loop: lws sizes its descriptor table from the limit it sees.
 */
static void
raise_fd_limit(void)
{
	uint64_t was = 0, now = 0;
	int rc = fdlimit_raise(&was, &now);

	if (rc < 0)
		log_debug("descriptor limit (RLIMIT_NOFILE) stays %llu: %s",
			  (unsigned long long)was, strerror(-rc));
	else
		log_debug("descriptor limit (RLIMIT_NOFILE): %llu, was %llu",
			  (unsigned long long)now, (unsigned long long)was);
}

static int
create_loop(struct daemon *d)
{
	struct lws_context_creation_info info = { 0 };

	lws_set_log_level(lws_mask_for(d->cfg.log_level), lws_log_emit);
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	/* RFC 6455 8.1: a text frame that is not UTF-8 fails the connection. */
	info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
	/*
	 * OpenSSL's global set-up touches some 4 MB of libcrypto that a
	 * ws:// upstream never uses.  A reload to wss:// still works: the
	 * TLS vhost asks for it, and OpenSSL initialises itself on first use.
	 */
	if (d->cfg.url.tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	info.gid = -1;
	info.uid = -1;
	/* A handful of descriptors; keeps lws' per-fd tables small. */
	info.fd_limit_per_thread = 1024;
	d->ctx = lws_create_context(&info);
	if (d->ctx == NULL) {
		log_err("cannot create the event loop");
		return -1;
	}
	d->vh = lws_get_vhost_by_name(d->ctx, "default");
	if (d->vh == NULL) {
		log_err("cannot find the default vhost");
		return -1;
	}
	return 0;
}

static int
run(struct daemon *d)
{
	the_daemon = d;
	d->started_ms = monotonic_ms();
	char url[512], err[160];

	if (signals_block() < 0) {
		log_warn("cannot block signals");
		return WSPUSHD_EX_SOFTWARE;
	}
	raise_fd_limit();
	if (create_loop(d) < 0)
		return WSPUSHD_EX_SOFTWARE;
	d->signals = signals_watch(d->vh, on_signal, d);
	d->dns = dns_new(d->ctx, d->vh, d->cfg.dns_servers, err, sizeof(err));
	if (d->dns == NULL) {
		log_err("cannot set up name resolution: %s", err);
		return WSPUSHD_EX_SOFTWARE;
	}
	d->conn = conn_new(d->ctx, d->vh, d->dns, &d->cfg, on_conn_exit, d);
	if (d->conn != NULL && d->cfg.url.tls) {
		struct lws_vhost *uvh = tls_upstream_vhost(d->ctx, protocols,
							   &d->cfg, err, sizeof(err));

		if (uvh == NULL) {
			log_err("%s", err);
			return WSPUSHD_EX_CONFIG;
		}
		conn_set_client_vhost(d->conn, uvh);
	}
	d->redis = redis_sub_new(d->ctx, d->vh, d->dns, &d->cfg,
				 on_redis_message, d);
	d->notify = notify_new(d->ctx);
	if (d->signals == NULL || d->conn == NULL || d->redis == NULL ||
	    d->notify == NULL) {
		log_warn("cannot start");
		return WSPUSHD_EX_SOFTWARE;
	}
	if (d->cfg.metrics_listen != NULL) {
		d->metrics = metrics_new(d->ctx, d->cfg.metrics_host,
					 d->cfg.metrics_port, render_metrics, d,
					 err, sizeof(err));
		if (d->metrics == NULL) {
			log_err("%s", err);
			return WSPUSHD_EX_SOFTWARE;
		}
		log_info("metrics on http://%s/metrics", d->cfg.metrics_listen);
	}
	url_redact(d->cfg.url_text, url, sizeof(url));
	log_info("wspushd %s starting: upstream %s", WSPUSHD_VERSION, url);
	d->status = status_pub_new(d->ctx, d->redis, &d->cfg, snapshot, d);
	conn_set_observer(d->conn, on_conn_change, d);
	redis_sub_set_observer(d->redis, on_redis_change, d);
	conn_start(d->conn);
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
 * One daemon per configuration: the configuration file by its absolute
 * path, or, without one, the command line.
 */
static int
take_lock(struct daemon *d, int argc, char **argv)
{
	const char *dir = d->cfg.runtime_dir ? d->cfg.runtime_dir : "/run/wspushd";
	char identity[4096] = "", err[512];
	size_t n = 0;

	if (d->cfg.path != NULL && realpath(d->cfg.path, identity) != NULL) {
		/* identity holds the canonical path */
	} else {
		for (int i = 1; i < argc && n < sizeof(identity) - 1; i++)
			n += (size_t)snprintf(identity + n, sizeof(identity) - n,
					      "%s%s", i > 1 ? " " : "", argv[i]);
	}
	d->lock_fd = lockfile_acquire(dir, identity, err, sizeof(err));
	if (d->lock_fd == -EWOULDBLOCK) {
		log_err("%s", err);
		return WSPUSHD_EX_TEMPFAIL;
	}
	if (d->lock_fd < 0) {
		log_err("%s", err);
		return WSPUSHD_EX_SOFTWARE;
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
					      st->dropped_invalid),
			 conn_queued(d->conn));
	}
	/* Everything that lives on the loop goes before the loop itself. */
	if (d->ctx != NULL)
		lws_sul_cancel(&d->status_sul);
	notify_free(d->notify);
	metrics_free(d->metrics);
	status_pub_free(d->status);
	redis_sub_free(d->redis);
	conn_free(d->conn);
	signals_free(d->signals);
	dns_free(d->dns);
	if (d->ctx != NULL)
		lws_context_destroy(d->ctx);
	if (d->lock_fd >= 0)
		close(d->lock_fd);
	config_free(&d->cfg);
}

int
main(int argc, char **argv)
{
	struct daemon d = { .lock_fd = -1 };
	struct diag diag = { 0 };
	enum cli_action action = CLI_RUN;
	int rc;

	config_init(&d.cfg);
	rc = config_load(argc, argv, &d.cfg, &action, &diag);
	switch (action) {
	case CLI_HELP:
		config_usage(stdout);
		rc = WSPUSHD_EX_OK;
		goto out;
	case CLI_VERSION:
		printf("wspushd %s (libwebsockets %s, hiredis %d.%d.%d)\n",
		       WSPUSHD_VERSION, lws_get_library_version(),
		       HIREDIS_MAJOR, HIREDIS_MINOR, HIREDIS_PATCH);
		rc = WSPUSHD_EX_OK;
		goto out;
	default:
		break;
	}
	if (rc < 0) {
		for (size_t k = 0; k < diag.count; k++)
			fprintf(stderr, "%s\n", diag.lines[k]);
		fprintf(stderr, "wspushd: %zu error(s) in the configuration\n",
			diag.count);
		rc = WSPUSHD_EX_CONFIG;
		goto out;
	}
	if (action == CLI_STATUS) {
		rc = status_query(&d.cfg, stdout);
		goto out;
	}
	if (action == CLI_CHECK_CONFIG) {
		printf("configuration OK\n");
		rc = WSPUSHD_EX_OK;
		goto out;
	}
	log_set_level(d.cfg.log_level);
	d.argc = argc;
	d.argv = argv;
	rc = take_lock(&d, argc, argv);
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
	config_free(&d.cfg);
	return rc;
}
