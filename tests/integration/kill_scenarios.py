"""The scenario both delivery modes are proven by: the real WebSocket
server (tests/servers/ws_recorder.py) is killed (-9) and started again
on the same port 50 times while a publisher publishes steadily.

run() drives it and checks what holds in either mode: the daemon holds
one socket at most, all the time (sampled every few milliseconds), every
server instance sees a connection that carries messages before it is
killed, the descriptor count while connected is the same at the end as
at the start, and every PUBLISH reached the daemon.  What the messages
must show is the caller's: at most once or at least once.

A kill is started only once the current connection has carried a
message published after the test saw it open, so every connection is in
use when its server dies, and everything queued before it (while the
server was down) has arrived: it came first.
"""
import threading
import time

from harness import (Resp, Sampler, check, config_text, log, open_fds, scaled,
                     tcp_sockets, wait_connected, wait_until)

KILLS = 50
PERIOD = 0.004             # between two PUBLISHes
MAX_MESSAGES = 60000       # the publisher's hard bound


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



class Run:
    """What a run saw: the daemon and servers, what was published (seq,
    t_start, t_end, receivers), what arrived ((seq, conn) in arrival
    order), the kills (conn -> (t_kill_start, t_kill_done, t_noticed)) and
    when the test first saw each connection open."""


def run(ctx, upstream, record_on_read=False):
    r = ctx.redis().start()
    w = ctx.ws(record_on_read=record_on_read).start()
    cfg = config_text(w.url(), r.port,
                      upstream=dict({"backoff_min": "50ms", "backoff_max": "200ms"},
                                    **upstream),
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

    check(all(n == 1 for _, _, _, n in pub.sent),
          "some PUBLISH found no subscriber: %r" % [s for s in pub.sent if s[3] != 1][:5])
    out = Run()
    out.daemon, out.redis, out.server = d, r, w
    out.sent = pub.sent
    out.got = [(int(bytes.fromhex(m["hex"])[1:]), m["conn"]) for m in w.messages()]
    out.kills, out.seen_open = kills, seen_open
    return out
