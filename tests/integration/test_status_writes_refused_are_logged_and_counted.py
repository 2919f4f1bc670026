#!/usr/bin/python3
"""Status writes that Redis refuses are logged once and counted, and the
relaying goes on.

A redis-server with a password for its admin and an ACL user "relay"
that may AUTH, SUBSCRIBE, PING and EVAL but not HSET, PEXPIRE or PUBLISH
(the commands status_pub.c sends: PUBLISH, and EVAL of a script that
runs HGET, HSET and PEXPIRE).  The daemon logs in as relay, with
[status] ttl = 1s, so the hash is rewritten every third of a second.

1. Messages published by the admin arrive upstream, in order.
2. After at least 5 refreshes were refused (Redis' own rejected_calls
   for HSET, and the daemon's wspushd_status_write_errors_total on
   /metrics) and a sentinel published last has arrived, the log holds
   each refusal exactly once, with the command, the key or channel and
   Redis' NOPERM text; no hash exists, and `--status` exits 2.
3. HSET and PEXPIRE allowed again: the hash appears, the log says so once,
   `--status` exits 0.  Refused again: the refusal is logged again (a
   success resets the repeat suppression).
4. SIGTERM with Redis stopped (the last writes still unanswered when the
   daemon frees its Redis connections): exit 0.
"""
import os
import signal
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, check_sequence, config_text, free_port, log, main, pause,
                     resume, scaled, wait_connected, wait_until)

ADMIN_PW = "admin-pw-6f1c"
RELAY_PW = "relay-pw-90ab"
KEY = "wspushd:status"
CHANNEL = "wspushd:events"
DENIED = ["hset", "hmset", "hsetnx", "hdel", "expire", "pexpire", "del", "unlink",
          "publish", "multi", "exec"]


def refusal(command, target):
    """The exact line the daemon logs (priority 4, warning)."""
    return ("<4>status: %s %s refused by Redis: NOPERM this user has no permissions "
            "to run the '%s' command" % (command.upper(), target, command.lower()))


def script_refusal(command, target):
    """The same for a command the status script runs: named by the script."""
    return ("<4>status: EVAL %s refused by Redis: %s: ERR The user executing the script "
            "can't run this command or subcommand" % (target, command.upper()))


def lines_equal(d, line):
    return [l for l in d.log_text().splitlines() if l == line]


def metric(url, name):
    with urllib.request.urlopen(url, timeout=scaled(5)) as resp:
        for line in resp.read().decode().splitlines():
            if line.startswith(name + " "):
                return int(line.split()[1])
    return None


def rejected_calls(r, command):
    """Redis' count of calls to `command` refused (ACL, OOM, ...)."""
    info = r.call("INFO", "commandstats").decode()
    for line in info.splitlines():
        if line.startswith("cmdstat_%s:" % command):
            fields = dict(f.split("=", 1) for f in line.split(":", 1)[1].split(","))
            return int(fields.get("rejected_calls", 0))
    return 0


def status_cmd(d):
    p = subprocess.run([d.binary, "-c", d.config_path, "--status"], capture_output=True,
                       timeout=scaled(20), stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace")


def test(ctx):
    r = ctx.redis(password=ADMIN_PW).start()
    check(r.call("ACL", "SETUSER", "relay", "reset", "on", ">" + RELAY_PW, "~*", "&*",
                 "+@all", *["-" + c for c in DENIED]) == "OK", "ACL SETUSER relay")
    w = ctx.ws().start()
    mport = free_port()
    murl = "http://127.0.0.1:%d/metrics" % mport
    text = config_text(w.url(), r.port,
                       redis={"url": "redis://relay:%s@127.0.0.1:%d" % (RELAY_PW, r.port),
                              "channel": "events"},
                       status={"key": KEY, "channel": CHANNEL, "ttl": "1s"})
    text += "\n[metrics]\nlisten = 127.0.0.1:%d\n" % mport
    d = ctx.daemon(text).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe as relay")

    # 1. Relaying works while every status write is refused.
    first = [("text", b"m%03d" % i) for i in range(100)]
    check(r.publish_many([("events", p) for _, p in first]) == [1] * 100, "one subscriber")
    wait_until(lambda: len(w.messages()) >= 100, 15, "100 messages upstream")
    check_sequence(w.messages(), first)
    log("100 messages relayed in order while status writes are refused")

    # 2. Refused, logged once (not once per refresh), counted.
    hset_line = script_refusal("hset", KEY)
    wait_until(lambda: lines_equal(d, hset_line), 15,
               lambda: "the line %r; log:\n%s" % (hset_line, d.log_text()[-2000:]))
    wait_until(lambda: rejected_calls(r, "hset") >= 5, 15,
               "at least 5 refused HSETs (Redis' rejected_calls)")
    wait_until(lambda: (metric(murl, "wspushd_status_write_errors_total") or 0) >= 10, 15,
               "wspushd_status_write_errors_total >= 10 on /metrics")
    sentinel = ("text", b"sentinel-1")
    check(r.publish_many([("events", sentinel[1])]) == [1], "one subscriber")
    wait_until(lambda: len(w.messages()) >= 101, 15, "the sentinel upstream")
    check_sequence(w.messages(), first + [sentinel])
    n_hset = rejected_calls(r, "hset")
    for line in (hset_line, refusal("publish", CHANNEL)):
        got = lines_equal(d, line)
        check(len(got) == 1, "%r should be logged exactly once after %d refused HSETs, "
              "got %d; log:\n%s" % (line, n_hset, len(got), d.log_text()[-3000:]))
    errors = metric(murl, "wspushd_status_write_errors_total")
    log("logged once each after %d refused HSETs: %s" % (n_hset, hset_line))
    log("wspushd_status_write_errors_total %d" % errors)
    check(r.call("EXISTS", KEY) == 0, "no status hash can exist")
    rc, out = status_cmd(d)
    check(rc == 2, "--status with no hash should exit 2, got %d:\n%s" % (rc, out))
    log("--status: %s" % out.strip())

    # 3. Allowed again: written, said once; refused again: said again.
    r.call("ACL", "SETUSER", "relay", "+hset", "+pexpire")
    back = "<5>status: EVAL %s accepted by Redis again" % KEY
    wait_until(lambda: lines_equal(d, back), 15, "the line %r" % back)
    wait_until(lambda: r.call("HGET", KEY, "state") == b"open", 15, "state=open in the hash")
    rc, out = status_cmd(d)
    check(rc == 0, "--status should exit 0 once the hash is written, got %d:\n%s" % (rc, out))
    r.call("ACL", "SETUSER", "relay", "-hset", "-pexpire")
    wait_until(lambda: len(lines_equal(d, hset_line)) == 2, 15,
               lambda: "the refusal logged a second time; log:\n%s" % d.log_text()[-3000:])
    check(len(lines_equal(d, back)) == 1, "'accepted again' should be logged once")
    check(r.publish_many([("events", b"sentinel-2")]) == [1], "one subscriber")
    wait_until(lambda: len(w.messages()) >= 102, 15, "the second sentinel upstream")
    check_sequence(w.messages(), first + [sentinel, ("text", b"sentinel-2")])
    check(metric(murl, "wspushd_status_write_errors_total") > errors, "the counter grows")
    log("allowed again: hash written, logged once; refused again: logged again")

    # 4. A clean exit, with replies still pending: Redis is stopped, so the
    # writes sent on SIGTERM are answered only as hiredis frees the
    # connection, after the status publisher is gone (under valgrind
    # this is where a callback into freed memory would show).
    pause(r.proc)
    try:
        d.stop(signal.SIGTERM)
    finally:
        resume(r.proc)


if __name__ == "__main__":
    main(test)
