#!/usr/bin/python3
"""The command connection alone is lost while the server's messages wait
for Redis: what waits still goes, though the server says nothing more.

  * [inbound] stream = ws:in.  Redis is paused for writes (CLIENT PAUSE
    WRITE), and the server sends 600 messages: 256 go out and wait in
    Redis unanswered (the pipeline's window), 344 wait in the daemon;
  * the daemon's command connection, and only it, is killed (CLIENT KILL
    ID; the subscription stays): the 256 in flight are counted "lost"
    (Redis drops what a killed client had not run, so none of them is
    applied), and Redis is unpaused;
  * with no further message from the server, the 344 that waited reach
    the stream, in order, right after the first message: nothing is
    pending, and the counters add up (601 received, 345 forwarded, 256
    lost).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, free_port, log, main, tcp_sockets,
                     wait_connected, wait_metric, wait_until)
from inbound_scenarios import (SERIES, Talker, inbound_counts, inbound_section,
                               stream_entries, text)

STREAM = "ws:in"
N = 600
WINDOW = 256


def command_client(r, d):
    """Redis' id of the daemon's command connection: the daemon's socket
    to Redis that subscribes to nothing."""
    ports = {s["local_port"] for s in tcp_sockets(d.pid, r.port)}
    for line in r.call("CLIENT", "LIST").decode().splitlines():
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if int(f["addr"].rsplit(":", 1)[1]) in ports and f["sub"] == "0" and \
                f["psub"] == "0":
            return f["id"]
    return None


def test(ctx):
    r = ctx.redis().start()
    send_dir = ctx.mkdir("send")
    w = ctx.ws(send_dir=send_dir).start()
    talker = Talker(w, send_dir)
    mport = free_port()
    cfg = config_text(w.url(), r.port, metrics_port=mport) + inbound_section(stream=STREAM)
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")
    talker.wait_played(talker.play([text("first")]))
    wait_metric(mport, SERIES["forwarded"], 1)
    victim = wait_until(lambda: command_client(r, d), 10, "the command connection")

    check(r.call("CLIENT", "PAUSE", "60000", "WRITE") == "OK", "CLIENT PAUSE")
    try:
        talker.wait_played(talker.play([text("m%03d" % i) for i in range(N)]))
        wait_metric(mport, SERIES["pending"], N)
        check(r.call("CLIENT", "KILL", "ID", victim) == 1, "CLIENT KILL ID %s" % victim)
        wait_metric(mport, SERIES["lost"], WINDOW)
    finally:
        r.call("CLIENT", "UNPAUSE")
    log("paused: %d in flight lost with the command connection, %d waiting"
        % (WINDOW, N - WINDOW))

    # No message from the server any more: the daemon sends what waits.
    wait_metric(mport, SERIES["pending"], 0, timeout=15)
    c = inbound_counts(mport)
    check((c["messages"], c["forwarded"], c["lost"]) == (N + 1, N + 1 - WINDOW, WINDOW),
          "counters: %r" % c)
    got = [fields[b"data"] for _, fields in stream_entries(r.port, STREAM)]
    want = [b"first"] + [b"m%03d" % i for i in range(WINDOW, N)]
    check(got == want, "the stream holds %d entries, expected the first and m%03d.. in "
          "order (%d); first difference at %r" % (
              len(got), WINDOW, len(want),
              next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), None)))
    log("the %d waiting messages reached the stream, in order, with the server silent"
        % (N - WINDOW))
    d.stop()


if __name__ == "__main__":
    main(test)
