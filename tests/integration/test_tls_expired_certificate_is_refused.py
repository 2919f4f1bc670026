#!/usr/bin/python3
"""A wss:// upstream whose certificate (right name, trusted CA) expired in
2020 is refused: no WebSocket open, nothing delivered; one log line says
it has expired ("... failed: TLS: certificate has expired"); the daemon
stays up and retries (wspushd_connection_attempts_total reaches 3,
wspushd_connections_total stays 0); SIGTERM: exit 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import main
from tls_scenarios import make_pki, refused


def test(ctx):
    pki, ca = make_pki(ctx)
    expired = pki.expired("expired", "localhost", "ca")
    r = ctx.redis().start()
    w = ctx.ws(cert=expired[0], key=expired[1]).start()
    refused(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": ca}, "d",
            r"certificate has expired|expired", "expired")


if __name__ == "__main__":
    main(test)
