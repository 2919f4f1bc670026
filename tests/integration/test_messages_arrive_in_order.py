#!/usr/bin/python3
"""Every Redis message becomes one WebSocket frame, in publish order, with
the exact payload: valid UTF-8 as a text frame, anything else as binary.

500 messages are published to a SUBSCRIBEd channel in one pipelined burst,
then one to a channel that only matches a PSUBSCRIBE pattern, then a few
edge cases (non-UTF-8 bytes, a NUL inside text, a 200 KiB payload), and the
recorder must show exactly that sequence on exactly one connection.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import bring_up, check, check_sequence, log, main, utf8_kind, wait_until

N = 500


def test(ctx):
    r, w, d = bring_up(ctx, channels=["events"], patterns=["alerts.*"])

    expected = []
    burst = [("msg-%04d h\u00e9llo \u2713 \U0001F600" % i).encode("utf-8") for i in range(N)]
    counts = r.publish_many([("events", p) for p in burst])
    check(counts == [1] * N, "PUBLISH should reach exactly one subscriber each, got %r"
          % sorted(set(counts)))
    expected += [("text", p) for p in burst]

    # A channel the daemon did not SUBSCRIBE to, matched only by its pattern.
    counts = r.publish_many([("alerts.disk", b"disk 91% full")])
    check(counts == [1], "pattern message should reach one subscriber, got %r" % counts)
    expected.append(("text", b"disk 91% full"))

    # Not subscribed at all: must not be forwarded.
    check(r.publish_many([("other", b"not for us")]) == [0], "nobody should get 'other'")

    edge = [
        b"\xff\xfe\x00\x01 not utf-8 \xc3\x28",      # invalid UTF-8 -> binary
        b"\xed\xa0\x80",                              # UTF-16 surrogate: invalid -> binary
        b"\xc0\xaf",                                  # overlong '/': invalid -> binary
        "nul\x00inside".encode(),                     # valid UTF-8 with a NUL -> text
        ("x" * 1023 + "\u00e9") * 200,                # ~200 KiB text
        bytes(range(256)) * 100,                      # 25.6 KiB binary
        b"last",
    ]
    edge = [e.encode() if isinstance(e, str) else e for e in edge]
    check(r.publish_many([("events", p) for p in edge]) == [1] * len(edge),
          "edge-case messages should each reach one subscriber")
    expected += [(utf8_kind(p), p) for p in edge]
    check(expected[N + 1][0] == "binary" and expected[N + 4][0] == "text", "test self-check")

    wait_until(lambda: len(w.messages()) >= len(expected), 30,
               lambda: "%d messages at the server (have %d)" % (len(expected), len(w.messages())))
    msgs = w.messages()
    check_sequence(msgs, expected)
    conns = {m["conn"] for m in msgs}
    check(len(conns) == 1, "all messages should arrive on one connection, saw %s" % sorted(conns))
    check(len(w.log.opens()) == 1, "expected exactly one connection, saw %d" % len(w.log.opens()))
    log("all %d messages arrived in order with the right frame types" % len(expected))

    d.stop()


if __name__ == "__main__":
    main(test)
