#!/usr/bin/python3
"""A wss:// upstream whose certificate is for the url's host name and
signed by the CA in tls_ca_file is connected to, and a published message
arrives over TLS.

The PKI is made with the `openssl` command in the test's temp dir
(tls_scenarios.make_pki); the real python3-websockets server
(tests/servers/ws_recorder.py --cert/--key) serves wss:// on loopback, at
wss://localhost:PORT.  It records the SNI it received: "localhost".  The
daemon is stopped with SIGTERM and must exit 0.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, main
from tls_scenarios import accepted, make_pki


def test(ctx):
    pki, ca = make_pki(ctx)
    good = pki.signed("good", "localhost", "ca")
    r = ctx.redis().start()
    w = ctx.ws(cert=good[0], key=good[1]).start()
    d, op = accepted(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": ca}, "a", b"over TLS")
    check(op.get("tls", {}).get("sni") == "localhost",
          "SNI should be localhost, the server saw %r" % op.get("tls"))
    d.stop(signal.SIGTERM)
    log("verified connection, message delivered (%s)" % op["tls"]["version"])


if __name__ == "__main__":
    main(test)
