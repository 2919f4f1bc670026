#!/usr/bin/python3
"""Redis failing in the two ways that matter, against a real redis-server:

  1. killed (-9) and started again on the same port: the daemon keeps
     running, holds at most its two Redis connections' worth of sockets
     meanwhile, subscribes again by itself (PUBSUB NUMSUB back to 1) and
     forwards what is published afterwards;
  2. SIGSTOPped (the kernel still accepts connections and ACKs data, nothing
     answers) for longer than [redis] ping_interval + ping_timeout (500ms +
     500ms): the daemon notices within that bound (its log says so, and the
     subscribed connection it had leaves its descriptors), its new attempts
     against the frozen server are cut off by [redis] connect_timeout (no
     pile-up), and after SIGCONT it is subscribed again on a new connection
     (NUMSUB exactly 1, the subscriber's port is not the old one) and a
     message published after SIGCONT arrives upstream, once.

wspushd_redis_subscribed says 0 once the daemon has noticed, 1 again once
it is subscribed.  The upstream WebSocket connection is not disturbed by
any of it.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Sampler, bring_up, check, free_port, ms, log, main, metric, pause,
                     resume, scaled, tcp_sockets, wait_metric, wait_until)

PING = 0.5
PING_TIMEOUT = 0.5
CONNECT_TIMEOUT = 1.0      # [redis] connect_timeout, scaled under a wrapper
TOL = 0.5


def subscriber_ports(r):
    """Local ports (the daemon's side) of Redis's Pub/Sub clients."""
    return [int(c["addr"].rsplit(":", 1)[1]) for c in r.pubsub_clients()]


def log_has(d, text):
    return [x for x in d.log_text().splitlines() if text in x]


def test(ctx):
    mport = free_port()
    r, w, d = bring_up(ctx, channels=["events"],
                       redis={"ping_interval": ms(PING), "ping_timeout": ms(PING_TIMEOUT),
                              "connect_timeout": ms(scaled(CONNECT_TIMEOUT)),
                              "backoff_min": "100ms", "backoff_max": "300ms"},
                       metrics_port=mport)
    wait_metric(mport, "wspushd_redis_subscribed", 1)
    upstream_port = [s["local_port"] for s in tcp_sockets(d.pid, w.port)]
    check(len(upstream_port) == 1, "expected one upstream socket")
    sent = []

    def publish(payload):
        check(r.publish_many([("events", payload)]) == [1],
              "PUBLISH %r found no subscriber" % payload)
        sent.append(payload)
        wait_until(lambda: len(w.messages()) >= len(sent), 15,
                   lambda: "%r to arrive upstream" % payload)

    publish(b"first")
    # Wait for the PING probe's connection, so both Redis connections exist.
    wait_until(lambda: len(tcp_sockets(d.pid, r.port)) == 2, 10,
               "the daemon's second (PING) connection to Redis")

    # 1. Kill -9 and restart.
    r.kill()
    down = Sampler(lambda: (d.alive(), len(tcp_sockets(d.pid, r.port))), 30)
    down.start()
    try:
        wait_until(lambda: log_has(d, "redis: redis://127.0.0.1:%d:" % r.port), 10,
                   "the daemon to log that Redis went away")
        wait_metric(mport, "wspushd_redis_subscribed", 0)
        r.start()
        wait_until(lambda: r.numsub("events") == 1, 15,
                   lambda: "resubscription after the restart (NUMSUB %s)" % r.numsub("events"))
    finally:
        samples = down.stop()
    log("1. resubscribed after kill + restart; %d samples while down, max %d Redis sockets"
        % (len(samples), max(n for _, n in samples)))
    check(all(a for a, _ in samples), "the daemon exited while Redis was down")
    check(max(n for _, n in samples) <= 2, "the daemon held %d sockets to Redis"
          % max(n for _, n in samples))
    publish(b"after the restart")

    # 2. SIGSTOP for longer than ping_interval + ping_timeout.
    wait_until(lambda: len(tcp_sockets(d.pid, r.port)) == 2, 10,
               "the PING connection to be back")
    old = subscriber_ports(r)
    check(len(old) == 1, "expected one subscriber, CLIENT LIST has %r" % old)
    old_port = old[0]
    notices_before = len(log_has(d, "no answer to PING"))
    frozen = Sampler(lambda: (d.alive(), len(tcp_sockets(d.pid, r.port)),
                              [s["local_port"] for s in tcp_sockets(d.pid, w.port)]), 60)
    frozen.start()
    pause(r.proc)
    t_stop = time.monotonic()
    try:
        t_noticed = wait_until(
            lambda: len(log_has(d, "no answer to PING")) > notices_before and time.monotonic(),
            PING + PING_TIMEOUT + 5, "the daemon to notice the frozen Redis", interval=0.01)
        t_gone = wait_until(
            lambda: (not any(s["local_port"] == old_port for s in tcp_sockets(d.pid, r.port))
                     and time.monotonic()), 5,
            "the old subscribed connection to leave the daemon", interval=0.01)
        # Stay frozen until an attempt against it was cut off by the
        # connect timeout, so the stop lasts well over ping + timeout.
        wait_until(lambda: log_has(d, "no answer within %dms" % int(scaled(CONNECT_TIMEOUT) * 1000)),
                   scaled(CONNECT_TIMEOUT) + 10,
                   "an attempt against the frozen Redis to be cancelled by connect_timeout")
        stopped_for = time.monotonic() - t_stop
        subscribed_while_frozen = metric(mport, "wspushd_redis_subscribed")
    finally:
        resume(r.proc)
    t_cont = time.monotonic()
    samples = frozen.stop()
    log("2. frozen for %.2fs: noticed after %.3fs (log), old connection gone after %.3fs"
        % (stopped_for, t_noticed - t_stop, t_gone - t_stop))
    log("2. log: %s" % log_has(d, "no answer to PING")[-1])
    check(stopped_for > PING + PING_TIMEOUT, "the stop was too short")
    check(subscribed_while_frozen == 0, "wspushd_redis_subscribed is %r while Redis is frozen "
          "and noticed" % subscribed_while_frozen)
    check(t_noticed - t_stop <= PING + PING_TIMEOUT + scaled(TOL),
          "the frozen Redis was noticed %.3fs after the stop; bound %.1fs"
          % (t_noticed - t_stop, PING + PING_TIMEOUT))
    check(all(a for a, _, _ in samples), "the daemon exited while Redis was frozen")
    check(max(n for _, n, _ in samples) <= 2,
          "while Redis was frozen the daemon held %d sockets to it" % max(n for _, n, _ in samples))
    check(all(u == upstream_port for _, _, u in samples),
          "the upstream connection was disturbed: %r" % sorted({tuple(u) for _, _, u in samples}))

    def rebuilt():
        ports = subscriber_ports(r)
        mine = {s["local_port"] for s in tcp_sockets(d.pid, r.port)}
        return (r.numsub("events") == 1 and len(ports) == 1 and ports[0] != old_port
                and ports[0] in mine and ports)
    ports = wait_until(rebuilt, 15, lambda: "one new subscription after SIGCONT (NUMSUB %s, "
                       "subscribers %r, old %d)" % (r.numsub("events"), subscriber_ports(r),
                                                    old_port))
    log("2. subscribed again %.2fs after SIGCONT from port %d (was %d)"
        % (time.monotonic() - t_cont, ports[0], old_port))
    wait_metric(mport, "wspushd_redis_subscribed", 1)
    publish(b"after SIGCONT")
    # Exactly once, in order, all on the one upstream connection.
    got = [bytes.fromhex(m["hex"]) for m in w.messages()]
    check(got == sent, "upstream got %r, expected %r" % (got, sent))
    check(len(w.log.opens()) == 1, "the upstream connection was remade (%d opens)"
          % len(w.log.opens()))
    d.stop()


if __name__ == "__main__":
    main(test)
