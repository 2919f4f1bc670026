#!/usr/bin/python3
"""The daemon keeps its status in Redis for web requests to check:

- a hash ([status] key) with state, url, counters and last error, written
  over a second connection (never the subscribed one) and kept alive by
  a TTL that lapses once the daemon is gone;
- every state change published on [status] channel as JSON;
- `wspushd --status -c FILE` prints the hash and exits 0 when open, 1 when
  not, 2 when there is no status at all, and 4 when Redis cannot be asked
  (down, or wanting a password it was not given), saying why;
- `--status` needs nothing but Redis: no upstream URL, no channel.
"""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Resp, check, config_text, log, main, scaled,
                     wait_connected, wait_until)


def status_cmd(d):
    p = subprocess.run([d.binary, "-c", d.config_path, "--status"], capture_output=True,
                       timeout=scaled(20), stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace")


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    text = config_text(w.url(), r.port).replace("[redis]\n", "[redis]\nchannel = events\n", 1)
    text += "\n[status]\nkey = app:wspushd\nchannel = app:wspushd:events\nttl = 3s\n"

    events = Resp(r.port, timeout=scaled(10))
    events.call("SUBSCRIBE", "app:wspushd:events")
    try:
        run(ctx, r, w, text, events)
    finally:
        events.close()


def run(ctx, r, w, text, events):
    d = ctx.daemon(text).start()
    wait_connected(d, w)

    def hash_():
        flat = r.call("HGETALL", "app:wspushd") or []
        return {flat[i].decode(): flat[i + 1].decode() for i in range(0, len(flat), 2)}
    wait_until(lambda: hash_().get("state") == "open", 15, "state=open in the status hash")
    h = hash_()
    check(h.get("url") == w.url().replace("/ingest", "/ingest") or "127.0.0.1" in h.get("url", ""),
          "url in the hash: %r" % h.get("url"))
    check(int(h["pid"]) == d.pid, "pid in the hash")
    ttl = r.call("PTTL", "app:wspushd")
    check(0 < ttl <= 3000, "the hash should carry the TTL, PTTL %r" % ttl)

    # Written over a second connection: the subscriber never ran HSET.
    clients = r.call("CLIENT", "LIST").decode()
    writers = [l for l in clients.splitlines()
               if (" cmd=hset" in l or " cmd=pexpire" in l or " cmd=publish" in l)]
    check(writers and all(" sub=0 " in l and " psub=0 " in l for l in writers),
          "status writes must come from an unsubscribed connection:\n%s" % clients)

    r.publish_many([("events", b"one"), ("events", b"two")])
    wait_until(lambda: hash_().get("sent") == "2", 15, "sent=2 in the hash")

    rc, out = status_cmd(d)
    check(rc == 0, "--status should exit 0 while open, got %d:\n%s" % (rc, out))
    check("open" in out and "sent" in out, "--status output:\n%s" % out)
    log("--status while open:\n%s" % out.rstrip())

    # The upstream goes away: an event, and --status exits 1.
    w.kill()
    msgs = []

    def got_event():
        try:
            rep = events.reply()
        except OSError:
            return False
        if isinstance(rep, list) and rep[0] == b"message":
            msgs.append(json.loads(rep[2]))
        return any(m["previous"] == "open" for m in msgs)
    wait_until(got_event, 15, "an event leaving 'open' on app:wspushd:events")
    left = [m for m in msgs if m["previous"] == "open"][0]
    log("events: %s" % ", ".join("%s->%s" % (m["previous"], m["state"]) for m in msgs))
    check(left["state"] in ("closing", "idle", "connecting"),
          "the event should name the new state: %r" % left)
    wait_until(lambda: hash_().get("state") != "open", 10, "state not open in the hash")
    rc, out = status_cmd(d)
    check(rc == 1, "--status should exit 1 when not open, got %d:\n%s" % (rc, out))

    # Gone: the TTL lapses and --status exits 2.
    d.stop(signal.SIGTERM)
    wait_until(lambda: not hash_(), scaled(10), "the hash to expire after exit")
    rc, out = status_cmd(d)
    check(rc == 2, "--status should exit 2 with no status, got %d:\n%s" % (rc, out))
    log("exit codes 0 / 1 / 2 as documented")

    # Counters are written within about a second of moving, however long
    # the TTL (a refresh every third of it would leave "sent 0" for 20 s).
    w4 = ctx.ws().start()
    slow = config_text(w4.url(), r.port).replace("[redis]\n", "[redis]\nchannel = more\n", 1)
    slow += "\n[status]\nkey = app:slow\nchannel =\nttl = 60s\n"
    d4 = ctx.daemon(slow).start()
    wait_until(lambda: r.call("HGET", "app:slow", "state") == b"open", 15, "app:slow open")
    h = dict(zip(*[iter(r.call("HGETALL", "app:slow"))] * 2))
    for f in (b"received", b"attempts", b"reconnects", b"last_error_at", b"redis",
              b"inputs", b"uptime", b"version"):
        check(f in h, "no %r in the status hash: %r" % (f, sorted(h)))
    check(h[b"inputs"] == b"1 channel(s), 0 pattern(s), 0 stream(s)", "inputs: %r" % h[b"inputs"])
    r.publish_many([("more", b"m%d" % i) for i in range(7)])
    wait_until(lambda: r.call("HGET", "app:slow", "sent") == b"7", 5,
               "sent=7 in the hash soon after the messages")
    check(r.call("HGET", "app:slow", "received") == b"7", "received in the hash")
    d4.stop()

    # Only Redis is needed: no --url, no --channel.
    p = subprocess.run([d.binary, "--redis", "redis://127.0.0.1:%d" % r.port, "--status"],
                       capture_output=True, timeout=scaled(20), stdin=subprocess.DEVNULL)
    check(p.returncode == 2, "--status with only --redis: exit %d: %s"
          % (p.returncode, p.stderr.decode(errors="replace")))

    # Redis that cannot be asked is not "no daemon": exit 4, and why.
    locked = ctx.redis(password="s3cret").start()
    p = subprocess.run([d.binary, "--redis", "redis://127.0.0.1:%d" % locked.port,
                        "--status"], capture_output=True, timeout=scaled(20),
                       stdin=subprocess.DEVNULL)
    out = p.stdout.decode(errors="replace")
    check(p.returncode == 4 and "NOAUTH" in out and "s3cret" not in out,
          "--status against a Redis wanting a password: exit %d: %s" % (p.returncode, out))
    r.kill()
    rc, out = status_cmd(d)
    check(rc == 4 and "cannot ask Redis" in out,
          "--status with Redis down: exit %d: %s" % (rc, out))
    log("exit 4 when Redis cannot be asked: %s" % out.strip())


if __name__ == "__main__":
    main(test)
