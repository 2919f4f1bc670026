#!/usr/bin/python3
"""SIGTERM while connected: what the daemon has already taken from Redis is
sent first, then a WebSocket Close frame with code 1001 (going away; 1000 is
accepted too), and the daemon exits 0 within drain_timeout plus a margin.
SIGINT does the same.

To make sure messages are really still queued inside the daemon when the
signal lands, the recorder is paused (it stops reading, so TCP back-pressure
builds up) while ~19 MiB is published; the test then waits until Redis has
nothing left in its output buffer for the daemon and the daemon's Redis
socket has nothing unread, i.e. every message is inside the daemon, sends
SIGTERM, and only then un-pauses the recorder.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (bring_up, check, check_sequence, daemon_read_everything, log, main, ms,
                     scaled, tcp_sockets, wait_until)

DRAIN = 5.0          # seconds, the default drain_timeout, written explicitly
MARGIN = 5.0
N = 300
SIZE = 64 * 1024


def test(ctx):
    pause = ctx.path("recorder.pause")
    r, w, d = bring_up(ctx, channels=["events"], ws_kw={"pause_file": pause, "max_hex": 64},
                       daemon={"drain_timeout": ms(scaled(DRAIN))},
                       queue={"max_messages": 100000, "max_bytes": "256MiB"})
    open(pause, "w").close()

    payloads = [b"%05d:" % i + bytes([65 + i % 26]) * (SIZE - 6) for i in range(N)]
    payloads[7] = b"\xff" + payloads[7][1:]          # one binary frame among them
    check(r.publish_many([("events", p) for p in payloads]) == [1] * N, "not subscribed")
    wait_until(lambda: daemon_read_everything(r, d), 30,
               "the daemon to read all %d messages from Redis" % N)
    pending = N - len(w.messages())
    upstream = tcp_sockets(d.pid, w.port)
    log("all read from Redis; %d of %d not yet at the server; upstream tx_queue %s"
        % (pending, N, [s["tx_queue"] for s in upstream]))

    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    os.unlink(pause)
    elapsed = d.wait_exit(t0, signal.SIGTERM, DRAIN + MARGIN)     # requires status 0
    check(elapsed <= scaled(DRAIN + MARGIN), "took %.1fs to exit" % elapsed)

    wait_until(lambda: w.log.closes(), 10, "the server to record the close")
    expected = [("binary" if i == 7 else "text", p) for i, p in enumerate(payloads)]
    check_sequence(w.messages(), expected, "drained before close")
    close = w.log.closes()[0]
    log("server saw close code %r reason %r" % (close["code"], close["reason"]))
    check(close["code"] in (1000, 1001),
          "expected a Close frame with 1001 (or 1000), the server saw code %r%s"
          % (close["code"], " (no Close frame: connection dropped)" if close["code"] == 1006 else ""))
    evs = [e for e in w.log.events() if e["ev"] in ("msg", "close")]
    check(evs[-1]["ev"] == "close", "messages arrived after the close")
    check(len(w.log.opens()) == 1, "expected one connection, saw %d" % len(w.log.opens()))

    # SIGINT, idle connection: same clean close.
    r2, w2, d2 = bring_up(ctx, channels=["events"])
    check(r2.publish_many([("events", b"just one")]) == [1], "not subscribed")
    wait_until(lambda: w2.messages(), 10, "the message to arrive")
    d2.stop(sig=signal.SIGINT, timeout=DRAIN + MARGIN)
    wait_until(lambda: w2.log.closes(), 10, "the server to record the close")
    code = w2.log.closes()[0]["code"]
    check(code in (1000, 1001), "after SIGINT the server saw close code %r" % code)


if __name__ == "__main__":
    main(test)
