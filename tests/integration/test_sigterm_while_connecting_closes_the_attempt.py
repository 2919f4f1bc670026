#!/usr/bin/python3
"""SIGTERM while an attempt is connecting, against a server that accepted
it and never answers the upgrade (tests/servers/silent_tcp.py;
connect_timeout = 60s, so only the SIGTERM can end it): exit 0 within
drain_timeout + 1 s, and the attempt is closed by the daemon (the silent
server never closes first).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import config_text, log, main, wait_until
from shutdown_paths import sigterm


def test(ctx):
    r = ctx.redis().start()
    s = ctx.silent().start()
    d = ctx.daemon(config_text("ws://127.0.0.1:%d/ingest" % s.port, r.port,
                               upstream={"connect_timeout": "60s"},
                               daemon={"drain_timeout": "2s"}), ["--channel", "b"]).start()
    wait_until(lambda: len(s.open_conns()) == 1 and s.received(s.open_conns()[0]["conn"]), 15,
               "the daemon's attempt to be waiting for the handshake")
    elapsed = sigterm(d, "connecting")
    wait_until(lambda: len(s.closes()) == 1, 5, "the attempt to be closed by the daemon")
    log("connecting: exit 0 in %.2fs, the attempt closed by the daemon" % elapsed)


if __name__ == "__main__":
    main(test)
