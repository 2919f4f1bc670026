#!/usr/bin/python3
"""At least once ([upstream] delivery = at-least-once, the default): the
real WebSocket server (tests/servers/ws_recorder.py) is killed (-9) and
started again on the same port 50 times while a publisher publishes
steadily (kill_scenarios.py: one socket at most, all the time; every
server instance used; no descriptor leaked).

  * every message published arrives at least once: a message the daemon
    wrote into a connection whose server died before confirming it (a
    Pong answering a later Ping) is sent again, first, on the next one;
  * in order apart from resends: the first arrivals are in publishing
    order, and every second arrival is a resend, on a later connection
    than the first, right after a kill;
  * how many arrived twice is reported.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, main
import kill_scenarios
from kill_scenarios import KILLS


def test(ctx):
    # The server records what its WebSocket layer read, as a Pong confirms
    # it: a server whose own queue dies with it loses what it held.
    run = kill_scenarios.run(ctx, {"delivery": "at-least-once"}, record_on_read=True)
    published = [s for s, _, _, _ in run.sent]
    conn_order = {}             # connection -> its place in arrival order
    for _, conn in run.got:
        conn_order.setdefault(conn, len(conn_order))

    first = {}                  # seq -> connection of its first arrival
    firsts, dups = [], []
    for seq, conn in run.got:
        if seq in first:
            dups.append((seq, first[seq], conn))
        else:
            first[seq] = conn
            firsts.append(seq)
    lost = sorted(set(published) - set(first))
    check(not lost, "%d of %d messages never arrived: %s" % (
        len(lost), len(published), ", ".join("m%06d" % s for s in lost[:10])))
    check(set(first) <= set(published), "a message nobody published arrived")
    bad = [(a, b) for a, b in zip(firsts, firsts[1:]) if b <= a]
    check(not bad, "first arrivals out of order: %r" % bad[:5])
    for seq, conn1, conn2 in dups:
        check(conn1 in run.kills, "m%06d arrived twice, first on connection %s, "
              "which was never killed" % (seq, conn1))
        check(conn_order[conn2] > conn_order[conn1],
              "m%06d arrived twice on connection %s (not a resend)" % (seq, conn1))
    log("%d published, all delivered across %d kills; %d arrived twice (resent after "
        "a kill before their confirmation)" % (len(published), KILLS, len(dups)))
    run.daemon.stop()


if __name__ == "__main__":
    main(test)
