#!/usr/bin/python3
"""Redis Cluster: three masters on loopback (redis-cli --cluster create).

1. Pub/Sub: a daemon subscribed on the first node receives what is
   published on every node, the others included (a cluster passes
   PUBLISH to every node).
2. Streams ([redis] cluster = yes): a daemon whose url names the first
   node reads a stream whose key lives on the second: its commands go
   there by the key's slot (CLUSTER SLOTS), every entry arrives, and the
   group's pending list on that node empties.
3. Resharding: while a producer adds entries, the stream's slot moves to
   the third node (IMPORTING, MIGRATING, MIGRATE, SETSLOT NODE).  The
   daemon follows -MOVED (and -ASK in between) to it: every entry
   arrives, nothing is left pending there.
4. Failover: a replica joins the third node and takes over with CLUSTER
   FAILOVER while entries are added; the daemon follows to it, every
   entry arrives, nothing is left pending.
"""
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (RedisError, Resp, check, config_text, log, main, tcp_sockets,
                     wait_until)

REDIS_CLI = "/usr/bin/redis-cli"


def node_id(r):
    return r.call("CLUSTER", "MYID").decode()


def owner(nodes, slot):
    """The node serving slot, as the first node says."""
    for lo, hi, master, *_ in nodes[0].call("CLUSTER", "SLOTS"):
        if lo <= slot <= hi:
            return [n for n in nodes if n.port == master[1]][0]
    return None


def key_on(nodes, node, prefix):
    for i in range(10000):
        k = "%s%d" % (prefix, i)
        if owner(nodes, nodes[0].call("CLUSTER", "KEYSLOT", k)) is node:
            return k
    raise AssertionError("no key found for node %d" % node.port)


class Producer(threading.Thread):
    """XADD key * data eNNNNNN, following -MOVED and -ASK like a client."""

    def __init__(self, port, key, first=0):
        super().__init__(daemon=True)
        self.port, self.key, self.first = port, key, first
        self.added = []
        self.redirects = 0
        self.error = None
        self.halt = threading.Event()

    def run(self):
        try:
            for seq in range(self.first, self.first + 20000):
                if self.halt.is_set():
                    break
                self.add(seq)
                time.sleep(0.005)
        except Exception as e:        # reported by the test
            self.error = e

    def add(self, seq):
        port, asking = self.port, False
        for _ in range(10):
            with Resp(port) as r:
                try:
                    if asking:
                        r.call("ASKING")
                    r.call("XADD", self.key, "*", "data", b"e%06d" % seq)
                    self.added.append(seq)
                    return
                except RedisError as e:
                    kind, _, where = str(e).partition(" ")[0], None, str(e).split()[-1]
                    if kind not in ("MOVED", "ASK"):
                        raise
                    self.redirects += 1
                    port, asking = int(where.rsplit(":", 1)[1]), kind == "ASK"
                    if kind == "MOVED":
                        self.port = port
        raise AssertionError("XADD redirected 10 times")


def arrived(w):
    return [int(bytes.fromhex(m["hex"])[1:]) for m in w.messages()
            if "hex" in m and bytes.fromhex(m["hex"]).startswith(b"e")]


def test(ctx):
    nodes = []
    for i in range(3):
        n = ctx.redis(extra_args=["--cluster-enabled", "yes", "--cluster-config-file",
                                  "nodes.conf", "--cluster-node-timeout", "2000"])
        nodes.append(n.start())
    out = subprocess.run([REDIS_CLI, "--cluster", "create"] +
                         ["127.0.0.1:%d" % n.port for n in nodes] +
                         ["--cluster-replicas", "0", "--cluster-yes"],
                         capture_output=True, timeout=60)
    check(out.returncode == 0, "cluster create failed: %s" % out.stdout[-500:])
    wait_until(lambda: all(b"cluster_state:ok" in n.call("CLUSTER", "INFO") for n in nodes),
               30, "the cluster to be ok")
    first, second, third = nodes

    # 1. Pub/Sub across nodes.
    w1 = ctx.ws().start()
    d1 = ctx.daemon(config_text(w1.url(), first.port, redis={"channel": "x"})).start()
    wait_until(lambda: first.subscribed(["x"], []), 15, "the subscription on the first node")
    wait_until(lambda: w1.log.open_connections(), 15, "the upstream")
    for n in nodes:
        n.publish_many([("x", b"from-%d-%d" % (n.port, i)) for i in range(20)])
    want = {b"from-%d-%d" % (n.port, i) for n in nodes for i in range(20)}

    def got():
        return {bytes.fromhex(m["hex"]) for m in w1.messages() if "hex" in m}
    wait_until(lambda: want <= got(), 15, lambda: "the messages of every node "
               "(missing %r)" % sorted(want - got())[:5])
    log("Pub/Sub: 60 messages published on 3 nodes, all arrived through the first")
    d1.stop()

    # 2. A stream whose key lives on the second node.
    key = key_on(nodes, second, "{wsc}:")
    slot = first.call("CLUSTER", "KEYSLOT", key)
    w2 = ctx.ws(record_on_read=True).start()
    d2 = ctx.daemon(config_text(w2.url(), first.port, redis={
        "stream": key, "cluster": "yes", "backoff_min": "50ms",
        "backoff_max": "200ms"}, daemon={"log_level": "debug"})).start()
    wait_until(lambda: second.call("EXISTS", key) == 1, 15,
               "the group made on the node that owns %s" % key)
    check(tcp_sockets(d2.pid, second.port), "no connection to the node that owns the key")
    prod = Producer(second.port, key)
    prod.start()
    try:
        wait_until(lambda: len(arrived(w2)) >= 100, 20, "entries to arrive")
        # 3. Move the slot to the third node while entries flow.
        id2, id3 = node_id(second), node_id(third)
        third.call("CLUSTER", "SETSLOT", slot, "IMPORTING", id2)
        second.call("CLUSTER", "SETSLOT", slot, "MIGRATING", id3)
        time.sleep(0.2)       # pacing: let the producer and the daemon meet ASK
        second.call("MIGRATE", "127.0.0.1", third.port, "", 0, 5000, "KEYS", key)
        for n in nodes:
            n.call("CLUSTER", "SETSLOT", slot, "NODE", id3)
        log("slot %d of %s moved from node %d to node %d" % (slot, key, second.port,
                                                             third.port))
        mark = len(prod.added)
        wait_until(lambda: any(s >= mark for s in arrived(w2)), 20,
                   "an entry added after the move to arrive")
        check(tcp_sockets(d2.pid, third.port), "no connection to the key's new node")
    finally:
        prod.halt.set()
        prod.join(10)
    check(prod.error is None, "producer: %r" % prod.error)
    check(third.call("EXISTS", key) == 1 and second.call("CLUSTER", "COUNTKEYSINSLOT", slot) == 0,
          "the stream did not move")
    wait_until(lambda: set(prod.added) <= set(arrived(w2)), 30,
               lambda: "every entry to arrive (%d missing)"
               % len(set(prod.added) - set(arrived(w2))))
    wait_until(lambda: third.call("XPENDING", key, "wspushd")[0] == 0, 15,
               "the pending list on the new node to empty")
    got_all = arrived(w2)
    log("Streams: %d entries added (the producer was redirected %d times), all arrived, "
        "%d twice; nothing pending on the new owner" % (len(prod.added), prod.redirects,
                                                        len(got_all) - len(set(got_all))))
    check(d2.alive(), "the daemon exited")

    # 4. Failover: a replica of the key's node takes over (CLUSTER FAILOVER).
    replica = ctx.redis(extra_args=["--cluster-enabled", "yes", "--cluster-config-file",
                                    "nodes.conf", "--cluster-node-timeout", "2000"]).start()
    replica.call("CLUSTER", "MEET", "127.0.0.1", third.port)
    wait_until(lambda: node_id(replica) in third.call("CLUSTER", "NODES").decode(), 15,
               "the replica to join")
    replica.call("CLUSTER", "REPLICATE", node_id(third))
    wait_until(lambda: b"master_link_status:up" in replica.call("INFO", "replication"),
               30, "the replica to sync")
    prod = Producer(third.port, key, first=100000)
    prod.start()
    try:
        wait_until(lambda: len(prod.added) >= 20 and
                   set(prod.added[:20]) <= set(arrived(w2)), 20,
                   "entries to flow before the failover")
        check(replica.call("CLUSTER", "FAILOVER") == "OK", "CLUSTER FAILOVER refused")
        wait_until(lambda: owner(nodes + [replica], slot) is replica, 30,
                   "the replica to serve the slot")
        mark = prod.first + len(prod.added)
        wait_until(lambda: any(s >= mark for s in arrived(w2)), 20,
                   "an entry added after the failover to arrive")
        check(tcp_sockets(d2.pid, replica.port), "no connection to the promoted replica")
    finally:
        prod.halt.set()
        prod.join(10)
    check(prod.error is None, "producer: %r" % prod.error)
    wait_until(lambda: set(prod.added) <= set(arrived(w2)), 30,
               lambda: "every entry to arrive after the failover (%d missing)"
               % len(set(prod.added) - set(arrived(w2))))
    wait_until(lambda: replica.call("XPENDING", key, "wspushd")[0] == 0, 15,
               "the pending list on the promoted replica to empty")
    log("failover: %d entries added across it, all arrived; nothing pending"
        % len(prod.added))
    check(d2.alive(), "the daemon exited")
    check("MOVED" not in d2.log_text() or "warn" not in d2.log_text().lower(),
          "redirections were logged as problems")


if __name__ == "__main__":
    main(test)
