#!/usr/bin/python3
"""SIGHUP re-reads the configuration and loses nothing:

1. a channel change is applied with SUBSCRIBE/UNSUBSCRIBE on the live Redis
   connection; the upstream connection is untouched;
2. an invalid file is rejected with file:line messages and the running
   configuration keeps working;
3. a new upstream URL reconnects through the normal closing path: the old
   server sees a Close, messages published around the reload all arrive,
   in order, and the daemon never holds two upstream sockets;
4. a second daemon started with the same configuration refuses to start
   (exit 75) and names the first.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, count_tcp_to_any, log, main, sample_for,
                     wait_connected, wait_until)


def with_channels(text, channels):
    lines = "".join("channel = %s\n" % c for c in channels)
    return text.replace("[redis]\n", "[redis]\n" + lines, 1)


def test(ctx):
    r = ctx.redis().start()
    w1 = ctx.ws().start()
    w2 = ctx.ws().start()
    base1 = config_text(w1.url(), r.port)
    run = {"RUNTIME_DIRECTORY": ctx.mkdir("run")}     # shared: one lock for both
    d = ctx.daemon(with_channels(base1, ["a"]), env=run).start()
    wait_connected(d, w1)
    wait_until(lambda: r.subscribed(["a"], []), 15, "subscription to a")

    # 1. channels: a -> b, on the live connection
    d.rewrite_config(with_channels(base1, ["b"]))
    d.proc.signal(signal.SIGHUP)
    wait_until(lambda: r.numsub("b") == 1 and r.numsub("a") == 0, 15,
               "SUBSCRIBE b and UNSUBSCRIBE a after SIGHUP")
    check(r.publish_many([("b", b"on b")]) == [1], "b should reach the daemon")
    wait_until(lambda: any(m["len"] == 4 for m in w1.messages()), 10, "'on b' upstream")
    check(len(w1.log.opens()) == 1, "a channel change must not reconnect upstream")
    log("channels changed live, upstream untouched")

    # 2. a broken file: rejected, file:line, nothing changes
    bad = with_channels(base1, ["b"]).replace("[daemon]\n", "[daemon]\nno_such_key = 1\n", 1)
    bad_line = bad.split("\n").index("no_such_key = 1") + 1
    d.rewrite_config(bad)
    d.proc.signal(signal.SIGHUP)
    where = "%s:%d:" % (d.config_path, bad_line)
    wait_until(lambda: where in d.log_text() and "reload rejected" in d.log_text(), 10,
               "the rejection, naming %s" % where)
    check(d.alive(), "a bad reload must not stop the daemon")
    check(r.publish_many([("b", b"still b")]) == [1], "b should still be subscribed")
    wait_until(lambda: any(m["len"] == 7 for m in w1.messages()), 10, "'still b' upstream")
    log("bad file rejected at %s, old configuration kept" % where)

    # 3. new upstream: close the old one cleanly, reconnect, keep the queue
    d.rewrite_config(with_channels(config_text(w2.url(), r.port), ["b"]))
    before = [("b", ("before-%03d" % i).encode()) for i in range(50)]
    after = [("b", ("after-%03d" % i).encode()) for i in range(50)]
    r.publish_many(before)
    d.proc.signal(signal.SIGHUP)
    r.publish_many(after)
    counts = sample_for(1.5, lambda: count_tcp_to_any(d.pid, (w1.port, w2.port)))
    check(max(counts) <= 1, "at most one upstream socket during the switch, saw %s"
          % sorted(set(counts)))
    wait_connected(d, w2)
    wait_until(lambda: w1.log.closes(), 10, "the old server to see a Close")
    code = w1.log.closes()[0].get("code")
    check(code in (1000, 1001), "the old connection should close with 1000/1001, got %r" % code)
    want = [p for _, p in before + after]

    def got():
        msgs = [m for m in w1.messages() + w2.messages() if m["len"] in (10, 9)]
        return [bytes.fromhex(m["hex"]) for m in msgs if "hex" in m]
    wait_until(lambda: len(got()) >= len(want), 15, "all 100 messages across the switch")
    check(got() == want, "messages lost, duplicated or reordered across the switch")
    log("upstream switched with Close %d, 100 messages in order, never 2 sockets" % code)

    # 4. one daemon per configuration
    d2 = ctx.daemon("", env=run)
    d2.config_path = d.config_path
    d2.start()
    wait_until(lambda: not d2.alive(), 10, "the second daemon to exit")
    rc = d2.proc.p.returncode
    check(rc == 75, "a second daemon on the same configuration should exit 75, got %r" % rc)
    check("already relays channel" in d2.log_text() and "pid %d" % d.pid in d2.log_text(),
          "the refusal should say why: %r" % d2.log_text()[-300:])
    check(d.alive(), "the first daemon must keep running")
    d.stop()


if __name__ == "__main__":
    main(test)
