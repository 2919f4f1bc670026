#!/usr/bin/python3
"""A Redis peer that speaks nonsense costs neither memory nor a flood.

tests/servers/resp_faults.py confirms the daemon's SUBSCRIBE like Redis,
then misbehaves; no real Redis does either on purpose.

(a) "impossible": a message whose payload announces $4611686018427387904
    bytes, then 16 MiB of them.  The daemon drops the connection with one
    clear log line ("protocol error: bulk length 4611686018427387904 is
    impossible"), its peak resident memory stays under 32 MiB (it never
    tries to hold the announced length: before, RSS reached 1.58 GB within
    a second, with nothing logged), and it connects again.
(b) "garbage": bytes that are not RESP right after every subscription is
    confirmed, so each connection "works" for a moment and then fails.
    With [redis] backoff_min = 20ms, backoff_max = 400ms, backoff_reset
    = 10s, over 12 connections:
      * the backoff is never reset by the brief subscriptions: the daemon's
        own count of consecutive failures ("next attempt in Nms (failure
        K)", debug) runs 1, 2, 3, ... 11 without going back;
      * the failure is logged as a warning once (then summarised), and
        "subscribed" at info at most once: not a line per cycle;
      * the daemon stays up and exits 0 on SIGTERM.
(c) replies hiredis 0.14 would abort the process on (its pub/sub code
    asserts their shape, or reads past the array): a one-element array, an
    array whose kind is an integer, an unsubscribe without its count.  Each
    is a protocol error: logged, the connection remade, the daemon alive.
(d) on the connection that carries PING and the status writes, each
    answer sent twice: the second is a reply no command asked for, which
    hiredis also asserts on.  Logged, that connection dropped and remade
    at the next PING, the daemon alive.
The upstream (the recorder) is never disturbed: one connection per daemon.
"""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, memory_is_the_daemons, vm_kib, wait_until

IMPOSSIBLE = 4611686018427387904


def impossible(ctx, w):
    f = ctx.resp_faults(mode="impossible", stream_mib=16).start()
    d = ctx.daemon(config_text(w.url(), f.port), ["--channel", "events"]).start()
    wait_until(lambda: len(f.subscribing_conns()) >= 2, 20,
               lambda: "the daemon to drop the connection and subscribe again "
               "(connections: %s)" % f.subscribing_conns())
    text = d.log_text()
    lines = [l for l in text.splitlines()
             if "protocol error: bulk length %d is impossible" % IMPOSSIBLE in l]
    check(lines, "no log line names the impossible length:\n%s" % text[-2000:])
    log("(a) " + lines[0].strip())
    first = f.subscribing_conns()[0]
    wait_until(lambda: f.events("closed", conn=first), 10,
               "the daemon to close the first connection")
    if memory_is_the_daemons():
        hwm = vm_kib(d.pid, "VmHWM")
        log("(a) VmHWM %d KiB after %d connection(s)" % (hwm, len(f.subscribing_conns())))
        check(hwm < 32 * 1024, "peak resident memory %d KiB: the announced length "
              "was buffered" % hwm)
    check(d.alive(), "the daemon exited")
    d.stop(signal.SIGTERM)


def garbage(ctx, w):
    f = ctx.resp_faults(mode="garbage").start()
    cfg = config_text(w.url(), f.port,
                      redis={"backoff_min": "20ms", "backoff_max": "400ms",
                             "backoff_reset": "10s"},
                      daemon={"log_level": "debug"})
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_until(lambda: len(f.subscribing_conns()) >= 12, 30,
               lambda: "12 subscribing connections (%d so far)" % len(f.subscribing_conns()))
    conns = f.events("conn")
    span = conns[11]["mono"] - conns[0]["mono"]
    log("(b) 12 connections in %.2f s (%.1f per second)" % (span, 11 / span))

    text = d.log_text()
    failures = [int(k) for k in re.findall(r"redis: next attempt in \d+ms \(failure (\d+)\)",
                                           text)]
    check(len(failures) >= 11, "expected 11 retries in the debug log, saw %r" % failures)
    check(failures[:11] == list(range(1, 12)),
          "the backoff was reset by a subscription that failed at once: failures %r"
          % failures[:11])

    warnings = [l for l in text.splitlines()
                if l.startswith("<4>") and "protocol error" in l]
    infos = [l for l in text.splitlines() if l.startswith("<6>") and "redis: subscribed on" in l]
    log("(b) %d warning line(s), %d 'subscribed' info line(s) for 12 cycles"
        % (len(warnings), len(infos)))
    check(1 <= len(warnings) <= 2, "the failure should be logged once, then summarised: %r"
          % warnings)
    check(len(infos) <= 1, "'subscribed' logged at info every cycle: %r" % infos[:4])
    check("unexpected byte 0x21" in warnings[0], "the warning should say what was wrong: %s"
          % warnings[0])
    check(d.alive(), "the daemon exited")
    d.stop(signal.SIGTERM)


def bad_shapes(ctx, w):
    for mode in ("short-array", "kind-not-string", "unsubscribe-no-count"):
        f = ctx.resp_faults(mode=mode).start()
        d = ctx.daemon(config_text(w.url(), f.port), ["--channel", "events"]).start()
        wait_until(lambda: len(f.subscribing_conns()) >= 2 or not d.alive(), 20,
                   lambda: "%s: the daemon to subscribe again (connections: %s)"
                   % (mode, f.subscribing_conns()))
        check(d.alive(), "%s: the daemon died (status %s)" % (mode, d.proc.p.returncode))
        lines = [l for l in d.log_text().splitlines() if "protocol error" in l]
        check(lines, "%s: no protocol error logged" % mode)
        log("(c) %s: %s" % (mode, lines[0].strip()))
        d.stop(signal.SIGTERM)


def unasked_reply(ctx, w):
    f = ctx.resp_faults(mode="extra-reply").start()
    cfg = config_text(w.url(), f.port, redis={"ping_interval": "100ms",
                                              "ping_timeout": "1s"})
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_until(lambda: "a reply no command asked for" in d.log_text() or not d.alive(), 20,
               "the unasked reply to be caught")
    check(d.alive(), "the daemon died (status %s)" % d.proc.p.returncode)
    line = [l for l in d.log_text().splitlines() if "a reply no command asked for" in l][0]
    log("(d) " + line.strip())
    # The PINGs go on, on a new command connection.
    n = len(f.events("conn"))
    wait_until(lambda: len(f.events("conn")) > n, 20, "a new command connection")
    check(d.alive(), "the daemon died (status %s)" % d.proc.p.returncode)
    d.stop(signal.SIGTERM)


def test(ctx):
    w = ctx.ws().start()
    impossible(ctx, w)
    garbage(ctx, w)
    bad_shapes(ctx, w)
    unasked_reply(ctx, w)
    wait_until(lambda: len(w.log.opens()) >= len(ctx.daemons), 10,
               "every daemon to have connected upstream")
    check(len(w.log.opens()) == len(ctx.daemons), "one upstream connection per daemon, "
          "saw %d for %d" % (len(w.log.opens()), len(ctx.daemons)))


if __name__ == "__main__":
    main(test)
