#!/usr/bin/python3
"""[upstream] on_open_wait: the queue waits for the server's answer.

An upstream that must accept the login first (tests/servers/ws_login.py,
on Debian's python3-websockets) answers the first message of every
connection with "welcome" 300 ms after it came.

1. Messages are queued while the upstream is down; then it starts.  The
   login is the first message it reads; every queued message comes after
   its answer went out ("answered" is recorded as it sends), none before;
   all arrive, in order, then a sentinel.
2. A server that never answers: the queue goes once on_open_wait (1 s)
   is over, not before.
3. A server that closes (code 1011) instead of answering: no queued
   message ever reaches it, the daemon logs the close code, and it keeps
   trying with backoff (several connections, each only the login), until
   a server that answers takes over the port and everything arrives.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, EventLog, check, check_sequence, config_text, free_port, log,
                     main, start_listening_server, wait_until)

LOGIN = b'{"op":"login"}'
SERVER = os.path.join(ROOT, "tests", "servers", "ws_login.py")


class LoginServer:
    """tests/servers/ws_login.py on a port of its own (or a given one)."""

    def __init__(self, ctx, name, port=None, args=()):
        self.ctx, self.name, self.port, self.args = ctx, name, port, list(args)
        self.out = os.path.join(ctx.mkdir(name), "events.jsonl")
        self.log = EventLog(self.out)
        self.proc, self.starts = None, 0

    def start(self):
        return start_listening_server(self, "the login server", SERVER, self.args)

    def url(self):
        return "ws://127.0.0.1:%d/ingest" % self.port

    def messages(self):
        return self.log.messages()

    def kill(self):
        self.proc.kill()
        wait_until(lambda: not self.proc.alive(), 10, "%s to exit" % self.name)


def daemon_for(ctx, r, port, wait):
    text = config_text("ws://127.0.0.1:%d/ingest" % port, r.port,
                       upstream={"on_open": LOGIN.decode(), "on_open_wait": wait,
                                 "backoff_min": "100ms", "backoff_max": "400ms"},
                       redis={"channel": "events"})
    d = ctx.daemon(text).start()
    wait_until(lambda: r.subscribed(["events"], []), 15, "the subscription")
    return d


def payloads(srv):
    return [bytes.fromhex(m["hex"]) for m in srv.messages()]


def answered_first(ctx, r):
    srv = LoginServer(ctx, "login", args=["--answer-after", "300"])
    srv.port = free_port()
    d = daemon_for(ctx, r, srv.port, "5s")
    queued = [b"q%03d" % i for i in range(50)]
    check(r.publish_many([("events", p) for p in queued]) == [1] * 50, "subscribed")
    srv.start()
    wait_until(lambda: len(srv.messages()) >= 51, 15, "the login and 50 queued messages")
    ev = srv.log.events()
    login_at = [e for e in ev if e["ev"] == "msg"][0]
    answer = [e for e in ev if e["ev"] == "answered"]
    check(bytes.fromhex(login_at["hex"]) == LOGIN, "the first message was %r, not the login"
          % bytes.fromhex(login_at["hex"]))
    check(len(answer) == 1, "one answer expected, %r" % answer)
    early = [e for e in ev if e["ev"] == "msg" and e["seq"] > 0 and e["t"] < answer[0]["t"]]
    check(not early, "%d queued message(s) reached the server before its answer: %r"
          % (len(early), early[:3]))
    check(r.publish_many([("events", b"sentinel")]) == [1], "subscribed")
    wait_until(lambda: len(srv.messages()) >= 52, 15, "the sentinel")
    check_sequence(srv.messages(), [("text", LOGIN)] + [("text", p) for p in queued] +
                   [("text", b"sentinel")])
    log("the login first; the 50 queued messages came %.3f s after it, all after the answer"
        % ([e for e in ev if e["ev"] == "msg" and e["seq"] == 1][0]["t"] - login_at["t"]))
    d.stop()
    srv.kill()


def never_answered(ctx, r):
    srv = LoginServer(ctx, "silent-login", args=["--answer-after", "600000"])
    srv.port = free_port()
    d = daemon_for(ctx, r, srv.port, "1s")
    check(r.publish_many([("events", b"held")]) == [1], "subscribed")
    srv.start()
    wait_until(lambda: len(srv.messages()) >= 2, 15, "the login, then the held message")
    login, held = srv.messages()[:2]
    gap = held["t"] - login["t"]
    check(bytes.fromhex(held["hex"]) == b"held", "second message %r" % held)
    check(gap >= 0.9, "the queue went %.3f s after the login, before on_open_wait (1 s)"
          % gap)
    log("no answer: the queue went %.3f s after the login (on_open_wait = 1s)" % gap)
    d.stop()
    srv.kill()


def closed_instead(ctx, r):
    srv = LoginServer(ctx, "closing-login", args=["--close-instead", "1011"])
    srv.port = free_port()
    d = daemon_for(ctx, r, srv.port, "30s")
    check(r.publish_many([("events", b"kept")]) == [1], "subscribed")
    srv.start()
    wait_until(lambda: len(srv.log.events("close")) >= 4, 30, "four refused logins")
    check(all(bytes.fromhex(m["hex"]) == LOGIN for m in srv.messages()),
          "a queued message reached a server that had not accepted the login: %r"
          % payloads(srv))
    check("server closed the connection with 1011" in d.log_text(),
          "the log should name the close code 1011:\n%s" % d.log_text()[-1500:])
    srv.kill()
    good = LoginServer(ctx, "good-login", port=srv.port, args=["--answer-after", "0"])
    good.start()
    wait_until(lambda: b"kept" in payloads(good), 15, "the kept message at a server "
               "that answers")
    check(payloads(good)[:2] == [LOGIN, b"kept"], "got %r" % payloads(good)[:3])
    log("a server closing with 1011 got only logins (%d connections); the next one got "
        "the message" % len(srv.log.events("open")))
    d.stop()


def test(ctx):
    r = ctx.redis().start()
    answered_first(ctx, r)
    never_answered(ctx, r)
    closed_instead(ctx, r)


if __name__ == "__main__":
    main(test)
