#!/usr/bin/python3
"""An upstream that accepts the TCP connection and then never answers (never
completes the WebSocket handshake, never closes) cannot hold the daemon: its
own connect timer cancels each attempt and closes the socket about
connect_timeout after the connection was made, then it retries with backoff.

Checked from outside, against tests/servers/silent_tcp.py (the one behaviour
no real server offers):
  * several attempts happen, each one a WebSocket upgrade request;
  * each connection is closed by the daemon (the server never closes first)
    between 0.4 s and 2.5 s after it was accepted (connect_timeout = 500ms);
  * at no sample does the daemon hold more than one socket to that port;
  * its descriptor count is the same after 2N attempts as after N (nothing
    leaks per attempt);
  * it counts every attempt (wspushd_connection_attempts_total) and none
    as a connection (wspushd_connections_total 0);
  * SIGTERM still makes it exit 0, promptly.
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, free_port, log, main, metric, open_fds, scaled,
                     tcp_sockets, wait_until)

CONNECT_TIMEOUT = 0.5
# How long the daemon keeps each silent connection: connect_timeout, and
# some slack below it (the timer is armed a moment after connect(), and the
# server's view of the start is the earlier of its accept() and the kernel
# timestamp of the request); generous above it (scaled under a wrapper).
HELD_MIN = 0.4
HELD_MAX = 2.5
N = 3                     # fd counts are compared after N and after 2N attempts


class Sampler(threading.Thread):
    """Counts the daemon's sockets to `port` every 20 ms until stopped
    (bounded in time and count)."""

    def __init__(self, pid, port, limit):
        super().__init__(daemon=True)
        self.pid, self.port = pid, port
        self.deadline = time.monotonic() + limit
        self.samples = []
        self.worst = []
        self.halt = threading.Event()

    def run(self):
        for _ in range(int((self.deadline - time.monotonic()) / 0.02) + 10):
            if self.halt.is_set() or time.monotonic() > self.deadline:
                break
            socks = tcp_sockets(self.pid, self.port)
            self.samples.append(len(socks))
            if len(socks) > 1 and not self.worst:
                self.worst = socks
            time.sleep(0.02)


def fds_during_attempt(d, s, k):
    """The daemon's descriptors while attempt k (or a later one) is in
    progress: the server has accepted it, not seen it closed, and no newer
    attempt was accepted before or after the listing, so exactly one
    upstream socket exists.  Returns (attempt number, {fd: target})."""
    def snap():
        check(d.alive(), "daemon exited (status %s)" % d.proc.p.returncode)
        acc = s.accepts()
        if len(acc) < k or not s.open_conns():
            return None
        current = acc[-1]["conn"]
        if s.open_conns()[-1]["conn"] != current:
            return None
        fds = open_fds(d.pid)
        if len(tcp_sockets(d.pid, s.port)) != 1:
            return None
        acc2 = s.accepts()
        if acc2[-1]["conn"] != current or current not in {c["conn"] for c in s.open_conns()}:
            return None
        return (len(acc2), fds)
    return wait_until(snap, 15, "attempt #%d to be in progress" % k, interval=0.01)


def test(ctx):
    # A real Redis: one steady socket.  Its PING probe is off, so that the
    # second Redis connection it would open after [redis] ping_interval
    # does not show in the descriptor counts.
    r = ctx.redis().start()
    s = ctx.silent().start()
    mport = free_port()
    cfg = config_text("ws://127.0.0.1:%d/ingest" % s.port, r.port,
                      upstream={"connect_timeout": "500ms",
                                "backoff_min": "100ms", "backoff_max": "200ms"},
                      redis={"ping_interval": "0"}, metrics_port=mport)
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    sampler = Sampler(d.pid, s.port, scaled(60))
    sampler.start()
    wait_until(lambda: r.subscribed(["events"], []), 15, "daemon to subscribe in Redis")

    k1, fds1 = fds_during_attempt(d, s, N)
    log("during attempt %d: %d descriptors %s" % (k1, len(fds1), sorted(fds1.items())))
    k2, fds2 = fds_during_attempt(d, s, max(2 * N, k1 + N))
    log("during attempt %d: %d descriptors %s" % (k2, len(fds2), sorted(fds2.items())))

    # Let a few more attempts complete, so several full cycles are on record.
    wait_until(lambda: len(s.closes()) >= k2 + 1, 15,
               lambda: "attempt %d to be closed (closed so far: %d)" % (k2 + 1, len(s.closes())))
    sampler.halt.set()
    sampler.join(timeout=5)

    accepts = s.accepts()
    closes = s.closes()
    log("%d attempts accepted, %d closed by the daemon" % (len(accepts), len(closes)))
    check(len(closes) >= 2 * N, "expected at least %d closed attempts, saw %d"
          % (2 * N, len(closes)))

    # Every attempt was a WebSocket upgrade, and the daemon closed it after
    # about connect_timeout.  The server never closes first, so a "closed"
    # record is the daemon's doing.
    held = []
    for c in closes:
        req = s.received(c["conn"])
        check(req.startswith(b"GET /ingest HTTP/1.1\r\n")
              and b"upgrade: websocket" in req.lower(),
              "connection %s did not carry a WebSocket upgrade request: %r"
              % (c["conn"], req[:200]))
        held.append(c["since_connect"])
        check(HELD_MIN <= c["since_connect"] <= scaled(HELD_MAX),
              "connection %s was closed %.3fs after it was made; expected %.1fs..%.1fs "
              "(connect_timeout %.1fs)" % (c["conn"], c["since_connect"], HELD_MIN,
                                           scaled(HELD_MAX), CONNECT_TIMEOUT))
        check(c["how"] in ("eof", "reset"), "connection %s ended oddly: %s" % (c["conn"], c["how"]))
    gaps = [b["mono"] - a["mono"] for a, b in zip(closes, accepts[1:])]
    log("held open: %s" % " ".join("%.3f" % h for h in held))
    log("close -> next accept: %s" % " ".join("%.3f" % g for g in gaps))

    # Never two sockets to the port at once.
    samples = sampler.samples
    log("%d socket samples: max %d" % (len(samples), max(samples)))
    check(len(samples) >= 20, "too few socket samples (%d)" % len(samples))
    check(max(samples) <= 1, "the daemon held %d sockets to the silent server at once: %r"
          % (max(samples), sampler.worst))
    check(1 in samples, "no sample caught an attempt in progress")

    # Nothing leaks per attempt.
    check(len(fds2) == len(fds1),
          "descriptors grew from %d (attempt %d) to %d (attempt %d):\n  %r\n  %r"
          % (len(fds1), k1, len(fds2), k2, sorted(fds1.items()), sorted(fds2.items())))

    # Counted: every attempt the server closed was one the daemon started,
    # none reached open.
    attempts = metric(mport, "wspushd_connection_attempts_total")
    check(attempts >= len(closes), "wspushd_connection_attempts_total is %r, the server saw "
          "%d attempts closed" % (attempts, len(closes)))
    check(metric(mport, "wspushd_connections_total") == 0,
          "wspushd_connections_total should be 0: no attempt completed a handshake")

    # The failures are logged (a warning naming the 500ms bound), but not
    # one warning per attempt.
    warn = [line for line in d.log_text().splitlines()
            if line.startswith("<4>upstream") and "500ms" in line]
    log("connect timeout warnings: %r" % warn)
    check(warn, "the daemon's log has no warning about the 500ms connect timeout")
    check(len(warn) <= len(closes) // 2, "%d warning lines for %d attempts: the repeats "
          "are not summarised" % (len(warn), len(closes)))

    check(d.alive(), "daemon exited")
    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    elapsed = d.wait_exit(t0, signal.SIGTERM, 3)           # requires status 0
    log("exit %.2fs after SIGTERM, %d attempts in all" % (elapsed, len(s.accepts())))
    wait_until(lambda: not s.open_conns(), 5, "the daemon's last attempt to be closed")


if __name__ == "__main__":
    main(test)
