#!/usr/bin/python3
"""docs/examples/php/replies.php, run as it is with Debian's php-cli and
php-redis, reads what the upstream server said from the stream the
daemon adds it to ([inbound] stream = ws:in):

  * started first (REPLIES_MAX=5), it waits in XREAD BLOCK; the server
    then sends 5 messages (JSON, UTF-8 text, every byte value as binary,
    a fragmented text, a text with spaces); the worker prints each once,
    in order, with its stream ID, its type and its time (within the run),
    the text as it is and the binary as hex, then exits 0, nothing on
    stderr;
  * run again with REPLIES_FROM=0 it prints the same 5 from the stream's
    history (how a restarted worker catches up).

PHP runs as it would in production, never under WSPUSHD_TEST_WRAPPER.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, scaled, wait_connected, wait_until
from inbound_scenarios import Talker, inbound_section, stream_entries, text, unix_ms
from test_php_examples_publish_status_and_xadd import EXAMPLES, PHP, require_php

STREAM = "ws:in"
EVERY = bytes(range(256))
SENT = [
    (text('{"event":"order.accepted","id":42}'), "text", '{"event":"order.accepted","id":42}'),
    (text("d\u00e9j\u00e0 vu \u2713"), "text", "d\u00e9j\u00e0 vu \u2713"),
    ({"hex": EVERY.hex()}, "binary", EVERY.hex()),
    ({"frags": ["in ", "three ", "pieces"]}, "text", "in three pieces"),
    (text("words with spaces"), "text", "words with spaces"),
]


def start_php(ctx, r, **env):
    argv = [PHP, "-d", "error_reporting=-1", "-d", "display_errors=stderr",
            "-d", "log_errors=0", os.path.join(EXAMPLES, "replies.php")]
    full = dict(os.environ, REDIS_HOST="127.0.0.1", REDIS_PORT=str(r.port), **env)
    out, err = ctx.path("php-%d.out" % time.monotonic_ns()), ctx.path("php.err")
    with open(out, "wb") as fo, open(err, "ab") as fe:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=fo, stderr=fe,
                             env=full, cwd=ctx.root, start_new_session=True)
    return p, out, err


def finish(p, out, err):
    try:
        rc = p.wait(timeout=scaled(30))
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        rc = None
    with open(out, encoding="utf-8") as f:
        stdout = f.read()
    with open(err, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    log("php replies.php: exit %s, stdout %r, stderr %r" % (rc, stdout[:300], stderr))
    check(rc == 0 and stderr == "", "replies.php: exit %s, stderr %r" % (rc, stderr))
    return stdout


def check_printed(stdout, ids, t0, t1):
    lines = stdout.splitlines()
    check(len(lines) == len(SENT), "one line per reply: %r" % lines)
    for line, sent_id, (_, kind, shown) in zip(lines, ids, SENT):
        rid, rkind, rtime, rshown = line.split(" ", 3)
        check((rid, rkind, rshown) == (sent_id, kind, shown),
              "printed %r, expected %r" % (line, (sent_id, kind, shown)))
        check(t0 <= int(rtime) <= t1, "time %s within the run [%d, %d]" % (rtime, t0, t1))


def blocked_in_xread(r):
    return "cmd=xread" in r.call("CLIENT", "LIST").decode()


def test(ctx):
    require_php()
    r = ctx.redis().start()
    send_dir = ctx.mkdir("send")
    w = ctx.ws(send_dir=send_dir).start()
    talker = Talker(w, send_dir)
    cfg = config_text(w.url(), r.port) + inbound_section(stream=STREAM)
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_connected(d, w)

    p, out, err = start_php(ctx, r, REPLIES_MAX=str(len(SENT)))
    wait_until(lambda: blocked_in_xread(r) or p.poll() is not None, 15,
               "replies.php to wait in XREAD BLOCK")
    t0 = unix_ms()
    talker.wait_played(talker.play([line for line, _, _ in SENT]))
    stdout = finish(p, out, err)
    t1 = unix_ms()
    ids = [i.decode() for i, _ in stream_entries(r.port, STREAM)]
    check(len(ids) == len(SENT), "the stream holds the %d replies: %r" % (len(SENT), ids))
    check_printed(stdout, ids, t0, t1)
    log("replies.php handled the server's %d messages as they came" % len(SENT))

    p, out, err = start_php(ctx, r, REPLIES_MAX=str(len(SENT)), REPLIES_FROM="0")
    check_printed(finish(p, out, err), ids, t0, t1)
    log("REPLIES_FROM=0: the same %d from the stream's history" % len(SENT))
    d.stop()


if __name__ == "__main__":
    main(test)
