#!/usr/bin/python3
"""The real WebSocket server (tests/servers/ws_recorder.py) is killed (-9)
and started again on the same port 50 times while a publisher publishes
steadily; the daemon holds one socket at most, all the time, comes back
every time, leaks no descriptor, and delivers the stream in order.

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
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Resp, Sampler, check, config_text, log, main, open_fds, scaled,
                     tcp_sockets, wait_connected, wait_until)

KILLS = 50
PERIOD = 0.004             # between two PUBLISHes
MAX_MESSAGES = 60000       # the publisher's hard bound
MAX_LOSS_PER_KILL = 40
MAX_LOSS_PER_KILL_AVG = 5


class Publisher(threading.Thread):
    """PUBLISHes m000000, m000001, ... on one connection, one at a time,
    stamping each with monotonic times before and after; bounded in count
    and time."""

    def __init__(self, port, channel, limit):
        super().__init__(daemon=True)
        self.port, self.channel = port, channel
        self.deadline = time.monotonic() + scaled(limit)
        self.sent = []          # (seq, t_start, t_end, receivers)
        self.error = None
        self.halt = threading.Event()

    def run(self):
        try:
            with Resp(self.port) as r:
                for seq in range(MAX_MESSAGES):
                    if self.halt.is_set() or time.monotonic() > self.deadline:
                        break
                    t0 = time.monotonic()
                    n = r.call("PUBLISH", self.channel, b"m%06d" % seq)
                    self.sent.append((seq, t0, time.monotonic(), n))
                    time.sleep(PERIOD)
        except Exception as e:        # reported by the test
            self.error = e

    def stop(self):
        self.halt.set()
        self.join(timeout=10)


def fd_count_connected(d, port, redis_port):
    """The daemon's descriptor count, read while it holds exactly one
    established socket to port, its two Redis connections (the
    subscription, and the plain one for PING and status writes), and
    nothing changed during the reading."""
    fds1 = open_fds(d.pid)
    socks = tcp_sockets(d.pid, port)
    rsocks = [s for s in tcp_sockets(d.pid, redis_port) if s["state"] == "ESTABLISHED"]
    fds2 = open_fds(d.pid)
    if fds1 != fds2 or len(socks) != 1 or socks[0]["state"] != "ESTABLISHED" \
            or len(rsocks) != 2:
        return None
    return len(fds1), fds1


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    cfg = config_text(w.url(), r.port,
                      upstream={"backoff_min": "50ms", "backoff_max": "200ms"},
                      redis={"ping_interval": "500ms"})
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.numsub("events") == 1, 15, "the daemon to subscribe")
    base_n, base_fds = wait_until(lambda: fd_count_connected(d, w.port, r.port), 10,
                                  "a steady descriptor table (one upstream socket, two "
                                  "Redis connections)")
    log("baseline: %d descriptors while connected" % base_n)

    sampler = Sampler(lambda: len(tcp_sockets(d.pid, w.port)), 300, interval=0.003)
    pub = Publisher(r.port, "events", 300)
    sampler.start()
    pub.start()
    kills = {}                  # killed connection -> (t_kill_start, t_kill_done, t_noticed)
    seen_open = {}              # connection -> when the test first saw it open
    pids = [w.proc.pid]
    t_begin = time.monotonic()
    try:
        for k in range(KILLS):
            pid = w.proc.pid

            def in_use():
                check(d.alive(), "the daemon exited (status %s)" % d.proc.p.returncode)
                check(pub.error is None, "publisher failed: %r" % pub.error)
                o = [c for c in w.log.open_connections() if c["conn"].startswith("%d-" % pid)]
                if not o:
                    return None
                conn = o[-1]["conn"]
                seen = seen_open.setdefault(conn, time.monotonic())
                # In use: it carried a message published after the test saw
                # it open, so everything queued before (while the server
                # was down) has arrived: it came first.
                sent = pub.sent
                for m in w.messages():
                    if m["conn"] == conn:
                        seq = int(bytes.fromhex(m["hex"])[1:])
                        if seq < len(sent) and sent[seq][1] >= seen:
                            return conn
                return None
            conn = wait_until(in_use, 15, lambda: "server #%d (pid %d) to get a connection "
                              "carrying a new message" % (k + 1, pid))
            t1 = time.monotonic()
            w.kill()
            kills[conn] = (t1, time.monotonic())

            def noticed():
                return not any(s["state"] in ("ESTABLISHED", "CLOSE_WAIT")
                               for s in tcp_sockets(d.pid, w.port))
            wait_until(noticed, 10, "the daemon to drop the connection to killed server #%d"
                       % (k + 1), interval=0.005)
            kills[conn] += (time.monotonic(),)
            w.start()
            pids.append(w.proc.pid)
        # The last server: connected, and carrying messages.
        last_pid = w.proc.pid
        wait_until(lambda: any(m["conn"].startswith("%d-" % last_pid) for m in w.messages()),
                   15, "messages on the last server")
    finally:
        pub.stop()
    took = time.monotonic() - t_begin
    check(pub.error is None, "publisher failed: %r" % pub.error)
    sent = pub.sent
    last_seq = sent[-1][0]
    wait_until(lambda: w.messages() and int(bytes.fromhex(w.messages()[-1]["hex"])[1:]) >= last_seq,
               30, lambda: "the last message (m%06d) to arrive" % last_seq)
    final = wait_until(lambda: fd_count_connected(d, w.port, r.port) if d.alive() else None,
                       10, "a steady descriptor table at the end")
    samples = sampler.stop()

    # ---- sockets
    log("%d kills in %.1fs; %d socket samples, max %d, %d with one socket"
        % (KILLS, took, len(samples), max(samples), samples.count(1)))
    check(len(samples) >= 500, "too few socket samples (%d)" % len(samples))
    check(max(samples) <= 1, "the daemon held %d sockets to the server at once" % max(samples))

    # ---- connections: one (or more) per server instance
    opens = w.log.opens()
    per_pid = {p: sum(1 for o in opens if o["conn"].startswith("%d-" % p)) for p in pids}
    log("%d server instances, %d connections; per instance min %d max %d"
        % (len(pids), len(opens), min(per_pid.values()), max(per_pid.values())))
    check(len(pids) == KILLS + 1 and min(per_pid.values()) >= 1,
          "some server instance saw no connection: %r" % per_pid)

    # ---- descriptors
    log("descriptors: %d at the start, %d at the end" % (base_n, final[0]))
    check(final[0] == base_n, "descriptors went from %d to %d:\n  %r\n  %r"
          % (base_n, final[0], sorted(base_fds.items()), sorted(final[1].items())))

    # ---- messages
    check(all(n == 1 for _, _, _, n in sent),
          "some PUBLISH found no subscriber: %r" % [s for s in sent if s[3] != 1][:5])
    got = [(int(bytes.fromhex(m["hex"])[1:]), m["conn"]) for m in w.messages()]
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
          "%d messages lost at one kill" % max(per_kill.values()))
    check(len(lost) <= MAX_LOSS_PER_KILL_AVG * KILLS,
          "%d of %d messages lost at %d kills" % (len(lost), len(sent), KILLS))

    d.stop()


if __name__ == "__main__":
    main(test)
