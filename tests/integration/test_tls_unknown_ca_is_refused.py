#!/usr/bin/python3
"""A wss:// upstream whose certificate (for the right name) was signed by a
CA that tls_ca_file does not hold is refused: no WebSocket open, nothing
delivered; one log line says the issuer is unknown ("... failed: TLS:
unable to get local issuer certificate"); the daemon stays up and retries
(wspushd_connection_attempts_total reaches 3, wspushd_connections_total
stays 0); SIGTERM: exit 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import main
from tls_scenarios import make_pki, refused


def test(ctx):
    pki, _ = make_pki(ctx)
    other_ca = pki.ca("other-ca", "unrelated test CA")
    good = pki.signed("good", "localhost", "ca")
    r = ctx.redis().start()
    w = ctx.ws(cert=good[0], key=good[1]).start()
    refused(ctx, r, w, w.url(host="localhost"), {"tls_ca_file": other_ca}, "c",
            r"unable to get local issuer certificate|unknown (ca|issuer)|self.signed",
            "unknown CA")


if __name__ == "__main__":
    main(test)
