#!/usr/bin/python3
"""Every descriptor the daemon holds, other than stdin, stdout and stderr, is
close-on-exec (O_CLOEXEC in the "flags:" line of /proc/PID/fdinfo/N), while
it is connected upstream and subscribed in Redis.  The harness starts the
daemon with close_fds=True, so no descriptor of the test leaks in (one that
did would lack the flag, since it survived an exec).

And the README's check, `lsof -p PID -a -i TCP`, lists exactly two TCP
sockets: one to the WebSocket server's port, one to Redis' port.

That last claim holds while the Redis PING probe is off ([redis]
ping_interval = 0): with it on, the daemon opens a second connection to
Redis at the first ping_interval and keeps it (systemd/wspushd.conf: "on a
second connection").  So a second daemon runs with the probe on and fast
(300ms): once the probe is connected, its socket must be close-on-exec too,
lsof must still show exactly one socket to the WebSocket port, and the
Redis sockets must be the one subscribed connection and at most one more.
"""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (O_CLOEXEC_FDINFO, WRAPPER, bring_up, check, fd_flags, log, main, ms,
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
    """Runs the README's command; returns (the command, [(NAME, STATE)],
    the raw output)."""
    argv = ["lsof", "-p", str(pid), "-a", "-i", "TCP"]
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                       timeout=scaled(20))
    out = p.stdout.decode(errors="replace")
    lines = out.splitlines()
    check(p.returncode == 0 and lines and lines[0].split()[:2] == ["COMMAND", "PID"],
          "%s failed (status %d): %s%s" % (" ".join(argv), p.returncode, out,
                                          p.stderr.decode(errors="replace")))
    # NAME is "local->remote" and the state "(ESTABLISHED)" follows it.
    names = []
    for line in lines[1:]:
        cols = line.split()
        check(len(cols) >= 9 and cols[-1].startswith("("), "odd lsof line: %r" % line)
        names.append((cols[-2], cols[-1]))
    return " ".join(argv), names, out


def remote_ports(cmd, names):
    out = []
    for name, state in names:
        check("->" in name and state == "(ESTABLISHED)",
              "%s: expected established connections only, got %r" % (cmd, names))
        out.append(name.split("->", 1)[1].rsplit(":", 1)[1])
    return out


def check_cloexec(d):
    fds = open_fds(d.pid)
    log("%s descriptors: %s" % (d.name, sorted(fds.items())))
    check(set(fds) >= {0, 1, 2}, "stdin/stdout/stderr missing: %r" % sorted(fds))
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
    check(not inherited, "%s: descriptors without close-on-exec (a child would inherit "
          "them):\n  %s" % (d.name, "\n  ".join(inherited)))
    log("%s: %d descriptors above 2, all close-on-exec" % (d.name, len(fds) - 3))
    return fds


def test(ctx):
    # 1. Health check and status writes off: exactly the README's picture.
    r, w, d = bring_up(ctx, channels=["events"], patterns=["alerts.*"],
                       redis={"ping_interval": "0"}, status={"key": "", "channel": ""})
    check(r.publish_many([("events", b"hello")]) == [1], "not subscribed")
    wait_until(lambda: w.messages(), 15, "the message to arrive")
    fds = check_cloexec(d)
    sockets = [fd for fd, target in fds.items() if target.startswith("socket:")]
    check(len(sockets) >= 2, "expected at least the upstream and the Redis sockets, got %r"
          % sorted(fds.items()))

    cmd, names, out = lsof_tcp(d.pid)
    log("%s:\n%s" % (cmd, out.rstrip()))
    check(len(names) == 2, "%s listed %d TCP sockets, expected 2 (one to the WebSocket "
          "server, one to Redis)" % (cmd, len(names)))
    ports = remote_ports(cmd, names)
    to_ws = [p for p in ports if p in port_names(w.port)]
    to_redis = [p for p in ports if p in port_names(r.port)]
    check(len(to_ws) == 1 and len(to_redis) == 1,
          "expected one socket to the WebSocket port %d and one to the Redis port %d, "
          "lsof shows remote ports %r" % (w.port, r.port, ports))
    d.stop()

    # 2. Probe on, every 300ms: its connection is close-on-exec too.
    r2, w2, d2 = bring_up(ctx, channels=["events"],
                          redis={"ping_interval": "300ms", "ping_timeout": ms(scaled(3))})

    def probe_connected():
        clients = [c for c in r2.call("CLIENT", "LIST").decode().splitlines()
                   if "cmd=ping" in c and " sub=0 " in c and " psub=0 " in c]
        return clients
    probe = wait_until(probe_connected, 15, "the daemon's PING probe to connect to Redis")
    log("probe connection: %s" % probe[0][:200])
    check_cloexec(d2)
    cmd, names, out = lsof_tcp(d2.pid)
    log("%s:\n%s" % (cmd, out.rstrip()))
    ports = remote_ports(cmd, names)
    to_ws = [p for p in ports if p in port_names(w2.port)]
    to_redis = [p for p in ports if p in port_names(r2.port)]
    check(len(to_ws) == 1, "expected one socket to the WebSocket port %d, lsof shows "
          "remote ports %r" % (w2.port, ports))
    check(1 <= len(to_redis) <= 2 and len(ports) == len(to_ws) + len(to_redis),
          "expected the subscribed connection and at most one probe to the Redis port %d, "
          "lsof shows remote ports %r" % (r2.port, ports))
    check(len(r2.pubsub_clients()) == 1, "expected one subscribed client")
    d2.stop()


if __name__ == "__main__":
    main(test)
