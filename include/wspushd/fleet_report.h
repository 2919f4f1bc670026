/*
 * fleet_report.h - the fleet lease in /metrics.  Pure: a view in, text
 * out, snprintf style (the length the whole text needs is returned).
 */
#ifndef WSPUSHD_FLEET_REPORT_H
#define WSPUSHD_FLEET_REPORT_H

#include <stddef.h>

#include "wspushd/fleet.h"	/* struct fleet_view */

size_t fleet_report_metrics(const struct fleet_view *v, char *buf, size_t len);

#endif
