/*
 * fleet_report.c - see fleet_report.h.
 */
#include <string.h>

#include "wspushd/fleet_report.h"
#include "wspushd/textbuf.h"

size_t
fleet_report_metrics(const struct fleet_view *v, char *buf, size_t len)
{
	struct textbuf t = { .buf = buf, .len = len };

	if (len > 0)
		buf[0] = '\0';
	textbuf_put(&t, "# HELP wspushd_fleet_leader 1 while this instance "
		    "holds the fleet lease (and may connect upstream).\n"
		    "# TYPE wspushd_fleet_leader gauge\n"
		    "wspushd_fleet_leader %d\n",
		    strcmp(v->role, "leader") == 0);
	textbuf_put(&t, "# HELP wspushd_fleet_term The last lease term this "
		    "instance won (the fencing token); 0: none.\n"
		    "# TYPE wspushd_fleet_term gauge\n"
		    "wspushd_fleet_term %llu\n", (unsigned long long)v->term);
	textbuf_put(&t, "# HELP wspushd_fleet_leader_terms_total Times this "
		    "instance became the leader.\n"
		    "# TYPE wspushd_fleet_leader_terms_total counter\n"
		    "wspushd_fleet_leader_terms_total %llu\n",
		    (unsigned long long)v->terms_won);
	textbuf_put(&t, "# HELP wspushd_fleet_fenced_total Times this instance "
		    "stood down (lease lost, or not renewed in time).\n"
		    "# TYPE wspushd_fleet_fenced_total counter\n"
		    "wspushd_fleet_fenced_total %llu\n",
		    (unsigned long long)v->fenced);
	textbuf_put(&t, "# HELP wspushd_fleet_lease_holder_info The lease's "
		    "holder, as this instance last saw it.\n"
		    "# TYPE wspushd_fleet_lease_holder_info gauge\n"
		    "wspushd_fleet_lease_holder_info{holder=\"");
	textbuf_label(&t, v->holder);
	textbuf_put(&t, "\"} 1\n");
	return t.used;
}
