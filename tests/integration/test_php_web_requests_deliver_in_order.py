#!/usr/bin/python3
"""Web requests through PHP reach the upstream in order, exactly once.

PHP's own web server (`php -S`, one process, as a PHP-FPM worker is)
serves docs/examples/php/web/ on a free loopback port; the daemon reads
the channel ws:out and the stream ws:out.

  * 500 requests POST /publish.php, one after the other, each carrying a
    numbered message (UTF-8 text, and every 50th bytes that are not
    UTF-8): each is answered 202, and every message arrives upstream
    byte for byte, in order, exactly once, on one connection, before a
    sentinel; PHP kept one Redis connection for all of them (pconnect);
  * 500 requests POST /xadd.php the same way: each is answered 202 with
    its entry's ID, IDs rising; every entry arrives in order, exactly
    once, before a sentinel entry added last, and nothing is left pending;
  * the failure answers: with no subscriber (daemon stopped) publish.php
    answers 503 and logs it; with Redis gone both answer 503 and log why.

PHP runs as it would in production, never under WSPUSHD_TEST_WRAPPER.
"""
import os
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, RedisError, TestFailure, check, check_sequence, config_text,
                     free_port, log, main, publish_sentinel, tail, tcp_sockets, utf8_kind,
                     wait_connected, wait_until)
from test_php_examples_publish_status_and_xadd import PHP, require_php

WEB = os.path.join(ROOT, "docs", "examples", "php", "web")
CHANNEL = STREAM = "ws:out"
N = 500


def post(port, path, body):
    """POST body; returns (HTTP status, response body)."""
    req = urllib.request.Request("http://127.0.0.1:%d%s" % (port, path), data=body,
                                 method="POST",
                                 headers={"Content-Type": "application/octet-stream"})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def get_status(port, path):
    try:
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as e:
        return e.code


def start_php_server(ctx, redis_port):
    """php -S on a free loopback port (tried again if another process took
    it first); every notice and deprecation would show in the responses."""
    env = dict(os.environ, REDIS_HOST="127.0.0.1", REDIS_PORT=str(redis_port))
    env.pop("PHP_CLI_SERVER_WORKERS", None)     # one process, one persistent connection
    for attempt in range(5):
        port = free_port()
        proc = ctx.spawn("php-server", [PHP, "-d", "error_reporting=-1",
                                        "-d", "display_errors=1",
                                        "-S", "127.0.0.1:%d" % port, "-t", WEB], env=env)
        # A GET is refused with 405 and touches no Redis.
        wait_until(lambda: not proc.alive() or get_status(port, "/publish.php") == 405, 15,
                   "php -S to answer on port %d" % port)
        if proc.alive():
            log("php -S on 127.0.0.1:%d (pid %d)" % (port, proc.pid))
            return proc, port
        log("php -S exited at start: %s" % tail(ctx.stderr_path(proc), 5))
    raise TestFailure("could not start php -S")


def redis_sockets(php, r):
    return [s["inode"] for s in tcp_sockets(php.pid, r.port) if s["state"] == "ESTABLISHED"]


def connections_received(r):
    for line in r.call("INFO", "stats").decode().splitlines():
        if line.startswith("total_connections_received:"):
            return int(line.split(":")[1])
    raise TestFailure("no total_connections_received in INFO stats")


def pending(r):
    try:
        return r.call("XPENDING", STREAM, "wspushd")[0]
    except RedisError:
        return None


def message(i, kind):
    if i % 50 == 49:
        return b"\xff\xfe %s %04d \xc3\x28" % (kind, i)        # not UTF-8: a binary frame
    return ("%s %04d h\u00e9llo \u2713 \U0001F600" % (kind.decode(), i)).encode()


def server_log(ctx, php):
    with open(ctx.stderr_path(php), errors="replace") as f:
        return f.read()


def test(ctx):
    require_php()
    r = ctx.redis().start()
    w = ctx.ws().start()
    php, port = start_php_server(ctx, r.port)
    cfg = config_text(w.url(), r.port, redis={"channel": CHANNEL, "stream": STREAM,
                                              "consumer": "it"})
    d = ctx.daemon(cfg).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed([CHANNEL], []), 15, "the daemon to subscribe to ws:out")
    wait_until(lambda: pending(r) is not None, 15, "the consumer group on ws:out")

    # Pub/Sub: each request's PUBLISH is done before it is answered, so
    # one request after the other fixes the order.
    expected = [(utf8_kind(p), p) for p in (message(i, b"pub") for i in range(N))]
    before = connections_received(r)
    t0 = time.monotonic()
    for i, (_, payload) in enumerate(expected):
        status, body = post(port, "/publish.php", payload)
        check((status, body) == (202, b""), "POST /publish.php #%d: %d %r" % (i, status, body))
        if i == 0:
            first = redis_sockets(php, r)
    took = time.monotonic() - t0
    kept = redis_sockets(php, r)
    opened = connections_received(r) - before
    check(len(first) == 1 and kept == first,
          "php should keep its one Redis connection: %r after the first request, %r after "
          "the last" % (first, kept))
    # PHP's one and this INFO's own; one more would be the daemon's, had
    # it remade a connection.  Without pconnect it would be one a request.
    check(opened <= 3, "%d connections to Redis for %d requests: pconnect should reuse one"
          % (opened, N))
    expected.append(("text", publish_sentinel(r, w, CHANNEL)))
    check_sequence(w.messages(), expected, "messages published by web requests")
    log("%d web requests published in %.2fs: all arrived in order, exactly once; Redis "
        "saw %d new connection(s)" % (N, took, opened))

    # Streams: the same through XADD; the IDs Redis gave must rise.
    n_pub = len(expected)
    entries = [(utf8_kind(p), p) for p in (message(i, b"xadd") for i in range(N))]
    ids = []
    t0 = time.monotonic()
    for i, (_, payload) in enumerate(entries):
        status, body = post(port, "/xadd.php", payload)
        check(status == 202 and body.endswith(b"\n"), "POST /xadd.php #%d: %d %r"
              % (i, status, body))
        ids.append(tuple(int(x) for x in body.decode().strip().split("-")))
    took = time.monotonic() - t0
    check(all(a < b for a, b in zip(ids, ids[1:])), "entry IDs should rise")
    sentinel = b"sentinel entry, added last"
    r.call("XADD", STREAM, "*", "data", sentinel)
    entries.append(("text", sentinel))
    wait_until(lambda: len(w.messages()) >= n_pub + len(entries), 30,
               lambda: "%d entries upstream (have %d)"
               % (len(entries), len(w.messages()) - n_pub))
    check_sequence(w.messages()[n_pub:], entries, "entries added by web requests")
    wait_until(lambda: pending(r) == 0, 15, lambda: "nothing pending (%r)" % pending(r))
    check(r.call("XLEN", STREAM) == N + 1, "XLEN %r" % r.call("XLEN", STREAM))
    check(len(w.log.opens()) == 1 and len({m["conn"] for m in w.messages()}) == 1,
          "everything should arrive on one connection (no resend): %d opens"
          % len(w.log.opens()))
    log("%d web requests added entries in %.2fs: all arrived in order, exactly once, "
        "all acknowledged" % (N, took))

    # No subscriber: 503, and the server's log says why.
    d.stop()
    wait_until(lambda: r.numsub(CHANNEL) == 0, 10, "the subscription to go")
    status, body = post(port, "/publish.php", b"nobody listens")
    check(status == 503, "POST /publish.php with no daemon: %d %r" % (status, body))
    wait_until(lambda: "ws:out: no subscriber, message not relayed" in server_log(ctx, php), 5,
               "php -S to log the unrelayed message")

    # No Redis: both answer 503 and log the reason.
    r.kill()
    for path in ("/publish.php", "/xadd.php"):
        status, body = post(port, path, b"no redis")
        check(status == 503, "POST %s with Redis gone: %d %r" % (path, status, body))
    wait_until(lambda: server_log(ctx, php).count("Redis: Connection refused") == 2, 5,
               lambda: "php -S to log two refused connections:\n%s"
               % tail(ctx.stderr_path(php), 10))
    text = server_log(ctx, php)
    for bad in ("Warning", "Notice", "Deprecated", "Fatal"):
        check(bad not in text, "php -S logged a %s:\n%s" % (bad, text[-2000:]))
    log("503 with no subscriber and with Redis gone, each logged")


if __name__ == "__main__":
    main(test)
