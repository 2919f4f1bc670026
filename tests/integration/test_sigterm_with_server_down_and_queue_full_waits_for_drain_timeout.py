#!/usr/bin/python3
"""SIGTERM with nothing listening upstream and the queue full
(max_messages = 50, 120 published: the daemon counts 50 queued and 70
dropped for overflow, wspushd_queue_messages and
wspushd_messages_dropped_total{reason="overflow"}): it keeps trying for
drain_timeout (2s), no less, then exits 0 within drain_timeout + 1 s and
logs the 50 it could not deliver.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, daemon_read_everything, free_port, log, main, wait_metric,
                     wait_until)
from shutdown_paths import DRAIN, cfg, sigterm

OVERFLOW = 'wspushd_messages_dropped_total{reason="overflow"}'


def test(ctx):
    r = ctx.redis().start()
    down = free_port()
    mport = free_port()
    d = ctx.daemon(cfg("ws://127.0.0.1:%d/ingest" % down, r, metrics_port=mport,
                       max_messages=50), ["--channel", "d"]).start()
    wait_until(lambda: r.numsub("d") == 1, 15, "the daemon to subscribe")
    check(r.publish_many([("d", b"q%03d" % i) for i in range(120)]) == [1] * 120, "not subscribed")
    wait_until(lambda: daemon_read_everything(r, d), 15, "the daemon to read the 120 messages")
    wait_metric(mport, "wspushd_queue_messages", 50)
    wait_metric(mport, OVERFLOW, 70)
    elapsed = sigterm(d, "queue full, server down")
    line = [x for x in d.log_text().splitlines()
            if re.search(r"\b50\b[^,]*\b(undelivered|discarded)", x)]
    log("queue full, server down: exit 0 in %.2fs; %s" % (elapsed, line[:1]))
    check(elapsed >= DRAIN * 0.9, "exited %.2fs after SIGTERM with a full queue, "
          "before drain_timeout (%.1fs)" % (elapsed, DRAIN))
    check(line, "no log line reports 50 undelivered messages")


if __name__ == "__main__":
    main(test)
