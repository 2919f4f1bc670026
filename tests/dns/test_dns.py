"""test_dns.py - the resolver (daemon/dns.c) resolves on the loop, fails
clearly, and times out on time, against real servers on loopback.

    /usr/bin/python3 tests/dns/test_dns.py /path/to/dns_probe

Scenarios, each against a fresh server:
  a. dnsmasq knows upstream.test (A), v6.test (AAAA) and big.test (40 A
     records: truncated over UDP, so c-ares asks again over TCP) and says
     NXDOMAIN for everything else: names resolve, an unknown one is "name
     not found";
  b. a UDP server that reads and never replies: the query ends with our own
     timeout at its deadline, and the loop kept ticking meanwhile; every DNS
     socket the probe holds is close-on-exec;
  c. IP literals answer at once, with no packet sent to any server;
  d. a closed UDP port (ICMP port unreachable, which makes lws drop the
     watched descriptor) fails clearly before the deadline;
  e. a cancelled query never calls back, not even after its deadline;
  f. dns_free() with a query running releases everything;
  g. a callback may cancel other queries and itself, free the resolver, or
     start another query;
  h. a malformed server list is a startup error.
Every run must leave no descriptor behind (the probe's fds_leaked=0).

WSPUSHD_TEST_WRAPPER (e.g. "valgrind -q --error-exitcode=99
--leak-check=full") is put in front of the probe and stretches the time
limits x5 (WSPUSHD_TEST_TIMEOUT_SCALE overrides).  WSPUSHD_TEST_KEEP=1 keeps
the temp dir with dnsmasq's log.
"""

import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

# The integration tests' harness: scaling, failures, waits, free ports
# and the silent UDP name server are the same here.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from harness import (SCALE, WRAPPER, SilentUdp, TestFailure, check,  # noqa: E402
                     dns_ask, free_udp_tcp_port, log, wait_until)

DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
O_CLOEXEC = 0o2000000

BIG = 40               # addresses dnsmasq has for big.test
DNS_MAX_ADDRS = 8

DNS_ENOTFOUND = -1
DNS_ETIMEOUT = -3
DNS_ENOANSWER = -4
DNS_EREFUSED = -6


class Context:
    def __init__(self, probe):
        self.probe = probe
        self.tmp = tempfile.mkdtemp(prefix="wspushd-dns-")
        self.procs = []
        self.cleanups = []      # SilentUdp registers its stop() here

    def start_dnsmasq(self):
        port = free_udp_tcp_port()
        logpath = os.path.join(self.tmp, "dnsmasq.log")
        # --local=/#/: names not configured here are NXDOMAIN, rather than
        # REFUSED for want of an upstream server.
        cmd = [DNSMASQ, "--keep-in-foreground", "--no-resolv", "--no-hosts",
               "--listen-address=127.0.0.1", "--bind-interfaces",
               "--port=%d" % port,
               "--address=/upstream.test/127.0.0.1", "--address=/v6.test/::1",
               "--local=/#/", "--pid-file=", "--conf-file=/dev/null",
               "--log-queries", "--log-facility=-"]
        # Too many addresses for a 512-byte UDP answer: c-ares must retry
        # over TCP, which drives the watch's writable path.
        cmd += ["--host-record=big.test,10.0.0.%d" % i for i in range(1, BIG + 1)]
        out = open(logpath, "wb")
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.procs.append(p)

        def ready():
            check(p.poll() is None, "dnsmasq exited: " + open(logpath).read())
            return dns_ask(port, "upstream.test") == (0, 1, False)

        wait_until(ready, 10, "dnsmasq to answer upstream.test")
        check(dns_ask(port, "nosuch.test") == (3, 0, False), "dnsmasq says NXDOMAIN for nosuch.test")
        check(dns_ask(port, "big.test")[2], "dnsmasq truncates big.test over UDP")
        log("dnsmasq on 127.0.0.1:%d" % port)
        return port

    def start_silent(self):
        return SilentUdp(self)

    def spawn_probe(self, args):
        cmd = WRAPPER + [self.probe] + args
        log("run: " + " ".join(shlex.quote(a) for a in cmd))
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                text=True)

    def finish_probe(self, p, limit):
        self.procs.append(p)
        try:
            out, err = p.communicate(timeout=limit * SCALE)
        except subprocess.TimeoutExpired:
            raise TestFailure("dns_probe still running after %.1fs" % (limit * SCALE))
        log("exit %d\n%s%s" % (p.returncode, out, err))
        check(p.returncode in (0, 2), "dns_probe exited %d" % p.returncode)
        return parse(out), p.returncode

    def run_probe(self, args, limit=15):
        return self.finish_probe(self.spawn_probe(args), limit)

    def cleanup(self):
        for fn in reversed(self.cleanups):
            fn()
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(timeout=5)
        if os.environ.get("WSPUSHD_TEST_KEEP"):
            log("kept " + self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


LINE = re.compile(r'^resolve (\S+) status=(-?\d+)(?: addrs=(\S+))?'
                  r'(?: error="([^"]*)" short="[^"]*")? elapsed_ms=(\d+)$')


def parse(out):
    """The probe's output as {name: {...}, "ticks": n, "fds_leaked": n}."""
    r = {"cancelled": []}
    for line in out.splitlines():
        m = LINE.match(line)
        if m:
            r[m.group(1)] = {"status": int(m.group(2)),
                             "addrs": m.group(3).split(",") if m.group(3) else [],
                             "error": m.group(4), "elapsed_ms": int(m.group(5))}
        elif line.startswith("cancelled "):
            r["cancelled"].append(line.split()[1])
        elif line.startswith("ticks="):
            r["ticks"] = int(line[6:])
        elif line.startswith("fds_leaked="):
            r["fds_leaked"] = int(line[11:])
    check(r.get("fds_leaked") == 0, "no descriptor left behind: %r" % r.get("fds_leaked"))
    return r


def udp_sockets_to(pid, port):
    """The probe's descriptors on UDP sockets connected to 127.0.0.1:port."""
    inodes = set()
    for table in ("udp", "udp6"):
        try:
            lines = open("/proc/%d/net/%s" % (pid, table)).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            if f[2].endswith(":%04X" % port):
                inodes.add(f[9])
    fds = {}
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            m = re.match(r"socket:\[(\d+)\]", link)
            if m and m.group(1) in inodes:
                for line in open("/proc/%d/fdinfo/%s" % (pid, fd)):
                    if line.startswith("flags:"):
                        fds[int(fd)] = int(line.split()[1], 8)
    except OSError:
        return {}
    return fds


def test_dnsmasq_names(ctx):
    port = ctx.start_dnsmasq()
    r, rc = ctx.run_probe(["--servers", "127.0.0.1:%d" % port, "--timeout", "3000",
                           "upstream.test", "v6.test", "nosuch.test", "big.test"])
    check(r["upstream.test"]["addrs"] == ["127.0.0.1"], "upstream.test is 127.0.0.1")
    check(r["v6.test"]["addrs"] == ["::1"], "v6.test is ::1")
    nx = r["nosuch.test"]
    check(nx["status"] == DNS_ENOTFOUND and nx["error"] == "name not found",
          "unknown name reported as 'name not found': %r" % nx)
    big = r["big.test"]["addrs"]
    check(len(big) == DNS_MAX_ADDRS and len(set(big)) == len(big) and
          all(re.match(r"10\.0\.0\.\d+$", a) for a in big),
          "big.test (over TCP) gives %d distinct addresses: %r" % (DNS_MAX_ADDRS, big))
    check(rc == 2, "exit status 2 when a name fails")


def test_silent_server_times_out(ctx):
    silent = ctx.start_silent()
    p = ctx.spawn_probe(["--servers", "127.0.0.1:%d" % silent.port, "--timeout", "1000",
                         "upstream.test"])
    # While the probe waits, look at the sockets it asks through.
    fds = wait_until(lambda: silent.queries and udp_sockets_to(p.pid, silent.port),
                     5, "the probe's query and its sockets")
    r, _ = ctx.finish_probe(p, 15)
    log("probe sockets to the silent server: %s" %
        {fd: oct(fl) for fd, fl in fds.items()})
    check(all(fl & O_CLOEXEC for fl in fds.values()), "every DNS socket is close-on-exec")
    q = r["upstream.test"]
    check(q["status"] == DNS_ETIMEOUT and q["error"] == "DNS timeout after 1000ms",
          "our timeout: %r" % q)
    check(900 <= q["elapsed_ms"] <= 3000 * SCALE, "timed out at %d ms" % q["elapsed_ms"])
    check(r["ticks"] >= 5, "loop kept ticking: %d ticks" % r["ticks"])
    check(len(silent.queries) >= 1, "the query reached the server")


def test_literals_need_no_server(ctx):
    silent = ctx.start_silent()
    r, rc = ctx.run_probe(["--servers", "127.0.0.1:%d" % silent.port, "--timeout", "1000",
                           "127.0.0.1", "::1", "2001:db8::7"])
    check(rc == 0, "all literals resolve")
    for name, want in (("127.0.0.1", "127.0.0.1"), ("::1", "::1"),
                       ("2001:db8::7", "2001:db8::7")):
        check(r[name]["addrs"] == [want], "%s resolves to itself: %r" % (name, r[name]))
        check(r[name]["elapsed_ms"] < 100 * SCALE, "%s at once" % name)
    check(not silent.queries, "no packet sent for literals")
    # And with /etc/resolv.conf's servers: no network either way.
    r, rc = ctx.run_probe(["::ffff:10.0.0.1"])
    check(rc == 0 and r["::ffff:10.0.0.1"]["addrs"] == ["::ffff:10.0.0.1"],
          "mapped literal without --servers")


def test_closed_port_fails_clearly(ctx):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    r, _ = ctx.run_probe(["--servers", "127.0.0.1:%d" % port, "--timeout", "2000",
                          "upstream.test"])
    q = r["upstream.test"]
    check(q["status"] in (DNS_ENOANSWER, DNS_EREFUSED),
          "c-ares gives up with a clear error: %r" % q)
    check(q["elapsed_ms"] < 2000, "before the deadline: %d ms" % q["elapsed_ms"])


def test_cancel_is_silent(ctx):
    silent = ctx.start_silent()
    # Linger past the deadline: a late callback would make the probe exit 3.
    r, rc = ctx.run_probe(["--servers", "127.0.0.1:%d" % silent.port, "--timeout", "600",
                           "--cancel-after", "300", "--linger", "1000", "upstream.test"])
    check(r["cancelled"] == ["upstream.test"] and "upstream.test" not in r,
          "cancelled, no callback")
    check(rc == 0, "exit 0")


def test_free_with_query_running(ctx):
    silent = ctx.start_silent()
    r, rc = ctx.run_probe(["--servers", "127.0.0.1:%d" % silent.port, "--timeout", "600",
                           "--free-after", "300", "--linger", "1000",
                           "upstream.test", "other.test"])
    check(sorted(r["cancelled"]) == ["other.test", "upstream.test"], "both released")
    check(rc == 0, "exit 0")


def test_callbacks_may_do_anything(ctx):
    port = ctx.start_dnsmasq()
    servers = ["--servers", "127.0.0.1:%d" % port, "--timeout", "2000", "--linger", "500"]
    # The literal answers first; its callback cancels the rest (and itself).
    r, rc = ctx.run_probe(servers + ["--on-first-answer", "cancel-rest",
                                     "127.0.0.1", "upstream.test", "v6.test"])
    check(rc == 0 and r["127.0.0.1"]["addrs"] == ["127.0.0.1"], "literal answered")
    check(sorted(r["cancelled"]) == ["upstream.test", "v6.test"], "the rest cancelled, silent")
    # dns_free() from inside a callback, with another answer ready to deliver.
    r, rc = ctx.run_probe(servers + ["--on-first-answer", "free",
                                     "127.0.0.1", "::1", "upstream.test"])
    check(rc == 0 and r["127.0.0.1"]["addrs"] == ["127.0.0.1"], "first literal answered")
    check(sorted(r["cancelled"]) == ["::1", "upstream.test"], "the rest released, silent")
    # A new query from inside a callback.
    r, rc = ctx.run_probe(servers + ["--on-first-answer", "resolve:upstream.test",
                                     "127.0.0.1"])
    check(rc == 0 and r["upstream.test"]["addrs"] == ["127.0.0.1"], "chained query answered")


def test_bad_server_list_is_refused(ctx):
    for bad in ("", "127.0.0.1:99999", "127.0.0.1,,::1", "[::1]", "dns.example"):
        p = ctx.spawn_probe(["--servers", bad, "127.0.0.1"])
        ctx.procs.append(p)
        out, err = p.communicate(timeout=10 * SCALE)
        log("exit %d: %s%s" % (p.returncode, out, err))
        check(p.returncode == 1 and 'setup error="DNS servers' in out and "bad entry" in out,
              "server list %r refused at startup" % bad)


TESTS = [test_dnsmasq_names, test_silent_server_times_out, test_literals_need_no_server,
         test_closed_port_fails_clearly, test_cancel_is_silent, test_free_with_query_running,
         test_callbacks_may_do_anything, test_bad_server_list_is_refused]


def run(tests, argv):
    """Run each test with a fresh Context on the probe named in argv;
    the exit status says whether any failed."""
    if len(argv) != 2:
        print("usage: %s /path/to/dns_probe" % os.path.basename(argv[0]),
              file=sys.stderr)
        return 2
    probe = os.path.abspath(argv[1])
    failed = 0
    for t in tests:
        ctx = Context(probe)
        log("=== " + t.__name__)
        try:
            t(ctx)
            log("ok   " + t.__name__)
        except Exception as e:
            failed += 1
            log("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
        finally:
            ctx.cleanup()
    log("%d of %d failed" % (failed, len(tests)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run(TESTS, sys.argv))
