#!/usr/bin/python3
"""With fin_timeout = 0 (do not wait for the server's FIN), a cleanly
closed socket is gone as soon as libwebsockets lets go of it.

The socket's own machine (wsock.h) enters its FIN wait after every clean
close handshake; with fin_timeout = 0 there is nothing to wait with, and
the socket must still count as gone, or no new one could ever open.

tests/servers/ws_faults.py closes the first connection itself (Close 1000,
50 ms after the handshake), then records: the daemon connects again and a
message published afterwards arrives on the second connection.  Then
SIGTERM while connected: our Close 1001 is answered, and the daemon exits
0 without waiting for a FIN.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, wait_until


def test(ctx):
    r = ctx.redis().start()
    f = ctx.faults(plan=["close-after:50"], default="record").start()
    d = ctx.daemon(config_text(f.url(), r.port, upstream={"fin_timeout": "0"}),
                   ["--channel", "events"]).start()
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")
    wait_until(lambda: len(f.log.opens()) >= 2, 15,
               lambda: "a second connection after the server's Close (opens: %d)"
               % len(f.log.opens()))
    second = f.log.opens()[1]["conn"]
    check(r.publish_many([("events", b"after the close")]) == [1], "not subscribed")
    wait_until(lambda: [m for m in f.messages() if m["conn"] == second], 15,
               "the message on the second connection")
    log("reconnected after a clean close with fin_timeout = 0")
    d.stop(signal.SIGTERM)
    wait_until(lambda: f.events("close", conn=second), 10, "the server to see our Close")
    closes = f.events("close", conn=second)
    check(closes[0]["code"] == 1001, "the server saw close %r" % closes[0]["code"])


if __name__ == "__main__":
    main(test)
