#!/usr/bin/python3
"""[upstream] heartbeat_interval / heartbeat_message: an application
heartbeat when nothing else was sent for that long, never while messages
flow; and with liveness = any, a server that answers it but never answers
a WebSocket Ping keeps its connection.

The upstream is tests/servers/ws_login.py --echo --no-pong (Debian's
python3-websockets): it records every message, sends every text message
back, and leaves Pings unanswered.

1. Idle: heartbeats ("hb") arrive, at least 300 ms apart (the interval).
2. A message published every 100 ms for 3 s: between the first and the
   last of them the server reads no heartbeat; after them, heartbeats
   resume.
3. Meanwhile, with ping_interval 200ms and pong_timeout 500ms but
   liveness = any, the echoed heartbeats are signs of life: one
   connection throughout, many times pong_timeout long.  (Such a server
   confirms nothing, so delivery = at-most-once, as README advises.)
4. The same server with liveness = pong: the daemon declares it dead and
   reconnects, for contrast.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, EventLog, check, config_text, free_port, log, main, scaled,
                     start_listening_server, wait_metric, wait_until)

SERVER = os.path.join(ROOT, "tests", "servers", "ws_login.py")
BEAT = b"hb"


class EchoServer:
    def __init__(self, ctx, name):
        self.ctx, self.name, self.port = ctx, name, None
        self.out = os.path.join(ctx.mkdir(name), "events.jsonl")
        self.log = EventLog(self.out)
        self.proc, self.starts = None, 0

    def start(self):
        return start_listening_server(self, "the echo server", SERVER,
                                      ["--echo", "--no-pong"])

    def payloads(self):
        return [(bytes.fromhex(m["hex"]), m["t"]) for m in self.log.messages()]


def daemon(ctx, r, srv, liveness, mport):
    text = config_text("ws://127.0.0.1:%d/ingest" % srv.port, r.port,
                       upstream={"heartbeat_interval": "300ms", "heartbeat_message": "hb",
                                 "ping_interval": "200ms", "pong_timeout": "500ms",
                                 "liveness": liveness,
                                 # A server that never pongs can confirm nothing.
                                 "delivery": "at-most-once"},
                       redis={"channel": "events"}, metrics_port=mport)
    d = ctx.daemon(text).start()
    wait_until(lambda: len(srv.log.opens()) >= 1, 15, "the connection")
    wait_until(lambda: r.subscribed(["events"], []), 15, "the subscription")
    return d


def test(ctx):
    r = ctx.redis().start()
    srv = EchoServer(ctx, "echo").start()
    mport = free_port()
    d = daemon(ctx, r, srv, "any", mport)

    # 1. Idle: heartbeats, spaced by the interval.
    wait_until(lambda: [p for p, _ in srv.payloads()].count(BEAT) >= 4, 15,
               "four heartbeats")
    times = [t for p, t in srv.payloads() if p == BEAT]
    gaps = [b - a for a, b in zip(times, times[1:])]
    check(min(gaps) >= 0.28, "heartbeats %.3f s apart, under the 300 ms interval"
          % min(gaps))
    log("idle: heartbeats every %.3f-%.3f s" % (min(gaps), max(gaps)))

    # 2. While messages flow, none.
    flow = [b"m%02d" % i for i in range(30)]
    for p in flow:
        check(r.publish_many([("events", p)]) == [1], "subscribed")
        time.sleep(0.1)           # the pace of the flow, not a wait for an outcome
    wait_until(lambda: flow[-1] in [p for p, _ in srv.payloads()], 15, "the last message")
    seen = [p for p, _ in srv.payloads()]
    first, last = seen.index(flow[0]), seen.index(flow[-1])
    check(seen[first:last + 1] == flow, "between the first and the last message of the "
          "flow the server read %r" % [p for p in seen[first:last + 1] if p not in flow])
    wait_until(lambda: BEAT in [p for p, _ in srv.payloads()][last + 1:], 15,
               "a heartbeat after the flow")
    log("a message every 100 ms for 3 s: no heartbeat among them; heartbeats after")

    # 3. liveness = any: the answers keep the connection; one throughout.
    check(len(srv.log.opens()) == 1 and not srv.log.closes(),
          "with liveness = any the echoing server should keep one connection: %d opens, "
          "%d closes" % (len(srv.log.opens()), len(srv.log.closes())))
    check(time.time() - srv.log.opens()[0]["t"] > 6 * 0.5 / scaled(1),
          "the connection has not lived long enough to prove anything")
    beats = wait_metric(mport, "wspushd_heartbeats_sent_total", lambda v: v >= 5)
    log("liveness = any: one connection for %.1f s with no Pong at all; %d heartbeats"
        % (time.time() - srv.log.opens()[0]["t"], beats))
    d.stop()

    # 4. liveness = pong: the same server is found dead.
    srv2 = EchoServer(ctx, "echo2").start()
    d2 = daemon(ctx, r, srv2, "pong", free_port())
    wait_until(lambda: len(srv2.log.opens()) >= 2, 15,
               "a reconnect: no Pong, and only Pongs count")
    check("no pong within 500ms of a ping" in d2.log_text(),
          "the log should say why:\n%s" % d2.log_text()[-1500:])
    log("liveness = pong: the same server was found dead and the daemon reconnected")
    d2.stop()


if __name__ == "__main__":
    main(test)
