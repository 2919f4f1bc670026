#!/usr/bin/python3
"""The server floods while Redis is stopped: what waits for Redis stays
within [inbound] max_pending_bytes, the rest is dropped and counted, and
the daemon goes on.

[inbound] channel = ws:in, max_pending_bytes = 4MiB (max_pending out of
the way), [redis] ping_interval = ping_timeout = 500ms:

  * 2,000 messages of 1 KiB and a sentinel reach the test's subscriber
    (the daemon's memory measured after them: every buffer on the way
    has been used once);
  * Redis SIGSTOPped, the server sends 40,000 messages of 1 KiB (40 MB);
    the daemon reads every one (wspushd_inbound_messages_total), at the
    speed it comes (no flood throttling: it is data), gives the stopped
    Redis up (the commands in flight counted as lost), and
    its peak resident memory (VmHWM) grows by no more than 4 MiB plus a
    margin for buffers on the way; wspushd_inbound_pending_bytes stays
    within 4 MiB; the drops are counted as full (and the commands in
    flight when the stopped Redis was given up as lost), and said once
    in the log; received = forwarded + dropped + pending at every scrape;
  * Redis SIGCONTed: what waited goes (pending 0), and 100 new messages
    and a sentinel arrive in order after it; of the flood, the
    subscriber saw an ordered subset, no fewer than were counted
    forwarded and no more than forwarded + lost (a command lost in
    flight may still have been applied);
  * SIGTERM: exit 0.

Under WSPUSHD_TEST_WRAPPER (valgrind) the same flood, and no memory
figure (valgrind's own dwarfs it).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (WRAPPER, check, config_text, free_port, log, main,
                     memory_is_the_daemons, pause, resume, vm_kib, wait_connected,
                     wait_metric, wait_until)
from inbound_scenarios import (SERIES, Subscriber, Talker, inbound_counts,
                               inbound_section, text)

CHANNEL = "ws:in"
MAX_BYTES = 4 << 20
WARM, FLOOD, AFTER = 2000, 40000, 100
SIZE = 1024
# What else a flood may make the daemon hold at its peak: lws' and
# hiredis' buffers, the allocator's slack (measured: well under 2 MiB).
MARGIN_KIB = 4096


def numbers(messages, prefix):
    return [int(m[len(prefix):len(prefix) + 8]) for m in messages if m.startswith(prefix)]


def check_accounts(port):
    c = inbound_counts(port)
    dropped = c["full"] + c["too_big"] + c["refused"] + c["lost"]
    check(c["messages"] == c["forwarded"] + dropped + c["pending"],
          "received = forwarded + dropped + pending: %r" % c)
    check(c["pending_bytes"] <= MAX_BYTES, "pending bytes within the bound: %r" % c)
    return c


def test(ctx):
    r = ctx.redis(extra_args=["--client-output-buffer-limit", "pubsub 0 0 0"]).start()
    send_dir = ctx.mkdir("send")
    w = ctx.ws(send_dir=send_dir).start()
    talker = Talker(w, send_dir)
    mport = free_port()
    cfg = config_text(w.url(), r.port, redis={"ping_interval": "500ms",
                                              "ping_timeout": "500ms",
                                              "connect_timeout": "500ms"},
                      metrics_port=mport)
    cfg += inbound_section(channel=CHANNEL, max_pending=10000000,
                           max_pending_bytes="%dKiB" % (MAX_BYTES >> 10))
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")
    sub = Subscriber(r.port, CHANNEL)

    talker.play([{"gen": {"count": WARM, "size": SIZE, "prefix": "warm:"}},
                 text("warm done")])
    sub.wait_last(b"warm done", 60)
    if memory_is_the_daemons():
        base = vm_kib(d.pid, "VmHWM")
        log("VmHWM %d KiB, VmRSS %d KiB before the flood" % (base, vm_kib(d.pid, "VmRSS")))

    pause(r.proc)
    log("redis SIGSTOPped; the server floods %d x %d B" % (FLOOD, SIZE))
    talker.wait_played(talker.play([{"gen": {"count": FLOOD, "size": SIZE,
                                             "prefix": "flood:"}}]), 120)
    wait_metric(mport, SERIES["messages"], WARM + 1 + FLOOD, 60)
    # The stopped Redis given up (no PONG): the commands in flight are lost.
    wait_metric(mport, "wspushd_redis_subscribed", 0, 10)
    check(d.alive(), "the daemon died")
    c = check_accounts(mport)
    check(c["full"] > 0, "drops counted as full: %r" % c)
    check(c["lost"] > 0 or WRAPPER, "commands in flight counted as lost: %r" % c)
    if memory_is_the_daemons():
        peak = vm_kib(d.pid, "VmHWM")
        log("VmHWM %d KiB after %d MB: %+d KiB (bound %d KiB + margin %d KiB)"
            % (peak, FLOOD * SIZE >> 20, peak - base, MAX_BYTES >> 10, MARGIN_KIB))
        check(peak - base <= (MAX_BYTES >> 10) + MARGIN_KIB,
              "memory grew by %d KiB, over %d KiB + %d KiB" % (
                  peak - base, MAX_BYTES >> 10, MARGIN_KIB))
    log("while Redis is stopped: %r" % c)
    said = [line for line in d.log_text().splitlines()
            if "Redis is not keeping up" in line and "(repeated" not in line]
    check(len(said) == 1, "the drop said once: %r" % said)

    resume(r.proc)
    wait_until(lambda: r.subscribed(["events"], []), 30, "the daemon to subscribe again")
    wait_metric(mport, SERIES["pending"], 0, 30)
    talker.play([{"gen": {"count": AFTER, "size": 64, "prefix": "after:"}},
                 text("after done")])
    sub.wait_last(b"after done", 30)
    c = check_accounts(mport)
    check(c["pending"] == 0 and c["messages"] == WARM + FLOOD + AFTER + 2, "at the end: %r" % c)
    got = [m.decode() for m in sub.messages]
    check(numbers(got, "warm:") == list(range(WARM)) and got[WARM] == "warm done",
          "the warm-up, all of it, in order")
    check(numbers(got, "after:") == list(range(AFTER)) and got[-AFTER - 1:-1]
          == ["after:%08d" % i + "." * (64 - 14) for i in range(AFTER)],
          "after Redis came back: all, in order, last")
    flood = numbers(got, "flood:")
    check(flood == sorted(set(flood)), "the flood's survivors in order, none twice")
    forwarded = c["forwarded"] - WARM - AFTER - 2
    check(forwarded <= len(flood) <= forwarded + c["lost"],
          "the subscriber saw %d of the flood: forwarded %d, lost %d"
          % (len(flood), forwarded, c["lost"]))
    log("the flood: %d forwarded, %d seen by the subscriber, %d dropped as full, "
        "%d lost in flight" % (forwarded, len(flood), c["full"], c["lost"]))
    sub.stop()
    d.stop()


if __name__ == "__main__":
    main(test)
