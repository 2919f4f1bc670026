#!/usr/bin/python3
"""What the upstream server says reaches Redis ([inbound]), in order,
byte for byte, and nothing else does:

  * started with [inbound] off: 5 messages from the server are read and
    neither forwarded nor counted;
  * a SIGHUP turns it on (channel ws:in): 100,000 server messages (random
    text and binary, empty ones, every byte value, fragmented text and
    binary, 100 KiB and 300 KiB ones that lws reads in pieces) with a
    Ping after every 997th, then a sentinel, arrive on a subscription of
    the test's own exactly as sent: the same bytes, in the same order,
    no Ping payload, nothing from before, the sentinel last; counted as
    received and forwarded, none dropped, none pending;
  * a SIGHUP moves it to the stream ws:in:s: the same 100,000 and a
    sentinel are XADDed with data (the bytes), type (text or binary as
    the server framed them) and time (Unix ms, in order, within the
    run), nothing else in the stream;
  * a SIGHUP turns it off and another on again: what the server said in
    between never reaches the stream, the next sentinel comes right
    after the last one;
  * all the while the daemon relays Redis to the server as ever.

The same 100,000 under WSPUSHD_TEST_WRAPPER: valgrind took 16 s here.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, check_sequence, config_text, free_port, log, main,
                     publish_sentinel, wait_connected, wait_until)
from inbound_scenarios import (Subscriber, Talker, call, first_difference, inbound_counts,
                               inbound_section, last_entry_data, mixed_messages, payloads,
                               reload, script, server_bytes_read, stream_entries, text,
                               unix_ms)

N = 100000
CHANNEL, STREAM = "ws:in", "ws:in:s"


def check_counts(port, received, forwarded):
    c = inbound_counts(port)
    want = dict.fromkeys(c, 0)
    want.update(messages=received, forwarded=forwarded)
    check(c == want, "inbound counters: %r, expected %r" % (c, want))


def said_while_off(d, w, talker, what):
    """The server says 5 things; the daemon reads them all (nothing left
    in either socket) while [inbound] is off."""
    name = talker.play([text("%s %d" % (what, i)) for i in range(5)])
    talker.wait_played(name)
    wait_until(lambda: server_bytes_read(d, w), 15, "the daemon to read what the server said")


def test(ctx):
    r = ctx.redis(extra_args=["--client-output-buffer-limit", "pubsub 0 0 0"]).start()
    send_dir = ctx.mkdir("send")
    w = ctx.ws(send_dir=send_dir).start()
    talker = Talker(w, send_dir)
    mport = free_port()
    base = config_text(w.url(), r.port, metrics_port=mport)
    d = ctx.daemon(base, ["--channel", "events"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")
    sub = Subscriber(r.port, CHANNEL)

    said_while_off(d, w, talker, "said while off")
    check_counts(mport, 0, 0)
    log("[inbound] off: what the server said was read, neither forwarded nor counted")

    messages = mixed_messages(N)
    want = payloads(messages)
    pings = sum(1 for kind, _, _ in messages if kind == "ping")
    reload(d, mport, base + inbound_section(channel=CHANNEL))
    sentinel = b"sentinel: channel"
    t0 = unix_ms()
    name = talker.play(script(messages) + [text(sentinel.decode())])
    check(talker.wait_played(name, 300)["pings"] == pings, "the server sent every Ping")
    sub.wait_last(sentinel, 120)
    got = sub.messages
    check(got == [p for _, p in want] + [sentinel],
          "the channel: %d message(s) for %d sent + the sentinel; first difference %s"
          % (len(got), len(want), first_difference(got, [p for _, p in want] + [sentinel])))
    check_counts(mport, N + 1, N + 1)
    log("channel %s: %d messages (%d bytes) and the sentinel, byte for byte, in order, "
        "in %.1f s; %d Pings not forwarded" % (CHANNEL, N, sum(len(p) for _, p in want),
                                              (unix_ms() - t0) / 1000, pings))

    # The upstream side is untouched by all this.
    out = [("text", b"out %d" % i) for i in range(5)]
    r.publish_many([("events", p) for _, p in out])
    out.append(("text", publish_sentinel(r, w, "events")))
    check_sequence(w.messages(), out, "relayed to the server")

    reload(d, mport, base + inbound_section(stream=STREAM, maxlen=4 * N))
    sentinel2 = b"sentinel: stream"
    t0 = unix_ms()
    name = talker.play(script(messages) + [text(sentinel2.decode())])
    talker.wait_played(name, 300)
    wait_until(lambda: last_entry_data(r.port, STREAM) == sentinel2, 120,
               "the sentinel to be the stream's last entry")
    t1 = unix_ms()
    entries = stream_entries(r.port, STREAM)
    got = [(e[b"type"].decode(), e[b"data"]) for _, e in entries]
    check(got == want + [("text", sentinel2)],
          "the stream: %d entries for %d sent + the sentinel; first difference %s"
          % (len(got), len(want), first_difference(got, want + [("text", sentinel2)])))
    check(all(sorted(e) == [b"data", b"time", b"type"] for _, e in entries),
          "every entry has exactly data, type and time")
    times = [int(e[b"time"]) for _, e in entries]
    check(times == sorted(times) and t0 <= times[0] and times[-1] <= t1,
          "times in order, within the run [%d, %d]: first %d, last %d"
          % (t0, t1, times[0], times[-1]))
    check_counts(mport, 2 * N + 2, 2 * N + 2)
    log("stream %s: the same %d and the sentinel, with their types and times" % (STREAM, N))

    reload(d, mport, base)
    said_while_off(d, w, talker, "said while off again")
    reload(d, mport, base + inbound_section(stream=STREAM, maxlen=4 * N))
    sentinel3 = b"sentinel: on again"
    talker.wait_played(talker.play([text(sentinel3.decode())]))
    wait_until(lambda: last_entry_data(r.port, STREAM) == sentinel3, 30,
               "the sentinel after the reload to be the stream's last entry")
    last = [dict(zip(e[1][::2], e[1][1::2]))[b"data"]
            for e in reversed(call(r.port, "XREVRANGE", STREAM, "+", "-", "COUNT", 2))]
    check(last == [sentinel2, sentinel3],
          "nothing said while off reached the stream: its last two entries are %r" % last)
    check_counts(mport, 2 * N + 3, 2 * N + 3)
    log("off and on again by SIGHUP: what was said in between was not forwarded")
    sub.stop()
    d.stop()


if __name__ == "__main__":
    main(test)
