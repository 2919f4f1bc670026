#!/usr/bin/python3
"""A server that closes with 1008 (one of slow_retry_codes) is not tried
again before backoff_max, while one that closes with 1000 is retried at
the usual backoff.

tests/servers/ws_faults.py closes its first connection with 1000 and its
second with 1008, each 100 ms after the handshake; the daemon has
backoff_min = 100ms, backoff_max = 2s:
  * after the Close 1000 the next attempt comes quickly (the control),
    well under backoff_max;
  * after the Close 1008 the next attempt waits at least backoff_max
    (2 s) after the Close was sent, and at most a little longer; one log
    line names the code and the slow retry ("server closed the connection
    with 1008 ... backoff_max");
and the connection after that carries a message.  SIGTERM: exit 0.

Times are the server's CLOCK_MONOTONIC stamps (frame_faults.retry_gap):
the lower bound does not depend on load.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frame_faults import (LATE, SLACK, conn_events, delivers_after, log_lines, retry_gap,
                          slow_server, wait_attempts)
from harness import SCALE, check, log, main, scaled

BACKOFF_MAX = 2.0
QUICK = 1.5               # "quickly" for the 1000 control; backoff_max is 2 s


def test(ctx):
    plan = ["close-after:100:1000", "close-after:100:1008"]
    r, f, d = slow_server(ctx, plan, "slow")
    wait_attempts(f, d, 3, 3)
    check([o["plan"] for o in f.log.opens()[:3]] == plan + ["record"],
          "unexpected plans: %r" % [o["plan"] for o in f.log.opens()[:3]])
    check([q["plan"] for q in f.events("request")[:3]] == plan + ["record"],
          "unexpected requests: %r" % [q["plan"] for q in f.events("request")[:3]])

    gap_1000 = retry_gap(f, 0, "close_sent")
    gap_1008 = retry_gap(f, 1, "close_sent")
    log("close 1000 -> next attempt %.3fs; close 1008 -> %.3fs" % (gap_1000, gap_1008))
    for t in f.events("tcp")[:2]:
        closes = conn_events(f, t["conn"], "close")
        log("  server saw close code %r on %s" % (closes[0]["code"] if closes else None,
                                                  t["conn"]))
    check(gap_1000 <= QUICK * SCALE,
          "after a Close 1000 the next attempt came %.3fs later; expected the usual "
          "backoff (100ms here), well under backoff_max" % gap_1000)
    check(gap_1008 >= BACKOFF_MAX - SLACK,
          "after a Close 1008 the next attempt came %.3fs later, before backoff_max (%.1fs)"
          % (gap_1008, BACKOFF_MAX))
    check(gap_1008 <= BACKOFF_MAX + scaled(LATE),
          "after a Close 1008 the next attempt came %.3fs later (backoff_max %.1fs)"
          % (gap_1008, BACKOFF_MAX))

    l1008 = log_lines(d, "server closed the connection with 1008")
    log("log: %r" % l1008)
    check(l1008 and "backoff_max" in l1008[0],
          "no log line names the 1008 close and the slow retry")
    delivers_after(r, f, d, "slow")


if __name__ == "__main__":
    main(test)
