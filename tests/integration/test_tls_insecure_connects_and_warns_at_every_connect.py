#!/usr/bin/python3
"""tls_insecure = yes accepts a certificate for the wrong name, and warns
that the certificate is not checked at every connect, not just once: the
daemon connects and delivers; the server is killed and restarted, the
daemon reconnects (wspushd_connections_total 2) and logs the warning a
second time.  SIGTERM: exit 0.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, free_port, log, main, wait_connected, wait_metric, wait_until
from tls_scenarios import accepted, make_pki


def test(ctx):
    pki, ca = make_pki(ctx)
    wrong = pki.signed("wrong", "wrong.example", "ca")
    r = ctx.redis().start()
    w = ctx.ws(cert=wrong[0], key=wrong[1]).start()
    mport = free_port()
    d, _ = accepted(ctx, r, w, w.url(host="localhost"),
                    {"tls_ca_file": ca, "tls_insecure": "yes"}, "e", b"insecure",
                    metrics_port=mport)

    def warnings():
        return [line for line in d.log_text().splitlines()
                if "tls_insecure" in line and "not checked" in line]
    check(len(warnings()) >= 1, "tls_insecure should be warned about at connect")
    w.kill()
    w.start()
    wait_connected(d, w, n_opens=2)
    wait_metric(mport, "wspushd_connections_total", 2)
    wait_until(lambda: len(warnings()) >= 2, 10,
               lambda: "a second tls_insecure warning at the reconnect; log:\n%s" % d.log_text())
    log("insecure connects, warned at each of 2 connects: %s" % warnings()[0])
    d.stop(signal.SIGTERM)


if __name__ == "__main__":
    main(test)
