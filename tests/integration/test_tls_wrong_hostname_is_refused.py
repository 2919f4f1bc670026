#!/usr/bin/python3
"""A wss:// upstream whose certificate, signed by the trusted CA, is for
another name ("wrong.example", the url says localhost) is refused: the
server never sees a WebSocket open and nothing is delivered; one log line
says the host name does not match ("... failed: TLS: ... hostname
mismatch"); the daemon stays up and retries with backoff
(wspushd_connection_attempts_total reaches 3, wspushd_connections_total
stays 0); SIGTERM: exit 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import main
from tls_scenarios import make_pki, refused


def test(ctx):
    pki, ca = make_pki(ctx)
    wrong = pki.signed("wrong", "wrong.example", "ca")
    r = ctx.redis().start()
    w = ctx.ws(cert=wrong[0], key=wrong[1]).start()
    refused(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": ca}, "b",
            r"host ?name mismatch|does not match|hostname", "wrong name")


if __name__ == "__main__":
    main(test)
