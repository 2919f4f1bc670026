#!/usr/bin/python3
"""wss:// upstreams are verified, and every refusal says why.

A throwaway PKI is made with the `openssl` command in the test's temp dir
(a CA, a second unrelated CA, server certificates for "localhost", for
"wrong.example" and an expired one, a client certificate), and the real
python3-websockets server (tests/servers/ws_recorder.py --cert/--key)
serves wss:// on loopback with each in turn:

(a) a certificate for localhost signed by tls_ca_file's CA: connects, a
    published message arrives;
(b) a certificate for another name: refused, one clear log line says the
    host name does not match; the daemon stays up and retries with
    backoff; nothing is delivered;
(c) a certificate from a CA that tls_ca_file does not hold: refused, the
    line says the issuer is unknown;
(d) an expired certificate: refused, the line says it has expired;
(e) tls_insecure = yes with the wrong-name certificate: connects, and a
    warning is logged at every connect (checked over two connects);
(f) a server that requires a client certificate signed by the CA (mutual
    TLS): without tls_cert_file no connection opens; with tls_cert_file
    and tls_key_file it connects and the server sees the client's name;
(g) url wss://127.0.0.1:PORT with tls_server_name = localhost: connects,
    the server receives SNI "localhost"; without tls_server_name the same
    url is refused (the address is not a name the certificate holds).
(h) a daemon started on a ws:// upstream (which leaves OpenSSL's global
    set-up undone) and reloaded to wss:// verifies and delivers.

Each daemon is stopped with SIGTERM and must exit 0.
"""
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, log, main, ms, sample_for, scaled,
                     wait_connected, wait_until)
from pki import Pki

def failure_lines(d):
    return [l for l in d.log_text().splitlines() if "upstream: connect to" in l and "failed" in l]


def attempts(d):
    """Connection attempts the daemon made (its debug lines)."""
    return len(re.findall(r"upstream: connecting to \S+ at ", d.log_text()))


def refused(ctx, r, w, url, upstream, channel, reason_re, what):
    """The daemon must not open a connection to `w`; one failure line must
    match reason_re; it stays up, retries (>= 3 attempts), and a message
    published meanwhile is not delivered."""
    up = {"url": url}
    up.update(upstream)
    # The message stays queued: a short drain_timeout keeps SIGTERM quick.
    d = ctx.daemon(config_text(url, r.port, up, daemon={"log_level": "debug",
                                                        "drain_timeout": ms(scaled(1))}),
                   ["--channel", channel]).start()
    wait_until(lambda: r.subscribed([channel], []), 15, "subscription to %s" % channel)
    check(r.publish_many([(channel, b"must not arrive")]) == [1], "daemon should be subscribed")

    def reason_seen():
        check(d.alive(), "%s exited (status %s)" % (d.name, d.proc.p.returncode))
        return [l for l in failure_lines(d) if re.search(reason_re, l, re.I)]
    lines = wait_until(reason_seen, 15, lambda: "a failure line matching %r; got %s"
                       % (reason_re, failure_lines(d)[-3:]))
    log("%s: %s" % (what, lines[0]))
    wait_until(lambda: attempts(d) >= 3, 15, lambda: "3 attempts (seen %d)" % attempts(d))
    check(d.alive(), "the daemon must stay up after a refused certificate")
    check(not w.log.opens(), "%s: the server must see no WebSocket open, saw %s"
          % (what, w.log.opens()))
    check(not w.messages(), "%s: nothing may be delivered" % what)
    # The reason in one line: "... failed: TLS: <reason>" carries it all.
    check(" TLS: " in lines[0], "%s: the failure line should say it is TLS: %r" % (what, lines[0]))
    d.stop(signal.SIGTERM)
    return lines[0]


def accepted(ctx, r, w, url, upstream, channel, payload):
    """The daemon connects to `w` and delivers `payload` published on
    `channel`; returns (daemon, open event) with the daemon still running."""
    up = {"url": url}
    up.update(upstream)
    d = ctx.daemon(config_text(url, r.port, up), ["--channel", channel]).start()
    n_before = len(w.log.opens())
    wait_connected(d, w, n_opens=n_before + 1)
    wait_until(lambda: r.subscribed([channel], []), 15, "subscription to %s" % channel)
    check(r.publish_many([(channel, payload)]) == [1], "daemon should be subscribed")
    wait_until(lambda: any(m.get("hex") == payload.hex() for m in w.messages()), 10,
               "%r to arrive" % payload)
    return d, w.log.opens()[-1]


def test(ctx):
    pki = Pki(ctx.mkdir("pki"))
    ca = pki.ca("ca", "wspushd test CA")
    other_ca = pki.ca("other-ca", "unrelated test CA")
    good = pki.signed("good", "localhost", "ca")
    wrong = pki.signed("wrong", "wrong.example", "ca")
    expired = pki.expired("expired", "localhost", "ca")
    client = pki.signed("client", "wspushd-client", "ca", kind="client", san="DNS:wspushd-client")
    log("PKI made in %s" % pki.d)

    r = ctx.redis().start()

    # (a) good certificate, our CA: connects, delivers.
    w = ctx.ws(cert=good[0], key=good[1]).start()
    d, op = accepted(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": ca}, "a", b"over TLS")
    check(op.get("tls", {}).get("sni") == "localhost",
          "SNI should be localhost, the server saw %r" % op.get("tls"))
    d.stop(signal.SIGTERM)
    log("(a) verified connection, message delivered (%s)" % op["tls"]["version"])

    # (b) wrong host name.
    w = ctx.ws(cert=wrong[0], key=wrong[1]).start()
    refused(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": ca}, "b",
            r"host ?name mismatch|does not match|hostname", "(b) wrong name")

    # (c) a CA we do not trust.
    w = ctx.ws(cert=good[0], key=good[1]).start()
    refused(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": other_ca}, "c",
            r"unable to get local issuer certificate|unknown (ca|issuer)|self.signed",
            "(c) unknown CA")

    # (d) expired.
    w = ctx.ws(cert=expired[0], key=expired[1]).start()
    refused(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": ca}, "d",
            r"certificate has expired|expired", "(d) expired")

    # (e) tls_insecure = yes accepts the wrong name, and warns at every connect.
    w = ctx.ws(cert=wrong[0], key=wrong[1]).start()
    d, _ = accepted(ctx, r, w, w.url(host="localhost"),
                    {"tls_ca_file": ca, "tls_insecure": "yes"}, "e", b"insecure")

    def warnings():
        return [l for l in d.log_text().splitlines() if "tls_insecure" in l and "not checked" in l]
    check(len(warnings()) >= 1, "tls_insecure should be warned about at connect")
    w.kill()
    w.start()
    wait_connected(d, w, n_opens=2)
    wait_until(lambda: len(warnings()) >= 2, 10,
               lambda: "a second tls_insecure warning at the reconnect; log:\n%s" % d.log_text())
    log("(e) insecure connects, warned: %s" % warnings()[0])
    d.stop(signal.SIGTERM)

    # (f) mutual TLS.
    w = ctx.ws(cert=good[0], key=good[1], client_ca=ca).start()
    d = ctx.daemon(config_text(w.url(host="localhost"), r.port,
                               {"tls_ca_file": ca}, daemon={"log_level": "debug"}),
                   ["--channel", "f"]).start()
    wait_until(lambda: r.subscribed(["f"], []), 15, "subscription to f")
    wait_until(lambda: attempts(d) >= 3 and failure_lines(d), 15,
               lambda: "3 failed attempts without a client certificate (%d, %s)"
               % (attempts(d), failure_lines(d)[-2:]))
    check(d.alive() and not w.log.opens(), "no client certificate: no connection may open")
    log("(f) without a client certificate: %s" % failure_lines(d)[0])
    d.stop(signal.SIGTERM)
    d, op = accepted(ctx, r, w, w.url(host="localhost"),
                     {"tls_ca_file": ca, "tls_cert_file": client[0], "tls_key_file": client[1]},
                     "f2", b"mutual")
    check(op.get("tls", {}).get("client_cn") == "wspushd-client",
          "the server should see the client certificate, saw %r" % op.get("tls"))
    d.stop(signal.SIGTERM)
    log("(f) with tls_cert_file/tls_key_file: connected as %s" % op["tls"]["client_cn"])

    # (g) url by address; tls_server_name gives the name for SNI and the check.
    w = ctx.ws(cert=good[0], key=good[1]).start()
    refused(ctx, r, w, w.url(host="127.0.0.1"), {"tls_ca_file": ca}, "g0",
            r"host ?name mismatch|does not match|hostname|IP address mismatch|mismatch",
            "(g) address without tls_server_name")
    d, op = accepted(ctx, r, w, w.url(host="127.0.0.1"),
                     {"tls_ca_file": ca, "tls_server_name": "localhost"}, "g", b"by name")
    check(op.get("tls", {}).get("sni") == "localhost",
          "SNI should be tls_server_name, the server saw %r" % op.get("tls"))
    counts = sample_for(0.3, lambda: d.upstream_sockets(w))
    check(max(counts) == 1, "one upstream socket, saw %s" % sorted(set(counts)))
    d.stop(signal.SIGTERM)
    log("(g) tls_server_name = localhost on a 127.0.0.1 url: connected, SNI localhost")

    # (h) ws:// at start, wss:// after a reload.
    plain = ctx.ws().start()
    d, _ = accepted(ctx, r, plain, plain.url(), {}, "h", b"plain first")
    w = ctx.ws(cert=good[0], key=good[1]).start()
    d.rewrite_config(config_text(w.url(host="localhost"), r.port, {"tls_ca_file": ca}))
    d.proc.signal(signal.SIGHUP)
    wait_connected(d, w, n_opens=1)
    check(r.publish_many([("h", b"then over TLS")]) == [1], "daemon should be subscribed")
    wait_until(lambda: any(m.get("hex") == b"then over TLS".hex() for m in w.messages()), 10,
               "the message after the reload to arrive over TLS")
    d.stop(signal.SIGTERM)
    log("(h) ws:// at start, reloaded to wss://: verified and delivered")


if __name__ == "__main__":
    main(test)
