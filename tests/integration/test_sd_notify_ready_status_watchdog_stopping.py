#!/usr/bin/python3
"""The daemon speaks sd_notify(3) to the service manager: READY=1 only once
it is subscribed in Redis, STATUS= lines that follow the connection
("open to ...", "connecting (attempt N, next in ...)"), WATCHDOG=1 at about
half of WATCHDOG_USEC, RELOADING=1 then READY=1 around every SIGHUP (a
good file and a rejected one alike: the manager must leave "reloading"
either way), and STOPPING=1 on SIGTERM.

The test plays the service manager: it creates the NOTIFY_SOCKET datagram
socket itself and reads what arrives.
"""
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, log, main, scaled, wait_connected,
                     wait_until)


class Manager:
    """A NOTIFY_SOCKET listener recording (time, field) pairs."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.sock.settimeout(0.1)
        self.path = path
        self.lines = []
        self.lock = threading.Lock()
        self.done = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        deadline = time.monotonic() + 600   # bounded, whatever happens
        while not self.done and time.monotonic() < deadline:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            now = time.monotonic()
            with self.lock:
                for line in data.decode(errors="replace").split("\n"):
                    if line:
                        self.lines.append((now, line))

    def seen(self, prefix):
        with self.lock:
            return [(t, l) for t, l in self.lines if l.startswith(prefix)]

    def after(self, index, prefix):
        """Indexes (in arrival order) of the fields starting with prefix
        that came after position `index`."""
        with self.lock:
            return [i for i, (_, l) in enumerate(self.lines) if i > index and l.startswith(prefix)]

    def count(self):
        with self.lock:
            return len(self.lines)

    def close(self):
        self.done = True
        self.t.join(5)
        self.sock.close()


def sighup_and_wait(d, mgr, what):
    start = mgr.count() - 1
    d.proc.signal(signal.SIGHUP)
    reloading = wait_until(lambda: mgr.after(start, "RELOADING=1"), 10,
                           "RELOADING=1 after SIGHUP (%s)" % what)
    ready = wait_until(lambda: mgr.after(reloading[0], "READY=1"), 10,
                       "READY=1 after RELOADING=1 (%s)" % what)
    check(len(reloading) == 1, "one RELOADING=1 per SIGHUP (%s), saw %d" % (what, len(reloading)))
    check(not mgr.after(start, "READY=1")[0] < reloading[0],
          "READY=1 came before RELOADING=1 (%s)" % what)
    log("SIGHUP with %s: RELOADING=1 (#%d) then READY=1 (#%d)" % (what, reloading[0], ready[0]))


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    mgr = Manager(ctx.path("notify.sock"))
    try:
        run(ctx, r, w, mgr)
    finally:
        mgr.close()


def run(ctx, r, w, mgr):
    # Redis is stopped first: READY=1 must wait for the subscription.
    r.kill()
    watchdog_usec = 1000000
    env = {"NOTIFY_SOCKET": mgr.path, "WATCHDOG_USEC": str(watchdog_usec)}
    d = ctx.daemon(config_text(w.url(), r.port), ["--channel", "events"], env=env).start()
    wait_connected(d, w)
    wait_until(lambda: mgr.seen("STATUS=open to "), 10, "STATUS=open to ...")
    check(not mgr.seen("READY=1"), "READY=1 came before Redis was subscribed")
    log("no READY=1 while Redis is down; status: %s" % mgr.seen("STATUS=")[-1][1])

    r.start()
    wait_until(lambda: mgr.seen("READY=1"), 20, "READY=1 once subscribed")
    wait_until(lambda: r.subscribed(["events"], []), 10, "the subscription")
    check(len(mgr.seen("READY=1")) == 1, "READY=1 should be sent once")

    # The watchdog: about every WATCHDOG_USEC / 2 from the loop.
    n0 = len(mgr.seen("WATCHDOG=1"))
    wait_until(lambda: len(mgr.seen("WATCHDOG=1")) >= n0 + 4, 10, "four more WATCHDOG=1")
    times = [t for t, _ in mgr.seen("WATCHDOG=1")][-4:]
    gaps = [b - a for a, b in zip(times, times[1:])]
    log("watchdog gaps: %s" % ", ".join("%.3fs" % g for g in gaps))
    check(all(0.3 <= g <= scaled(0.8) for g in gaps),
          "WATCHDOG=1 should come every ~0.5s, gaps %r" % gaps)

    # SIGHUP: RELOADING=1, then READY=1 once the new file is applied.
    sighup_and_wait(d, mgr, "a good file")
    check(d.alive(), "the daemon must survive a reload")
    # A rejected file (unknown key): still RELOADING=1 then READY=1.
    with open(d.config_path) as f:
        good = f.read()
    d.rewrite_config(good.replace("[daemon]\n", "[daemon]\nno_such_key = 1\n", 1))
    sighup_and_wait(d, mgr, "a rejected file")
    wait_until(lambda: "reload rejected" in d.log_text(), 10, "the rejection in the log")
    d.rewrite_config(good)
    check(d.alive() and r.subscribed(["events"], []), "still running and subscribed")

    # The upstream goes away: STATUS= says we are reconnecting.
    w.kill()
    wait_until(lambda: any("connecting (attempt" in l for _, l in mgr.seen("STATUS=")), 15,
               "STATUS=connecting (attempt ...)")
    log("while down: %s" % [l for _, l in mgr.seen("STATUS=connecting")][-1])

    d.stop(signal.SIGTERM)
    wait_until(lambda: mgr.seen("STOPPING=1"), 5, "STOPPING=1")
    log("READY, STATUS, WATCHDOG and STOPPING all seen")


if __name__ == "__main__":
    main(test)
