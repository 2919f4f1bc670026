#!/usr/bin/python3
"""At most once ([upstream] delivery = at-most-once): the real WebSocket
server (tests/servers/ws_recorder.py) is killed (-9) and started again on
the same port 50 times while a publisher publishes steadily
(kill_scenarios.py); the daemon holds one socket at most, all the time,
comes back every time, leaks no descriptor, and delivers the stream in
order, never a message twice.

  * a thread counts the daemon's sockets to the server port every few
    milliseconds for the whole run: never more than one;
  * each server instance (51 in all) sees at least one connection from the
    daemon, which sends it messages, before it is killed;
  * the daemon's descriptor count, taken while connected (one upstream
    socket, both Redis connections up: [redis] ping_interval = 500ms), is
    the same at the end as at the start;
  * every PUBLISH reached the daemon (Redis reported 1 receiver);
  * what the server recorded, across all instances, is in publishing order
    with no duplicates; every message published while a server was down
    arrived (before each kill the test waits until the connection has
    carried a message published after the test saw it open: everything
    queued before it has then arrived);
  * loss is allowed only where it cannot be avoided: a message the daemon
    had written into a connection whose server was killed before reading
    it, or wrote in the moment between the server's death and its noticing
    it (the kernel has closed the server's end, the daemon's write still
    succeeds).  So every lost message must sit exactly at a kill (the
    messages around it arrived on the killed connection and the next one),
    its PUBLISH must have started while that connection was open in the
    daemon (after the test saw it open, before the test saw the daemon drop
    it), and the loss per kill and overall must be small.  How many were
    published after the kill was already complete is reported.

A kill is started only once the current connection has carried a message,
so every connection really is in use when its server dies.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, main
import kill_scenarios
from kill_scenarios import KILLS

MAX_LOSS_PER_KILL = 40
MAX_LOSS_PER_KILL_AVG = 5


def test(ctx):
    run = kill_scenarios.run(ctx, {"delivery": "at-most-once"})

    # ---- messages
    sent, got, kills, seen_open = run.sent, run.got, run.kills, run.seen_open
    seqs = [s for s, _ in got]
    dups = len(seqs) - len(set(seqs))
    check(dups == 0, "%d duplicate message(s)" % dups)
    bad = [(a, b) for a, b in zip(seqs, seqs[1:]) if b <= a]
    check(not bad, "out of order: %r" % bad[:5])
    check(set(seqs) <= {s for s, _, _, _ in sent}, "a message nobody published arrived")
    published = {s: (t0, t1) for s, t0, t1, _ in sent}
    lost = sorted(set(published) - set(seqs))
    per_kill = {}
    late = []                   # lost, though published after the kill was complete
    for s in lost:
        # The delivered neighbours of the gap s is in.
        i = next((j for j, x in enumerate(seqs) if x > s), None)
        check(i is not None and i > 0, "m%06d lost at the very start or end" % s)
        before, after = got[i - 1], got[i]
        check(before[1] != after[1] and before[1] in kills,
              "m%06d lost in the middle of connection %s (not at a kill)" % (s, before[1]))
        _, t_kill_done, t_noticed = kills[before[1]]
        # It may have gone out on this connection, or on a later one that
        # was killed before it delivered anything: either way it was
        # written into a connection whose server then died.
        could = [c for c, k in kills.items() if len(k) > 2 and k[2] > published[s][0]
                 and seen_open.get(c, float("inf")) < seen_open.get(after[1], float("inf"))]
        check(published[s][0] < t_noticed or could,
              "m%06d lost although it was published %.3fs after the daemon had dropped the "
              "connection to the killed server, and no later connection died before "
              "the next delivery" % (s, published[s][0] - t_noticed))
        if published[s][0] >= t_kill_done:
            late.append((s, published[s][0] - t_kill_done))
        check(published[s][0] >= seen_open[before[1]],
              "m%06d lost although it was published before connection %s was open (while "
              "the server was down: it should have been queued)" % (s, before[1]))
        per_kill[before[1]] = per_kill.get(before[1], 0) + 1
    log("%d published, %d delivered, %d lost at %d of %d kills (most at one kill: %d)"
        % (len(sent), len(seqs), len(lost), len(per_kill), KILLS,
           max(per_kill.values() or [0])))
    log("of the lost, %d were published after their server was already dead (%s): the "
        "daemon wrote them into a connection the server's kernel had already closed"
        % (len(late), ", ".join("m%06d +%.0fms" % (q, 1000 * dt) for q, dt in late[:10])))
    check(max(per_kill.values() or [0]) <= MAX_LOSS_PER_KILL,
          "%d messages lost at one kill" % max(per_kill.values() or [0]))
    check(len(lost) <= MAX_LOSS_PER_KILL_AVG * KILLS,
          "%d of %d messages lost at %d kills" % (len(lost), len(sent), KILLS))

    run.daemon.stop()


if __name__ == "__main__":
    main(test)
