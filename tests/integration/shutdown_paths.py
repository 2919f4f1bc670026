"""shutdown_paths.py - what the SIGTERM scenarios (test_sigterm_*.py and
the start/stop cycles) share: one configuration, drain_timeout = 2s,
close_timeout = 1s, fin_timeout = 1s; a SIGTERM that must end in exit 0
within drain_timeout + 1 s (stretched under a wrapper); a daemon connected
to the recorder with one message delivered; the check that no socket of
the daemon stays in CLOSE_WAIT."""
import signal
import time

from harness import check, config_text, scaled, wait_connected, wait_until

DRAIN = 2.0
CLOSE = 1.0
MARGIN = 1.0
CLOSE_WAIT_MAX = 0.2      # a CLOSE_WAIT seen longer than this (scaled) is a leak


def cfg(url, r, metrics_port=None, **queue):
    return config_text(url, r.port,
                       upstream={"close_timeout": "1s", "fin_timeout": "1s",
                                 "backoff_min": "100ms", "backoff_max": "300ms"},
                       queue=queue or None,
                       daemon={"drain_timeout": "2s"}, metrics_port=metrics_port)


def sigterm(d, what):
    """SIGTERM; exit 0 within DRAIN + MARGIN required; returns the time."""
    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    # Waits longer than the bound, so that a late exit is measured.
    elapsed = d.wait_exit(t0, signal.SIGTERM, DRAIN + MARGIN + 5)
    check(elapsed <= DRAIN + scaled(MARGIN), "%s: took %.2fs to exit" % (what, elapsed))
    return elapsed


def close_of(w, conn):
    return [c for c in w.log.closes() if c["conn"] == conn]


def connected_daemon(ctx, r, w, channel, n_open):
    """A daemon connected to `w` (its n_open-th connection) that has
    delivered one message on `channel`; returns (daemon, open event)."""
    d = ctx.daemon(cfg(w.url(), r), ["--channel", channel]).start()
    wait_connected(d, w, n_opens=n_open)
    wait_until(lambda: r.numsub(channel) == 1, 15, "the daemon to subscribe to %s" % channel)
    op = w.log.opens()[n_open - 1]
    check(r.publish_many([(channel, b"hello " + channel.encode())]) == [1], "not subscribed")
    wait_until(lambda: [m for m in w.messages() if m["conn"] == op["conn"]], 15,
               "the message on %s" % op["conn"])
    return d, op


def no_lasting_close_wait(samples, what):
    """samples: (time, [(inode, state)]).  No socket stays in CLOSE_WAIT.
    Returns (sockets seen in CLOSE_WAIT, the longest time one stayed)."""
    first, last = {}, {}
    for t, socks in samples:
        for inode, state in socks:
            if state == "CLOSE_WAIT":
                first.setdefault(inode, t)
                last[inode] = t
    worst = max([last[i] - first[i] for i in first] or [0.0])
    check(worst <= scaled(CLOSE_WAIT_MAX),
          "%s: the daemon kept a socket in CLOSE_WAIT for %.2fs" % (what, worst))
    return len(first), worst
