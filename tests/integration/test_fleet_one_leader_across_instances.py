#!/usr/bin/python3
"""Three instances with one [fleet] lease_key (separate runtime
directories, so only the lease keeps them apart): one upstream socket
across all of them, always.

1. At start exactly one connects; the others stand by (no socket, no
   subscription: PUBLISH counts one subscriber).
2. The leader is SIGKILLed 10 times (and started again as a standby):
   each time a standby connects within lease_ttl + 1 s; the upgrade
   carries X-Fence-Term, a new, higher term every time.
3. The leader gets SIGTERM: a standby connects within 1 s (the lease is
   given back, not left to expire).
4. Redis is SIGSTOPped: the leader drops its upstream socket before its
   lease could have passed (the key's expiry, read just before).
Throughout, a sampler counts the sockets to the WebSocket server across
all three processes: never more than one.  Messages published while a
leader leads arrive (the sentinel, published last, closes the count).
"""
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, count_tcp, log, main, pause, publish_sentinel,
                     resume, scaled, wait_until)

TTL = 2.0          # [fleet] lease_ttl
KEY = "wspushd:test:lease"


class Sampler(threading.Thread):
    """Counts upstream sockets across every daemon, every few ms."""

    def __init__(self, daemons, port):
        super().__init__(daemon=True)
        self.daemons, self.port = daemons, port
        self.most = 0
        self.samples = 0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            n = 0
            for d in list(self.daemons):
                if d.proc is not None and d.alive():
                    try:
                        n += count_tcp(d.pid, self.port)
                    except OSError:
                        pass        # the process went between the two calls
            self.most = max(self.most, n)
            self.samples += 1
            time.sleep(0.005)


def leaders(daemons, w):
    return [d for d in daemons if d.alive() and count_tcp(d.pid, w.port) > 0]


def wait_leader(daemons, w, within, what):
    t0 = time.monotonic()
    wait_until(lambda: len(leaders(daemons, w)) == 1 and w.log.open_connections(),
               within, what)
    return leaders(daemons, w)[0], time.monotonic() - t0


def terms(w):
    return [int(e["headers"]["x-fence-term"]) for e in w.log.opens()]


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    text = config_text(w.url(), r.port, redis={"channel": "x"},
                       upstream={"close_timeout": "1s"}) + (
        "\n[fleet]\nlease_key = %s\nlease_ttl = %dms\nfence_header = X-Fence-Term\n"
        % (KEY, TTL * 1000))
    daemons = [ctx.daemon(text).start() for _ in range(3)]
    sampler = Sampler(daemons, w.port)
    sampler.start()

    # 1. One leader, two standbys.
    leader, _ = wait_leader(daemons, w, 15, "one instance to connect upstream")
    wait_until(lambda: r.subscribed(["x"], []), 15, "the leader to subscribe")
    check(r.publish_many([("x", b"first")]) == [1],
          "standbys must not subscribe: PUBLISH saw more than one subscriber")
    check(r.call("GET", KEY).decode().endswith(":%d" % leader.pid),
          "the lease names another instance than the connected one")
    # The status hash is the leader's, and says so; --status prints it.
    wait_until(lambda: r.call("HGET", "wspushd:status", "role") == b"leader", 10,
               "the leader's status hash")
    st = dict(zip(*[iter(r.call("HGETALL", "wspushd:status"))] * 2))
    check(st[b"pid"] == str(leader.pid).encode() and
          st[b"lease_holder"].endswith(b":%d" % leader.pid) and int(st[b"term"]) >= 1
          and b"fleet leader, term" in st[b"status"],
          "status hash: %r" % st)
    rc, out, _ = ctx.run_daemon(["--status", "-c", leader.config_path])
    check(rc == 0 and "role        leader" in out and "lease_holder" in out,
          "--status: exit %d, %r" % (rc, out))

    # A reload that changes the lease applies at the next start: the
    # leader keeps leading, as it started.
    leader.rewrite_config(text.replace("lease_ttl = %dms" % (TTL * 1000), "lease_ttl = 5s"))
    leader.proc.signal(signal.SIGHUP)
    wait_until(lambda: "[fleet] lease_key, lease_ttl and instance apply at the next start"
               in leader.log_text(), 10, "the reload to say when the lease changes")
    leader.rewrite_config(text)
    check(r.publish_many([("x", b"after-reload")]) == [1], "the leader stopped subscribing")
    check(leaders(daemons, w) == [leader], "another instance took over on a reload")

    # 2. SIGKILL the leader, ten times.
    waits = []
    for i in range(10):
        opens = len(w.log.opens())
        leader.proc.kill()
        t0 = time.monotonic()
        wait_until(lambda: len(w.log.opens()) > opens and leaders(daemons, w), 
                   TTL + 1 + 10, "a standby to take over after kill %d" % (i + 1))
        waits.append(time.monotonic() - t0)
        check(waits[-1] <= scaled(TTL + 1), "kill %d: a standby connected after %.2fs, "
              "over lease_ttl + 1s" % (i + 1, waits[-1]))
        leader.start()              # back, as a standby
        leader = leaders(daemons, w)[0]
    log("after SIGKILL: a standby connected within %.2f..%.2fs (lease_ttl %.1fs)"
        % (min(waits), max(waits), TTL))
    t = terms(w)
    check(all(b > a for a, b in zip(t, t[1:])), "terms did not grow: %r" % t)

    # 3. SIGTERM: the lease is given back at once.
    opens = len(w.log.opens())
    leader.proc.signal(signal.SIGTERM)
    t0 = time.monotonic()
    wait_until(lambda: len(w.log.opens()) > opens, 10, "a standby after SIGTERM")
    handover = time.monotonic() - t0
    check(handover <= scaled(1.0), "after SIGTERM a standby connected after %.2fs" % handover)
    log("after SIGTERM: a standby connected in %.2fs" % handover)
    wait_until(lambda: not leader.alive(), 10, "the old leader to exit")
    leader = leaders(daemons, w)[0]
    wait_until(lambda: r.subscribed(["x"], []), 15, "the new leader to subscribe")
    publish_sentinel(r, w, "x", b"sentinel-before-stop")

    # 4. Redis stops answering: the leader fences itself before its lease
    # could pass.  SIGSTOP only when no renewal is about to land, so the
    # expiry read is the last one Redis will grant.
    for _ in range(200):
        pttl = int(r.call("PTTL", KEY))
        read_at = time.monotonic()
        if pttl > 0 and (TTL * 1000 - pttl) < (TTL * 1000 / 3) - 100:
            break
        time.sleep(0.01)
    pause(r.proc)
    expires_at = read_at + pttl / 1000.0
    try:
        wait_until(lambda: count_tcp(leader.pid, w.port) == 0, TTL + 5,
                   "the leader to drop its upstream socket with Redis stopped")
        dropped_at = time.monotonic()
    finally:
        resume(r.proc)
    log("Redis stopped: the leader dropped its socket %.2fs before its lease expired"
        % (expires_at - dropped_at))
    check(dropped_at < expires_at, "the leader kept its socket %.2fs past its lease"
          % (dropped_at - expires_at))

    # Some instance leads again once Redis is back, and messages flow.
    wait_leader(daemons, w, 15, "a leader once Redis is back")
    wait_until(lambda: r.subscribed(["x"], []), 15, "the leader to subscribe again")
    publish_sentinel(r, w, "x", b"sentinel-last")
    sampler.stop.set()
    sampler.join(5)
    log("%d samples, at most %d upstream socket(s) at once" % (sampler.samples, sampler.most))
    check(sampler.samples > 100, "too few samples (%d)" % sampler.samples)
    check(sampler.most <= 1, "%d upstream sockets at once across the fleet" % sampler.most)


if __name__ == "__main__":
    main(test)
