#!/usr/bin/python3
"""[redis] sentinel and master: wspushd finds the master through Redis
Sentinel and follows a failover while messages flow.

Debian's redis-sentinel, three of them, watch a master with one replica,
all on loopback.  The daemon is given the three sentinels (the first of
them a port nothing listens on, so the next must be asked) and the
master's name; its url's host is a port nothing listens on either, so
only Sentinel can lead it to Redis.

1. It subscribes on the master (and not on the replica).
2. A publisher sends numbered messages every few ms to whichever server
   Sentinel names master at that moment.  SENTINEL FAILOVER: the replica
   becomes master, the old master a replica.
3. The daemon hears +switch-master from a sentinel, ends up subscribed
   on the new master (its ROLE checked), and messages published there
   after the switch arrive; the sentinel message, published last, closes
   the count.
The gap is reported: messages that reached no subscriber (PUBLISH said
0: Pub/Sub keeps nothing), and those a subscriber got but the upstream
never did.
"""
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Resp, check, config_text, free_port, log, main, publish_sentinel,
                     wait_until)

SENTINEL = "/usr/bin/redis-sentinel"
NAME = "wsmaster"


class Sentinel:
    def __init__(self, ctx, master_port):
        self.ctx = ctx
        self.port = free_port()
        d = ctx.mkdir("sentinel-%d" % self.port)
        self.conf = os.path.join(d, "sentinel.conf")
        with open(self.conf, "w") as f:
            f.write("port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\n"
                    "sentinel monitor %s 127.0.0.1 %d 2\n"
                    "sentinel down-after-milliseconds %s 1000\n"
                    "sentinel failover-timeout %s 10000\n"
                    "sentinel parallel-syncs %s 1\n"
                    % (self.port, d, os.path.join(d, "sentinel.log"), NAME, master_port,
                       NAME, NAME, NAME))
        self.proc = ctx.spawn("sentinel-%d" % self.port, [SENTINEL, self.conf])

    def call(self, *args):
        with Resp(self.port, timeout=2) as r:
            return r.call(*args)

    def master(self):
        try:
            host, port = self.call("SENTINEL", "get-master-addr-by-name", NAME)
            return int(port)
        except Exception:
            return None


class Publisher(threading.Thread):
    """PUBLISH x mNNNNN to the master Sentinel names, one at a time."""

    def __init__(self, sentinel):
        super().__init__(daemon=True)
        self.sentinel = sentinel
        self.sent = []            # (seq, receivers, port)
        self.halt = threading.Event()

    def run(self):
        port, conn = None, None
        for seq in range(100000):
            if self.halt.is_set():
                break
            try:
                now = self.sentinel.master()
                if now != port or conn is None:
                    if conn is not None:
                        conn.close()
                    port, conn = now, Resp(now, timeout=1)
                n = conn.call("PUBLISH", "x", b"m%06d" % seq)
                self.sent.append((seq, int(n), port))
            except Exception:
                conn = None         # the server went, or turned replica
                self.sent.append((seq, 0, port))
            time.sleep(0.005)


def arrived(w):
    return [int(bytes.fromhex(m["hex"])[1:]) for m in w.messages()
            if "hex" in m and bytes.fromhex(m["hex"]).startswith(b"m")]


def test(ctx):
    master = ctx.redis().start()
    replica = ctx.redis(extra_args=["--replicaof", "127.0.0.1", "0"]).start()
    replica.call("REPLICAOF", "127.0.0.1", str(master.port))
    wait_until(lambda: b"master_link_status:up" in replica.call("INFO", "replication"),
               15, "the replica to sync")
    sentinels = [Sentinel(ctx, master.port) for _ in range(3)]
    wait_until(lambda: all(s.master() == master.port for s in sentinels), 15,
               "the sentinels to answer")
    wait_until(lambda: all(len(s.call("SENTINEL", "replicas", NAME)) == 1 and
                           len(s.call("SENTINEL", "sentinels", NAME)) == 2
                           for s in sentinels), 30,
               "the sentinels to know the replica and each other")

    w = ctx.ws().start()
    nowhere = free_port()
    text = config_text(w.url(), nowhere, redis={
        "channel": "x", "master": NAME,
        "sentinel": ", ".join(["127.0.0.1:%d" % free_port()] +
                              ["127.0.0.1:%d" % s.port for s in sentinels])})
    d = ctx.daemon(text).start()
    wait_until(lambda: master.subscribed(["x"], []), 15, "the daemon to subscribe on the master")
    check(not replica.subscribed(["x"], []), "the daemon subscribed on the replica")
    wait_until(lambda: w.log.open_connections(), 15, "the upstream connection")

    pub = Publisher(sentinels[1])
    pub.start()
    try:
        wait_until(lambda: len(arrived(w)) >= 50, 15, "messages to flow")
        t0 = time.monotonic()
        check(sentinels[1].call("SENTINEL", "FAILOVER", NAME) == "OK", "FAILOVER refused")
        wait_until(lambda: sentinels[1].master() == replica.port, 30,
                   "Sentinel to name the replica master")
        wait_until(lambda: replica.subscribed(["x"], []), 30,
                   "the daemon to subscribe on the new master")
        followed = time.monotonic() - t0
        mark = len(pub.sent)
        wait_until(lambda: any(s >= mark for s in arrived(w)), 15,
                   "a message published on the new master to arrive")
    finally:
        pub.halt.set()
        pub.join(10)
    publish_sentinel(replica, w, "x", b"sentinel-last")
    check(d.alive(), "the daemon exited")

    got = set(arrived(w))
    nobody = [s for s, n, _ in pub.sent if n == 0]
    lost = [s for s, n, _ in pub.sent if n > 0 and s not in got]
    after = [s for s, n, p in pub.sent if p == replica.port and n > 0]
    check(after and all(s in got for s in after[len(after) // 2:]),
          "messages published on the new master did not all arrive")
    # Moved at Sentinel's word, not at the old master's hang-up.
    check("+switch-master %s" % NAME in d.log_text(),
          "the daemon did not hear +switch-master")
    log("failover followed in %.2fs; %d messages published, %d reached no subscriber "
        "during the switch, %d reached one but not the upstream; %d arrived"
        % (followed, len(pub.sent), len(nobody), len(lost), len(got)))
    log("daemon log: %s" % "; ".join(l for l in d.log_text().splitlines()
                                      if "redis" in l and ("master" in l or "->" in l))[:600])


if __name__ == "__main__":
    main(test)
