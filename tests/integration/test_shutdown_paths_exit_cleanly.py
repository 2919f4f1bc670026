#!/usr/bin/python3
"""SIGTERM ends the daemon cleanly whatever state its connection is in, and
a clean close leaves no TIME_WAIT or CLOSE_WAIT on the daemon's side.

drain_timeout = 2s, close_timeout = 1s, fin_timeout = 1s (default).  Each
case must exit 0 within drain_timeout + 1 s (stretched under a wrapper):

  a. connected (real python3-websockets server): the server sees a Close
     with 1001 (or 1000); afterwards no TIME_WAIT row has the daemon's
     client port as its local port (the server closed TCP first, so the
     TIME_WAIT is on the server's end, which is checked too);
  b. connecting, against a server that accepted and never answers
     (tests/servers/silent_tcp.py): the attempt is closed by the daemon;
  c. connected, then the server is SIGSTOPped: the Close goes out, nobody
     answers, close_timeout ends the wait; after SIGCONT the server finds
     the daemon's Close 1001 (or 1000) in its buffer;
  d. the server down (nothing listens) and the queue full (max_messages =
     50, 120 published): it keeps trying for drain_timeout, no less, then
     exits and reports the 50 undelivered;
  e. 20 start/stop cycles of the daemon against one server: each delivers a
     message and sees its Close; the daemon never holds a CLOSE_WAIT socket
     for longer than a moment (sampled every 10 ms during each shutdown);
     right after each stop, and again after the last, no client port has a
     TIME_WAIT (or CLOSE_WAIT) on the client side, while the server's end
     is in TIME_WAIT (checked per cycle: under valgrind 20 cycles outlast
     the 60 s of a TIME_WAIT).
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Sampler, check, client_side_states, config_text, daemon_read_everything,
                     free_port, log, main, pause, resume, scaled, server_side_states,
                     tcp_sockets, wait_connected, wait_until)

DRAIN = 2.0
CLOSE = 1.0
MARGIN = 1.0
CYCLES = 20
CLOSE_WAIT_MAX = 0.2      # a CLOSE_WAIT seen longer than this (scaled) is a leak


def cfg(url, r, **queue):
    return config_text(url, r.port,
                       upstream={"close_timeout": "1s", "fin_timeout": "1s",
                                 "backoff_min": "100ms", "backoff_max": "300ms"},
                       queue=queue or None,
                       daemon={"drain_timeout": "2s"})


def sigterm(d, what):
    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    # Waits longer than the bound, so that a late exit is measured.
    elapsed = d.wait_exit(t0, signal.SIGTERM, DRAIN + MARGIN + 5)
    check(elapsed <= DRAIN + scaled(MARGIN), "%s: took %.2fs to exit" % (what, elapsed))
    return elapsed


def close_of(w, conn):
    return [c for c in w.log.closes() if c["conn"] == conn]


def connected_daemon(ctx, r, w, channel, n_open):
    d = ctx.daemon(cfg(w.url(), r), ["--channel", channel]).start()
    wait_connected(d, w, n_opens=n_open)
    wait_until(lambda: r.numsub(channel) == 1, 15, "the daemon to subscribe to %s" % channel)
    op = w.log.opens()[n_open - 1]
    check(r.publish_many([(channel, b"hello " + channel.encode())]) == [1], "not subscribed")
    wait_until(lambda: [m for m in w.messages() if m["conn"] == op["conn"]], 15,
               "the message on %s" % op["conn"])
    return d, op


def no_lasting_close_wait(samples, what):
    """samples: (time, [(inode, state)]).  No socket stays in CLOSE_WAIT."""
    first, last = {}, {}
    for t, socks in samples:
        for inode, state in socks:
            if state == "CLOSE_WAIT":
                first.setdefault(inode, t)
                last[inode] = t
    worst = max([last[i] - first[i] for i in first] or [0.0])
    check(worst <= scaled(CLOSE_WAIT_MAX),
          "%s: the daemon kept a socket in CLOSE_WAIT for %.2fs" % (what, worst))
    return len(first), worst


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    results = {}

    # a. Connected.
    d, op = connected_daemon(ctx, r, w, "a", 1)
    cport = op["peer"][1]
    results["a"] = sigterm(d, "a (connected)")
    wait_until(lambda: close_of(w, op["conn"]), 10, "the server to record the close")
    code = close_of(w, op["conn"])[0]["code"]
    mine = client_side_states([cport], w.port)
    theirs = server_side_states(cport, w.port)
    log("a. connected: exit 0 in %.2fs; server saw close %s; client port %d: client side %s, "
        "server side %s" % (results["a"], code, cport, sorted(mine), sorted(theirs)))
    check(code in (1000, 1001), "a: the server saw close code %r, expected 1001 (or 1000)" % code)
    check(not any(s == "TIME_WAIT" for _, s in mine),
          "a: TIME_WAIT on the daemon's side (client port %d): %r" % (cport, mine))
    check("TIME_WAIT" in theirs, "a: the server's end is not in TIME_WAIT (%r): who closed "
          "TCP first?" % theirs)

    # b. Connecting: an attempt the server never answers.
    s = ctx.silent().start()
    d = ctx.daemon(config_text("ws://127.0.0.1:%d/ingest" % s.port, r.port,
                               upstream={"connect_timeout": "60s"},
                               daemon={"drain_timeout": "2s"}), ["--channel", "b"]).start()
    wait_until(lambda: len(s.open_conns()) == 1 and s.received(s.open_conns()[0]["conn"]), 15,
               "the daemon's attempt to be waiting for the handshake")
    results["b"] = sigterm(d, "b (connecting)")
    wait_until(lambda: len(s.closes()) == 1, 5, "the attempt to be closed by the daemon")
    log("b. connecting: exit 0 in %.2fs, the attempt closed by the daemon" % results["b"])

    # c. Connected, then the server frozen.
    d, op = connected_daemon(ctx, r, w, "c", 2)
    pause(w.proc)
    try:
        results["c"] = sigterm(d, "c (server stopped)")
    finally:
        resume(w.proc)
    wait_until(lambda: close_of(w, op["conn"]), 15, "the server, resumed, to record the close")
    code = close_of(w, op["conn"])[0]["code"]
    log("c. server stopped: exit 0 in %.2fs (close_timeout %.1fs); after SIGCONT the server "
        "found close code %s" % (results["c"], CLOSE, code))
    check(results["c"] >= CLOSE * 0.9, "c: exited %.2fs after SIGTERM, before close_timeout: "
          "did it wait for the server's Close?" % results["c"])
    check(code in (1000, 1001), "c: the server found close code %r, expected 1001 (or 1000)"
          % code)

    # d. Server down, queue full.
    down = free_port()
    d = ctx.daemon(cfg("ws://127.0.0.1:%d/ingest" % down, r, max_messages=50),
                   ["--channel", "d"]).start()
    wait_until(lambda: r.numsub("d") == 1, 15, "daemon d to subscribe")
    check(r.publish_many([("d", b"q%03d" % i) for i in range(120)]) == [1] * 120, "not subscribed")
    wait_until(lambda: daemon_read_everything(r, d), 15, "daemon d to read the 120 messages")
    results["d"] = sigterm(d, "d (queue full, server down)")
    line = [x for x in d.log_text().splitlines()
            if re.search(r"\b50\b[^,]*\b(undelivered|discarded)", x)]
    log("d. queue full, server down: exit 0 in %.2fs; %s" % (results["d"], line[:1]))
    check(results["d"] >= DRAIN * 0.9, "d: exited %.2fs after SIGTERM with a full queue, "
          "before drain_timeout (%.1fs)" % (results["d"], DRAIN))
    check(line, "d: no log line reports 50 undelivered messages")

    # e. 20 start/stop cycles.  TIME_WAIT lasts 60 s, and under valgrind the
    # cycles take longer than that: each one is checked right after its
    # stop, and all of them again at the end.
    ports, codes, times, cw, theirs = [], [], [], [], []
    base = len(w.log.opens())
    for i in range(CYCLES):
        d, op = connected_daemon(ctx, r, w, "e%d" % i, base + i + 1)
        check(not [x for x in tcp_sockets(d.pid, w.port) if x["state"] == "CLOSE_WAIT"],
              "cycle %d: a CLOSE_WAIT socket while connected" % i)
        port = op["peer"][1]
        ports.append(port)
        sampler = Sampler(lambda: [(x["inode"], x["state"]) for x in
                                   tcp_sockets(d.pid, w.port) + tcp_sockets(d.pid, r.port)], 30)
        sampler.start()
        try:
            times.append(sigterm(d, "e, cycle %d" % i))
        finally:
            sampler.stop()
        cw.append(no_lasting_close_wait(sampler.samples, "cycle %d" % i))
        wait_until(lambda: close_of(w, op["conn"]), 10, "the server to record the close")
        codes.append(close_of(w, op["conn"])[0]["code"])
        mine = client_side_states([port], w.port)
        check(not any(st in ("TIME_WAIT", "CLOSE_WAIT") for _, st in mine),
              "e, cycle %d: %r on the daemon's side (client port %d)" % (i, mine, port))
        theirs.append(wait_until(lambda: "TIME_WAIT" in server_side_states(port, w.port)
                                 and server_side_states(port, w.port), 5,
                                 lambda: "cycle %d: the server's end in TIME_WAIT (it is %r)"
                                 % (i, server_side_states(port, w.port))))
    mine = client_side_states(ports, w.port)
    log("e. %d cycles: exit in %.2f..%.2fs; close codes %s; CLOSE_WAIT sightings %d "
        "(longest %.3fs); client side rows %s; server side TIME_WAIT for %d of %d ports"
        % (CYCLES, min(times), max(times), sorted(set(codes)), sum(n for n, _ in cw),
           max(x for _, x in cw), sorted(mine), sum("TIME_WAIT" in t for t in theirs), CYCLES))
    check(all(c in (1000, 1001) for c in codes), "e: close codes %r" % codes)
    check(not any(st == "TIME_WAIT" for _, st in mine),
          "e: TIME_WAIT on the daemon's side: %r" % sorted(x for x in mine if x[1] == "TIME_WAIT"))
    check(not any(st == "CLOSE_WAIT" for _, st in mine),
          "e: CLOSE_WAIT on the daemon's side: %r" % sorted(mine))
    check(all("TIME_WAIT" in t for t in theirs),
          "e: the server's end was not in TIME_WAIT after every stop: %r" % theirs)
    log("summary: a %.2fs, b %.2fs, c %.2fs, d %.2fs, e max %.2fs"
        % (results["a"], results["b"], results["c"], results["d"], max(times)))


if __name__ == "__main__":
    main(test)
