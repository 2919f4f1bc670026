#!/usr/bin/python3
"""Two daemons given the same [status] key never mix their reports.

Daemons A and B relay different channels (so both may run) to the same
upstream, with the default [status] key on one Redis, ttl = 60s:

1. A writes the hash first (owner, pid, host).  B, started next, finds it
   owned by a live instance: it logs that once, naming A's pid, says
   wspushd_status_key_conflict 1 on /metrics, and writes nothing there.
   While messages flow through B (its counters moving, so it would write
   every second), the hash stays A's: every field read is A's (pid, sent
   and received counting A's messages only), shown after a sentinel
   through B has arrived and B's metrics show its writes were due.
   `--status` with B's configuration prints A's report, whole.
2. A restarted with the same configuration is the same owner: the new
   process writes at once, long before the TTL would free the key; a
   reload that changes [status] and the inputs keeps it its own.
3. The hash expires (PEXPIRE by the test, as if A had died a minute
   ago): B takes the key at its next write, logs that it is its own
   again, and the conflict gauge goes back to 0.
"""
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, free_port, log, main, publish_sentinel,
                     scaled, wait_connected, wait_metric, wait_until)

KEY = "wspushd:status"


def status_cmd(d):
    p = subprocess.run([d.binary, "-c", d.config_path, "--status"], capture_output=True,
                       timeout=scaled(20), stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace")


def hash_(r):
    flat = r.call("HGETALL", KEY) or []
    return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}


def make(ctx, r, w, channel, mport):
    text = config_text(w.url(), r.port, redis={"channel": channel},
                       status={"ttl": "60s"}, metrics_port=mport)
    return ctx.daemon(text)


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    a_port, b_port = free_port(), free_port()
    a = make(ctx, r, w, "orders", a_port).start()
    wait_until(lambda: hash_(r).get("pid") == str(a.pid) and hash_(r).get("state") == "open",
               15, "A's hash, open")
    owner_a = hash_(r)["owner"]
    log("A (pid %d) owns %s as %s" % (a.pid, KEY, owner_a))

    b = make(ctx, r, w, "chat", b_port).start()
    wait_connected(b, w, n_opens=2)
    said = ("holds the status of another wspushd (pid %d on " % a.pid)
    wait_until(lambda: said in b.log_text(), 15, lambda: "B to say the key is A's; log:\n%s"
               % b.log_text()[-2000:])
    wait_metric(b_port, "wspushd_status_key_conflict", 1)

    # B's counters move: it would write at least once a second.
    n = 50
    check(r.publish_many([("chat", b"c%d" % i) for i in range(n)]) == [1] * n, "B subscribed")
    publish_sentinel(r, w, "chat")
    wait_metric(b_port, "wspushd_messages_sent_total", n + 1)
    # A refreshes while idle only every 20 s; one message makes it write.
    check(r.publish_many([("orders", b"o1")]) == [1], "A subscribed")
    wait_until(lambda: hash_(r).get("sent") == "1", 15, "A's count of 1 sent in the hash")
    h = hash_(r)
    check(h["pid"] == str(a.pid) and h["owner"] == owner_a and h["received"] == "1",
          "the hash mixes instances: %r" % h)
    check(said in b.log_text() and b.log_text().count(said) == 1,
          "B should say the conflict once:\n%s" % b.log_text()[-2000:])
    rc, out = status_cmd(b)
    check(rc == 0 and "pid: %d" % a.pid in out or ("pid %d" % a.pid) in out or
          str(a.pid) in out, "--status with B's file: exit %d:\n%s" % (rc, out))
    log("B wrote nothing while its counters moved; --status shows A (pid %d)" % a.pid)

    # 2. A restarted: the same owner, so the key is its own at once.
    a.stop()
    a2 = make(ctx, r, w, "orders", a_port)
    a2.config_path = a.config_path
    a2.start()
    wait_until(lambda: hash_(r).get("pid") == str(a2.pid), 15,
               lambda: "the restarted A (pid %d) to write the hash: %r" % (a2.pid, hash_(r)))
    ttl_left = r.call("PTTL", KEY)
    log("restarted A (pid %d) wrote at once; the hash had %d ms of its TTL left"
        % (a2.pid, ttl_left))

    # A reload that changes [status] and the inputs at once: the hash A
    # wrote is still its own (no conflict with itself), kept up to date.
    with open(a2.config_path) as f:
        text = f.read()
    a2.rewrite_config(text.replace("ttl = 60s", "ttl = 50s").replace(
        "[redis]\n", "[redis]\nchannel = orders2\n", 1))
    a2.proc.signal(signal.SIGHUP)
    wait_until(lambda: r.subscribed(["orders", "orders2"], []), 15, "A's new channel")
    check(r.publish_many([("orders2", b"o2")]) == [1], "A subscribed to orders2")
    wait_until(lambda: hash_(r).get("received") == "1" and
               hash_(r).get("pid") == str(a2.pid), 15,
               lambda: "the reloaded A to count its message in the hash: %r" % hash_(r))
    wait_metric(a_port, "wspushd_status_key_conflict", 0)
    check("holds the status of another" not in a2.log_text(),
          "after the reload A took its own hash for another's:\n%s" % a2.log_text()[-1500:])
    log("A reloaded with new inputs and [status]: still the hash's owner")

    # 3. The key expires: B takes it, says so once, the gauge clears.
    a2.stop()
    r.call("PEXPIRE", KEY, 1)
    wait_until(lambda: r.call("EXISTS", KEY) == 0, 5, "the hash to expire")
    check(r.publish_many([("chat", b"after")]) == [1], "B subscribed")
    wait_until(lambda: hash_(r).get("pid") == str(b.pid), 15,
               lambda: "B to write the hash: %r" % hash_(r))
    check(hash_(r)["owner"] != owner_a, "B wrote under A's owner name")
    wait_metric(b_port, "wspushd_status_key_conflict", 0)
    wait_until(lambda: "status: key %s is this instance's again" % KEY in b.log_text(), 10,
               "B to say the key is its own again")
    log("after expiry B owns the hash (pid %d)" % b.pid)
    b.stop(signal.SIGTERM)


if __name__ == "__main__":
    main(test)
