#!/usr/bin/python3
"""SIGTERM while connected to a server that was then SIGSTOPped (the
kernel still ACKs, nothing answers): the Close goes out, nobody answers,
close_timeout (1s) ends the wait: exit 0 no sooner than close_timeout and
within drain_timeout + 1 s; after SIGCONT the server finds the daemon's
Close 1001 (or 1000) in its buffer.

drain_timeout = 2s, close_timeout = 1s, fin_timeout = 1s (shutdown_paths).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, main, pause, resume, wait_until
from shutdown_paths import CLOSE, close_of, connected_daemon, sigterm


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    d, op = connected_daemon(ctx, r, w, "c", 1)
    pause(w.proc)
    try:
        elapsed = sigterm(d, "server stopped")
    finally:
        resume(w.proc)
    wait_until(lambda: close_of(w, op["conn"]), 15, "the server, resumed, to record the close")
    code = close_of(w, op["conn"])[0]["code"]
    log("server stopped: exit 0 in %.2fs (close_timeout %.1fs); after SIGCONT the server "
        "found close code %s" % (elapsed, CLOSE, code))
    check(elapsed >= CLOSE * 0.9, "exited %.2fs after SIGTERM, before close_timeout: "
          "did it wait for the server's Close?" % elapsed)
    check(code in (1000, 1001), "the server found close code %r, expected 1001 (or 1000)"
          % code)


if __name__ == "__main__":
    main(test)
