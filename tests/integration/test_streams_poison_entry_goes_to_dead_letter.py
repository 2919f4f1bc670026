#!/usr/bin/python3
"""A poison entry: the upstream (tests/servers/ws_faults.py, refuse:1011)
closes the connection every time it gets one particular message.  With
[redis] max_deliveries = 3:

  * the entries before and after it arrive; the last one, added after the
    poison, is the sentinel that the stream flows on;
  * after the first loss the daemon resends one message at a time, so the
    poison alone is blamed: it is written 4 times in all (once, then 3
    careful times), never more;
  * it ends in the dead-letter stream ws:out:dead, with its stream, ID,
    reason and data, and is acknowledged: the pending list empties;
  * it is counted (wspushd_messages_dropped_total{reason="refused"}) and
    said once in the log;
  * an entry with no field "data" cannot be delivered: it is said, counted
    as invalid and acknowledged, and the entries after it arrive.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, free_port, log, main, metric, wait_until

STREAM = "ws:out"


def group_exists(r):
    try:
        r.call("XPENDING", STREAM, "wspushd")
        return True
    except Exception:
        return False


def test(ctx):
    r = ctx.redis().start()
    f = ctx.faults(default="refuse:1011", trigger="poison").start()
    port = free_port()
    cfg = config_text(f.url(), r.port, metrics_port=port,
                      upstream={"backoff_min": "20ms", "backoff_max": "50ms"},
                      redis={"max_deliveries": "3", "consumer": "it"})
    d = ctx.daemon(cfg, ["--stream", STREAM]).start()
    wait_until(lambda: f.log.opens(), 15, "the daemon to connect")
    # The group is made with start = new: what is added before it is not read.
    wait_until(lambda: group_exists(r), 15, "the consumer group to exist")
    ids = {}
    for data in (b"before-1", b"before-2", b"poison", b"after-1", b"after-2"):
        ids[data] = r.call("XADD", STREAM, "*", "data", data)
        if data == b"after-1":
            r.call("XADD", STREAM, "*", "body", b"no data field")

    def payloads():
        return [bytes.fromhex(m["hex"]) for m in f.messages()]
    wait_until(lambda: b"after-2" in payloads(), 30,
               lambda: "the entry after the poison to arrive (have %r)" % payloads())
    wait_until(lambda: r.call("XLEN", STREAM + ":dead") == 1, 15,
               "the poison in the dead-letter stream")
    dead = r.call("XRANGE", STREAM + ":dead", "-", "+")
    fields = dict(zip(dead[0][1][0::2], dead[0][1][1::2]))
    check(fields.get(b"data") == b"poison", "dead letter data: %r" % fields)
    check(fields.get(b"stream") == STREAM.encode(), "dead letter stream: %r" % fields)
    check(fields.get(b"id") == ids[b"poison"], "dead letter id: %r vs %r"
          % (fields.get(b"id"), ids[b"poison"]))
    check(b"closed the connection" in fields.get(b"reason", b""),
          "dead letter reason: %r" % fields)
    wait_until(lambda: r.call("XPENDING", STREAM, "wspushd")[0] == 0, 15,
               "the pending list to empty")
    got = payloads()
    for want in (b"before-1", b"before-2", b"after-1", b"after-2"):
        check(want in got, "%r never arrived: %r" % (want, got))
    tries = got.count(b"poison")
    check(tries == 4, "the poison was written %d times (expected 1 + 3)" % tries)
    check(metric(port, 'wspushd_messages_dropped_total{reason="refused"}') == 1,
          "the refused message should be counted once")
    check(metric(port, 'wspushd_stream_entries_dead_lettered_total{stream="ws:out"}') == 1,
          "the dead letter should be counted once")
    check(metric(port, 'wspushd_stream_entries_invalid_total{stream="ws:out"}') == 1,
          "the entry without data should be counted as invalid")
    check('no field "data"' in d.log_text(), "the log should say what the entry lacks")
    check(b"no data field" not in got, "an entry without data went upstream")
    lines = [x for x in d.log_text().splitlines() if "moved to ws:out:dead" in x]
    check(len(lines) == 1, "one log line should say where it went: %r" % lines)
    d.stop()
    log("poison written %d times, then moved to %s:dead; the rest delivered"
        % (tries, STREAM))


if __name__ == "__main__":
    main(test)
