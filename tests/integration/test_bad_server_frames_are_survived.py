#!/usr/bin/python3
"""A server that breaks the protocol after a real handshake cannot take the
daemon down, and a server that asks for patience gets it.

Part A, one daemon against tests/servers/ws_faults.py (the real
python3-websockets handshake and framing; the faults are written on cue
once the connection has carried a message), max_message_size = 64KiB.
Each of its connections misbehaves in turn:
  1. garbage bytes that are no frame (reserved opcode and RSV bits);
  2. one 1 MiB message (> max_message_size): the daemon closes with 1009;
  3. a text frame that is not UTF-8: the connection fails with 1007;
  4. a Close frame with code 999 (not a valid code);
  5. a Close frame with 1005 on the wire (reserved, never sent);
and for every one of them the daemon stays up, reconnects (the server sees
the next connection), and a message published afterwards is delivered on
the new connection.  Every message published arrives, once, in order.

Part B, another daemon, backoff_min = 100ms, backoff_max = 2s:
  * the server closes with 1000: the next attempt comes quickly (control);
  * it closes with 1008 (a slow_retry_code): the next attempt waits at
    least backoff_max (2 s) after the Close was sent, and the log names the
    code;
  * it answers the upgrade with HTTP 503 and Retry-After: 2: the next
    attempt comes no sooner than 2 s after the answer, and the log says
    "server answered HTTP 503, Retry-After 2s";
  * HTTP 429 with Retry-After as an HTTP-date 3 s ahead: at least 2 s and
    at most 4 s (+ tolerance): the date has whole seconds, and so has the
    daemon's "now";
and the connection after that carries a message.

Times are the server's CLOCK_MONOTONIC stamps: the Close (or the refusal)
is stamped before it is sent, the next attempt when its TCP connection is
accepted, so a measured gap can only be longer than the daemon's own wait
plus the time to connect; lower bounds do not depend on load.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SCALE, check, config_text, log, main, scaled, tcp_sockets,
                     wait_until)

BAD = [
    ("garbage", "garbage bytes after the handshake"),
    ("oversize:%d" % (1 << 20), "a 1 MiB message (max_message_size 64KiB)"),
    ("bad-utf8", "a text frame that is not UTF-8"),
    ("close-raw:999", "a Close with code 999"),
    ("close-raw:1005", "a Close with code 1005 on the wire"),
]
EXPECTED_CLOSE = {"oversize": (1009,), "bad-utf8": (1007,)}

BACKOFF_MAX = 2.0
RETRY_AFTER = 2.0
SLACK = 0.02              # clock stamps of two processes, rounding
QUICK = 1.5               # "quickly" for the 1000 control; backoff_max is 2 s
LATE = 0.6                # how much later than the floor an attempt may come


def conn_events(f, conn, ev):
    return [e for e in f.events(ev) if e["conn"] == conn]


def publish_one(r, channel, payload):
    check(r.publish_many([(channel, payload)]) == [1],
          "the daemon is not subscribed to %s" % channel)


def part_a(ctx, r):
    f = ctx.faults(plan=[p for p, _ in BAD], default="record").start()
    cfg = config_text(f.url(), r.port,
                      upstream={"max_message_size": "64KiB",
                                "backoff_min": "100ms", "backoff_max": "500ms"})
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")

    expected = []          # (payload, conn) in publishing order
    for i, (plan, what) in enumerate(BAD):
        wait_until(lambda: len(f.log.opens()) >= i + 1 and d.alive(), 15,
                   lambda: "connection #%d (daemon alive: %s)" % (i + 1, d.alive()))
        conn = f.log.opens()[i]
        check(conn["plan"] == plan, "connection #%d got plan %r" % (i + 1, conn["plan"]))
        c = conn["conn"]

        # The connection works: a message published now arrives on it.  For
        # every case after the first, this is also the message "published
        # afterwards" that proves the daemon came back after the last fault.
        payload = b"before " + plan.encode()
        publish_one(r, "events", payload)
        expected.append((payload, c))
        wait_until(lambda: [m for m in f.messages() if m["conn"] == c], 15,
                   "%r to arrive on connection %s" % (payload, c))

        publish_one(r, "events", b"misbehave")
        expected.append((b"misbehave", c))
        wait_until(lambda: conn_events(f, c, "fault"), 15,
                   "the server to be triggered on connection %s" % c)
        log("case %d: %s (connection %s)" % (i + 1, what, c))

        # The daemon survives and comes back: a new connection.
        wait_until(lambda: (check(d.alive(), "the daemon exited after %s (status %s)"
                                  % (what, d.proc.p.returncode))
                            or len(f.log.opens()) >= i + 2), 15,
                   lambda: "a new connection after %s" % what)
        wait_until(lambda: conn_events(f, c, "close"), 15,
                   "the server to finish connection %s" % c)
        close = conn_events(f, c, "close")[0]
        kind = plan.split(":")[0]
        log("  -> the server saw close code %r %r; reconnected as %s"
            % (close["code"], close["reason"], f.log.opens()[i + 1]["conn"]))
        if kind in EXPECTED_CLOSE:
            check(close["code"] in EXPECTED_CLOSE[kind],
                  "after %s the daemon's Close carried %r, expected %s"
                  % (what, close["code"], EXPECTED_CLOSE[kind]))
        check(len(tcp_sockets(d.pid, f.port)) <= 1, "more than one socket to the server")

    # The last connection is a plain one: a message published now arrives.
    last = f.log.opens()[len(BAD)]
    check(last["plan"] == "record", "unexpected plan %r" % last["plan"])
    publish_one(r, "events", b"after all of them")
    expected.append((b"after all of them", last["conn"]))
    wait_until(lambda: len(f.messages()) >= len(expected), 15,
               lambda: "%d messages (have %d)" % (len(expected), len(f.messages())))
    got = [(bytes.fromhex(m["hex"]), m["conn"]) for m in f.messages()]
    check(got == expected, "messages (payload, connection) differ:\n  got      %r\n"
          "  expected %r" % (got, expected))

    text = d.log_text()
    check("closing with 1009" in text, "the log does not say it closed with 1009")
    for line in text.splitlines():
        if line.startswith("<4>") or line.startswith("<3>"):
            log("  log: %s" % line)
    check(not any(line.startswith("<3>") for line in text.splitlines()),
          "the daemon logged an error")
    d.stop()


def part_b(ctx, r):
    plan = ["close-after:100:1000", "close-after:100:1008", "http:503:2", "http:429:date+3"]
    f = ctx.faults(plan=plan, default="record").start()
    cfg = config_text(f.url(), r.port,
                      upstream={"backoff_min": "100ms", "backoff_max": "2s",
                                "backoff_reset": "1h"})
    d = ctx.daemon(cfg, ["--channel", "slow"]).start()
    wait_until(lambda: r.subscribed(["slow"], []), 15, "the daemon to subscribe")

    # 2 closes, 2 refusals, then a plain connection: about 0.1 + 2 + 2 + 2..3 s.
    wait_until(lambda: (check(d.alive(), "the daemon exited (status %s)" % d.proc.p.returncode)
                        or len(f.events("tcp")) >= 5 and len(f.log.opens()) >= 3), 30,
               lambda: "5 attempts, the 5th open (have %d attempts, %d opens)"
               % (len(f.events("tcp")), len(f.log.opens())))
    tcp = f.events("tcp")
    opens = f.log.opens()
    check([o["plan"] for o in opens[:3]] == plan[:2] + ["record"],
          "unexpected plans: %r" % [o["plan"] for o in opens[:3]])
    reqs = f.events("request")
    check([q["plan"] for q in reqs[:5]] == plan + ["record"],
          "unexpected requests: %r" % [q["plan"] for q in reqs[:5]])

    def stamp(conn, ev):
        evs = conn_events(f, conn, ev)
        check(evs, "no %s event for %s" % (ev, conn))
        return evs[0]["mono"]

    c = [t["conn"] for t in tcp[:5]]
    gap_1000 = stamp(c[1], "tcp") - stamp(c[0], "close_sent")
    gap_1008 = stamp(c[2], "tcp") - stamp(c[1], "close_sent")
    gap_503 = stamp(c[3], "tcp") - stamp(c[2], "refused")
    gap_429 = stamp(c[4], "tcp") - stamp(c[3], "refused")
    log("close 1000 -> next attempt %.3fs; close 1008 -> %.3fs; HTTP 503 "
        "(Retry-After 2) -> %.3fs; HTTP 429 (Retry-After date+3s) -> %.3fs"
        % (gap_1000, gap_1008, gap_503, gap_429))
    for conn in c[:2]:
        log("  server saw close code %r on %s" % (conn_events(f, conn, "close")[0]["code"]
                                                  if conn_events(f, conn, "close") else None,
                                                  conn))

    check(gap_1000 <= QUICK * SCALE,
          "after a Close 1000 the next attempt came %.3fs later; expected the usual "
          "backoff (100ms here), well under backoff_max" % gap_1000)
    check(gap_1008 >= BACKOFF_MAX - SLACK,
          "after a Close 1008 the next attempt came %.3fs later, before backoff_max (%.1fs)"
          % (gap_1008, BACKOFF_MAX))
    check(gap_1008 <= BACKOFF_MAX + scaled(LATE),
          "after a Close 1008 the next attempt came %.3fs later (backoff_max %.1fs)"
          % (gap_1008, BACKOFF_MAX))
    check(gap_503 >= RETRY_AFTER - SLACK,
          "after HTTP 503 with Retry-After: 2 the next attempt came %.3fs later" % gap_503)
    check(gap_503 <= RETRY_AFTER + scaled(LATE),
          "after HTTP 503 with Retry-After: 2 the next attempt came %.3fs later" % gap_503)
    check(gap_429 >= 2.0 - SLACK,
          "after HTTP 429 with a Retry-After date 3 s ahead the next attempt came %.3fs later"
          % gap_429)
    # The date has whole seconds and so has the daemon's arithmetic (its
    # "now" truncated): it may wait up to a second more than 3 s.
    check(gap_429 <= 4.0 + scaled(LATE),
          "after HTTP 429 with a Retry-After date 3 s ahead the next attempt came %.3fs later"
          % gap_429)

    text = d.log_text()
    lines = text.splitlines()
    l1008 = [x for x in lines if "server closed the connection with 1008" in x]
    l503 = [x for x in lines if "server answered HTTP 503, Retry-After 2s" in x]
    l429 = [x for x in lines if "server answered HTTP 429, Retry-After" in x]
    log("log: %r %r %r" % (l1008, l503, l429))
    check(l1008 and "backoff_max" in l1008[0],
          "no log line names the 1008 close and the slow retry")
    check(l503, "no log line 'server answered HTTP 503, Retry-After 2s'")
    check(l429, "no log line 'server answered HTTP 429, Retry-After ...'")

    # The connection after all that works.
    wait_until(lambda: f.log.open_connections(), 15, "an open connection")
    publish_one(r, "slow", b"after the refusals")
    wait_until(lambda: f.messages(), 15, "the message to arrive")
    m = f.messages()
    check(len(m) == 1 and bytes.fromhex(m[0]["hex"]) == b"after the refusals",
          "unexpected messages %r" % m)
    d.stop()


def test(ctx):
    r = ctx.redis().start()
    part_a(ctx, r)
    part_b(ctx, r)


if __name__ == "__main__":
    main(test)
