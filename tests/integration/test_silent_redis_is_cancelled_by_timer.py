#!/usr/bin/python3
"""A "Redis" that accepts the TCP connection and never answers (the
subscription is never confirmed) does not hang the daemon: its own timer,
[redis] connect_timeout = 500ms, gives up on each attempt, closes the
socket and retries, one socket at a time, and says it is not subscribed
(wspushd_redis_subscribed 0).  When a real redis-server then takes over
the same port, the daemon subscribes there (wspushd_redis_subscribed 1)
and forwards what is published; the timer no longer cancels anything: the
subscribed connection lives on (Redis' CLIENT LIST shows it, same id, at
an age of 2, in whole seconds: over 1 s, twice connect_timeout), and a
message published then arrives.

The silent peer is tests/servers/silent_tcp.py: it never closes a connection
first, so every "closed" it records was the daemon's doing.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, check_sequence, config_text, free_port, log, main, metric,
                     publish_sentinel, scaled, tcp_sockets, wait_connected, wait_metric,
                     wait_until)

# How long the daemon keeps each silent connection: connect_timeout, some
# slack below (see test_silent_upstream_attempts_are_cancelled.py), generous
# above (scaled under a wrapper).
HELD_MIN = 0.4
HELD_MAX = 2.5
ATTEMPTS = 4
LIVES_ON = 2              # CLIENT LIST age (whole seconds): over 1 s, 2x connect_timeout


def test(ctx):
    w = ctx.ws().start()
    s = ctx.silent().start()
    mport = free_port()
    cfg = config_text(w.url(), s.port, redis={"connect_timeout": "500ms"}, metrics_port=mport)
    d = ctx.daemon(cfg, ["--channel", "events", "--pattern", "alerts.*"]).start()
    wait_connected(d, w)

    # Several attempts, each cancelled by the daemon, never two at once.
    samples = []

    def attempts_done():
        check(d.alive(), "daemon exited (status %s)" % d.proc.p.returncode)
        samples.append(len(tcp_sockets(d.pid, s.port)))
        return len(s.closes()) >= ATTEMPTS
    wait_until(attempts_done, 20,
               lambda: "%d Redis attempts to be closed by the daemon (accepted %d, closed %d)"
               % (ATTEMPTS, len(s.accepts()), len(s.closes())))
    closes = s.closes()
    log("%d Redis attempts accepted, %d closed by the daemon; held %s" % (
        len(s.accepts()), len(closes), " ".join("%.3f" % c["since_connect"] for c in closes)))
    for c in closes:
        req = s.received(c["conn"])
        check(b"SUBSCRIBE" in req.upper(),
              "connection %s did not carry a SUBSCRIBE: %r" % (c["conn"], req[:200]))
        check(c["how"] in ("eof", "reset"), "connection %s ended oddly: %s" % (c["conn"], c["how"]))
        check(HELD_MIN <= c["since_connect"] <= scaled(HELD_MAX),
              "Redis connection %s was closed %.3fs after it was made; expected "
              "%.1fs..%.1fs ([redis] connect_timeout 500ms)"
              % (c["conn"], c["since_connect"], HELD_MIN, scaled(HELD_MAX)))
    check(max(samples) <= 1, "the daemon held %d sockets to the Redis port at once"
          % max(samples))
    check(metric(mport, "wspushd_redis_subscribed") == 0,
          "wspushd_redis_subscribed should be 0 while Redis never answers")
    warn = [line for line in d.log_text().splitlines()
            if line.startswith("<4>redis") and "500ms" in line]
    log("Redis timeout warnings: %r" % warn)
    check(warn, "the daemon's log has no warning about the 500ms Redis connect timeout")

    # The upstream connection is not disturbed by Redis' troubles.
    check(len(w.log.opens()) == 1 and w.log.open_connections(),
          "the upstream connection changed while Redis was silent: %d opens"
          % len(w.log.opens()))

    # A real Redis takes over the same port.
    s.stop()
    r = ctx.redis(port=s.port).start()
    wait_until(lambda: r.subscribed(["events"], ["alerts.*"]), 15,
               "daemon to subscribe on the real Redis (PUBSUB NUMSUB / NUMPAT)")
    check(r.numsub("events") == 1 and r.numpat() == 1,
          "expected exactly one subscription each, NUMSUB %r NUMPAT %r"
          % (r.numsub("events"), r.numpat()))
    first_id = [c["id"] for c in r.pubsub_clients()]
    log("daemon subscribed on the real Redis (client id %s)" % first_id)
    wait_metric(mport, "wspushd_redis_subscribed", 1)

    items = [("events", b"after the silence"), ("alerts.disk", b"pattern too")]
    check(r.publish_many(items) == [1, 1], "not subscribed")
    wait_until(lambda: len(w.messages()) >= 2, 15,
               lambda: "the published messages to arrive (have %d)" % len(w.messages()))
    check_sequence(w.messages(), [("text", b"after the silence"), ("text", b"pattern too")])

    # Subscribed: the timer no longer cancels anything.  The event that
    # shows it: the same Redis client (same id) reaches an age, in Redis'
    # own CLIENT LIST, of 2 (whole seconds, so over 1 s: twice
    # connect_timeout); then a message published arrives.
    def lived_on():
        clients = r.pubsub_clients()
        ids = [c["id"] for c in clients]
        check(ids == first_id, "the subscribed Redis client changed from %s to %s"
              % (first_id, ids))
        return int(clients[0]["age"]) >= LIVES_ON
    wait_until(lived_on, LIVES_ON + 10, "the subscription to be %ds old" % LIVES_ON)
    sentinel = publish_sentinel(r, w, "events")
    check_sequence(w.messages(), [("text", b"after the silence"), ("text", b"pattern too"),
                                  ("text", sentinel)])
    check(metric(mport, "wspushd_redis_subscribed") == 1, "no longer subscribed?")
    check(len(w.log.opens()) == 1, "expected one upstream connection, saw %d" % len(w.log.opens()))

    d.stop()


if __name__ == "__main__":
    main(test)
