#!/usr/bin/python3
"""A name server that never answers does not freeze the daemon, and a real
one (dnsmasq) makes it connect.

The upstream is ws://upstream.test:PORT/ingest, Redis is
redis://127.0.0.1:PORT (an IP: no name to resolve), [daemon] dns_servers
points at 127.0.0.1:<port>, dns_timeout = 2s, connect_timeout = 5s (so the
DNS timeout is what ends each attempt), drain_timeout = 1s.

  1. dns_servers is a UDP socket of the test that reads queries and never
     answers.  Meanwhile the daemon subscribes in Redis and reads every
     message published (they wait in its queue), its queries for
     upstream.test reach the server, each lookup ends with the daemon's own
     "DNS timeout after 2000ms" about 2 s after its first query, and it
     never opens a socket to the WebSocket port (wspushd_connections_total
     0; the 3 messages in wspushd_queue_messages).  SIGTERM while a query
     hangs: exit 0 within drain_timeout + margin, the queued messages
     reported as undelivered.
  2. A second daemon starts against the same silent port; messages are
     queued; then the silent server is replaced, on the same port, by a
     real dnsmasq that answers upstream.test -> 127.0.0.1: the daemon
     connects (dnsmasq logged its query) and delivers everything queued,
     in order, then everything published afterwards; SIGTERM: Close 1001
     (or 1000), exit 0.
"""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (Dnsmasq, SilentUdp, check, check_sequence, config_text,
                     daemon_read_everything, free_port, free_udp_tcp_port, log, main, metric,
                     ms, scaled, tcp_sockets, wait_metric, wait_until)

DNS_TIMEOUT = 2.0
DRAIN = 1.0
MARGIN = 3.0
TOL = 0.5
NAME = "upstream.test"


def cfg_for(ws_port, redis_port, dns_port, metrics_port=None):
    return config_text("ws://%s:%d/ingest" % (NAME, ws_port), redis_port,
                       upstream={"connect_timeout": ms(max(5.0, scaled(5.0))),
                                 "backoff_min": "100ms", "backoff_max": "300ms"},
                       daemon={"dns_servers": "127.0.0.1:%d" % dns_port,
                               "dns_timeout": ms(DNS_TIMEOUT), "drain_timeout": ms(DRAIN)},
                       metrics_port=metrics_port)


def timeout_lines(d):
    return [x for x in d.log_text().splitlines()
            if "cannot resolve %s" % NAME in x and "DNS timeout after 2000ms" in x]


def phase1(ctx, r, w):
    dns = SilentUdp(ctx, port=free_udp_tcp_port())
    mport = free_port()
    d = ctx.daemon(cfg_for(w.port, r.port, dns.port, mport), ["--channel", "one"]).start()
    wait_until(lambda: r.numsub("one") == 1, 15, "the daemon to subscribe while DNS hangs")
    first_q = wait_until(lambda: [q for q in dns.queries if q[1] == NAME], 15,
                         "a query for %s at the silent server" % NAME)[0][0]
    items = [("one", b"queued-%d" % i) for i in range(3)]
    check(r.publish_many(items) == [1, 1, 1], "not subscribed")
    wait_until(lambda: daemon_read_everything(r, d), 15,
               "the daemon to read the messages from Redis while DNS hangs")
    t_timeout = wait_until(lambda: timeout_lines(d) and time.monotonic(), DNS_TIMEOUT + 10,
                           "the daemon's DNS timeout", interval=0.01)
    lookup = t_timeout - first_q
    log("1. subscribed and read 3 messages while DNS hangs; first lookup ended %.3fs after "
        "its first query: %s" % (lookup, timeout_lines(d)[0]))
    check(DNS_TIMEOUT - 0.1 <= lookup <= DNS_TIMEOUT + scaled(TOL),
          "the lookup ended %.3fs after its first query; dns_timeout is %.1fs"
          % (lookup, DNS_TIMEOUT))
    check(not tcp_sockets(d.pid, w.port), "a socket to the WebSocket port without an address?")
    check(not w.log.opens(), "the server saw a connection")
    check(metric(mport, "wspushd_connections_total") == 0, "an attempt reached open?")
    wait_metric(mport, "wspushd_queue_messages", 3)

    # SIGTERM while a lookup hangs: wait for a fresh query, then signal.
    n = len(dns.queries)
    wait_until(lambda: len(dns.queries) > n, DNS_TIMEOUT + 5, "the next query")
    t0 = time.monotonic()
    d.proc.signal(signal.SIGTERM)
    elapsed = d.wait_exit(t0, signal.SIGTERM, DRAIN + MARGIN)
    log("1. SIGTERM during a lookup, 3 queued: exit 0 after %.2fs (drain_timeout %.1fs); "
        "%d queries in all" % (elapsed, DRAIN, len(dns.queries)))
    check(elapsed <= DRAIN + scaled(MARGIN), "took %.2fs to exit" % elapsed)
    check(re.search(r"\b3\b[^,]*\b(undelivered|discarded)", d.log_text()),
          "no log line reports the 3 undelivered messages")
    dns.stop()


def phase2(ctx, r, w):
    port = free_udp_tcp_port()
    dns = SilentUdp(ctx, port=port)
    d = ctx.daemon(cfg_for(w.port, r.port, port), ["--channel", "two"]).start()
    wait_until(lambda: r.numsub("two") == 1, 15, "the second daemon to subscribe")
    wait_until(lambda: [q for q in dns.queries if q[1] == NAME], 15, "its first query")
    before = [b"while-dns-is-silent-%d" % i for i in range(20)]
    check(r.publish_many([("two", p) for p in before]) == [1] * len(before), "not subscribed")
    wait_until(lambda: daemon_read_everything(r, d), 15, "the daemon to read them")
    check(not w.log.opens(), "connected without DNS?")

    dns.stop()                                   # the port is free again
    mq = Dnsmasq(ctx, {NAME: "127.0.0.1"}, port=port).start()
    t_up = time.monotonic()
    wait_until(lambda: (check(d.alive(), "the daemon exited") or w.log.open_connections()),
               DNS_TIMEOUT + 15, "the daemon to resolve %s and connect" % NAME)
    log("2. connected %.2fs after dnsmasq came up; dnsmasq logged %d queries for %s"
        % (time.monotonic() - t_up, mq.queries(NAME), NAME))
    check(mq.queries(NAME) >= 1, "dnsmasq logged no query for %s" % NAME)
    check(w.log.opens()[0]["path"] == "/ingest", "path %r" % w.log.opens()[0]["path"])
    after = [b"after-dnsmasq-%d" % i for i in range(5)]
    check(r.publish_many([("two", p) for p in after]) == [1] * len(after), "not subscribed")
    wait_until(lambda: len(w.messages()) >= len(before) + len(after), 15,
               lambda: "%d messages (have %d)" % (len(before) + len(after), len(w.messages())))
    check_sequence(w.messages(), [("text", p) for p in before + after], "through dnsmasq")
    d.stop(timeout=DRAIN + MARGIN)
    wait_until(lambda: w.log.closes(), 10, "the server to record the close")
    code = w.log.closes()[0]["code"]
    check(code in (1000, 1001), "the server saw close code %r" % code)


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    phase1(ctx, r, w)
    phase2(ctx, r, w)


if __name__ == "__main__":
    main(test)
