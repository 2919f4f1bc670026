"""tls_scenarios.py - what the test_tls_*.py scenarios share: the PKI they
need (pki.py, made with the openssl command in the test's temp dir), and
the two outcomes a wss:// upstream can have, refused or accepted, each
checked from outside (the recorder's opens and messages, the daemon's
counters at its [metrics] endpoint, its log line saying why)."""
import re
import signal

from harness import (check, config_text, free_port, log, metric, ms, scaled, wait_connected,
                     wait_metric, wait_until)
from pki import Pki

CA_NAME = "wspushd test CA"


def make_pki(ctx):
    """A Pki in the test's temp dir with its CA ("ca") made: the caller
    adds the certificates its scenario needs.  Returns (pki, CA file)."""
    pki = Pki(ctx.mkdir("pki"))
    ca = pki.ca("ca", CA_NAME)
    log("PKI in %s" % pki.d)
    return pki, ca


def failure_lines(d):
    """The daemon's "upstream: connect to URL failed: ..." lines."""
    return [line for line in d.log_text().splitlines()
            if "upstream: connect to" in line and "failed" in line]


def refused(ctx, r, w, url, upstream, channel, reason_re, what):
    """The daemon must not open a connection to `w`; one failure line must
    match reason_re; it stays up and retries (its counters: >= 3 attempts,
    none reached open), and a message published meanwhile is not
    delivered.  Stops the daemon (exit 0); returns the failure line."""
    up = {"url": url}
    up.update(upstream)
    mport = free_port()
    # The message stays queued: a short drain_timeout keeps SIGTERM quick.
    d = ctx.daemon(config_text(url, r.port, up, daemon={"log_level": "debug",
                                                        "drain_timeout": ms(scaled(1))},
                               metrics_port=mport),
                   ["--channel", channel]).start()
    wait_until(lambda: r.subscribed([channel], []), 15, "subscription to %s" % channel)
    check(r.publish_many([(channel, b"must not arrive")]) == [1], "daemon should be subscribed")

    def reason_seen():
        check(d.alive(), "%s exited (status %s)" % (d.name, d.proc.p.returncode))
        return [line for line in failure_lines(d) if re.search(reason_re, line, re.I)]
    lines = wait_until(reason_seen, 15, lambda: "a failure line matching %r; got %s"
                       % (reason_re, failure_lines(d)[-3:]))
    log("%s: %s" % (what, lines[0]))
    attempts = wait_metric(mport, "wspushd_connection_attempts_total", lambda v: v >= 3, 15)
    check(d.alive(), "the daemon must stay up after a refused certificate")
    connects = metric(mport, "wspushd_connections_total")
    check(connects == 0, "%s: wspushd_connections_total is %r after %d attempts, expected 0"
          % (what, connects, attempts))
    check(not w.log.opens(), "%s: the server must see no WebSocket open, saw %s"
          % (what, w.log.opens()))
    check(not w.messages(), "%s: nothing may be delivered" % what)
    # The reason in one line: "... failed: TLS: <reason>" carries it all.
    check(" TLS: " in lines[0], "%s: the failure line should say it is TLS: %r" % (what, lines[0]))
    d.stop(signal.SIGTERM)
    return lines[0]


def accepted(ctx, r, w, url, upstream, channel, payload, metrics_port=None):
    """The daemon connects to `w` and delivers `payload` published on
    `channel`; returns (daemon, open event) with the daemon still running."""
    up = {"url": url}
    up.update(upstream)
    # Counted before the daemon starts: it may connect while starting.
    n_before = len(w.log.opens())
    d = ctx.daemon(config_text(url, r.port, up, metrics_port=metrics_port),
                   ["--channel", channel]).start()
    wait_connected(d, w, n_opens=n_before + 1)
    wait_until(lambda: r.subscribed([channel], []), 15, "subscription to %s" % channel)
    check(r.publish_many([(channel, payload)]) == [1], "daemon should be subscribed")
    wait_until(lambda: any(m.get("hex") == payload.hex() for m in w.messages()), 10,
               "%r to arrive" % payload)
    return d, w.log.opens()[-1]
