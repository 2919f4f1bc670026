#!/usr/bin/python3
"""A server that answers the upgrade with HTTP 429 and a Retry-After
HTTP-date 3 s ahead is not tried again before that date: the next attempt
comes at least 2 s and at most 4 s (+ tolerance) after the answer (the
date has whole seconds, and so has the daemon's "now"); the log says
"server answered HTTP 429, Retry-After ..."; the connection after that
carries a message.  SIGTERM: exit 0.

tests/servers/ws_faults.py refuses the first request (plan
http:429:date+3) and records after that; backoff_min = 100ms.  Times are
the server's CLOCK_MONOTONIC stamps (frame_faults.retry_gap): the lower
bound does not depend on load.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frame_faults import LATE, SLACK, delivers_after, log_lines, retry_gap, slow_server, \
    wait_attempts
from harness import check, log, main, scaled


def test(ctx):
    plan = ["http:429:date+3"]
    r, f, d = slow_server(ctx, plan, "slow")
    wait_attempts(f, d, 2, 1)
    check([q["plan"] for q in f.events("request")[:2]] == plan + ["record"],
          "unexpected requests: %r" % [q["plan"] for q in f.events("request")[:2]])
    check(f.log.opens()[0]["plan"] == "record", "plan %r" % f.log.opens()[0]["plan"])

    gap = retry_gap(f, 0, "refused")
    log("HTTP 429 (Retry-After date+3s) -> next attempt %.3fs" % gap)
    check(gap >= 2.0 - SLACK,
          "after HTTP 429 with a Retry-After date 3 s ahead the next attempt came %.3fs later"
          % gap)
    # The date has whole seconds and so has the daemon's arithmetic (its
    # "now" truncated): it may wait up to a second more than 3 s.
    check(gap <= 4.0 + scaled(LATE),
          "after HTTP 429 with a Retry-After date 3 s ahead the next attempt came %.3fs later"
          % gap)

    lines = log_lines(d, "server answered HTTP 429, Retry-After")
    log("log: %r" % lines)
    check(lines, "no log line 'server answered HTTP 429, Retry-After ...'")
    delivers_after(r, f, d, "slow")


if __name__ == "__main__":
    main(test)
