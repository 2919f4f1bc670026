#!/usr/bin/python3
"""[upstream] on_open: messages said first on every connection.

The daemon has three on-open messages: a literal JSON login, one read
from a file (@FILE, holding a secret token), and "@@..." (a message that
really starts with "@").  The upstream (the recorder) is killed and
started again 10 times while messages are published every few
milliseconds, so each new connection finds messages queued.

- On every connection (11 of them), the first three messages the server
  read are the on-open messages, in order, byte for byte: before any
  queued message, and before the resends of at-least-once.
- Every published message arrives (at least once), in order of first
  arrival, and a sentinel published last arrives after them.
- The secret never appears in the daemon's log; the log says how many
  on-open messages went, and /metrics counts them (3 per connection).
"""
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, free_port, log, main, publish_sentinel,
                     scaled, wait_connected, wait_metric, wait_until)

LOGIN = b'{"op":"login","user":"wspushd"}'
SECRET = "tok-5e9f0a7c-never-logged"
AUTH = ('{"op":"auth","token":"%s"}' % SECRET).encode()
AT = b"@literal, not a file"
HELLO = [LOGIN, AUTH, AT]
RESTARTS = 10


def by_connection(w):
    """[(conn, [payload bytes...])] in the order connections opened."""
    order, msgs = [], {}
    for e in w.log.events():
        if e["ev"] == "open":
            order.append(e["conn"])
            msgs[e["conn"]] = []
        elif e["ev"] == "msg":
            msgs.setdefault(e["conn"], []).append(bytes.fromhex(e["hex"]))
    return [(c, msgs[c]) for c in order]


class Publisher(threading.Thread):
    """Publishes m0, m1, ... every few ms until stopped; keeps the list."""

    def __init__(self, r):
        super().__init__(daemon=True)
        self.r, self.sent, self.halt = r, [], threading.Event()

    def run(self):
        n = 0
        while not self.halt.wait(0.005) and n < 20000:
            payload = b"m%05d" % n
            self.r.publish_many([("events", payload)])
            self.sent.append(payload)
            n += 1


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws(record_on_read=True).start()
    secret_file = ctx.path("auth.json")
    with open(secret_file, "wb") as f:
        f.write(AUTH + b"\n")
    mport = free_port()
    text = config_text(w.url(), r.port, redis={"channel": "events"}, metrics_port=mport)
    text = text.replace("[upstream]\n", "[upstream]\non_open = %s\non_open = @%s\n"
                        "on_open = @%s\n" % (LOGIN.decode(), secret_file, AT.decode()), 1)
    d = ctx.daemon(text).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the subscription")

    pub = Publisher(r)
    pub.start()
    try:
        for i in range(RESTARTS):
            n = len(pub.sent)
            wait_until(lambda: len(pub.sent) >= n + 20, 10, "messages to flow")
            w.kill()
            wait_until(lambda: len(pub.sent) >= n + 40, 10, "messages to queue")
            w.start()
            wait_connected(d, w, n_opens=i + 2)
    finally:
        pub.halt.set()
        pub.join(scaled(10))
    sentinel = publish_sentinel(r, w, "events")

    conns = by_connection(w)
    check(len(conns) == RESTARTS + 1, "%d connections, expected %d"
          % (len(conns), RESTARTS + 1))
    for conn, msgs in conns:
        check(msgs[:3] == HELLO, "connection %s began with %r, expected the on-open "
              "messages %r" % (conn, msgs[:4], HELLO))
        check(HELLO[0] not in msgs[3:] and AUTH not in msgs[3:],
              "connection %s said an on-open message twice" % conn)
    queued = [m for _, msgs in conns for m in msgs[3:]]
    firsts = []
    for m in queued:
        if m not in firsts:
            firsts.append(m)
    check(firsts == pub.sent + [sentinel], "first arrivals differ from what was published "
          "(%d published, %d arrived)" % (len(pub.sent), len(firsts) - 1))
    log("%d connections, each began with the 3 on-open messages; %d messages, in order"
        % (len(conns), len(pub.sent)))

    wait_metric(mport, "wspushd_on_open_messages_sent_total", 3 * len(conns))
    text = d.log_text()
    check(SECRET not in text, "the secret on-open message appeared in the log")
    check(text.count("sent 3 on-open message(s)") == len(conns),
          "the log should say 'sent 3 on-open message(s)' once per connection")
    d.stop()
    check(SECRET not in d.log_text(), "the secret appeared in the log at exit")


if __name__ == "__main__":
    main(test)
