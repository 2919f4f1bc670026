#!/usr/bin/python3
"""A config file with several mistakes is rejected as a whole: exit status
78 (EX_CONFIG) and one "path:line: message" on stderr for EACH mistake, with
the right line numbers, whether running or with --check-config.  A good
file passes --check-config ("configuration OK", exit 0) without contacting
anything.  --version and --help exit 0.  No servers are needed.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, free_port, log, main

BAD = """\
# wspushd config with mistakes on lines 4, 6, 9, 10, 12, 14 and 17
[upstream]
url = ws://127.0.0.1:9/ingest
connect_timeout = 3 parsecs
backoff_min = 250ms
backoff_max = soon
[redis]
channel = events
backoff_min = -1s
this line has no equals sign
[queue]
overflow = drop-sideways
max_bytes = 64MiB
max_messages = lots
[daemon]
drain_timeout = 2s
log_level = chatty
"""
BAD_LINES = {4, 6, 9, 10, 12, 14, 17}

GOOD = """\
# a valid configuration using most settings
[upstream]
url = ws://127.0.0.1:{ws}/ingest?token=abc
header = X-Test: yes
subprotocol = push.v1
connect_timeout = 3s
backoff_min = 250ms
backoff_max = 30s
backoff_reset = 10s
close_timeout = 5s
max_message_size = 16MiB

[redis]
url = redis://127.0.0.1:{redis}/2
channel = events
pattern = alerts.*
connect_timeout = 3s
backoff_min = 250ms
backoff_max = 30s

[queue]
max_messages = 100000
max_bytes = 64MiB
overflow = drop-oldest

[daemon]
drain_timeout = 5s
log_level = info
"""


def error_lines(path, stderr):
    """Line numbers of every "path:N:" in stderr (a "<N>" priority prefix
    before it is allowed)."""
    pat = re.compile(r"^(?:<\d>)?\s*" + re.escape(path) + r":(\d+): \S")
    return [int(m.group(1)) for m in map(pat.match, stderr.splitlines()) if m]


def check_bad(ctx, args, path):
    rc, out, err = ctx.run_daemon(args)
    log("%s -> status %d, stderr:\n%s" % (" ".join(args), rc, err.rstrip()))
    check(rc == 78, "expected exit status 78 for %s, got %d" % (args, rc))
    found = error_lines(path, err)
    missing = sorted(BAD_LINES - set(found))
    check(not missing, "no '%s:N:' error for line(s) %s" % (path, missing))
    extra = sorted(set(found) - BAD_LINES)
    check(not extra, "errors reported for correct line(s) %s" % extra)
    check("configuration OK" not in out + err, "a bad file must not say 'configuration OK'")


def test(ctx):
    bad = ctx.path("bad.conf")
    with open(bad, "w") as f:
        f.write(BAD)
    check_bad(ctx, ["-c", bad, "--check-config"], bad)
    check_bad(ctx, ["-c", bad], bad)                 # running: refuses to start

    good = ctx.path("good.conf")
    with open(good, "w") as f:
        f.write(GOOD.format(ws=free_port(), redis=free_port()))
    rc, out, err = ctx.run_daemon(["-c", good, "--check-config"])
    log("--check-config good -> status %d, stdout %r, stderr %r" % (rc, out, err))
    check(rc == 0, "--check-config on a good file: expected 0, got %d" % rc)
    check("configuration OK" in out + err, "--check-config did not print 'configuration OK'")

    # Command-line only, no file.
    rc, out, err = ctx.run_daemon(["--url", "ws://127.0.0.1:%d/x" % free_port(),
                                   "--redis", "redis://127.0.0.1:%d" % free_port(),
                                   "--channel", "a", "--pattern", "b.*", "--check-config"])
    check(rc == 0 and "configuration OK" in out + err,
          "--check-config with flags only: status %d, output %r" % (rc, out + err))

    for flag in ("--version", "--help"):
        rc, out, err = ctx.run_daemon([flag])
        check(rc == 0, "%s: expected status 0, got %d" % (flag, rc))
        check((out + err).strip(), "%s printed nothing" % flag)
    rc, out, err = ctx.run_daemon(["--version"])
    check(re.match(r"^wspushd \S+ \(libwebsockets \d+\.\d+\.\d+(-\w+)?, hiredis "
                   r"\d+\.\d+\.\d+\)$", out.strip()),
          "--version: %r (no dangling '-' after the libwebsockets version)" % out)

    # A mistake on the command line points at --help; one in a file does not.
    rc, out, err = ctx.run_daemon(["--bogus", "--channel", "a"])
    check(rc == 78 and "unrecognized option '--bogus'" in err and
          err.rstrip().endswith("; try --help"), "a bad flag: status %d, stderr %r" % (rc, err))
    rc, out, err = ctx.run_daemon(["-c", bad, "--check-config"])
    check("try --help" not in err, "errors in a file should not point at --help: %r" % err)


if __name__ == "__main__":
    main(test)
