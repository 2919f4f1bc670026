#!/usr/bin/python3
"""The daemon holds exactly ONE TCP connection to the WebSocket server: from
start-up, through the open connection while messages flow, never two.

Sockets are counted from outside: the daemon's /proc/PID/fd socket inodes
matched against /proc/PID/net/tcp{,6} entries whose remote port is the WS
server's port (any TCP state, so a half-closed or connecting socket held next
to an open one counts too).
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, sample_for, scaled, tcp_sockets, wait_until


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    d = ctx.daemon(config_text(w.url(), r.port), ["--channel", "load"]).start()

    # From the first instant: sample while it connects.
    startup = []

    def connected():
        startup.append(len(tcp_sockets(d.pid, w.port)))
        check(d.alive(), "daemon exited during start-up")
        return w.log.open_connections()
    wait_until(connected, 15, "daemon to connect upstream")
    wait_until(lambda: r.subscribed(["load"], []), 15, "daemon to subscribe to 'load'")
    check(max(startup) <= 1, "during start-up the daemon held %d sockets to the WS port"
          % max(startup))

    # Open and idle: exactly one, established.
    socks = wait_until(lambda: tcp_sockets(d.pid, w.port), 5, "the upstream socket to show up")
    check(len(socks) == 1 and socks[0]["state"] == "ESTABLISHED",
          "while open, expected 1 ESTABLISHED socket, got %r" % socks)

    # Messages flowing: a publisher thread (bounded: 40 batches of 50),
    # sampling in this thread meanwhile.
    sent = []
    errors = []

    def publisher():
        try:
            for b in range(40):
                batch = [("load", ("b%02d-m%02d " % (b, i)).encode() + b"z" * 2000)
                         for i in range(50)]
                r.publish_many(batch)
                sent.extend(p for _, p in batch)
                time.sleep(0.02)      # pacing, not a wait for anything
        except Exception as e:        # reported below
            errors.append(e)

    t = threading.Thread(target=publisher, daemon=True)
    t.start()
    samples = []
    deadline = time.monotonic() + scaled(30)
    for _ in range(100000):
        samples.append(len(tcp_sockets(d.pid, w.port)))
        if (not t.is_alive() and len(w.messages()) >= 2000) or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    t.join(timeout=scaled(10))
    check(not errors, "publisher failed: %r" % errors)
    wait_until(lambda: len(w.messages()) >= len(sent), 20,
               lambda: "all %d messages to arrive (have %d)" % (len(sent), len(w.messages())))

    log("%d socket samples while %d messages flowed: min %d max %d"
        % (len(samples), len(sent), min(samples), max(samples)))
    check(len(samples) >= 20, "too few samples (%d)" % len(samples))
    check(max(samples) <= 1, "the daemon held %d sockets to the WS port at once" % max(samples))
    check(min(samples) == 1, "the upstream socket disappeared while open (a sample saw 0)")
    check(len(w.log.opens()) == 1, "the daemon opened %d connections, expected 1"
          % len(w.log.opens()))
    check(len(w.messages()) == len(sent), "expected %d messages, got %d"
          % (len(sent), len(w.messages())))

    # And idle again afterwards, a short while of samples.
    after = sample_for(0.5, lambda: len(tcp_sockets(d.pid, w.port)))
    check(set(after) == {1}, "after the burst, socket counts seen: %r" % sorted(set(after)))

    d.stop()


if __name__ == "__main__":
    main(test)
