#!/usr/bin/python3
"""Mutual TLS: a wss:// server that requires a client certificate signed
by its CA gets no connection from a daemon without tls_cert_file (it
retries: wspushd_connection_attempts_total reaches 3,
wspushd_connections_total stays 0, a failure line is logged, the server
sees no open); with tls_cert_file and tls_key_file the daemon connects,
delivers, and the server sees the client certificate's name.  Each daemon
is stopped with SIGTERM and must exit 0.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, free_port, log, main, metric, wait_metric,
                     wait_until)
from tls_scenarios import accepted, failure_lines, make_pki


def test(ctx):
    pki, ca = make_pki(ctx)
    good = pki.signed("good", "localhost", "ca")
    client = pki.signed("client", "wspushd-client", "ca", kind="client", san="DNS:wspushd-client")
    r = ctx.redis().start()
    w = ctx.ws(cert=good[0], key=good[1], client_ca=ca).start()

    mport = free_port()
    d = ctx.daemon(config_text(w.url(host="localhost"), r.port,
                               {"tls_ca_file": ca}, daemon={"log_level": "debug"},
                               metrics_port=mport),
                   ["--channel", "f"]).start()
    wait_until(lambda: r.subscribed(["f"], []), 15, "subscription to f")
    wait_metric(mport, "wspushd_connection_attempts_total", lambda v: v >= 3, 15)
    wait_until(lambda: failure_lines(d), 15, "a failure line without a client certificate")
    check(metric(mport, "wspushd_connections_total") == 0,
          "no client certificate: no attempt may reach open")
    check(d.alive() and not w.log.opens(), "no client certificate: no connection may open")
    log("without a client certificate: %s" % failure_lines(d)[0])
    d.stop(signal.SIGTERM)

    d, op = accepted(ctx, r, w, w.url(host="localhost"),
                     {"tls_ca_file": ca, "tls_cert_file": client[0], "tls_key_file": client[1]},
                     "f2", b"mutual")
    check(op.get("tls", {}).get("client_cn") == "wspushd-client",
          "the server should see the client certificate, saw %r" % op.get("tls"))
    d.stop(signal.SIGTERM)
    log("with tls_cert_file/tls_key_file: connected as %s" % op["tls"]["client_cn"])


if __name__ == "__main__":
    main(test)
