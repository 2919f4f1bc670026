#!/usr/bin/python3
"""Redis is not running when the daemon starts: the daemon keeps running
(retrying with backoff, one socket at a time), and once Redis comes up on
its port it subscribes by itself and forwards what is published.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, check_sequence, config_text, free_port, log, main,
                     sample_for, tcp_sockets, wait_until)


def test(ctx):
    w = ctx.ws().start()
    r = ctx.redis(port=free_port())             # chosen, not started
    d = ctx.daemon(config_text(w.url(), r.port),
                   ["--channel", "events", "--pattern", "alerts.*"]).start()

    # Over several backoff periods (100ms..500ms here) it stays up, and its
    # retries never hold more than one socket to the Redis port.
    samples = sample_for(2.0, lambda: (d.alive(), len(tcp_sockets(d.pid, r.port))))
    check(all(a for a, _ in samples), "daemon exited while Redis was down (status %s)"
          % d.proc.p.returncode)
    check(max(n for _, n in samples) <= 1, "several sockets to the Redis port at once")
    log("daemon still running after %d samples with Redis down" % len(samples))

    r.start()
    wait_until(lambda: r.subscribed(["events"], ["alerts.*"]), 15,
               "daemon to subscribe once Redis is up")
    log("daemon subscribed")
    wait_until(lambda: w.log.open_connections(), 15, "daemon to be connected upstream")

    items = [("events", b"first"), ("alerts.cpu", b"second"),
             ("events", "th\u00efrd".encode()), ("events", b"\x00\xff")]
    check(r.publish_many(items) == [1] * 4, "not subscribed")
    wait_until(lambda: len(w.messages()) >= 4, 15,
               lambda: "4 messages (have %d)" % len(w.messages()))
    check_sequence(w.messages(), [("text", b"first"), ("text", b"second"),
                                  ("text", "th\u00efrd".encode()), ("binary", b"\x00\xff")])
    check(len(tcp_sockets(d.pid, w.port)) == 1, "expected one upstream socket")
    check(len(w.log.opens()) == 1, "expected one WebSocket connection, saw %d"
          % len(w.log.opens()))

    d.stop()


if __name__ == "__main__":
    main(test)
