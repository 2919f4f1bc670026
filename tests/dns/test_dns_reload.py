"""test_dns_reload.py - new name servers (a reload's dns_set_servers())
apply to the lookups that follow, on the resolver's one channel.

    /usr/bin/python3 tests/dns/test_dns_reload.py /path/to/dns_probe

  a. dnsmasq first: nosuch.test is "name not found" (so the channel was
     built and used); from inside that callback the servers become a
     silent UDP server, and the next lookup, upstream.test, goes there
     and ends with our timeout, while dnsmasq never hears of it;
  b. the other way round: a silent server first (the lookup times out),
     then dnsmasq, which answers upstream.test.
Every run leaves no descriptor behind.  WSPUSHD_TEST_WRAPPER as in
test_dns.py.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_dns import DNS_ENOTFOUND, DNS_ETIMEOUT, run  # noqa: E402
from harness import check  # noqa: E402


def dnsmasq_queries(ctx, name):
    text = open(os.path.join(ctx.tmp, "dnsmasq.log"), errors="replace").read()
    return sum(1 for line in text.splitlines() if "query[" in line and name in line)


def test_dnsmasq_then_silent(ctx):
    port = ctx.start_dnsmasq()
    silent = ctx.start_silent()
    before = dnsmasq_queries(ctx, "upstream.test")     # its own readiness checks
    r, _ = ctx.run_probe(["--servers", "127.0.0.1:%d" % port, "--timeout", "1000",
                          "--then-servers", "127.0.0.1:%d" % silent.port,
                          "--on-first-answer", "resolve:upstream.test", "nosuch.test"])
    check(r["nosuch.test"]["status"] == DNS_ENOTFOUND, "dnsmasq answered first: %r" % r)
    check(r["upstream.test"]["status"] == DNS_ETIMEOUT,
          "the next lookup went to the silent server: %r" % r["upstream.test"])
    check(any(q[1] == "upstream.test" for q in silent.queries),
          "the silent server saw upstream.test: %r" % silent.queries)
    check(dnsmasq_queries(ctx, "upstream.test") == before,
          "dnsmasq was asked after the change")


def test_silent_then_dnsmasq(ctx):
    silent = ctx.start_silent()
    port = ctx.start_dnsmasq()
    r, _ = ctx.run_probe(["--servers", "127.0.0.1:%d" % silent.port, "--timeout", "1000",
                          "--then-servers", "127.0.0.1:%d" % port,
                          "--on-first-answer", "resolve:upstream.test", "nosuch.test"])
    check(r["nosuch.test"]["status"] == DNS_ETIMEOUT, "silent first: %r" % r)
    check(r["upstream.test"]["addrs"] == ["127.0.0.1"],
          "dnsmasq answered the next lookup: %r" % r["upstream.test"])


TESTS = [test_dnsmasq_then_silent, test_silent_then_dnsmasq]


if __name__ == "__main__":
    sys.exit(run(TESTS, sys.argv))
