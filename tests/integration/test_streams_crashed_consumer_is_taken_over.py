#!/usr/bin/python3
"""A crashed consumer's pending entries are taken over by a second daemon
of the same group ([redis] claim_idle).

Daemon A (consumer "a") reads 20 entries and writes them to an upstream
that never answers a ping (tests/servers/ws_faults.py, no-pong), so none
is confirmed and all stay pending under "a"; A is then killed (SIGKILL).
Daemon B (consumer "b", claim_idle = 500ms), on an upstream that works,
finds them idle, takes them over (XPENDING ... IDLE, XCLAIM) and
delivers them, then the entries added after; the group's pending list
ends empty, and B's log, metrics and status hash say what it took over.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, free_port, log, main, metric, wait_metric, wait_until

STREAM = "ws:out"
N = 20


def pending_of(r, consumer):
    try:
        return r.call("XPENDING", STREAM, "wspushd", "-", "+", "1000", consumer)
    except Exception:
        return None


def test(ctx):
    r = ctx.redis().start()
    dead_end = ctx.faults(default="no-pong").start()
    w = ctx.ws(record_on_read=True).start()
    # A's status hash lapses soon after its crash: the key is B's then
    # (the hash belongs to one instance at a time).
    a = ctx.daemon(config_text(dead_end.url(), r.port, status={"ttl": "1s"},
                               redis={"consumer": "a", "claim_idle": "1h"}),
                   ["--stream", STREAM]).start()
    wait_until(lambda: pending_of(r, "a") is not None, 15, "A's consumer group")
    for i in range(N):
        r.call("XADD", STREAM, "*", "data", b"old-%02d" % i)
    wait_until(lambda: len(pending_of(r, "a") or []) == N, 15,
               "the %d entries pending under consumer a" % N)
    wait_until(lambda: len(dead_end.messages()) >= N, 15, "A to write them")
    a.proc.kill()
    wait_until(lambda: not a.alive(), 10, "A to die")

    port = free_port()
    b = ctx.daemon(config_text(w.url(), r.port, metrics_port=port, status={"ttl": "3s"},
                               redis={"consumer": "b", "claim_idle": "500ms"}),
                   ["--stream", STREAM]).start()
    for i in range(5):
        r.call("XADD", STREAM, "*", "data", b"new-%02d" % i)

    def got():
        return {bytes.fromhex(m["hex"]) for m in w.messages()}
    want = {b"old-%02d" % i for i in range(N)} | {b"new-%02d" % i for i in range(5)}
    wait_until(lambda: check(b.alive(), "B exited") or want <= got(), 20,
               lambda: "every entry at B's upstream (missing %r)" % sorted(want - got())[:5])
    wait_until(lambda: r.call("XPENDING", STREAM, "wspushd")[0] == 0, 15,
               "the pending list to empty")
    check("taking over %d entries of %s" % (N, STREAM) in b.log_text(),
          "B's log should say what it took over")
    label = '{stream="%s"}' % STREAM
    check(metric(port, "wspushd_stream_entries_claimed_total" + label) == N,
          "B should count %d entries taken over" % N)
    wait_metric(port, "wspushd_stream_entries_acked_total" + label, N + 5)
    # The group as Redis sees it, asked every 5 s: nothing pending, no lag.
    wait_metric(port, "wspushd_stream_pending" + label, 0, timeout=15)
    # The hash is written again at least every ttl/3 (status refresh).
    wait_until(lambda: "%d claimed" % N in (r.call("HGET", "wspushd:status", "streams")
                                            or b"").decode(), 15,
               lambda: "the status hash to show the stream: %r"
               % r.call("HGET", "wspushd:status", "streams"))
    b.stop()
    log("%d entries left by a crashed consumer taken over and delivered" % N)


if __name__ == "__main__":
    main(test)
