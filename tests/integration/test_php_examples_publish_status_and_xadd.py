#!/usr/bin/python3
"""The PHP examples of docs/examples/php/, run as they are with Debian's
php-cli and php-redis against a real redis-server and a daemon reading
the channel ws:out and the stream ws:out (a Pub/Sub channel is no key, so
both can carry the same name):

  * no daemon yet: publish.php is told PUBLISH reached 0 subscribers and
    takes its fallback (logs, says so); status.php finds no status hash
    and does not publish (a subscriber of the test's own sees the
    sentinel published after it, first);
  * the daemon connected: publish.php and status.php (state = open) each
    deliver their message upstream byte for byte; xadd.php's entry is
    sent as XADD ws:out MAXLEN ~ 1000000 * data ... (as MONITOR shows),
    arrives, and is acknowledged (nothing pending in the group); every
    message exactly once, in order, before a sentinel;
  * the daemon stopped (SIGTERM): the hash says not open and status.php
    falls back without publishing; publish.php gets 0 again;
  * the daemon killed (SIGKILL): the hash still says open until its TTL
    lapses, and status.php's PUBLISH count (0) catches it.

PHP runs as it would in production, never under WSPUSHD_TEST_WRAPPER.
What README.md shows of each example is the file's marked block, verbatim,
so the page cannot drift from what runs here.
"""
import os
import re
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (ROOT, RedisError, Resp, TestFailure, check, check_sequence,
                     config_text, log, main, publish_sentinel, scaled, wait_connected,
                     wait_until)

PHP = shutil.which("php") or "/usr/bin/php"
EXAMPLES = os.path.join(ROOT, "docs", "examples", "php")
CHANNEL = STREAM = "ws:out"
STATUS_KEY = "wspushd:status"      # the default [status] key the examples read

# What the examples send, as they write it (json_encode's output).
PUBLISHED = b'{"event":"order.created","id":42}'
SHIPPED = b'{"event":"order.shipped","id":42}'
PAID = b'{"event":"order.paid","id":42}'


def require_php():
    """php-cli and php-redis are test dependencies (scripts/deps.sh)."""
    hint = "install php-cli and php-redis (scripts/deps.sh lists them)"
    if not os.access(PHP, os.X_OK):
        raise TestFailure("php is missing: %s" % hint)
    p = subprocess.run([PHP, "-r", "echo phpversion('redis');"], stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=30)
    version = p.stdout.decode(errors="replace").strip()
    check(p.returncode == 0 and version, "php has no redis extension: %s" % hint)
    log("%s with php-redis %s" % (PHP, version))


def run_php(ctx, r, script):
    """Run an example with php-cli, Redis given by the environment;
    returns (stdout, stderr).  Every notice and deprecation is shown on
    stderr, which the caller checks is only what the script logs."""
    env = dict(os.environ, REDIS_HOST="127.0.0.1", REDIS_PORT=str(r.port))
    argv = [PHP, "-d", "error_reporting=-1", "-d", "display_errors=stderr",
            "-d", "log_errors=0", os.path.join(EXAMPLES, script)]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=env,
                       cwd=ctx.root, timeout=60, start_new_session=True)
    out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")
    log("php %s: exit %d, stdout %r, stderr %r" % (script, p.returncode, out, err))
    check(p.returncode == 0, "php %s exited %d:\n%s%s" % (script, p.returncode, out, err))
    return out, err


def hash_state(r):
    v = r.call("HGET", STATUS_KEY, "state")
    return None if v is None else v.decode()


def publishes_nothing(ctx, r, script, want_out):
    """Run `script` while a subscriber of the test's own listens on the
    channel, then publish a sentinel: the first message it gets must be
    the sentinel, so the script published nothing."""
    sentinel = b"sentinel after %s" % script.encode()
    with Resp(r.port, timeout=10) as sub:
        check(sub.call("SUBSCRIBE", CHANNEL)[0] == b"subscribe", "SUBSCRIBE failed")
        out, err = run_php(ctx, r, script)
        check(out == want_out and err == "", "php %s: expected %r, got %r / %r"
              % (script, want_out, out, err))
        check(r.publish_many([(CHANNEL, sentinel)]) == [1],
              "only the test's subscriber should be on %s" % CHANNEL)
        first = sub.reply()
    check(first == [b"message", CHANNEL.encode(), sentinel],
          "%s published something: the subscriber got %r before the sentinel" % (script, first))


def xadd_seen_by_monitor(mon):
    """The first XADD that MONITOR shows, as its list of arguments."""
    deadline = time.monotonic() + scaled(10)
    for _ in range(100000):
        check(time.monotonic() < deadline, "no XADD seen by MONITOR")
        line = mon.reply()
        if isinstance(line, str) and '"XADD"' in line:
            return line.split("] ", 1)[1]
    raise TestFailure("no XADD seen by MONITOR")


def pending(r):
    try:
        return r.call("XPENDING", STREAM, "wspushd")[0]
    except RedisError:
        return None


def check_readme_quotes_examples():
    """Each example's block between its "// --- example ---" and
    "// --- end ---" lines appears in README.md as a php block (replies.php
    is run by a test of its own)."""
    with open(os.path.join(ROOT, "README.md")) as f:
        readme = f.read()
    for name in ("publish.php", "status.php", "xadd.php", "replies.php"):
        with open(os.path.join(EXAMPLES, name)) as f:
            m = re.search(r"(?ms)^// --- example ---\n(.*?)^// --- end ---$", f.read())
        check(m is not None, "%s has no marked example block" % name)
        check("```php\n" + m.group(1) + "```\n" in readme,
              "README.md does not quote %s's example block verbatim" % name)
    log("README.md quotes the four examples verbatim")


def test(ctx):
    require_php()
    check_readme_quotes_examples()
    r = ctx.redis().start()
    w = ctx.ws().start()

    # No daemon: PUBLISH reaches nobody, and there is no status hash.
    out, err = run_php(ctx, r, "publish.php")
    check(out == "not relayed: wspushd is not running\n",
          "publish.php with no subscriber should fall back, said %r" % out)
    check(err == "ws:out: no subscriber, message not relayed: %s\n" % PUBLISHED.decode(),
          "publish.php should log the lost message, logged %r" % err)
    publishes_nothing(ctx, r, "status.php", "not published: wspushd is not running\n")
    log("no daemon: publish.php saw 0 subscribers, status.php did not publish")

    cfg = config_text(w.url(), r.port, redis={"channel": CHANNEL, "stream": STREAM,
                                              "consumer": "it"})
    d = ctx.daemon(cfg).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed([CHANNEL], []), 15, "the daemon to subscribe to ws:out")
    wait_until(lambda: pending(r) is not None, 15, "the consumer group on ws:out")
    wait_until(lambda: hash_state(r) == "open", 15, "state = open in wspushd:status")

    expected = []

    def delivered(payload):
        expected.append(("text", payload))
        wait_until(lambda: len(w.messages()) >= len(expected), 15,
                   lambda: "%r to arrive upstream (have %d messages)"
                   % (payload, len(w.messages())))
        check_sequence(w.messages(), expected)

    out, err = run_php(ctx, r, "publish.php")
    check((out, err) == ("published\n", ""), "publish.php: %r / %r" % (out, err))
    delivered(PUBLISHED)

    out, err = run_php(ctx, r, "status.php")
    check((out, err) == ("published\n", ""), "status.php while open: %r / %r" % (out, err))
    delivered(SHIPPED)

    with Resp(r.port, timeout=10) as mon:
        check(mon.call("MONITOR") == "OK", "MONITOR refused")
        out, err = run_php(ctx, r, "xadd.php")
        xadd = xadd_seen_by_monitor(mon)
    check(out.startswith("added ") and err == "", "xadd.php: %r / %r" % (out, err))
    want = '"XADD" "ws:out" "MAXLEN" "~" "1000000" "*" "data" "%s"' % (
        PAID.decode().replace('"', '\\"'))
    check(xadd == want, "xadd.php should send\n  %s\nsent\n  %s" % (want, xadd))
    entry_id = out.split()[1]
    entry = r.call("XRANGE", STREAM, entry_id, entry_id)
    check(entry == [[entry_id.encode(), [b"data", PAID]]], "the entry in Redis: %r" % entry)
    delivered(PAID)
    wait_until(lambda: pending(r) == 0, 15,
               lambda: "the entry to be acknowledged (pending %r)" % pending(r))

    expected.append(("text", publish_sentinel(r, w, CHANNEL)))
    check_sequence(w.messages(), expected)
    check(pending(r) == 0, "nothing pending at the end: %r" % pending(r))
    log("daemon open: publish.php, status.php and xadd.php delivered exactly once, in "
        "order; %s, acknowledged" % xadd)

    # Stopped: the hash no longer says open, and status.php falls back.
    d.stop()
    wait_until(lambda: hash_state(r) != "open", 10, "the status hash to leave 'open'")
    state = hash_state(r)
    log("after SIGTERM the status hash says state = %r" % state)
    publishes_nothing(ctx, r, "status.php", "not published: wspushd is %s\n"
                      % (state or "not running"))
    out, err = run_php(ctx, r, "publish.php")
    check(out == "not relayed: wspushd is not running\n",
          "publish.php with the daemon stopped: %r" % out)

    # Killed: the hash says open until its TTL lapses; PUBLISH says 0.
    d.start()
    wait_connected(d, w, n_opens=2)
    wait_until(lambda: r.subscribed([CHANNEL], []), 15, "the daemon to subscribe again")
    wait_until(lambda: hash_state(r) == "open", 15, "state = open again")
    d.proc.kill()
    wait_until(lambda: r.numsub(CHANNEL) == 0, 10, "Redis to drop the killed subscriber")
    check(hash_state(r) == "open", "the hash should still say open: %r" % hash_state(r))
    out, err = run_php(ctx, r, "status.php")
    check(hash_state(r) == "open", "the hash should still say open: %r" % hash_state(r))
    check((out, err) == ("not relayed: wspushd is not running\n", ""),
          "status.php after a SIGKILL should see PUBLISH reach nobody: %r / %r" % (out, err))
    check_sequence(w.messages(), expected)
    log("after SIGKILL: state still 'open' (PTTL %d ms), status.php caught the 0"
        % r.call("PTTL", STATUS_KEY))


if __name__ == "__main__":
    main(test)
