/*
 * daemon_reload.c - SIGHUP: read, prepare, apply.  See daemon_reload.h.
 */
#include <stdbool.h>
#include <time.h>
#include <string.h>

#include <libwebsockets.h>

#include "wspushd/config.h"
#include "wspushd/conn.h"
#include "wspushd/dns.h"
#include "wspushd/inbound.h"
#include "wspushd/lockfile.h"
#include "wspushd/log.h"
#include "wspushd/loop.h"
#include "wspushd/lws_log.h"
#include "wspushd/notify.h"
#include "wspushd/redis_sub.h"
#include "wspushd/relay_id.h"
#include "wspushd/reload.h"
#include "wspushd/report.h"
#include "wspushd/status_pub.h"
#include "wspushd/tls.h"

#include "daemon.h"
#include "daemon_reload.h"

const char *
daemon_runtime_dir(const struct config *cfg)
{
	return cfg->runtime_dir ? cfg->runtime_dir : "/run/wspushd";
}

/* Read the configuration again; false (every error logged) if it is bad. */
static bool
reload_read(struct daemon *d, struct config *next)
{
	struct diag diag = { 0 };
	enum cli_action action;
	bool ok = config_load(d->argc, d->argv, next, &action, &diag) == 0;

	for (size_t k = 0; !ok && k < diag.count; k++)
		log_err("%s", diag.lines[k]);
	if (!ok)
		log_err("reload rejected (%zu error(s)); the running "
			"configuration stays", diag.count);
	diag_free(&diag);
	return ok;
}

/* Hold the relay lock for cfg's inputs: false (said) if another has one. */
static bool
relock(struct daemon *d, const struct config *cfg)
{
	struct relay_id id;
	char err[512];
	int rc;

	if (d->lock == NULL)
		return true;
	relay_id_build(cfg, &id);
	rc = lockfile_update(&d->lock, daemon_runtime_dir(cfg), &id, err,
			     sizeof(err));
	relay_id_free(&id);
	if (rc < 0)
		log_err("reload rejected: %s; the running configuration stays",
			err);
	return rc == 0;
}

/*
 * What can still fail, before anything changes: the TLS vhost, the relay
 * lock, the DNS servers.
 */
static bool
reload_prepare(struct daemon *d, const struct config *next,
	       const struct reload_plan *plan)
{
	char err[300];
	struct lws_vhost *uvh = NULL;
	const char *was = d->cfg->dns_servers ? d->cfg->dns_servers : "";
	const char *now = next->dns_servers ? next->dns_servers : "";

	/*
	 * TLS settings are fixed in a vhost when it is made: the next
	 * attempt goes through a new one.  The old one stays until exit, as
	 * its closing connection may still need it.
	 */
	if (plan->upstream && next->url.tls) {
		uvh = tls_upstream_vhost(d->ctx, loop_protocols(), next, err,
					 sizeof(err));
		if (uvh == NULL) {
			log_err("reload rejected: %s; the running configuration "
				"stays", err);
			return false;
		}
	}
	if (!relock(d, next)) {
		if (uvh != NULL)
			lws_vhost_destroy(uvh);
		return false;
	}
	/* Last: it takes effect at once, so nothing may fail after it. */
	if (strcmp(was, now) != 0 &&
	    dns_set_servers(d->dns, next->dns_servers, err, sizeof(err)) < 0) {
		log_err("reload rejected: %s; the running configuration stays", err);
		if (uvh != NULL)
			lws_vhost_destroy(uvh);
		/* Back to the running inputs' lock (said, if one was taken meanwhile). */
		relock(d, d->cfg);
		return false;
	}
	if (uvh != NULL)
		conn_set_client_vhost(d->conn, uvh);
	return true;
}

/*
 * The new configuration takes the old one's place: each module is handed
 * it and keeps what it needs; the old one is freed once none holds it.
 */
static void
reload_apply(struct daemon *d, struct config *next,
	     const struct reload_plan *plan)
{
	struct config *old = d->cfg;

	d->cfg = next;
	log_set_level(next->log_level);
	lws_log_route(next->log_level);
	if (conn_reconfigure(d->conn, next) < 0)
		log_err("reload: out of memory rebuilding the upstream request");
	redis_sub_reconfigure(d->redis, next, plan->subscriptions && !plan->redis);
	if (plan->upstream)
		conn_restart(d->conn);
	if (plan->redis)
		redis_sub_restart(d->redis);
	if (plan->metrics)
		log_warnx("reload: [metrics] listen applies at the next start; "
			  "still serving where the daemon started");
	if (plan->streams)
		log_warnx("reload: [redis] stream, group and consumer apply at "
			  "the next start; still reading as the daemon started");
	if (plan->fleet)
		log_warnx("reload: [fleet] lease_key, lease_ttl and instance apply "
			  "at the next start; still competing as the daemon started");
	if (plan->status) {
		struct status_pub *was = d->status;

		d->status = status_pub_new(d->ctx, d->redis, next, report_snapshot,
					   &d->report);
		status_pub_take_over(d->status, was);
		status_pub_free(was);
	} else {
		status_pub_reconfigure(d->status, next);
	}
	sub_counts_set(&d->report.subs, &next->channels, &next->patterns);
	inbound_reconfigure(d->inbound, next);
	config_destroy(old);
	log_info("configuration reloaded%s%s%s",
		 plan->upstream ? "; upstream reconnecting" : "",
		 plan->redis ? "; Redis reconnecting" : "",
		 plan->subscriptions && !plan->redis ? "; subscriptions updated" : "");
}

/*
 * SIGHUP: read the configuration again.  A bad one is reported like at
 * start (file:line, all of it) and changes nothing.  A good one is
 * applied the gentlest way each change allows; see reload.h.
 */
void
daemon_reload(struct daemon *d)
{
	struct config *next = config_new();
	struct reload_plan plan;
	bool ok;

	if (next == NULL) {
		log_err("reload rejected: out of memory");
		return;
	}
	notify_reloading(d->notify);
	log_info("SIGHUP: reloading %s",
		 d->cfg->path ? d->cfg->path : "the command line");
	ok = reload_read(d, next);
	if (ok) {
		reload_plan(d->cfg, next, &plan);
		ok = reload_prepare(d, next, &plan);
	}
	if (ok)
		reload_apply(d, next, &plan);
	else
		config_destroy(next);
	/* For /metrics: how the last one went, and when. */
	d->report.reloads.last_ok = ok;
	d->report.reloads.last_at = (int64_t)time(NULL);
	if (ok)
		d->report.reloads.applied++;
	else
		d->report.reloads.rejected++;
	notify_reloaded(d->notify);
}

