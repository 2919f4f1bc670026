#!/usr/bin/python3
"""A message larger than [upstream] max_message_size (1KiB here) is dropped,
logged and counted (wspushd_messages_dropped_total{reason="oversize"});
the messages around it still arrive, in order; the daemon stays up on the
same connection.  The limit is inclusive: exactly 1024 bytes is forwarded,
1025 is dropped.  A sentinel published last shows that nothing else
arrives: the daemon keeps order, so what came before it is final.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (bring_up, check, check_sequence, free_port, log, main, publish_sentinel,
                     wait_metric)

OVERSIZE = 'wspushd_messages_dropped_total{reason="oversize"}'


def test(ctx):
    mport = free_port()
    r, w, d = bring_up(ctx, channels=["events"], upstream={"max_message_size": "1KiB"},
                       metrics_port=mport)

    small1 = b"small before"
    big = b"B" * 4096
    small2 = b"small after"
    check(r.publish_many([("events", small1), ("events", big), ("events", small2)]) == [1] * 3,
          "not subscribed")
    # Order is kept, so once the sentinel is there the big one would have
    # come before it.
    first = publish_sentinel(r, w, "events", b"sentinel 1")
    check_sequence(w.messages(), [("text", small1), ("text", small2), ("text", first)],
                   "4 KiB message between two small ones")
    wait_metric(mport, OVERSIZE, 1)
    check(d.alive(), "daemon exited after an oversized message (status %s)"
          % d.proc.p.returncode)
    said = [line for line in d.log_text().splitlines() if "drop" in line.lower()
            and re.search(r"max_message_size|1024|1KiB|larger|too large|oversize", line)]
    check(said, "the daemon's log does not mention the dropped oversized message")

    # At the limit: 1024 bytes passes, 1025 does not; binary too.
    at = b"=" * 1024
    over = b"+" * 1025
    over_bin = b"\xff" * 2048
    last = b"still here"
    check(r.publish_many([("events", at), ("events", over), ("events", over_bin),
                          ("events", last)]) == [1] * 4, "not subscribed")
    second = publish_sentinel(r, w, "events", b"sentinel 2")
    check_sequence(w.messages(), [("text", small1), ("text", small2), ("text", first),
                                  ("text", at), ("text", last), ("text", second)],
                   "at and over the limit")
    wait_metric(mport, OVERSIZE, 3)
    check(d.alive(), "daemon exited after the oversized messages")

    check(len(w.log.opens()) == 1 and w.log.open_connections(),
          "the upstream connection was not kept: %d opens" % len(w.log.opens()))
    drop_lines = [l for l in d.log_text().splitlines() if "drop" in l.lower()]
    log("log lines about drops:\n  %s" % "\n  ".join(drop_lines))

    d.stop()
    # The three oversized messages are counted (the metric, above) and the
    # exit summary says so: some line says "3 dropped" or the like.
    counted = [line for line in d.log_text().splitlines()
               if re.search(r"\b3\b[^,]*drop|drop[^,]*\b3\b", line, re.I)]
    log("counted: %s" % counted)
    check(counted, "no log line counts the 3 dropped messages")


if __name__ == "__main__":
    main(test)
