#!/usr/bin/python3
"""An upstream url by address, wss://127.0.0.1:PORT, with a certificate
for localhost: without tls_server_name it is refused (the address is not
a name the certificate holds: no open, a failure line, the daemon
retries); with tls_server_name = localhost the daemon connects, the server
receives SNI "localhost", the message arrives, and the daemon holds one
upstream socket.  Each daemon is stopped with SIGTERM and must exit 0.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, log, main, sample_for
from tls_scenarios import accepted, make_pki, refused


def test(ctx):
    pki, ca = make_pki(ctx)
    good = pki.signed("good", "localhost", "ca")
    r = ctx.redis().start()
    w = ctx.ws(cert=good[0], key=good[1]).start()
    refused(ctx, r, w, w.url(host="127.0.0.1"), {"tls_ca_file": ca}, "g0",
            r"host ?name mismatch|does not match|hostname|IP address mismatch|mismatch",
            "address without tls_server_name")
    d, op = accepted(ctx, r, w, w.url(host="127.0.0.1"),
                     {"tls_ca_file": ca, "tls_server_name": "localhost"}, "g", b"by name")
    check(op.get("tls", {}).get("sni") == "localhost",
          "SNI should be tls_server_name, the server saw %r" % op.get("tls"))
    # An observation over a period (the most sockets held at once), not a
    # wait for something not to happen.
    counts = sample_for(0.3, lambda: d.upstream_sockets(w))
    check(max(counts) == 1, "one upstream socket, saw %s" % sorted(set(counts)))
    d.stop(signal.SIGTERM)
    log("tls_server_name = localhost on a 127.0.0.1 url: connected, SNI localhost")


if __name__ == "__main__":
    main(test)
