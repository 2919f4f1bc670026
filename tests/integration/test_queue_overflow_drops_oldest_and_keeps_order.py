#!/usr/bin/python3
"""While the upstream is unreachable the queue is bounded: with
[queue] max_messages = 50 and 120 messages published, the default
overflow = drop-oldest keeps the newest 50 (71..120) and delivers exactly
those, in order, once the WebSocket server comes up; overflow = drop-newest
keeps the first 50 (1..50).  The drops are counted (70 in
wspushd_messages_dropped_total{reason="overflow"}, 50 in
wspushd_queue_messages while the upstream is down) and logged with their
number, but not one log line per dropped message.  A sentinel published
once the queue is delivered (and confirmed: unconfirmed messages count
against the bound) shows that nothing more comes after the kept ones.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, check_sequence, config_text, daemon_read_everything, free_port,
                     log, main, metric, publish_sentinel, tcp_sockets, wait_connected,
                     wait_metric, wait_until)

MAX = 50
TOTAL = 120
OVERFLOW = 'wspushd_messages_dropped_total{reason="overflow"}'


def payload(i):
    return b"msg-%03d" % i


def run_case(ctx, r, overflow, channel, kept):
    w = ctx.ws(port=free_port())          # chosen, not started: nothing listens yet
    mport = free_port()
    d = ctx.daemon(config_text(w.url(), r.port,
                               queue={"max_messages": MAX, "overflow": overflow},
                               metrics_port=mport),
                   ["--channel", channel]).start()
    wait_until(lambda: r.numsub(channel) >= 1, 15, "daemon to subscribe to %r" % channel)
    check(len(tcp_sockets(d.pid, w.port)) <= 1, "more than one socket to the WS port")

    items = [(channel, payload(i)) for i in range(1, TOTAL + 1)]
    check(r.publish_many(items) == [1] * TOTAL, "not subscribed")
    # Every message must be inside the daemon before the server comes up.
    wait_until(lambda: daemon_read_everything(r, d), 15,
               "the daemon to read all %d messages from Redis" % TOTAL)
    check(d.alive(), "daemon exited while the upstream was down")
    log("%s: %d messages read by the daemon, upstream still down" % (overflow, TOTAL))
    wait_metric(mport, "wspushd_queue_messages", MAX)
    wait_metric(mport, OVERFLOW, TOTAL - MAX)

    w.start()                             # on the chosen port
    wait_connected(d, w)
    wait_until(lambda: len(w.messages()) >= len(kept), 15,
               lambda: "%d queued messages to arrive (have %d)" % (len(kept), len(w.messages())))
    # Written messages count against the bound until the upstream has
    # confirmed them: the sentinel goes once they are, so it drops nothing.
    wait_metric(mport, "wspushd_messages_confirmed_total", len(kept))
    # Nothing more comes after them: a sentinel published now arrives
    # right after the last kept one.
    sentinel = publish_sentinel(r, w, channel)
    msgs = w.messages()
    log("%s: %d messages arrived, first %s last before the sentinel %s" % (
        overflow, len(msgs), bytes.fromhex(msgs[0]["hex"]), bytes.fromhex(msgs[-2]["hex"])))
    check_sequence(msgs, [("text", payload(i)) for i in kept] + [("text", sentinel)],
                   "overflow = %s" % overflow)
    check(len(w.log.opens()) == 1, "expected one connection, saw %d" % len(w.log.opens()))
    check(metric(mport, OVERFLOW) == TOTAL - MAX, "more drops once the upstream was back")

    d.stop()
    text = d.log_text()
    drop_lines = [l for l in text.splitlines() if "drop" in l.lower()]
    log("%s: log lines about drops:\n  %s" % (overflow, "\n  ".join(drop_lines)))
    check(drop_lines, "the daemon's log does not mention the dropped messages")
    check(len(drop_lines) < 10, "%d log lines mention drops for %d dropped messages: flooding"
          % (len(drop_lines), TOTAL - MAX))
    # The count is reported: "... 70 dropped ..." (in the exit summary or a
    # repeat summary).
    counted = [l for l in drop_lines if re.search(r"\b%d\b" % (TOTAL - MAX), l)]
    check(counted, "no log line reports the number of dropped messages (%d)" % (TOTAL - MAX))


def test(ctx):
    r = ctx.redis().start()
    run_case(ctx, r, "drop-oldest", "oldest", range(TOTAL - MAX + 1, TOTAL + 1))
    run_case(ctx, r, "drop-newest", "newest", range(1, MAX + 1))


if __name__ == "__main__":
    main(test)
