#!/usr/bin/python3
"""A server that floods us is read at a bounded rate, not at a core's cost.

tests/servers/ws_faults.py, after a real handshake, on cue:

(a) ping-flood: empty Ping frames, written raw as fast as the daemon
    reads them, for 3 s.  lws answers Pings by itself, so before, the
    daemon parsed them at full speed: 100% of a core for as long as the
    flood lasted.  Now, once the server's control frames and headers pass
    40 KiB/s, the daemon reads it in short bursts (rx_budget.h): its CPU
    time over the flood stays under 40% of the time the flood took (about
    4% over 10 s, measured), one warning says so, the connection stays up,
    and messages published during the flood arrive after it, in order, on
    the same connection.
(b) big-flood: a 1 MiB message (max_message_size is 64KiB: the daemon
    fails the connection with 1009), then 64 KiB frames for 4 s, whatever
    the daemon says.  Before, the daemon read and discarded them at full
    speed until close_timeout (3 s here) ran out; now it reads on only at
    a bounded rate once it has decided to fail the connection: its CPU
    time from the cue to the next connection stays under 40% of that time.
(c) a server that answers the 1009 with its own Close (the library's
    oversize case): the bounded reading still finds that Close, so the
    next connection comes well before close_timeout (3 s), not after it.

CPU time is the daemon's own (utime + stime, /proc/PID/stat).  The bounds
are not checked under a wrapper (valgrind's CPU is its own), the rest is.
The daemon exits 0 on SIGTERM.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import WRAPPER, check, config_text, cpu_seconds, log, main, scaled, wait_until

SHARE = 0.40


def arrived(f, payload):
    return [m for m in f.messages() if m.get("hex") == payload.hex()]


def check_share(what, cpu, wall):
    log("%s: %.2f CPU-s in %.2f s (%.0f%%)" % (what, cpu, wall, 100 * cpu / wall))
    if not WRAPPER:
        check(cpu < SHARE * wall, "%s cost %.2f CPU-s in %.2f s: more than %d%% of a core"
              % (what, cpu, wall, SHARE * 100))


def ping_flood(ctx, r):
    f = ctx.faults(plan=["ping-flood:3"], default="record").start()
    d = ctx.daemon(config_text(f.url(), r.port), ["--channel", "a"]).start()
    wait_until(lambda: r.subscribed(["a"], []) and f.log.opens(), 15,
               "the daemon to subscribe and connect")
    conn = f.log.opens()[0]["conn"]

    # Published together: the trigger, then two that arrive after the flood.
    c0, t0 = cpu_seconds(d.pid), time.monotonic()
    check(r.publish_many([("a", b"misbehave"), ("a", b"during 1"), ("a", b"during 2")])
          == [1, 1, 1], "not subscribed")
    wait_until(lambda: arrived(f, b"during 2"), 30, "the messages published during the flood")
    check_share("(a) ping flood", cpu_seconds(d.pid) - c0, time.monotonic() - t0)
    flooded = f.events("flooded", conn=conn)
    check(flooded, "the server did not flood")
    log("(a) the server wrote %d bytes of Ping frames" % flooded[0]["bytes"])
    got = [m["hex"] for m in f.messages()]
    check(got == [b.hex() for b in (b"misbehave", b"during 1", b"during 2")],
          "messages: %r" % got)
    check(all(m["conn"] == conn for m in f.messages()) and len(f.log.opens()) == 1,
          "the flood cost the connection")
    lines = [l for l in d.log_text().splitlines() if "reading it at a bounded rate" in l]
    check(len(lines) == 1, "one warning about the flood expected, got %r" % lines)
    log("(a) " + lines[0].strip())
    d.stop(signal.SIGTERM)


def big_flood(ctx, r):
    f = ctx.faults(plan=["big-flood:4"], default="record").start()
    cfg = config_text(f.url(), r.port, upstream={"max_message_size": "64KiB"})
    d = ctx.daemon(cfg, ["--channel", "b"]).start()
    wait_until(lambda: r.subscribed(["b"], []) and f.log.opens(), 15,
               "the daemon to subscribe and connect")
    c0, t0 = cpu_seconds(d.pid), time.monotonic()
    check(r.publish_many([("b", b"misbehave")]) == [1], "not subscribed")
    wait_until(lambda: len(f.log.opens()) >= 2, 30, "a connection after the 1009")
    check_share("(b) flood after 1009", cpu_seconds(d.pid) - c0, time.monotonic() - t0)
    check("closing with 1009" in d.log_text(), "the daemon should fail the connection with 1009")
    check(r.publish_many([("b", b"after")]) == [1], "not subscribed")
    wait_until(lambda: arrived(f, b"after"), 30, "a message on the new connection")
    check(arrived(f, b"after")[0]["conn"] == f.log.opens()[1]["conn"],
          "the message should arrive on the new connection")
    check(d.alive(), "the daemon exited")
    d.stop(signal.SIGTERM)


def answered_close(ctx, r):
    f = ctx.faults(plan=["oversize:%d" % (1 << 20)], default="record").start()
    cfg = config_text(f.url(), r.port, upstream={"max_message_size": "64KiB",
                                                 "close_timeout": "3s"})
    d = ctx.daemon(cfg, ["--channel", "c"]).start()
    wait_until(lambda: r.subscribed(["c"], []) and f.log.opens(), 15,
               "the daemon to subscribe and connect")
    check(r.publish_many([("c", b"misbehave")]) == [1], "not subscribed")
    wait_until(lambda: len(f.log.opens()) >= 2, 30, "a connection after the 1009")
    first = f.log.opens()[0]["conn"]
    fault = f.events("fault", conn=first)[0]["mono"]
    close = f.events("close", conn=first)[0]
    again = f.events("tcp")[1]["mono"]
    log("(c) the server saw close %s; the next connection %.2f s after the fault"
        % (close["code"], again - fault))
    check(close["code"] == 1009, "the server should see 1009, saw %r" % close["code"])
    check(again - fault < scaled(3) - 0.5, "the next connection came %.2f s after the "
          "fault: the server's Close was not read" % (again - fault))
    d.stop(signal.SIGTERM)


def test(ctx):
    r = ctx.redis().start()
    ping_flood(ctx, r)
    big_flood(ctx, r)
    answered_close(ctx, r)


if __name__ == "__main__":
    main(test)
