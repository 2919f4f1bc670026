#!/usr/bin/python3
"""20 start/stop cycles of the daemon against one real server leave
nothing behind on the daemon's side: each cycle delivers a message, stops
with SIGTERM (exit 0 within drain_timeout + 1 s) and the server sees its
Close 1001 (or 1000); the daemon never holds a CLOSE_WAIT socket (to the
server or to Redis) for longer than a moment (sampled every 10 ms during
each shutdown), nor one while connected; right after each stop, and again
after the last, no client port has a TIME_WAIT (or CLOSE_WAIT) on the
client side, while the server's end is in TIME_WAIT (checked per cycle:
under valgrind 20 cycles outlast the 60 s of a TIME_WAIT).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Sampler, check, client_side_states, log, main, server_side_states,
                     tcp_sockets, wait_until)
from shutdown_paths import close_of, connected_daemon, no_lasting_close_wait, sigterm

CYCLES = 20


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    ports, codes, times, cw, theirs = [], [], [], [], []
    for i in range(CYCLES):
        d, op = connected_daemon(ctx, r, w, "e%d" % i, i + 1)
        check(not [x for x in tcp_sockets(d.pid, w.port) if x["state"] == "CLOSE_WAIT"],
              "cycle %d: a CLOSE_WAIT socket while connected" % i)
        port = op["peer"][1]
        ports.append(port)
        sampler = Sampler(lambda: [(x["inode"], x["state"]) for x in
                                   tcp_sockets(d.pid, w.port) + tcp_sockets(d.pid, r.port)], 30)
        sampler.start()
        try:
            times.append(sigterm(d, "cycle %d" % i))
        finally:
            sampler.stop()
        cw.append(no_lasting_close_wait(sampler.samples, "cycle %d" % i))
        wait_until(lambda: close_of(w, op["conn"]), 10, "the server to record the close")
        codes.append(close_of(w, op["conn"])[0]["code"])
        mine = client_side_states([port], w.port)
        check(not any(st in ("TIME_WAIT", "CLOSE_WAIT") for _, st in mine),
              "cycle %d: %r on the daemon's side (client port %d)" % (i, mine, port))
        theirs.append(wait_until(lambda: "TIME_WAIT" in server_side_states(port, w.port)
                                 and server_side_states(port, w.port), 5,
                                 lambda: "cycle %d: the server's end in TIME_WAIT (it is %r)"
                                 % (i, server_side_states(port, w.port))))
    mine = client_side_states(ports, w.port)
    log("%d cycles: exit in %.2f..%.2fs; close codes %s; CLOSE_WAIT sightings %d "
        "(longest %.3fs); client side rows %s; server side TIME_WAIT for %d of %d ports"
        % (CYCLES, min(times), max(times), sorted(set(codes)), sum(n for n, _ in cw),
           max(x for _, x in cw), sorted(mine), sum("TIME_WAIT" in t for t in theirs), CYCLES))
    check(all(c in (1000, 1001) for c in codes), "close codes %r" % codes)
    check(not any(st == "TIME_WAIT" for _, st in mine),
          "TIME_WAIT on the daemon's side: %r" % sorted(x for x in mine if x[1] == "TIME_WAIT"))
    check(not any(st == "CLOSE_WAIT" for _, st in mine),
          "CLOSE_WAIT on the daemon's side: %r" % sorted(mine))
    check(all("TIME_WAIT" in t for t in theirs),
          "the server's end was not in TIME_WAIT after every stop: %r" % theirs)


if __name__ == "__main__":
    main(test)
