#!/usr/bin/python3
"""The WebSocket server dies (SIGKILL) and comes back on the same port: the
daemon reconnects by itself, and the messages published while the server
was down were queued and arrive after the reconnect, in order, none lost,
none repeated.  While the server is down the daemon never holds more than
one socket to its port (no pile-up of connection attempts).

The server is killed once the daemon has had the first 50 confirmed
(wspushd_messages_confirmed_total): with delivery = at-least-once a
message still unconfirmed would be sent again, as it should.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (bring_up, check, check_sequence, free_port, log, main, sample_for,
                     tcp_sockets, wait_connected, wait_metric, wait_until)


def test(ctx):
    port = free_port()
    r, w, d = bring_up(ctx, channels=["events"], metrics_port=port)

    before = [b"before-%03d" % i for i in range(50)]
    check(r.publish_many([("events", p) for p in before]) == [1] * 50, "not subscribed")
    wait_until(lambda: len(w.messages()) >= 50, 15, "the first 50 messages to arrive")
    check_sequence(w.messages(), [("text", p) for p in before], "before the restart")
    first_conn = w.log.opens()[0]["conn"]
    wait_metric(port, "wspushd_messages_confirmed_total", 50)

    w.kill()
    # The daemon has noticed once it no longer holds the dead connection
    # (an ESTABLISHED / CLOSE_WAIT socket to the port).  Connection attempts
    # to a closed loopback port fail at once and may show as SYN_SENT.
    def noticed():
        socks = tcp_sockets(d.pid, w.port)
        check(len(socks) <= 1, "daemon holds %d sockets to the WS port: %r" % (len(socks), socks))
        return not any(s["state"] in ("ESTABLISHED", "CLOSE_WAIT") for s in socks)
    wait_until(noticed, 15, "daemon to drop the connection to the killed server")
    log("daemon dropped the dead connection")

    during = [("caf\u00e9-while-down-%03d" % i).encode() for i in range(100)]
    during.append(b"\x80binary-while-down")
    check(r.publish_many([("events", p) for p in during]) == [1] * len(during),
          "the daemon should stay subscribed while upstream is down")

    # Observe the reconnect attempts for a while (several backoff periods).
    down = sample_for(1.5, lambda: len(tcp_sockets(d.pid, w.port)))
    log("while down: %d samples, max %d sockets" % (len(down), max(down)))
    check(max(down) <= 1, "while the server was down the daemon held %d sockets" % max(down))
    check(d.alive(), "daemon exited while the WS server was down")
    check(len(w.messages()) == 50, "messages arrived while no server was running?")

    w.start()   # same port
    wait_connected(d, w, n_opens=2, timeout=15)
    log("daemon reconnected")
    # The log tells it in order: the failures (summarised), then that the
    # connection is back, not the summary after the recovery.
    lines = d.log_text().splitlines()
    back = max(i for i, l in enumerate(lines) if "upstream: connected to" in l)
    late = [l for l in lines[back:] if "more times" in l and "upstream" in l]
    check(not late, "a summary of failures came after the recovery: %r" % late)

    after = [b"after-%03d" % i for i in range(20)]
    check(r.publish_many([("events", p) for p in after]) == [1] * 20, "not subscribed")

    total = 50 + len(during) + len(after)
    samples = []

    def all_there():
        samples.append(len(tcp_sockets(d.pid, w.port)))
        return len(w.messages()) >= total
    wait_until(all_there, 20, lambda: "%d messages in all (have %d)" % (total, len(w.messages())))
    check(max(samples) <= 1, "after reconnect the daemon held %d sockets" % max(samples))

    expected = ([("text", p) for p in before] +
                [("text" if i < 100 else "binary", p) for i, p in enumerate(during)] +
                [("text", p) for p in after])
    msgs = w.messages()
    check_sequence(msgs, expected, "across the restart")
    second = {m["conn"] for m in msgs[50:]}
    check(second == {w.log.opens()[1]["conn"]} and first_conn not in second,
          "queued messages should arrive on the new connection, saw %s" % sorted(second))
    check(len(w.log.opens()) == 2, "expected 2 connections in all, saw %d" % len(w.log.opens()))
    check(len(tcp_sockets(d.pid, w.port)) == 1, "expected one socket after reconnect")

    d.stop()


if __name__ == "__main__":
    main(test)
