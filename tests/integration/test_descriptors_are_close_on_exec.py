#!/usr/bin/python3
"""Every descriptor the daemon holds, other than stdin, stdout and stderr, is
close-on-exec (O_CLOEXEC in the "flags:" line of /proc/PID/fdinfo/N), while
it is connected upstream and subscribed in Redis.  The harness starts the
daemon with close_fds=True, so no descriptor of the test leaks in (one that
did would lack the flag, since it survived an exec).

And the README's check, `lsof -p PID -a -i TCP`, lists exactly two TCP
sockets: one to the WebSocket server's port, one to Redis' port.
"""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (O_CLOEXEC_FDINFO, WRAPPER, bring_up, check, fd_flags, log, main,
                     open_fds, scaled, wait_until)


def port_names(port):
    """How lsof may print a port: the number, or its /etc/services name."""
    names = {str(port)}
    try:
        names.add(socket.getservbyport(port, "tcp"))
    except OSError:
        pass
    return names


def lsof_tcp(pid):
    """Runs the README's command; returns (the command, its NAME column
    entries, the raw output)."""
    argv = ["lsof", "-p", str(pid), "-a", "-i", "TCP"]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=scaled(20))
    out = p.stdout.decode(errors="replace")
    lines = out.splitlines()
    check(p.returncode == 0 and lines and lines[0].split()[:2] == ["COMMAND", "PID"],
          "%s failed (status %d): %s%s" % (" ".join(argv), p.returncode, out,
                                          p.stderr.decode(errors="replace")))
    # NAME is "local->remote (STATE)"; it is the last column but one.
    names = []
    for line in lines[1:]:
        cols = line.split()
        check(len(cols) >= 9 and cols[-1].startswith("("), "odd lsof line: %r" % line)
        names.append((cols[-2], cols[-1]))
    return " ".join(argv), names, out


def test(ctx):
    r, w, d = bring_up(ctx, channels=["events"], patterns=["alerts.*"])
    check(r.publish_many([("events", b"hello")]) == [1], "not subscribed")
    wait_until(lambda: w.messages(), 15, "the message to arrive")

    fds = open_fds(d.pid)
    log("daemon descriptors: %s" % sorted(fds.items()))
    check(set(fds) >= {0, 1, 2}, "stdin/stdout/stderr missing: %r" % sorted(fds))
    sockets = [fd for fd, target in fds.items() if target.startswith("socket:")]
    check(len(sockets) >= 2, "expected at least the upstream and the Redis sockets, got %r"
          % sorted(fds.items()))
    inherited = []
    for fd, target in sorted(fds.items()):
        if fd <= 2:
            continue
        try:
            flags = fd_flags(d.pid, fd)
        except OSError:
            continue                  # closed since the listing
        if not flags & O_CLOEXEC_FDINFO:
            inherited.append("%d -> %s (flags 0%o)" % (fd, target, flags))
    if WRAPPER:
        log("(under %s: its own descriptors are checked too)" % WRAPPER[0])
    check(not inherited, "descriptors without close-on-exec (a child would inherit them):\n  %s"
          % "\n  ".join(inherited))
    log("%d descriptors above 2, all close-on-exec" % (len(fds) - 3))

    cmd, names, out = lsof_tcp(d.pid)
    log("%s:\n%s" % (cmd, out.rstrip()))
    check(len(names) == 2, "%s listed %d TCP sockets, expected 2 (one to the WebSocket "
          "server, one to Redis)" % (cmd, len(names)))
    remotes = []
    for name, state in names:
        check("->" in name and state == "(ESTABLISHED)",
              "expected two established connections, got %r" % names)
        remotes.append(name.split("->", 1)[1].rsplit(":", 1)[1])
    to_ws = [p for p in remotes if p in port_names(w.port)]
    to_redis = [p for p in remotes if p in port_names(r.port)]
    check(len(to_ws) == 1 and len(to_redis) == 1,
          "expected one socket to the WebSocket port %d and one to the Redis port %d, "
          "lsof shows remote ports %r" % (w.port, r.port, remotes))

    d.stop()


if __name__ == "__main__":
    main(test)
