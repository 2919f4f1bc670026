#!/usr/bin/python3
"""A configuration, or a secret it names, that is not a regular file is
refused at once: exit status 78 (EX_CONFIG) within seconds, one message
naming the path and what it is, nothing read from it shown.  Before, a
FIFO blocked the start forever without a word, /dev/zero grew the
process past 2 GiB in 3 s and /dev/urandom spun a CPU.

1. -c a FIFO (with --check-config and running), -c /dev/zero, -c
   /dev/urandom, -c a directory: "'PATH' is a FIFO, not a file" (a
   character device, a directory).
2. -c a regular file just over the 4MiB cap, a token inside: "'PATH' is
   larger than 4MiB", the token not shown.
3. -c a symlink to a good file: --check-config says "configuration OK".
4. header = Authorization: @NAME where NAME in $CREDENTIALS_DIRECTORY is
   a FIFO; @/dev/zero; [redis] password_file = a FIFO (by path).
5. A running daemon whose file is replaced by a FIFO: SIGHUP is
   rejected with the same message, the daemon stays up and still exits
   0 on SIGTERM.

Each run is bounded in time (DEADLINE, scaled) and in memory (MAX_RSS):
the daemon under test is killed, and the test fails, if it outgrows
either.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (WRAPPER, TestFailure, check, config_text, free_port, log, main,
                     wait_until)

DEADLINE = 3                  # seconds (scaled) for a refusal to exit
MAX_RSS_KB = 512 * 1024       # far above a refusal, far below /dev/zero's growth
CAP = 4 * 1024 * 1024         # the config file's cap, as the message says it
TOKEN = "Bearer t0ken-IN-big-FILE-93c1"


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_bounded(ctx, name, args, env=None):
    """Run the binary to completion, killed if it outlives DEADLINE or
    outgrows MAX_RSS_KB: returns (status, stdout + stderr, seconds)."""
    full_env = None
    if env:
        full_env = dict(os.environ)
        full_env.update(env)
    t0 = time.monotonic()
    p = ctx.spawn(name, WRAPPER + [ctx.binary] + list(args), env=full_env)
    peak = [0]

    def done():
        peak[0] = max(peak[0], rss_kb(p.pid))
        return not p.alive() or peak[0] > MAX_RSS_KB
    try:
        wait_until(done, DEADLINE, "%s to exit" % name, interval=0.01)
    except TestFailure:
        pass
    elapsed = time.monotonic() - t0
    if p.alive():
        p.kill()
        raise TestFailure("%s: still running after %.1fs (%s), resident %d MiB; killed" % (
            name, elapsed, " ".join(args), peak[0] // 1024))
    with open(ctx.stdout_path(p), "rb") as f:
        out = f.read()
    with open(ctx.stderr_path(p), "rb") as f:
        out += f.read()
    check(b"\0" not in out, "%s: NUL bytes in the output (content of the file?)" % name)
    return p.p.returncode, out.decode(errors="replace"), elapsed


def refused(ctx, name, args, path, what, env=None, secrets=()):
    """Exit 78 within DEADLINE, a line naming 'path' and what it is."""
    rc, text, elapsed = run_bounded(ctx, name, args, env)
    log("%s: status %d in %.3fs: %s" % (name, rc, elapsed, text.strip().replace("\n", " | ")))
    check(rc == 78, "%s: expected exit status 78, got %d:\n%s" % (name, rc, text))
    want = "'%s' is %s" % (path, what)
    check(want in text, "%s: expected a message containing %r:\n%s" % (name, want, text))
    check("configuration OK" not in text, "%s: a refused file must not be 'OK'" % name)
    for s in secrets:
        check(s not in text, "%s: the output shows what is in the file:\n%s" % (name, text))


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def test(ctx):
    d = ctx.mkdir("files")
    fifo = os.path.join(d, "wspushd.conf.fifo")
    os.mkfifo(fifo, 0o600)
    good_text = config_text("ws://127.0.0.1:%d/x" % free_port(), free_port(),
                            redis={"channel": "events"})

    # 1. The -c file is a FIFO, a device, a directory.
    refused(ctx, "fifo-check", ["-c", fifo, "--check-config"], fifo, "a FIFO, not a file")
    refused(ctx, "fifo-run", ["-c", fifo], fifo, "a FIFO, not a file")
    for dev in ("/dev/zero", "/dev/urandom"):
        refused(ctx, "dev-" + os.path.basename(dev), ["-c", dev], dev,
                "a character device, not a file")
    refused(ctx, "directory", ["-c", d, "--check-config"], d, "a directory, not a file")

    # 2. A regular file over the cap, good but for its size.
    big = os.path.join(d, "big.conf")
    pad = "# " + "x" * 1021 + "\n"                      # 1 KiB a line
    write(big, good_text + "[upstream]\nheader = Authorization: %s\n" % TOKEN
          + pad * (CAP // len(pad) + 1))
    check(os.path.getsize(big) > CAP, "big.conf should be over the cap")
    refused(ctx, "oversize", ["-c", big, "--check-config"], big, "larger than 4MiB",
            secrets=(TOKEN,))

    # 3. A symlink to a good regular file is fine.
    good = write(os.path.join(d, "good.conf"), good_text)
    link = os.path.join(d, "link.conf")
    os.symlink(good, link)
    rc, text, elapsed = run_bounded(ctx, "symlink", ["-c", link, "--check-config"])
    log("symlink to a good file: status %d in %.3fs: %s" % (rc, elapsed, text.strip()))
    check(rc == 0 and "configuration OK" in text,
          "-c a symlink to a good file: expected 0 and 'configuration OK', got %d:\n%s"
          % (rc, text))

    # 4. Secrets: @NAME in $CREDENTIALS_DIRECTORY, @PATH, password_file.
    creds = ctx.mkdir("credentials")
    token_fifo = os.path.join(creds, "token")
    os.mkfifo(token_fifo, 0o600)
    pw_fifo = os.path.join(d, "redis-password")
    os.mkfifo(pw_fifo, 0o600)
    env = {"CREDENTIALS_DIRECTORY": creds}
    cases = [
        ("header-fifo", {"header": "Authorization: @token"}, {}, token_fifo, "a FIFO"),
        ("header-dev-zero", {"header": "Authorization: @/dev/zero"}, {}, "/dev/zero",
         "a character device"),
        ("password-fifo", {}, {"password_file": pw_fifo}, pw_fifo, "a FIFO"),
    ]
    for name, up, rd, path, what in cases:
        rd = dict(rd, channel="events")
        conf = write(os.path.join(ctx.mkdir(name), "wspushd.conf"),
                     config_text("ws://127.0.0.1:%d/x" % free_port(), free_port(),
                                 upstream=up, redis=rd))
        refused(ctx, name, ["-c", conf, "--check-config"], path, what + ", not a file",
                env=env)

    # 5. SIGHUP with the file replaced by a FIFO.
    daemon = ctx.daemon(good_text).start()
    wait_until(lambda: "starting:" in daemon.log_text(), 10, "the daemon to start")
    swap = os.path.join(ctx.mkdir("swap"), "fifo")
    os.mkfifo(swap, 0o600)
    os.replace(swap, daemon.config_path)
    daemon.proc.signal(signal.SIGHUP)
    want = "'%s' is a FIFO, not a file" % daemon.config_path
    wait_until(lambda: want in daemon.log_text() and "reload rejected" in daemon.log_text(),
               DEADLINE, lambda: "'reload rejected' and %r in the log:\n%s"
               % (want, daemon.log_text()[-2000:]))
    check(daemon.alive(), "the daemon exited after a rejected reload")
    log("SIGHUP with a FIFO: rejected, still running")
    daemon.stop(signal.SIGTERM)


if __name__ == "__main__":
    main(test)
