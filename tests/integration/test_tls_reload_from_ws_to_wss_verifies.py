#!/usr/bin/python3
"""A daemon started on a ws:// upstream (which leaves OpenSSL's global
set-up undone) and reloaded (SIGHUP) to a wss:// upstream with a trusted
certificate connects to it, verifies it and delivers a message published
after the reload.  SIGTERM: exit 0.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, wait_connected, wait_until
from tls_scenarios import accepted, make_pki


def test(ctx):
    pki, ca = make_pki(ctx)
    good = pki.signed("good", "localhost", "ca")
    r = ctx.redis().start()
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
    log("ws:// at start, reloaded to wss://: verified and delivered")


if __name__ == "__main__":
    main(test)
