#!/usr/bin/python3
"""[metrics] listen = 127.0.0.1:PORT serves the counters as Prometheus text
from the daemon's one event loop, and without that setting nothing listens.

With the setting, after 3 messages were published and delivered:
- GET http://127.0.0.1:PORT/metrics (urllib, a real HTTP client) answers 200
  with Content-Type text/plain; version=0.0.4, every line valid exposition
  format, wspushd_messages_sent_total 3, wspushd_connection_state 2 (open);
- GET /other answers 404;
- a client that connects and sends nothing does not stop /metrics from
  answering meanwhile, and the daemon closes it by itself (lws' timeouts),
  so such clients cannot pile up; every descriptor, the accepted ones
  included, is close-on-exec;
- the daemon holds exactly one listening socket, on 127.0.0.1:PORT (not a
  wildcard), close-on-exec.
Without the [metrics] section: the daemon holds no listening socket at all.
GET /healthz answers 200 while the upstream is open and 503 (saying why)
when it is not; GET /readyz 200 while subscribed.
An address another process holds: the daemon names it and exits 69.
"""
import os
import re
import signal
import socket
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (O_CLOEXEC_FDINFO, check, config_text, fd_flags, free_port, log, main,
                     open_fds, scaled, wait_connected, wait_until)

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)'
                    r'(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})?'
                    r' (\S+)$')
COMMENT = re.compile(r'^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)( .*)?$')
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


def parse_exposition(text):
    """{series: value} of a text exposition (format 0.0.4), failing on the
    first line that is not valid, on a sample before its # TYPE, and on a
    family whose samples are not together."""
    check(text.endswith("\n"), "the text does not end with a line feed")
    typed, done, series = {}, set(), {}
    current = None
    for n, line in enumerate(text[:-1].split("\n"), 1):
        m = COMMENT.match(line)
        if m:
            kind, name, rest = m.groups()
            check(name not in done and name != current,
                  "line %d: # %s after the samples of %s" % (n, kind, name))
            if kind == "TYPE":
                check(name not in typed and (rest or "").strip() in TYPES,
                      "line %d: bad or repeated # TYPE: %r" % (n, line))
                typed[name] = rest.strip()
            continue
        check(not line.startswith("#") or line.startswith("# "), "line %d: %r" % (n, line))
        if line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        check(m is not None, "line %d is not a valid sample: %r" % (n, line))
        name, labels, value = m.groups()
        check(name in typed, "line %d: %s has no # TYPE before it" % (n, name))
        check(name not in done, "line %d: the samples of %s are not together" % (n, name))
        if current is not None and current != name:
            done.add(current)
        current = name
        float(value)
        key = name + (labels or "")
        check(key not in series, "line %d: %s twice" % (n, key))
        series[key] = float(value)
    return series


def get(url, timeout=5):
    """(status, content type, body text) of a GET; HTTP errors too."""
    try:
        with urllib.request.urlopen(url, timeout=scaled(timeout)) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers.get("Content-Type", ""), e.read().decode(errors="replace")


def listening(pid):
    """[(proto, local address hex, port, inode)] of the LISTEN sockets the
    process holds (IPv4 and IPv6)."""
    inodes = {int(t[8:-1]) for t in open_fds(pid).values() if t.startswith("socket:[")}
    out = []
    for proto in ("tcp", "tcp6"):
        with open("/proc/%d/net/%s" % (pid, proto)) as f:
            for line in f.read().splitlines()[1:]:
                p = line.split()
                addr, port = p[1].rsplit(":", 1)
                if p[3] == "0A" and int(p[9]) in inodes:
                    out.append((proto, addr, int(port, 16), int(p[9])))
    return out


def fd_of_inode(pid, inode):
    for fd, target in open_fds(pid).items():
        if target == "socket:[%d]" % inode:
            return fd
    raise AssertionError("no descriptor for socket inode %d" % inode)


def start(ctx, metrics_port):
    r = ctx.redis().start()
    w = ctx.ws().start()
    text = config_text(w.url(), r.port)
    if metrics_port is not None:
        text += "\n[metrics]\nlisten = 127.0.0.1:%d\n" % metrics_port
    d = ctx.daemon(text, ["--channel", "events"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "daemon to subscribe to events")
    return r, w, d


def check_listener(d, port):
    socks = listening(d.pid)
    log("%s listening sockets: %r" % (d.name, socks))
    check(len(socks) == 1, "expected exactly one listening socket, got %r" % socks)
    proto, addr, lport, inode = socks[0]
    # 127.0.0.1 as /proc spells it (little-endian hex), never a wildcard.
    check(proto == "tcp" and addr == "0100007F" and lport == port,
          "the listener is %s %s:%d, expected tcp 127.0.0.1:%d" % (proto, addr, lport, port))
    fd = fd_of_inode(d.pid, inode)
    check(fd_flags(d.pid, fd) & O_CLOEXEC_FDINFO,
          "the listening socket (fd %d) is not close-on-exec" % fd)


def check_all_cloexec(d):
    """Every descriptor above 2, the accepted metrics connections included."""
    leaky = []
    for fd, target in sorted(open_fds(d.pid).items()):
        try:
            if fd > 2 and not fd_flags(d.pid, fd) & O_CLOEXEC_FDINFO:
                leaky.append("%d -> %s" % (fd, target))
        except OSError:
            continue              # closed since the listing
    check(not leaky, "descriptors without close-on-exec: %s" % ", ".join(leaky))


def check_metrics(url):
    status, ctype, text = get(url)
    check(status == 200, "GET %s: status %d: %s" % (url, status, text[:200]))
    check(ctype.split(";")[0].strip() == "text/plain" and "version=0.0.4" in ctype,
          "GET %s: Content-Type %r, expected text/plain; version=0.0.4" % (url, ctype))
    return parse_exposition(text)


def sent_reached(url, n):
    series = check_metrics(url)
    return series if series.get("wspushd_messages_sent_total") == n else None


def check_silent_client_is_harmless(d, url, port):
    """A client that connects and says nothing: /metrics still answers
    while it is connected, and the daemon ends it within lws' timeouts."""
    silent = socket.create_connection(("127.0.0.1", port), timeout=scaled(5))
    try:
        t0 = time.monotonic()
        series = check_metrics(url)
        check(series.get("wspushd_messages_sent_total") == 4, "counters changed?")
        silent.setblocking(False)     # a timeout would make recv() wait
        try:
            gone = silent.recv(1) == b""
        except BlockingIOError:
            gone = False
        check(not gone, "the silent client was already closed: the test proves nothing")
        check_all_cloexec(d)
        log("/metrics answered in %.3fs while a silent client was connected"
            % (time.monotonic() - t0))

        silent.settimeout(scaled(20))
        try:
            data = silent.recv(100)
        except socket.timeout:
            raise AssertionError("the daemon kept a silent client for more than %.0fs"
                                 % scaled(20))
        except ConnectionResetError:
            data = b""
        check(data == b"", "the daemon sent %r to a client that asked nothing" % data[:80])
        log("the daemon closed the silent client after %.1fs" % (time.monotonic() - t0))
    finally:
        silent.close()
    check(d.alive(), "the daemon exited")


def check_reloads(d, url, r, w):
    """A rejected reload, then an applied one that adds a pattern: counted,
    the last one's result and time said, the pattern its own series."""
    with open(d.config_path) as f:
        good = f.read()
    t0 = int(time.time())
    d.rewrite_config(good + "\n[queue]\nmax_messages = lots\n")
    d.proc.signal(signal.SIGHUP)
    series = wait_until(lambda: (lambda s: s.get('wspushd_reloads_total{result="rejected"}') == 1
                                 and s)(check_metrics(url)), 10, "the rejected reload counted")
    check(series["wspushd_last_reload_success"] == 0, "a rejected reload left success at %r"
          % series["wspushd_last_reload_success"])
    check(t0 <= series["wspushd_last_reload_timestamp_seconds"] <= time.time() + 1,
          "last reload time %r" % series["wspushd_last_reload_timestamp_seconds"])

    d.rewrite_config(good.replace("[redis]\n", "[redis]\npattern = ev:*\n", 1))
    d.proc.signal(signal.SIGHUP)
    wait_until(lambda: r.subscribed(["events"], ["ev:*"]), 15, "the pattern subscribed")
    check(r.publish_many([("ev:1", b"p1")]) == [1], "the pattern should reach the daemon")
    key = 'wspushd_subscription_messages_total{kind="pattern",name="ev:*"}'
    series = wait_until(lambda: (lambda s: s.get(key) == 1 and s)(check_metrics(url)), 10,
                        "the pattern's message counted")
    check(series['wspushd_reloads_total{result="applied"}'] == 1 and
          series["wspushd_last_reload_success"] == 1, "the applied reload: %r" % {
              k: v for k, v in series.items() if "reload" in k})
    check(series['wspushd_subscription_messages_total{kind="channel",name="events"}'] == 3,
          "the channel's count did not survive the reload")
    wait_until(lambda: len(w.messages()) >= 4, 15, "the pattern's message at the recorder")
    log("reloads: rejected then applied, counted; pattern series %s 1" % key)


def test(ctx):
    port = free_port()
    r, w, d = start(ctx, port)
    url = "http://127.0.0.1:%d/metrics" % port
    check_listener(d, port)

    t_before = int(time.time())
    counts = r.publish_many([("events", b"m%d" % i) for i in range(3)])
    check(counts == [1, 1, 1], "PUBLISH should reach the daemon, got %r" % counts)
    wait_until(lambda: len(w.messages()) >= 3, 15, "3 messages at the recorder")

    # sent is counted as the frame is written: poll rather than race it.
    series = wait_until(lambda: sent_reached(url, 3), 10, "wspushd_messages_sent_total 3")
    expect = {
        "wspushd_messages_sent_total": 3,
        "wspushd_messages_received_total": 3,
        "wspushd_connection_state": 2,
        'wspushd_connection_state_info{state="open"}': 1,
        'wspushd_connection_state_info{state="idle"}': 0,
        "wspushd_connections_total": 1,
        "wspushd_redis_subscribed": 1,
        "wspushd_queue_messages": 0,
        'wspushd_messages_dropped_total{reason="overflow"}': 0,
        "wspushd_bytes_sent_total": 6,
        "wspushd_queue_bytes": 0,
        "wspushd_queue_max_messages": 100000,
        "wspushd_queue_max_bytes": 64 << 20,
        "wspushd_redis_subscriptions_total": 1,
        "wspushd_redis_failures_total": 0,
        'wspushd_subscription_messages_total{kind="channel",name="events"}': 3,
        'wspushd_subscription_messages_total{kind="other",name=""}': 0,
        'wspushd_reloads_total{result="applied"}': 0,
        'wspushd_reloads_total{result="rejected"}': 0,
        "wspushd_last_reload_success": 1,
        "wspushd_last_reload_timestamp_seconds": 0,
        "wspushd_status_key_conflict": 0,
    }
    for key, want in expect.items():
        check(series.get(key) == want, "%s is %r, expected %r" % (key, series.get(key), want))
    check(any(k.startswith("wspushd_build_info{version=") for k in series), "no build_info")
    now = time.time() + 1
    for key in ("wspushd_last_sent_timestamp_seconds",
                "wspushd_connection_state_since_timestamp_seconds"):
        check(t_before - 30 <= series.get(key, 0) <= now, "%s is %r, not a time of this run"
              % (key, series.get(key)))
    check(t_before <= series["wspushd_last_sent_timestamp_seconds"],
          "last sent %r is before the messages were published" % series.get(key))
    log("/metrics: %d series, as expected" % len(series))

    status, _, body = get("http://127.0.0.1:%d/other" % port)
    check(status == 404, "GET /other: status %d, expected 404" % status)

    # A reload: a rejected one is counted and said by the gauge, then an
    # applied one, with a new channel, gets its own series.
    check_reloads(d, url, r, w)

    check_silent_client_is_harmless(d, url, port)
    check_listener(d, port)

    # Probes: /healthz while the upstream is open, /readyz while subscribed.
    base = "http://127.0.0.1:%d" % port
    status, _, body = get(base + "/healthz")
    check(status == 200 and body.startswith("open to "), "/healthz while open: %d %r"
          % (status, body))
    status, _, body = get(base + "/readyz")
    check(status == 200 and "subscribed" in body, "/readyz: %d %r" % (status, body))
    w.kill()
    wait_until(lambda: get(base + "/healthz")[0] == 503, 15, "/healthz to say 503")
    status, _, body = get(base + "/healthz")
    check("connecting" in body or "closing" in body, "/healthz says why: %r" % body)
    check(get(base + "/readyz")[0] == 200, "/readyz stays 200 while Redis is subscribed")
    log("probes: /healthz 200 while open, 503 without the upstream (%s); /readyz 200"
        % body.strip())
    d.stop()

    # Without [metrics], nothing listens.
    r2, w2, d2 = start(ctx, None)
    socks = listening(d2.pid)
    check(socks == [], "without [metrics] the daemon listens on %r" % socks)
    log("without [metrics]: no listening socket")
    d2.stop()

    # An address another process holds: said, and an exit the unit does
    # not restart on (69), not "internal error" (70).
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    busy = taken.getsockname()[1]
    d3 = ctx.daemon(config_text(w2.url(), r2.port, metrics_port=busy),
                    ["--channel", "events"]).start()
    wait_until(lambda: not d3.alive(), 15, "the daemon to give up on a taken address")
    rc = d3.proc.p.returncode
    check(rc == 69, "metrics address in use: exit %r, expected 69" % rc)
    check("127.0.0.1:%d: Address already in use" % busy in d3.log_text() and
          "choose another [metrics] listen" in d3.log_text(),
          "the log does not say which address: %r" % d3.log_text()[-300:])
    check(d3.log_text().count("127.0.0.1:%d" % busy) == 1, "the address said more than once")
    taken.close()


if __name__ == "__main__":
    main(test)
