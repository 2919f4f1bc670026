#!/usr/bin/python3
"""connect_timeout = 1s against an upstream that accepts TCP and never
answers (tests/servers/silent_tcp.py): every attempt is closed by the
daemon 1.0 s after it was made, within 10 %; one socket at a time; the
attempts are spaced by the reconnect backoff, within [backoff_min,
backoff_max] (200ms, 800ms) plus a tolerance; the log names the phase the
timeout cut short; the daemon counts every attempt
(wspushd_connection_attempts_total) and none as a connection.

How long an attempt lasted is measured on the server side: from the earlier
of its accept() and the kernel's receive timestamp of the upgrade request
(so a late accept() does not shorten it), to the moment the server read the
client's close.  The gap between attempts runs from that close to the
kernel timestamp of the next attempt's request.  Under a wrapper
(valgrind) the upper bounds stretch: the daemon takes longer to act on a
timer, never less.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SCALE, Sampler, check, config_text, free_port, log, main, metric, scaled,
                     tcp_sockets, wait_until)

CONNECT_TIMEOUT = 1.0
TOLERANCE = 0.10            # of connect_timeout: 0.9 .. 1.1 s
BACKOFF_MIN = 0.2
BACKOFF_MAX = 0.8
GAP_SLACK_LOW = 0.05        # the server may read the close a little late
GAP_SLACK_HIGH = 0.25       # connect() and the request after the retry timer
ATTEMPTS = 5


def test(ctx):
    r = ctx.redis().start()
    s = ctx.silent().start()
    mport = free_port()
    cfg = config_text("ws://127.0.0.1:%d/ingest" % s.port, r.port,
                      upstream={"connect_timeout": "1s", "backoff_min": "200ms",
                                "backoff_max": "800ms"}, metrics_port=mport)
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    sampler = Sampler(lambda: len(tcp_sockets(d.pid, s.port)), 60)
    sampler.start()
    try:
        wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")
        wait_until(lambda: (check(d.alive(), "the daemon exited (status %s)"
                                  % d.proc.p.returncode) or len(s.closes()) >= ATTEMPTS + 1),
                   (ATTEMPTS + 1) * (CONNECT_TIMEOUT + BACKOFF_MAX) + 10,
                   lambda: "%d attempts to be closed (so far %d)" % (ATTEMPTS + 1, len(s.closes())))
    finally:
        samples = sampler.stop()

    accepts = s.accepts()
    closes = s.closes()[:ATTEMPTS + 1]
    first_data = {}
    for e in s.log.events("data"):
        first_data.setdefault(e["conn"], e)

    held = [c["since_connect"] for c in closes]
    log("attempts held open (accept -> client close): %s"
        % " ".join("%.3f" % h for h in held))
    lo = CONNECT_TIMEOUT * (1 - TOLERANCE)
    hi = CONNECT_TIMEOUT * (1 + TOLERANCE * SCALE)
    for c in closes:
        req = s.received(c["conn"])
        check(req.startswith(b"GET /ingest HTTP/1.1\r\n") and b"upgrade: websocket" in req.lower(),
              "attempt %s was not a WebSocket upgrade: %r" % (c["conn"], req[:120]))
        check(c["how"] in ("eof", "reset"), "attempt %s ended oddly: %s" % (c["conn"], c["how"]))
        check(lo <= c["since_connect"] <= hi,
              "attempt %s was closed %.3fs after it was made; connect_timeout is %.1fs, "
              "expected %.2f..%.2f" % (c["conn"], c["since_connect"], CONNECT_TIMEOUT, lo, hi))

    # Spacing: from one attempt's close to the next one's request.  The
    # attempts come one at a time, so the next one is the next accept.
    order = [a["conn"] for a in accepts]
    gaps = []
    for c in closes[:-1]:
        i = order.index(c["conn"])
        check(i + 1 < len(accepts), "no attempt after %s" % c["conn"])
        nxt = accepts[i + 1]
        start = nxt["t"]
        fd = first_data.get(nxt["conn"])
        if fd is not None and fd.get("kt"):
            start = min(start, fd["kt"])
        gaps.append(start - c["t"])
    log("close -> next attempt: %s" % " ".join("%.3f" % g for g in gaps))
    for g in gaps:
        check(BACKOFF_MIN - GAP_SLACK_LOW <= g <= BACKOFF_MAX + scaled(GAP_SLACK_HIGH),
              "an attempt came %.3fs after the previous one was closed; backoff is "
              "%.1f..%.1fs" % (g, BACKOFF_MIN, BACKOFF_MAX))

    log("%d socket samples, max %d" % (len(samples), max(samples)))
    check(len(samples) >= 50, "too few socket samples (%d)" % len(samples))
    check(max(samples) <= 1, "the daemon held %d sockets to the server at once" % max(samples))
    check(1 in samples, "no sample caught an attempt in progress")

    attempts = metric(mport, "wspushd_connection_attempts_total")
    check(attempts >= len(closes), "wspushd_connection_attempts_total is %r, the server saw "
          "%d attempts closed" % (attempts, len(closes)))
    check(metric(mport, "wspushd_connections_total") == 0,
          "wspushd_connections_total should be 0: no attempt completed a handshake")

    lines = [x for x in d.log_text().splitlines()
             if "timed out after 1000ms during the HTTP upgrade" in x]
    log("log: %r" % lines[:1])
    check(lines, "no log line says the attempt timed out after 1000ms during the HTTP upgrade")

    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    d.wait_exit(t0, signal.SIGTERM, 5)
    wait_until(lambda: not s.open_conns(), 5, "the last attempt to be closed")


if __name__ == "__main__":
    main(test)
