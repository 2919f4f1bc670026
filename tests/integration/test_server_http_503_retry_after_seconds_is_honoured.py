#!/usr/bin/python3
"""A server that answers the upgrade with HTTP 503 and Retry-After: 2 is
not tried again for 2 seconds: the next attempt comes no sooner than 2 s
after the answer, and not much later; the log says "server answered HTTP
503, Retry-After 2s"; the connection after that carries a message.
SIGTERM: exit 0.

tests/servers/ws_faults.py refuses the first request (plan http:503:2)
and records after that; the daemon has backoff_min = 100ms, so its own
backoff alone would retry much sooner.  Times are the server's
CLOCK_MONOTONIC stamps (frame_faults.retry_gap): the lower bound does not
depend on load.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frame_faults import LATE, SLACK, delivers_after, log_lines, retry_gap, slow_server, \
    wait_attempts
from harness import check, log, main, scaled

RETRY_AFTER = 2.0


def test(ctx):
    plan = ["http:503:2"]
    r, f, d = slow_server(ctx, plan, "slow")
    wait_attempts(f, d, 2, 1)
    check([q["plan"] for q in f.events("request")[:2]] == plan + ["record"],
          "unexpected requests: %r" % [q["plan"] for q in f.events("request")[:2]])
    check(f.log.opens()[0]["plan"] == "record", "plan %r" % f.log.opens()[0]["plan"])

    gap = retry_gap(f, 0, "refused")
    log("HTTP 503 (Retry-After 2) -> next attempt %.3fs" % gap)
    check(gap >= RETRY_AFTER - SLACK,
          "after HTTP 503 with Retry-After: 2 the next attempt came %.3fs later" % gap)
    check(gap <= RETRY_AFTER + scaled(LATE),
          "after HTTP 503 with Retry-After: 2 the next attempt came %.3fs later" % gap)

    lines = log_lines(d, "server answered HTTP 503, Retry-After 2s")
    log("log: %r" % lines)
    check(lines, "no log line 'server answered HTTP 503, Retry-After 2s'")
    delivers_after(r, f, d, "slow")


if __name__ == "__main__":
    main(test)
