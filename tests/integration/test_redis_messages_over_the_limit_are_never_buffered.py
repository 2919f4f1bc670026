#!/usr/bin/python3
"""A message over max_message_size is skipped as it streams in, never held.

A real redis-server with the Pub/Sub output limit off (client-output-buffer-
limit pubsub 0 0 0), so it hands the daemon whatever is published, however
large.  The daemon runs with max_message_size = 4MiB.  Published, in order,
on one channel:

    "small 1", 4 MiB exactly (the limit: delivered), 64 MiB, "small 2",
    200 MiB, "small 3" (the sentinel)

Then:
  * the upstream received "small 1", the 4 MiB message byte for byte,
    "small 2", "small 3", in that order, on one connection: the skipped
    messages did not disturb the stream or the subscription;
  * the daemon's peak resident memory (VmHWM) stayed under 48 MiB: one
    message of max_message_size in the reader, the same again framed in
    the queue, and the read buffer, on top of the ~6 MiB it starts with.
    Before the guard, the 200 MiB message alone took it past 390 MiB;
  * each oversized message is one log line naming the channel and the
    size it had (67108864 and 209715200 bytes);
  * resident memory is back near where it was before the large messages
    (within 12 MiB) once the sentinel has arrived: the buffers shrink at
    once, not at the next message.

A second daemon runs with max_message_size = 8 bytes, shorter than the
names it subscribes to: a channel of 22 bytes and a pattern matching a
channel of 30.  Names are never taken for messages (hiredis 0.14 would
abort the process on a missing one): "hi" on the channel and "hi2" on the
pattern's channel arrive, a 9-byte message is dropped with a line naming
its channel, and the daemon lives on.

Memory figures are not checked under valgrind or AddressSanitizer (their
own memory dwarfs the daemon's).
The daemon exits 0 on SIGTERM.
"""
import hashlib
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, log, main, memory_is_the_daemons, vm_kib,
                     wait_connected, wait_until)

MIB = 1 << 20
LIMIT = 4 * MIB


def test(ctx):
    r = ctx.redis().start()
    check(r.call("CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 0 0") == "OK",
          "could not lift Redis' Pub/Sub output limit")
    w = ctx.ws(max_hex=64).start()
    d = ctx.daemon(config_text(w.url(), r.port, upstream={"max_message_size": "4MiB"}),
                   ["--channel", "big"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["big"], []), 15, "the daemon to subscribe")
    rss0 = vm_kib(d.pid, "VmRSS")

    at_limit = bytes(range(256)) * (LIMIT // 256)
    sequence = [b"small 1", at_limit, b"x" * (64 * MIB), b"small 2",
                b"y" * (200 * MIB), b"small 3"]
    # One at a time: each PUBLISH returns once Redis has queued it for us.
    for payload in sequence:
        check(r.publish_many([("big", payload)]) == [1],
              "the daemon should be subscribed to 'big'")
        log("published %d bytes" % len(payload))
    del sequence

    wait_until(lambda: any(m.get("hex") == b"small 3".hex() for m in w.messages()), 60,
               lambda: "the sentinel to arrive (%d messages so far)" % len(w.messages()))
    got = w.messages()
    check([m["len"] for m in got] == [7, LIMIT, 7, 7],
          "delivered lengths %r, expected [7, %d, 7, 7]" % ([m["len"] for m in got], LIMIT))
    check(got[1]["sha256"] == hashlib.sha256(at_limit).hexdigest(),
          "the message of exactly max_message_size arrived altered")
    check(got[0].get("hex") == b"small 1".hex() and got[2].get("hex") == b"small 2".hex(),
          "the small messages arrived out of order: %r" % [m.get("hex") for m in got])
    check(len({m["conn"] for m in got}) == 1, "the upstream connection was remade")
    check(r.subscribed(["big"], []), "the subscription was lost")

    text = d.log_text()
    for size in (64 * MIB, 200 * MIB):
        lines = [l for l in text.splitlines() if "%d bytes on 'big'" % size in l]
        check(len(lines) == 1, "one log line for the %d-byte message expected, got %r"
              % (size, lines))
        log("  " + lines[0].strip())

    if memory_is_the_daemons():
        hwm = vm_kib(d.pid, "VmHWM")
        rss = vm_kib(d.pid, "VmRSS")
        log("VmRSS %d KiB before, VmHWM %d KiB, VmRSS %d KiB after (max_message_size %d KiB)"
            % (rss0, hwm, rss, LIMIT // 1024))
        check(hwm < 48 * 1024, "peak resident memory %d KiB: the oversized messages "
              "were buffered" % hwm)
        check(rss < rss0 + 12 * 1024, "resident memory stayed at %d KiB after the "
              "large messages (was %d KiB)" % (rss, rss0))
    d.stop(signal.SIGTERM)
    names_longer_than_the_limit(ctx, r, w)


def names_longer_than_the_limit(ctx, r, w):
    channel, matched = "app:notifications:prod", "pat:a-channel-of-thirty-bytes"
    d = ctx.daemon(config_text(w.url(), r.port, upstream={"max_message_size": "8"}),
                   ["--channel", channel, "--pattern", "pat:*"]).start()
    wait_until(lambda: r.subscribed([channel], ["pat:*"]), 15, "the daemon to subscribe")
    before = len(w.messages())
    for ch, payload in ((channel, b"hi"), (channel, b"123456789"), (matched, b"hi2"),
                        (channel, b"end")):
        check(r.publish_many([(ch, payload)]) == [1], "the daemon should hear %s" % ch)
    wait_until(lambda: any(m.get("hex") == b"end".hex() for m in w.messages()), 15,
               "the sentinel to arrive")
    got = [bytes.fromhex(m["hex"]) for m in w.messages()[before:]]
    check(got == [b"hi", b"hi2", b"end"], "delivered %r" % got)
    lines = [l for l in d.log_text().splitlines() if "9 bytes on '%s'" % channel in l]
    check(len(lines) == 1, "one line for the 9-byte message expected: %r" % lines)
    log("  " + lines[0].strip())
    check(d.alive(), "the daemon died")
    d.stop(signal.SIGTERM)


if __name__ == "__main__":
    main(test)
