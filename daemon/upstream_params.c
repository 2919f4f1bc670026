/*
 * upstream_params.c - the upstream core's parameters, from the
 * configuration ([upstream], and [redis] max_deliveries).
 */
#include "wspushd/config.h"
#include "wspushd/upstream_core.h"

void
upstream_params_from(const struct config *cfg, struct upstream_params *p)
{
	*p = (struct upstream_params){
		.connect_timeout_ms = cfg->connect_timeout_ms,
		.backoff = { cfg->backoff_min_ms, cfg->backoff_max_ms },
		.backoff_reset_ms = cfg->backoff_reset_ms,
		.close_timeout_ms = cfg->close_timeout_ms,
		.drain_timeout_ms = cfg->drain_timeout_ms,
		.fin_timeout_ms = cfg->fin_timeout_ms,
		.confirm_interval_ms = cfg->delivery == DELIVERY_AT_LEAST_ONCE ?
				       cfg->confirm_interval_ms : 0,
		.max_deliveries = cfg->max_deliveries,
		.ping_interval_ms = cfg->ping_interval_ms,
		.pong_timeout_ms = cfg->pong_timeout_ms,
		.any_frame_is_alive = cfg->liveness == LIVENESS_ANY,
		.max_message_bytes = cfg->max_message_bytes,
		.slow_codes = cfg->slow_retry_codes,
		.tls = cfg->url.tls,
		.on_open_count = (uint32_t)cfg->on_open.count,
		.on_open_wait_ms = cfg->on_open_wait_ms,
		.heartbeat_interval_ms = cfg->heartbeat_message != NULL ?
					 cfg->heartbeat_interval_ms : 0,
	};
}
