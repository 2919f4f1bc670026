"""frame_faults.py - what the scenarios of a server breaking the protocol,
or asking for patience, share.  The server is tests/servers/ws_faults.py
(the real python3-websockets handshake and framing), given one behaviour
for its first connection and "record" after that.

survives_fault(): the fault is written on cue, once the connection has
carried a message; the daemon must stay up, reconnect, and deliver what is
published afterwards on the new connection.

retry_gap(): how long after a refusal or a Close the daemon's next attempt
came, from the server's CLOCK_MONOTONIC stamps: the Close (or the refusal)
is stamped before it is sent, the next attempt when its TCP connection is
accepted, so a measured gap can only be longer than the daemon's own wait
plus the time to connect; lower bounds do not depend on load.
"""
from harness import check, config_text, log, tcp_sockets, wait_until

SLACK = 0.02              # clock stamps of two processes, rounding
LATE = 0.6                # how much later than the floor an attempt may come


def conn_events(f, conn, ev):
    return [e for e in f.events(ev) if e["conn"] == conn]


def publish_one(r, channel, payload):
    check(r.publish_many([(channel, payload)]) == [1],
          "the daemon is not subscribed to %s" % channel)


def survives_fault(ctx, plan, what, close_codes=None, log_says=None):
    """One daemon (max_message_size = 64KiB) against a server whose first
    connection misbehaves as `plan` says once it gets the trigger message.
    The daemon stays up and reconnects; the Close it sent carries one of
    close_codes (when given); it never holds two sockets; every message
    arrives, once, in order, on the connection it was published for; the
    log holds `log_says` (when given) and no line at error level.  Stops
    the daemon (exit 0); returns the Close code the server saw."""
    r = ctx.redis().start()
    f = ctx.faults(plan=[plan], default="record").start()
    cfg = config_text(f.url(), r.port,
                      upstream={"max_message_size": "64KiB",
                                "backoff_min": "100ms", "backoff_max": "500ms"})
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")

    wait_until(lambda: f.log.opens() and d.alive(), 15,
               lambda: "the first connection (daemon alive: %s)" % d.alive())
    first = f.log.opens()[0]
    check(first["plan"] == plan, "the first connection got plan %r" % first["plan"])
    c = first["conn"]

    # The connection works: a message published now arrives on it.
    expected = []          # (payload, conn) in publishing order
    payload = b"before " + plan.encode()
    publish_one(r, "events", payload)
    expected.append((payload, c))
    wait_until(lambda: [m for m in f.messages() if m["conn"] == c], 15,
               "%r to arrive on connection %s" % (payload, c))

    publish_one(r, "events", b"misbehave")
    expected.append((b"misbehave", c))
    wait_until(lambda: conn_events(f, c, "fault"), 15,
               "the server to be triggered on connection %s" % c)
    log("%s (connection %s)" % (what, c))

    # The daemon survives and comes back: a new connection.
    wait_until(lambda: (check(d.alive(), "the daemon exited after %s (status %s)"
                              % (what, d.proc.p.returncode))
                        or len(f.log.opens()) >= 2), 15,
               lambda: "a new connection after %s" % what)
    wait_until(lambda: conn_events(f, c, "close"), 15,
               "the server to finish connection %s" % c)
    close = conn_events(f, c, "close")[0]
    log("  -> the server saw close code %r %r; reconnected as %s"
        % (close["code"], close["reason"], f.log.opens()[1]["conn"]))
    if close_codes is not None:
        check(close["code"] in close_codes,
              "after %s the daemon's Close carried %r, expected %s"
              % (what, close["code"], close_codes))
    check(len(tcp_sockets(d.pid, f.port)) <= 1, "more than one socket to the server")

    # The new connection is a plain one: a message published now arrives.
    last = f.log.opens()[1]
    check(last["plan"] == "record", "unexpected plan %r" % last["plan"])
    publish_one(r, "events", b"after " + plan.encode())
    expected.append((b"after " + plan.encode(), last["conn"]))
    after = b"after " + plan.encode()
    wait_until(lambda: any(bytes.fromhex(m["hex"]) == after for m in f.messages()), 15,
               lambda: "%r to arrive (have %d messages)" % (after, len(f.messages())))
    got = [(bytes.fromhex(m["hex"]), m["conn"]) for m in f.messages()]
    # At least once: a message the faulted connection took but did not
    # confirm is sent again, first, on the next one.  Nothing else repeats.
    resent = [(p, cn) for k, (p, cn) in enumerate(got)
              if any(p == q and cn != cq for q, cq in got[:k])]
    check(all(cn == last["conn"] and p in (b"misbehave", b"before " + plan.encode())
              for p, cn in resent), "unexpected repeats: %r" % resent)
    got = [x for x in got if x not in resent]
    check(got == expected, "messages (payload, connection) differ:\n  got      %r\n"
          "  expected %r" % (got, expected))
    if resent:
        log("  %d message(s) sent again on the new connection (unconfirmed)" % len(resent))

    text = d.log_text()
    if log_says is not None:
        check(log_says in text, "the log does not say %r" % log_says)
    for line in text.splitlines():
        if line.startswith("<4>") or line.startswith("<3>"):
            log("  log: %s" % line)
    check(not any(line.startswith("<3>") for line in text.splitlines()),
          "the daemon logged an error")
    d.stop()
    return close["code"]


def slow_server(ctx, plan, channel, backoff_max="2s"):
    """Redis, a ws_faults server running `plan` then "record", and a
    daemon with backoff_min = 100ms, backoff_max as given, backoff_reset =
    1h; waits until the daemon is subscribed.  Returns (r, f, d)."""
    r = ctx.redis().start()
    f = ctx.faults(plan=plan, default="record").start()
    cfg = config_text(f.url(), r.port,
                      upstream={"backoff_min": "100ms", "backoff_max": backoff_max,
                                "backoff_reset": "1h"})
    d = ctx.daemon(cfg, ["--channel", channel]).start()
    wait_until(lambda: r.subscribed([channel], []), 15, "the daemon to subscribe")
    return r, f, d


def wait_attempts(f, d, attempts, opens, timeout=30):
    """Wait until the server has accepted `attempts` TCP connections and
    seen `opens` WebSocket opens; the daemon must stay up meanwhile."""
    wait_until(lambda: (check(d.alive(), "the daemon exited (status %s)" % d.proc.p.returncode)
                        or len(f.events("tcp")) >= attempts and len(f.log.opens()) >= opens),
               timeout, lambda: "%d attempts, %d opens (have %d attempts, %d opens)"
               % (attempts, opens, len(f.events("tcp")), len(f.log.opens())))


def stamp(f, conn, ev):
    evs = conn_events(f, conn, ev)
    check(evs, "no %s event for %s" % (ev, conn))
    return evs[0]["mono"]


def retry_gap(f, k, ev):
    """Seconds from event `ev` ("close_sent" or "refused") on attempt k
    (0-based, in accept order) to the TCP accept of attempt k + 1."""
    c = [t["conn"] for t in f.events("tcp")]
    return stamp(f, c[k + 1], "tcp") - stamp(f, c[k], ev)


def delivers_after(r, f, d, channel, payload=b"after the refusals"):
    """The connection after the refusals carries a message (the only one);
    then the daemon is stopped (exit 0)."""
    wait_until(lambda: f.log.open_connections(), 15, "an open connection")
    publish_one(r, channel, payload)
    wait_until(lambda: f.messages(), 15, "the message to arrive")
    m = f.messages()
    check(len(m) == 1 and bytes.fromhex(m[0]["hex"]) == payload,
          "unexpected messages %r" % m)
    d.stop()


def log_lines(d, text):
    return [x for x in d.log_text().splitlines() if text in x]
