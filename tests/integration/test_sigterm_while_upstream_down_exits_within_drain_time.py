#!/usr/bin/python3
"""SIGTERM while the upstream cannot be reached does not hang the daemon:

  1. nothing listens on the upstream port, messages are queued (5 in
     wspushd_queue_messages), drain_timeout = 1s: it keeps trying for the
     drain time, then exits 0 within drain_timeout + 3 s, and logs the
     messages it could not deliver;
  2. an attempt is stuck in "connecting" against a server that accepted and
     never answers (tests/servers/silent_tcp.py), queue empty: it cancels
     the attempt and exits 0 promptly;
  3. the same stuck attempt with messages queued (3 in
     wspushd_queue_messages): exit 0 within drain_timeout + 3 s, the stuck
     connection closed by the daemon, the 3 logged as undelivered.

The lower bound (not before drain_timeout when messages are queued) is not
affected by load; the upper bounds are stretched under a wrapper.
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, daemon_read_everything, free_port, log, main,
                     scaled, tcp_sockets, wait_metric, wait_until)

DRAIN = 1.0
MARGIN = 3.0              # unscaled; scaled() under a wrapper
PROMPT = 3.0              # "promptly", unscaled


def sigterm(d):
    """SIGTERM; wait, bounded, for exit 0; return the elapsed seconds."""
    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    return d.wait_exit(t0, signal.SIGTERM, (DRAIN + scaled(MARGIN)) / scaled(1))


def queue_some(r, d, channel, n):
    items = [(channel, b"queued-%d" % i) for i in range(n)]
    check(r.publish_many(items) == [1] * n, "not subscribed")
    wait_until(lambda: daemon_read_everything(r, d), 15,
               "the daemon to read the %d messages from Redis" % n)


def undelivered_reported(d, n):
    """A log line that counts the n messages not delivered, e.g. "... 5
    undelivered" or "5 queued message(s) discarded at exit"."""
    pat = re.compile(r"\b%d\b[^,]*\b(undelivered|discarded)" % n)
    for line in d.log_text().splitlines():
        if pat.search(line):
            return line
    return None


def test(ctx):
    r = ctx.redis().start()
    base = {"drain_timeout": "1s"}

    # 1. Nothing listening upstream.
    port = free_port()
    mport = free_port()
    d1 = ctx.daemon(config_text("ws://127.0.0.1:%d/ingest" % port, r.port, daemon=base,
                                metrics_port=mport), ["--channel", "one"]).start()
    wait_until(lambda: r.numsub("one") >= 1, 15, "daemon 1 to subscribe")
    queue_some(r, d1, "one", 5)
    wait_metric(mport, "wspushd_queue_messages", 5)
    check(d1.alive(), "daemon 1 exited while the upstream was down")
    check(len(tcp_sockets(d1.pid, port)) <= 1, "more than one socket to the upstream port")
    elapsed = sigterm(d1)
    log("1. upstream down, 5 queued: exit 0 after %.2fs (drain_timeout %.1fs)" % (elapsed, DRAIN))
    check(elapsed >= DRAIN * 0.9,
          "exited %.2fs after SIGTERM with 5 messages queued, before drain_timeout (%.1fs)"
          % (elapsed, DRAIN))
    check(elapsed <= DRAIN + scaled(MARGIN), "took %.2fs to exit" % elapsed)
    line = undelivered_reported(d1, 5)
    check(line, "no log line reports the 5 undelivered messages")
    log("1. reported: %s" % line)

    # 2. Stuck in connecting, queue empty.
    s = ctx.silent().start()
    stuck = {"connect_timeout": "60s", "backoff_min": "100ms", "backoff_max": "200ms"}
    d2 = ctx.daemon(config_text("ws://127.0.0.1:%d/ingest" % s.port, r.port,
                                upstream=stuck, daemon=base), ["--channel", "two"]).start()
    wait_until(lambda: r.numsub("two") >= 1, 15, "daemon 2 to subscribe")
    wait_until(lambda: len(s.open_conns()) == 1 and len(tcp_sockets(d2.pid, s.port)) == 1
               and s.received(s.open_conns()[0]["conn"]), 15,
               "daemon 2's attempt to be accepted and waiting for the handshake")
    elapsed = sigterm(d2)
    log("2. stuck connecting, queue empty: exit 0 after %.2fs" % elapsed)
    check(elapsed <= scaled(PROMPT), "took %.2fs to exit, expected at most %.1fs"
          % (elapsed, scaled(PROMPT)))
    wait_until(lambda: len(s.closes()) == 1, 5, "the stuck connection to be closed by the daemon")
    check(len(s.accepts()) == 1, "expected one attempt, saw %d" % len(s.accepts()))

    # 3. Stuck in connecting, messages queued.
    mport = free_port()
    d3 = ctx.daemon(config_text("ws://127.0.0.1:%d/ingest" % s.port, r.port,
                                upstream=stuck, daemon=base, metrics_port=mport),
                    ["--channel", "three"]).start()
    wait_until(lambda: r.numsub("three") >= 1, 15, "daemon 3 to subscribe")
    wait_until(lambda: len(s.open_conns()) == 1 and len(tcp_sockets(d3.pid, s.port)) == 1,
               15, "daemon 3's attempt to be accepted")
    queue_some(r, d3, "three", 3)
    wait_metric(mport, "wspushd_queue_messages", 3)
    check(len(s.open_conns()) == 1 and len(s.accepts()) == 2,
          "daemon 3's attempt did not stay in progress")
    elapsed = sigterm(d3)
    log("3. stuck connecting, 3 queued: exit 0 after %.2fs (drain_timeout %.1fs)"
        % (elapsed, DRAIN))
    check(elapsed >= DRAIN * 0.9,
          "exited %.2fs after SIGTERM with 3 messages queued, before drain_timeout (%.1fs)"
          % (elapsed, DRAIN))
    check(elapsed <= DRAIN + scaled(MARGIN), "took %.2fs to exit" % elapsed)
    wait_until(lambda: len(s.closes()) == 2, 5, "the stuck connection to be closed by the daemon")
    line = undelivered_reported(d3, 3)
    check(line, "no log line reports the 3 undelivered messages")
    log("3. reported: %s" % line)


if __name__ == "__main__":
    main(test)
