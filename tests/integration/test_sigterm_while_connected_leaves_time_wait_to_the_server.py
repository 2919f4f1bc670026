#!/usr/bin/python3
"""SIGTERM while connected (the real python3-websockets server): exit 0
within drain_timeout + 1 s; the server sees a Close with 1001 (or 1000);
the server closes TCP first, so no TIME_WAIT row has the daemon's client
port as its local port, and the server's end of that connection is in
TIME_WAIT.

drain_timeout = 2s, close_timeout = 1s, fin_timeout = 1s (shutdown_paths).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, client_side_states, log, main, server_side_states, wait_until
from shutdown_paths import close_of, connected_daemon, sigterm


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    d, op = connected_daemon(ctx, r, w, "a", 1)
    cport = op["peer"][1]
    elapsed = sigterm(d, "connected")
    wait_until(lambda: close_of(w, op["conn"]), 10, "the server to record the close")
    code = close_of(w, op["conn"])[0]["code"]
    mine = client_side_states([cport], w.port)
    theirs = server_side_states(cport, w.port)
    log("connected: exit 0 in %.2fs; server saw close %s; client port %d: client side %s, "
        "server side %s" % (elapsed, code, cport, sorted(mine), sorted(theirs)))
    check(code in (1000, 1001), "the server saw close code %r, expected 1001 (or 1000)" % code)
    check(not any(s == "TIME_WAIT" for _, s in mine),
          "TIME_WAIT on the daemon's side (client port %d): %r" % (cport, mine))
    check("TIME_WAIT" in theirs, "the server's end is not in TIME_WAIT (%r): who closed "
          "TCP first?" % theirs)


if __name__ == "__main__":
    main(test)
