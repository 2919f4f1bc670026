#!/usr/bin/python3
"""A peer that stops answering is found dead within ping_interval +
pong_timeout (1 s + 1 s here), and a peer that talks but never pongs is
kept when liveness = any.

  A. The real python3-websockets server (tests/servers/ws_recorder.py) is
     SIGSTOPped while connected: the kernel still ACKs, nothing answers.
     The daemon's socket to it (found by its local port in the daemon's
     descriptors) is gone within 2 s (+ tolerance) of the stop, a new
     attempt appears, the log says why; after SIGCONT the daemon connects
     again and delivers.
  B. A server that completes the handshake and then never pongs nor sends
     anything (tests/servers/ws_faults.py, no-pong): each connection is
     dropped 2 s after it opened (the first ping goes at 1 s, its deadline
     is 1 s later), not sooner, and without a Close frame; twice in a row.
  C. liveness = any, a server that sends a text frame every 300 ms and
     never pongs: the connection is not dropped over 5 s (5 pings); with
     liveness = pong the same server is dropped at 2 s (the control).

Detection is observed from outside: the test polls the daemon's sockets
every 10 ms and stamps the moment the connection's socket leaves its
descriptor table.  The server stamps its side (open, pings, TCP lost) with
the same CLOCK_MONOTONIC.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Sampler, bring_up, check, config_text, log, main, pause, resume,
                     scaled, tcp_sockets, wait_connected, wait_until)

PING = 1.0
PONG = 1.0
BOUND = PING + PONG
TOL = 0.4                 # unscaled; scaled() under a wrapper
EARLY = 0.05              # the server's "open" stamp precedes the daemon's


def ping_cfg(liveness="pong"):
    return {"ping_interval": "1s", "pong_timeout": "1s", "liveness": liveness}


def local_port_of(d, port):
    socks = [s for s in tcp_sockets(d.pid, port) if s["state"] == "ESTABLISHED"]
    check(len(socks) == 1, "expected one established socket to %d, have %r" % (port, socks))
    return socks[0]["local_port"]


def wait_gone(d, port, lport, limit, what):
    """Poll (10 ms) until the daemon no longer holds a socket from local
    port lport to port; return the monotonic time it was first seen gone."""
    def gone():
        check(d.alive(), "the daemon exited (status %s)" % d.proc.p.returncode)
        if any(s["local_port"] == lport for s in tcp_sockets(d.pid, port)):
            return None
        return time.monotonic()
    return wait_until(gone, limit, what, interval=0.01)


def part_a(ctx):
    r, w, d = bring_up(ctx, channels=["events"], upstream=ping_cfg())
    check(r.publish_many([("events", b"before the stop")]) == [1], "not subscribed")
    wait_until(lambda: w.messages(), 15, "the first message")
    lport = local_port_of(d, w.port)
    sampler = Sampler(lambda: len(tcp_sockets(d.pid, w.port)), 60)
    sampler.start()
    try:
        pause(w.proc)
        t_stop = time.monotonic()
        log("A. server (pid %d) SIGSTOPped; the daemon's socket is from port %d"
            % (w.proc.pid, lport))
        t_gone = wait_gone(d, w.port, lport, BOUND + 5, "the daemon to drop the stopped server")
        detect = t_gone - t_stop
        log("A. dropped %.3fs after the stop (bound %.1fs + %.2fs)" % (detect, BOUND, scaled(TOL)))
        # A new attempt (the kernel accepts it for the stopped server).
        wait_until(lambda: [s for s in tcp_sockets(d.pid, w.port) if s["local_port"] != lport],
                   5, "a new connection attempt")
    finally:
        resume(w.proc)
    check(detect <= BOUND + scaled(TOL),
          "the stopped server was noticed %.3fs after the stop; bound %.1fs" % (detect, BOUND))
    lines = [x for x in d.log_text().splitlines()
             if "no pong within 1000ms of a ping, the connection is dead" in x]
    check(lines, "no log line says the connection is dead")
    log("A. log: %s" % lines[0])

    wait_connected(d, w, n_opens=2, timeout=15)
    check(r.publish_many([("events", b"after the stop")]) == [1], "not subscribed")
    wait_until(lambda: len(w.messages()) >= 2, 15, "the message after SIGCONT")
    m = w.messages()
    check([bytes.fromhex(x["hex"]) for x in m] == [b"before the stop", b"after the stop"],
          "unexpected messages %r" % m)
    check(m[1]["conn"] == w.log.opens()[1]["conn"], "the second message was not on the new "
          "connection")
    samples = sampler.stop()
    check(max(samples) <= 1, "the daemon held %d sockets to the server at once" % max(samples))
    d.stop()
    return detect


def dropped_after_open(d, f, n, lost_too=True):
    """Wait for the server's n-th open; return (seconds from it until the
    daemon's socket was gone, the open event)."""
    wait_until(lambda: len(f.log.opens()) >= n, 15, "connection #%d" % n)
    op = f.log.opens()[n - 1]
    lport = op["peer"][1]
    t_gone = wait_gone(d, f.port, lport, BOUND + 5,
                       "the daemon to drop connection #%d" % n)
    return t_gone - op["mono"], op


def part_b(ctx, r):
    f = ctx.faults(default="no-pong").start()
    d = ctx.daemon(config_text(f.url(), r.port, upstream=ping_cfg()),
                   ["--channel", "b"]).start()
    times = []
    for n in (1, 2):
        t, op = dropped_after_open(d, f, n)
        wait_until(lambda: [e for e in f.events("close") if e["conn"] == op["conn"]], 15,
                   "the server to record the end of %s" % op["conn"])
        pings = [e for e in f.events("ping") if e["conn"] == op["conn"]]
        close = [e for e in f.events("close") if e["conn"] == op["conn"]][0]
        log("B. connection %s dropped %.3fs after it opened; pings at %s; close code %s"
            % (op["conn"], t, ["+%.3f" % (p["mono"] - op["mono"]) for p in pings],
               close["code"]))
        check(BOUND - EARLY <= t <= BOUND + scaled(TOL),
              "a never-ponging connection was dropped %.3fs after it opened; "
              "expected %.1fs (+%.2fs)" % (t, BOUND, scaled(TOL)))
        check(pings and not any(p["answered"] for p in pings),
              "the server saw no (unanswered) ping on %s" % op["conn"])
        check(close["code"] == 1006, "a dead peer should be dropped without a Close frame; "
              "the server saw code %r" % close["code"])
        times.append(t)
    check(d.alive(), "the daemon exited")
    d.stop()
    return times


def part_c(ctx, r):
    f = ctx.faults(default="chatty-no-pong:300").start()
    d = ctx.daemon(config_text(f.url(), r.port, upstream=ping_cfg("any")),
                   ["--channel", "c"]).start()
    wait_until(lambda: f.log.opens(), 15, "the connection")
    op = f.log.opens()[0]
    lport = op["peer"][1]
    check(op["plan"] == "chatty-no-pong:300", "plan %r" % op["plan"])
    # Observe for 5 ping periods: the same one socket all along.
    sampler = Sampler(lambda: [s["local_port"] for s in tcp_sockets(d.pid, f.port)], 30)
    sampler.start()
    wait_until(lambda: len([e for e in f.events("ping") if e["conn"] == op["conn"]]) >= 5
               and time.monotonic() - op["mono"] >= 5.0, 15, "5 pings over 5 s")
    samples = sampler.stop()
    pings = [e for e in f.events("ping") if e["conn"] == op["conn"]]
    log("C. liveness = any: %d samples over %.1fs, ports seen %s; %d pings, none answered"
        % (len(samples), time.monotonic() - op["mono"],
           sorted({p for s in samples for p in s}), len(pings)))
    check(len(samples) >= 100, "too few samples (%d)" % len(samples))
    check(all(s == [lport] for s in samples),
          "with liveness = any the connection changed: %r"
          % sorted({tuple(s) for s in samples}))
    check(len(f.log.opens()) == 1 and not f.events("lost"),
          "the server saw %d connections, %d lost" % (len(f.log.opens()), len(f.events("lost"))))
    check(not any(p["answered"] for p in pings), "a ping was answered")
    check("connection is dead" not in d.log_text(), "the daemon declared the connection dead")
    d.stop()

    # Control: the same server with liveness = pong is dropped.
    f2 = ctx.faults(default="chatty-no-pong:300").start()
    d2 = ctx.daemon(config_text(f2.url(), r.port, upstream=ping_cfg("pong")),
                    ["--channel", "c2"]).start()
    t, op = dropped_after_open(d2, f2, 1)
    log("C. control, liveness = pong: dropped %.3fs after it opened" % t)
    check(BOUND - EARLY <= t <= BOUND + scaled(TOL),
          "with liveness = pong a chatty, never-ponging server was dropped %.3fs after "
          "it opened; expected %.1fs" % (t, BOUND))
    d2.stop()
    return t


def test(ctx):
    a = part_a(ctx)
    r = ctx.redises[0]
    b = part_b(ctx, r)
    c = part_c(ctx, r)
    log("summary: stopped server noticed in %.3fs; no-pong dropped at %s; control %.3fs"
        % (a, " ".join("%.3f" % x for x in b), c))


if __name__ == "__main__":
    main(test)
