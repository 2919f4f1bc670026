#!/usr/bin/python3
"""Redis is killed and started again on the same port: the daemon
resubscribes by itself (PUBSUB NUMSUB / NUMPAT show it again) and forwards
what is published afterwards; its own wspushd_redis_subscribed follows (0
while Redis is down, 1 again after).  The upstream WebSocket connection is not
disturbed: still one connection, still one socket.  /metrics counts the
subscription made twice, at least one failure (the loss, and each refused
attempt while Redis was down), and each subscription's messages.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (bring_up, check, check_sequence, free_port, log, main, metric, sample_for,
                     tcp_sockets, wait_metric, wait_until)


def test(ctx):
    mport = free_port()
    r, w, d = bring_up(ctx, channels=["events", "more"], patterns=["alerts.*"],
                       metrics_port=mport)
    wait_metric(mport, "wspushd_redis_subscribed", 1)

    first = [("events", b"one"), ("more", b"two"), ("alerts.x", b"three")]
    check(r.publish_many(first) == [1, 1, 1], "not subscribed")
    wait_until(lambda: len(w.messages()) >= 3, 15, "the first 3 messages")

    r.kill()
    # The subscription and the command connection both see the server go;
    # once the daemon has closed them, reconnect attempts while Redis is
    # down must not pile up: at most one socket to the Redis port at a time.
    wait_until(lambda: len(tcp_sockets(d.pid, r.port)) <= 1, 15,
               "the daemon to close its connections to the dead Redis")
    wait_metric(mport, "wspushd_redis_subscribed", 0)
    # An observation over a period (the most sockets at once while the
    # daemon retries), not a wait for something not to happen.
    down = sample_for(1.0, lambda: (d.alive(), len(tcp_sockets(d.pid, r.port)),
                                    len(tcp_sockets(d.pid, w.port))))
    check(all(a for a, _, _ in down), "daemon exited while Redis was down")
    check(max(n for _, n, _ in down) <= 1, "daemon held several sockets to the Redis port")
    check(all(u == 1 for _, _, u in down), "the upstream socket should stay, saw %r"
          % sorted({u for _, _, u in down}))

    r.start()   # same port, empty server: nothing subscribed until the daemon does
    wait_until(lambda: r.numsub("events") == 1 and r.numsub("more") == 1 and r.numpat() == 1,
               15, lambda: "resubscription (NUMSUB events=%s more=%s, NUMPAT=%s)"
               % (r.numsub("events"), r.numsub("more"), r.numpat()))
    log("daemon resubscribed")
    wait_metric(mport, "wspushd_redis_subscribed", 1)

    second = [("events", b"four"), ("alerts.y", b"five"), ("more", b"six"),
              ("events", b"\xfe\xffseven")]
    check(r.publish_many(second) == [1, 1, 1, 1], "not subscribed after restart")
    wait_until(lambda: len(w.messages()) >= 7, 15,
               lambda: "7 messages in all (have %d)" % len(w.messages()))
    check_sequence(w.messages(), [("text", b"one"), ("text", b"two"), ("text", b"three"),
                                  ("text", b"four"), ("text", b"five"), ("text", b"six"),
                                  ("binary", b"\xfe\xffseven")])
    check(len(w.log.opens()) == 1, "a Redis restart should not reconnect upstream "
          "(saw %d WebSocket connections)" % len(w.log.opens()))
    socks = tcp_sockets(d.pid, w.port)
    check(len(socks) == 1, "expected one upstream socket, the daemon holds %r" % socks)
    # The subscription plus, at most, the command connection (PING, status).
    socks = tcp_sockets(d.pid, r.port)
    check(len(socks) <= 2, "expected the subscription and the command connection "
          "to Redis at most (the old ones closed), the daemon holds %r" % socks)
    series = {k: metric(mport, k) for k in (
        "wspushd_redis_subscriptions_total", "wspushd_redis_failures_total",
        'wspushd_subscription_messages_total{kind="channel",name="events"}',
        'wspushd_subscription_messages_total{kind="channel",name="more"}',
        'wspushd_subscription_messages_total{kind="pattern",name="alerts.*"}')}
    want = {"wspushd_redis_subscriptions_total": 2,
            'wspushd_subscription_messages_total{kind="channel",name="events"}': 3,
            'wspushd_subscription_messages_total{kind="channel",name="more"}': 2,
            'wspushd_subscription_messages_total{kind="pattern",name="alerts.*"}': 2}
    for k, v in want.items():
        check(series[k] == v, "%s is %r, expected %r" % (k, series[k], v))
    check(series["wspushd_redis_failures_total"] >= 1, "Redis failures not counted: %r"
          % series)
    log("metrics: %r" % series)
    subs = [l for l in r.call("CLIENT", "LIST").decode().splitlines()
            if " sub=0 " not in l or " psub=0 " not in l]
    check(len(subs) == 1, "expected exactly one subscribed connection, Redis lists:\n%s"
          % "\n".join(subs))

    d.stop()


if __name__ == "__main__":
    main(test)
