#!/usr/bin/python3
"""A redirect never takes the credentials, or the messages, anywhere else.

The upgrade request carries the configured headers (here an Authorization
bearer token), which are meant for the configured upstream only.  A server
that answers the upgrade with a 3xx must not send the daemon elsewhere.

(a) ws://: tests/servers/ws_faults.py answers its first requests with
      301 Location: ws://127.0.0.2:PORT/elsewhere   (another host)
      302 without a Location
      307 Location: /relative                       (same host, other path)
      308 Location: ws://127.0.0.1:PORT/elsewhere   (same host, other port)
    and then accepts.  A real WebSocket server (the recorder) listens at
    every place the redirects point to.  Each 3xx is a failed attempt: one
    log line names the status and the Location ("not followed"), the daemon
    retries with backoff on the configured upstream, and the messages
    published meanwhile arrive there, in order, once it accepts.  The
    recorders never see a TCP connection, so never the token.
(b) wss:// to ws://: the same over TLS (a throwaway CA), with a redirect to
    a plain ws:// recorder: refused the same way, delivered over TLS after.

Each daemon is stopped with SIGTERM and must exit 0.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, wait_until
from pki import Pki

TOKEN = "Bearer s3cret-redirect-token"


def redirect_failures(d):
    return [l for l in d.log_text().splitlines()
            if "upstream: connect to" in l and "HTTP 3" in l]


def run_case(ctx, r, f, elsewhere, redirects, channel, upstream_extra, host="127.0.0.1"):
    """f answers len(redirects) requests with a 3xx, then records.  Every
    server in `elsewhere` must see nothing at all."""
    up = {"header": "Authorization: " + TOKEN,
          "backoff_min": "50ms", "backoff_max": "200ms"}
    up.update(upstream_extra)
    d = ctx.daemon(config_text(f.url(host=host), r.port, up), ["--channel", channel]).start()
    wait_until(lambda: r.subscribed([channel], []), 15, "the daemon to subscribe")

    # Queued while the upstream only redirects: they must reach f later.
    payloads = [("%s-%d" % (channel, i)).encode() for i in range(5)]
    check(r.publish_many([(channel, p) for p in payloads]) == [1] * len(payloads),
          "the daemon should be subscribed to %s" % channel)

    wait_until(lambda: len(f.log.opens()) >= 1, 20,
               lambda: "a connection after %d redirects (requests so far: %d)"
               % (len(redirects), len(f.events("request"))))
    seen = f.events("redirected")
    check(len(seen) == len(redirects),
          "the server redirected %d requests, expected %d" % (len(seen), len(redirects)))
    # The token went where it belongs, and only there.
    for e in seen:
        check(e.get("authorization") == TOKEN,
              "the configured upstream should get the header, got %r" % e.get("authorization"))

    wait_until(lambda: len(f.messages()) >= len(payloads), 15,
               lambda: "the queued messages to arrive (%d of %d)"
               % (len(f.messages()), len(payloads)))
    got = [bytes.fromhex(m["hex"]) for m in f.messages()]
    check(got == payloads, "delivered %r, expected %r" % (got, payloads))

    # Sentinel last: anything that went elsewhere would have gone before it.
    check(r.publish_many([(channel, b"sentinel")]) == [1], "still subscribed")
    wait_until(lambda: any(m.get("hex") == b"sentinel".hex() for m in f.messages()), 15,
               "the sentinel to arrive")
    for w in elsewhere:
        check(not w.log.events("tcp") and not w.log.opens() and not w.messages(),
              "the redirect target %s was contacted: %s" % (w.url(), w.log.events()[-3:]))

    lines = redirect_failures(d)
    check(len(lines) == len(redirects),
          "one log line per redirect expected, got %d: %s" % (len(lines), lines))
    for (status, location), line in zip(redirects, lines):
        check("HTTP %d" % status in line and "not followed" in line,
              "the line should name HTTP %d and say not followed: %s" % (status, line))
        if location:
            check(location in line, "the line should name %s: %s" % (location, line))
        else:
            check("without Location" in line, "the line should say there was no Location: %s"
                  % line)
        check(TOKEN not in line and "s3cret" not in line, "the token leaked into the log")
    check("s3cret" not in d.log_text(), "the token leaked into the log")
    for l in lines:
        log("  " + l.strip())
    d.stop(signal.SIGTERM)


def test(ctx):
    r = ctx.redis().start()

    # (a) plain ws://, redirects to another host, to nowhere, to a path,
    # to another port.
    other_host = ctx.ws(host="127.0.0.2").start()
    other_port = ctx.ws().start()
    redirects = [
        (301, other_host.url("/elsewhere")),
        (302, None),
        (307, "/relative"),
        (308, other_port.url("/elsewhere")),
    ]
    plan = ["redirect:%d%s" % (s, ":" + loc if loc else "") for s, loc in redirects]
    f = ctx.faults(plan=plan, default="record").start()
    log("(a) ws:// upstream redirecting 4 times")
    run_case(ctx, r, f, [other_host, other_port], redirects, "plain", {})

    # (b) wss:// redirecting to ws://: no downgrade, no second host.
    pki = Pki(ctx.mkdir("pki"))
    ca = pki.ca("ca", "wspushd test CA")
    cert, key = pki.signed("good", "localhost", "ca")
    plain = ctx.ws().start()
    redirects = [(301, plain.url("/downgraded"))]
    f = ctx.faults(plan=["redirect:301:" + plain.url("/downgraded")], default="record",
                   cert=cert, key=key).start()
    log("(b) wss:// upstream redirecting to ws://")
    run_case(ctx, r, f, [plain], redirects, "tls", {"tls_ca_file": ca}, host="localhost")


if __name__ == "__main__":
    main(test)
