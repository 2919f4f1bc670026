"""harness.py - shared code for wspushd's integration tests.

Every test is a plain script run by ctest as

    /usr/bin/python3 tests/integration/test_X.py /path/to/wspushd

and uses only real things: a redis-server started here on a free loopback
port in its own temp dir, the WebSocket recorder in tests/servers/
(Debian's python3-websockets 10.4), the daemon binary under test, and a
small RESP client below (no python3-redis needed).  No mocks.  The one
server of our own, tests/servers/silent_tcp.py (SilentServer), is for the
one behaviour no real server offers: accepting a connection and never
answering.

Rules the helpers enforce:
  * every wait polls a condition until a deadline (wait_until), never a
    bare sleep before an assertion; every loop is bounded in count and time;
  * that something did NOT happen is shown by a sentinel message published
    last (publish_sentinel) or by an event that can only come after it,
    never by watching for a while; what the daemon counted is read from
    its [metrics] endpoint (metric, wait_metric);
  * every process runs in its own process group, with no descriptor of the
    test (close_fds), and is killed, and every temp dir removed, in
    Context.cleanup(), which main() always calls;
  * WSPUSHD_TEST_WRAPPER (e.g. "valgrind --error-exitcode=99
    --leak-check=full") is put in front of the daemon command; it scales
    every timeout by 5 (override with WSPUSHD_TEST_TIMEOUT_SCALE).  The
    daemon's exit status must be 0 whenever a test stops it with SIGTERM;
  * WSPUSHD_TEST_KEEP=1 keeps the temp dirs (and prints where they are).
"""

import errno
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RECORDER = os.path.join(ROOT, "tests", "servers", "ws_recorder.py")
SILENT = os.path.join(ROOT, "tests", "servers", "silent_tcp.py")
RESP_FAULTS = os.path.join(ROOT, "tests", "servers", "resp_faults.py")
FAULTS = os.path.join(ROOT, "tests", "servers", "ws_faults.py")
DNSMASQ = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
PYTHON = "/usr/bin/python3"    # Debian's: the one with python3-websockets
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

WRAPPER = shlex.split(os.environ.get("WSPUSHD_TEST_WRAPPER", ""))
SCALE = float(os.environ.get("WSPUSHD_TEST_TIMEOUT_SCALE") or (5 if WRAPPER else 1))


class TestFailure(AssertionError):
    pass


def log(msg):
    print("[%8.3f] %s" % (time.monotonic() % 100000, msg), flush=True)


def scaled(seconds):
    """A time budget, stretched when the daemon runs under a wrapper."""
    return seconds * SCALE


def ms(seconds):
    """Seconds as a config duration string, e.g. 0.25 -> '250ms'."""
    return "%dms" % int(round(seconds * 1000))


def wait_until(cond, timeout, what, interval=0.02):
    """Poll cond() until it returns something truthy; return that value.

    timeout is in unscaled seconds (SCALE is applied here).  Raises
    TestFailure naming `what` (a string or a callable giving one, so it can
    describe the last state seen) when the deadline passes.
    """
    deadline = time.monotonic() + scaled(timeout)
    max_polls = int(scaled(timeout) / interval) + 10
    last_exc = None
    for _ in range(max_polls):
        try:
            v = cond()
            last_exc = None
        except (OSError, RedisError, ValueError) as e:
            v, last_exc = None, e
        if v:
            return v
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    desc = what() if callable(what) else what
    if last_exc is not None:
        desc += " (last error: %r)" % (last_exc,)
    raise TestFailure("timed out after %.1fs waiting for: %s" % (scaled(timeout), desc))


def sample_for(duration, fn, interval=0.02):
    """Call fn() repeatedly for `duration` (unscaled) seconds; return the
    list of results.  Bounded in time and count.  This is for observing a
    property over a period (e.g. 'never more than one socket'), not for
    waiting, and not for showing that something did not happen: for that,
    publish a sentinel last (publish_sentinel) or wait for an event that
    can only come after it (a counter, a connection's age)."""
    out = []
    deadline = time.monotonic() + scaled(duration)
    for _ in range(int(scaled(duration) / interval) + 10):
        out.append(fn())
        if time.monotonic() >= deadline:
            break
        time.sleep(interval)
    return out


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------
# A small RESP (Redis protocol) client.

class RedisError(Exception):
    pass


def _enc(a):
    if isinstance(a, bytes):
        return a
    if isinstance(a, str):
        return a.encode("utf-8")
    return str(a).encode("ascii")


class Resp:
    def __init__(self, port, host="127.0.0.1", timeout=5.0):
        self.sock = socket.create_connection((host, port), timeout=scaled(timeout))
        self.buf = b""

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @staticmethod
    def encode(args):
        parts = [b"*%d\r\n" % len(args)]
        for a in args:
            b = _enc(a)
            parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
        return b"".join(parts)

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise RedisError("connection closed by redis")
        self.buf += chunk

    def _line(self):
        for _ in range(100000):
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line, self.buf = self.buf[:i], self.buf[i + 2:]
                return line
            self._fill()
        raise RedisError("reply line too long")

    def _exact(self, n):
        for _ in range(1000000):
            if len(self.buf) >= n + 2:
                data, self.buf = self.buf[:n], self.buf[n + 2:]
                return data
            self._fill()
        raise RedisError("bulk reply too long")

    def reply(self):
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            raise RedisError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self._exact(n)
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise RedisError("bad reply %r" % line[:50])

    def call(self, *args):
        self.sock.sendall(self.encode(args))
        return self.reply()

    def pipeline(self, commands):
        """Send many commands in one write, then read every reply."""
        self.sock.sendall(b"".join(self.encode(c) for c in commands))
        return [self.reply() for _ in commands]


# --------------------------------------------------------------------------
# /proc inspection: which TCP sockets does a process hold?  Its socket
# inodes come from /proc/PID/fd; the TCP rows (ports, state, queues, inode)
# from sock_diag, or /proc/PID/net/tcp{,6} as a fallback.

TCP_STATES = {1: "ESTABLISHED", 2: "SYN_SENT", 3: "SYN_RECV", 4: "FIN_WAIT1",
              5: "FIN_WAIT2", 6: "TIME_WAIT", 7: "CLOSE", 8: "CLOSE_WAIT",
              9: "LAST_ACK", 10: "LISTEN", 11: "CLOSING", 12: "NEW_SYN_RECV"}


def _descendants(pid):
    """pid and every process below it (a wrapper might fork)."""
    children = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return [pid]
    for e in entries:
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(e))
    out, todo = [], [pid]
    for _ in range(10000):
        if not todo:
            break
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _socket_inodes(pid):
    inodes = set()
    for p in _descendants(pid):
        d = "/proc/%d/fd" % p
        try:
            fds = os.listdir(d)
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(os.path.join(d, fd))
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(int(link[8:-1]))
    return inodes


def _tcp_table(pid, remote_port=None):
    """Rows of /proc/PID/net/tcp{,6}; only those whose remote port is
    remote_port, when given (a cheap text filter first: the table holds
    every socket of the machine, often hundreds in TIME_WAIT)."""
    rows = []
    needle = None if remote_port is None else ":%04X " % remote_port
    for name in ("tcp", "tcp6"):
        try:
            with open("/proc/%d/net/%s" % (pid, name)) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            if needle is not None and needle not in line:
                continue
            p = line.split()
            if len(p) < 10:
                continue
            tx, rx = p[4].split(":")
            rows.append({
                "local_port": int(p[1].rsplit(":", 1)[1], 16),
                "remote_port": int(p[2].rsplit(":", 1)[1], 16),
                "state": TCP_STATES.get(int(p[3], 16), p[3]),
                "tx_queue": int(tx, 16),
                "rx_queue": int(rx, 16),
                "inode": int(p[9]),
                "proto": name,
            })
    return rows


# The same rows from the kernel's sock_diag netlink interface (what `ss`
# uses), filtered in the kernel by remote port: some 15 times cheaper than
# formatting and parsing the whole of /proc/net/tcp (every socket of the
# machine, often hundreds in TIME_WAIT), so samples come fast even on a
# loaded machine, and the few matching rows come in one piece.
NETLINK_SOCK_DIAG = 4
SOCK_DIAG_BY_FAMILY = 20
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
INET_DIAG_REQ_BYTECODE = 1
INET_DIAG_BC_D_GE, INET_DIAG_BC_D_LE = 4, 5
_diag_broken = False


def _diag_tcp(remote_port):
    # Filter: dport >= P (else reject), dport <= P (else reject).  Each op
    # is 8 bytes (op + the port); a "no" jump past the end rejects.
    bc = (struct.pack("=BBH", INET_DIAG_BC_D_GE, 8, 20) + struct.pack("=BBH", 0, 0, remote_port) +
          struct.pack("=BBH", INET_DIAG_BC_D_LE, 8, 12) + struct.pack("=BBH", 0, 0, remote_port))
    attr = struct.pack("=HH", 4 + len(bc), INET_DIAG_REQ_BYTECODE) + bc
    rows = []
    for fam, proto in ((socket.AF_INET, "tcp"), (socket.AF_INET6, "tcp6")):
        # inet_diag_req_v2: family, protocol, ext, pad, states (all), an
        # empty inet_diag_sockid (48 bytes).
        req = struct.pack("=BBBxI", fam, socket.IPPROTO_TCP, 0, 0xFFFFFFFF) + bytes(48) + attr
        msg = struct.pack("=IHHII", 16 + len(req), SOCK_DIAG_BY_FAMILY,
                          NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + req
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC,
                           NETLINK_SOCK_DIAG) as nl:
            nl.settimeout(5)
            nl.sendto(msg, (0, 0))
            done = False
            for _ in range(10000):
                data = nl.recv(1 << 16)
                off = 0
                while off + 16 <= len(data):
                    ln, typ = struct.unpack_from("=IH", data, off)
                    if typ == NLMSG_DONE:
                        done = True
                        break
                    if typ == NLMSG_ERROR:
                        err = -struct.unpack_from("=i", data, off + 16)[0]
                        raise OSError(err, os.strerror(err))
                    if ln < 16 + 72:
                        raise OSError(errno.EPROTO, "short sock_diag message")
                    # inet_diag_msg: family, state, timer, retrans, sockid
                    # (sport, dport big-endian, ...), expires, rqueue,
                    # wqueue, uid, inode.
                    b = off + 16
                    state = data[b + 1]
                    sport, dport = struct.unpack_from("!HH", data, b + 4)
                    _, rq, wq, _, inode = struct.unpack_from("=IIIII", data, b + 52)
                    rows.append({"local_port": sport, "remote_port": dport,
                                 "state": TCP_STATES.get(state, str(state)),
                                 "tx_queue": wq, "rx_queue": rq, "inode": inode,
                                 "proto": proto})
                    off += (ln + 3) & ~3
                if done or not data:
                    break
            if not done:
                raise OSError(errno.EPROTO, "sock_diag dump did not finish")
    return rows


def tcp_rows(pid, remote_port):
    """Every TCP socket of the machine (pid's network namespace, which is
    ours) whose remote port is remote_port: sock_diag, or /proc/PID/net/tcp
    if that is unavailable."""
    global _diag_broken
    if not _diag_broken:
        try:
            return _diag_tcp(remote_port)
        except OSError as e:
            _diag_broken = True
            log("sock_diag unavailable (%s): reading /proc/net/tcp instead" % e)
    return _tcp_table(pid, remote_port)


def tcp_sockets(pid, remote_port):
    """The TCP sockets that process `pid` (or a descendant) has open whose
    remote end is `remote_port` on this machine, any state."""
    inodes = _socket_inodes(pid)
    if not inodes:
        return []
    # /proc/net/tcp comes a page per read() and the table may change in
    # between, so a socket can be listed twice: one row per inode.
    seen = set()
    out = []
    for r in tcp_rows(pid, remote_port):
        if r["inode"] in inodes and r["remote_port"] == remote_port and r["inode"] not in seen:
            seen.add(r["inode"])
            out.append(r)
    return out


def count_tcp_to_any(pid, remote_ports):
    """How many TCP sockets `pid` holds to any of remote_ports, from one
    snapshot of its descriptors: two calls of tcp_sockets() in a row could
    count the old socket before a switch and the new one after it."""
    inodes = _socket_inodes(pid)
    seen = set()
    for port in remote_ports:
        for r in tcp_rows(pid, port):
            if r["inode"] in inodes and r["remote_port"] == port:
                seen.add(r["inode"])
    return len(seen)


def count_tcp(pid, remote_port):
    return len(tcp_sockets(pid, remote_port))


def open_fds(pid):
    """{fd number: readlink target} of process `pid` right now (targets of
    descriptors closed while listing are left out)."""
    out = {}
    d = "/proc/%d/fd" % pid
    for fd in os.listdir(d):
        try:
            out[int(fd)] = os.readlink(os.path.join(d, fd))
        except OSError:
            continue
    return out


O_CLOEXEC_FDINFO = 0o2000000     # O_CLOEXEC as /proc/PID/fdinfo/N shows it


def fd_flags(pid, fd):
    """The octal "flags:" value of /proc/PID/fdinfo/FD, as an int."""
    with open("/proc/%d/fdinfo/%d" % (pid, fd)) as f:
        for line in f:
            if line.startswith("flags:"):
                return int(line.split()[1], 8)
    raise ValueError("no flags: line in /proc/%d/fdinfo/%d" % (pid, fd))


# --------------------------------------------------------------------------
# Processes

class Proc:
    """A child in its own process group (so killing it kills its children)."""

    def __init__(self, name, argv, stdout, stderr, env=None):
        self.name = name
        self.argv = argv
        self.p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=stdout,
                                  stderr=stderr, start_new_session=True, env=env,
                                  close_fds=True)   # no descriptor of ours leaks in
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def signal(self, sig):
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            pass

    def wait(self, timeout):
        """Wait (unscaled timeout) for exit; return the status or None."""
        try:
            return self.p.wait(timeout=scaled(timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        """SIGKILL the whole group and reap."""
        self.signal(signal.SIGKILL)
        try:
            self.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        # Children of the group that were reparented are gone with the group.


class EventLog:
    """Follows the recorder's JSON-lines file, parsing only what is new."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.all = []
        self.lock = threading.Lock()

    def refresh(self):
        with self.lock:
            try:
                with open(self.path, "rb") as f:
                    f.seek(self.offset)
                    data = f.read()
            except FileNotFoundError:
                return self.all
            self.offset += len(data)
            data = self.partial + data
            lines = data.split(b"\n")
            self.partial = lines.pop()       # incomplete last line, if any
            for line in lines:
                if line.strip():
                    self.all.append(json.loads(line))
            return self.all

    def events(self, ev=None):
        evs = self.refresh()
        return [e for e in evs if ev is None or e["ev"] == ev]

    def messages(self):
        return self.events("msg")

    def opens(self):
        return self.events("open")

    def closes(self):
        return self.events("close")

    def open_connections(self):
        closed = {e["conn"] for e in self.closes()}
        return [e for e in self.opens() if e["conn"] not in closed]


def payload_matches(ev, kind, payload):
    if ev["type"] != kind or ev["len"] != len(payload):
        return False
    if "hex" in ev:
        return bytes.fromhex(ev["hex"]) == payload
    return ev["sha256"] == hashlib.sha256(payload).hexdigest()


def describe(ev):
    if ev is None:
        return "nothing"
    if "hex" in ev and ev["len"] <= 64:
        return "%s %r (conn %s)" % (ev["type"], bytes.fromhex(ev["hex"]), ev["conn"])
    return "%s of %d bytes sha256 %s.. (conn %s)" % (
        ev["type"], ev["len"], ev["sha256"][:12], ev["conn"])


def check_sequence(received, expected, what="messages"):
    """received: recorder msg events; expected: list of (kind, bytes).
    Fails with the first difference, saying what was expected and seen."""
    for i, (kind, payload) in enumerate(expected):
        if i >= len(received):
            raise TestFailure("%s: only %d of %d received; first missing #%d %s %r"
                              % (what, len(received), len(expected), i, kind, payload[:64]))
        if not payload_matches(received[i], kind, payload):
            raise TestFailure("%s: #%d expected %s %r, got %s"
                              % (what, i, kind, payload[:64], describe(received[i])))
    if len(received) > len(expected):
        raise TestFailure("%s: %d extra message(s) received, first: %s"
                          % (what, len(received) - len(expected), describe(received[len(expected)])))


def utf8_kind(payload):
    try:
        payload.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "binary"


class RedisServer:
    def __init__(self, ctx, name="redis", port=None, password=None, extra_args=()):
        self.ctx = ctx
        self.extra_args = list(extra_args)    # e.g. ["--replicaof", HOST, PORT]
        self.name = name
        self.port = port
        self.password = password    # None: no AUTH (--requirepass) at all
        self.dir = ctx.mkdir(name)
        self.proc = None
        self.starts = 0

    def start(self):
        """Start (or restart on the same port) and wait until it answers."""
        fixed = self.port is not None
        for attempt in range(5):
            if not fixed:
                self.port = free_port()
            self.starts += 1
            logfile = os.path.join(self.dir, "redis-%d.log" % self.starts)
            argv = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", "--dir", self.dir,
                    "--daemonize", "no", "--logfile", logfile,
                    "--databases", "16"]
            if self.password is not None:
                argv += ["--requirepass", self.password]
            argv += self.extra_args
            self.proc = self.ctx.spawn(self.name, argv)
            try:
                wait_until(lambda: self.ping() or not self.proc.alive(), 10,
                           "redis-server on port %d to answer PING" % self.port)
            except TestFailure:
                self.proc.kill()
                raise
            if self.proc.alive():
                log("%s listening on 127.0.0.1:%d (pid %d)" % (self.name, self.port, self.proc.pid))
                return self
            # died: probably the port was taken between free_port() and bind
            log("%s exited at start (status %s); log:\n%s"
                % (self.name, self.proc.p.returncode, tail(logfile, 20)))
            if fixed:
                # The same port is required (a restart): retry after a pause.
                time.sleep(0.2)
        raise TestFailure("could not start redis-server (port %s)" % self.port)

    def client(self, timeout=5.0):
        """A Resp connection, authenticated when the server needs it."""
        r = Resp(self.port, timeout=timeout)
        if self.password is not None:
            try:
                check(r.call("AUTH", self.password) == "OK", "AUTH refused")
            except BaseException:
                r.close()
                raise
        return r

    def ping(self):
        try:
            with self.client(timeout=1) as r:
                return r.call("PING") == "PONG"
        except (OSError, RedisError):
            return False

    def kill(self):
        """Kill -9, like a crash; wait until the port refuses connections."""
        self.proc.kill()
        log("%s killed" % self.name)

    def call(self, *args):
        with self.client() as r:
            return r.call(*args)

    def numsub(self, channel):
        return self.call("PUBSUB", "NUMSUB", channel)[1]

    def numpat(self):
        return self.call("PUBSUB", "NUMPAT")

    def subscribed(self, channels, patterns):
        """True when every channel has a subscriber and there are at least
        len(patterns) patterns (the daemon is the only subscriber here)."""
        try:
            with self.client(timeout=1) as r:
                for ch in channels:
                    if r.call("PUBSUB", "NUMSUB", ch)[1] < 1:
                        return False
                return r.call("PUBSUB", "NUMPAT") >= len(patterns)
        except (OSError, RedisError):
            return False

    def publish_many(self, items):
        """items: list of (channel, payload).  One pipelined write.  Returns
        the receiver counts PUBLISH reported."""
        with self.client() as r:
            return r.pipeline([("PUBLISH", ch, data) for ch, data in items])

    def pubsub_clients(self):
        """CLIENT LIST entries (as dicts) of clients with subscriptions."""
        out = []
        text = self.call("CLIENT", "LIST").decode()
        for line in text.splitlines():
            kv = dict(f.split("=", 1) for f in line.split(" ") if "=" in f)
            if int(kv.get("sub", 0)) + int(kv.get("psub", 0)) > 0:
                out.append(kv)
        return out


def daemon_read_everything(r, d):
    """Redis has written everything it had for the daemon (its only Pub/Sub
    client), and the daemon has read all of it from that connection's
    socket (found by its port; the daemon may hold another connection to
    Redis, its PING probe): every published message is inside the daemon."""
    clients = r.pubsub_clients()
    if len(clients) != 1:
        return False
    c = clients[0]
    if int(c["obl"]) or int(c["oll"]) or int(c["omem"]):
        return False
    port = int(c["addr"].rsplit(":", 1)[1])
    socks = [s for s in tcp_sockets(d.pid, r.port) if s["local_port"] == port]
    if len(socks) != 1 or socks[0]["rx_queue"] != 0:
        return False
    # Nor is anything still in Redis' own socket, waiting for our window.
    redis_side = [row for row in all_tcp_rows(port) if row["local_port"] == r.port]
    return all(row["tx_queue"] == 0 for row in redis_side)


def start_listening_server(srv, what, script, extra_argv, detail="", host="127.0.0.1"):
    """Start one of our Python test servers (srv has ctx, name, port, out,
    log, starts) on srv.port, or a free port when None, and wait for its
    "listening" record.  A free port can be taken between choosing and
    binding, so a server that dies at start is tried again (bounded)."""
    fixed = srv.port is not None
    for attempt in range(5):
        if not fixed:
            srv.port = free_port()
        srv.starts += 1
        argv = [PYTHON, script, "--host", host, "--port", str(srv.port),
                "--out", srv.out] + list(extra_argv)
        srv.proc = srv.ctx.spawn("%s#%d" % (srv.name, srv.starts), argv)
        pid = srv.proc.pid
        wait_until(lambda: any(e.get("pid") == pid for e in srv.log.events("listening"))
                   or not srv.proc.alive(), 15,
                   "%s to listen on port %d" % (what, srv.port))
        if srv.proc.alive():
            log("%s listening on %s:%d (pid %d)%s" % (srv.name, host, srv.port, pid, detail))
            return srv
        log("%s exited at start (status %s): %s" % (
            srv.name, srv.proc.p.returncode, tail(srv.ctx.stderr_path(srv.proc), 5)))
        if fixed:
            time.sleep(0.2)
    raise TestFailure("could not start %s (port %s)" % (what, srv.port))


class SilentServer:
    """tests/servers/silent_tcp.py: accepts TCP connections and never
    answers nor closes them first; records accepts and the client's closes."""

    def __init__(self, ctx, name="silent", port=None):
        self.ctx = ctx
        self.name = name
        self.port = port
        self.out = os.path.join(ctx.mkdir(name), "events.jsonl")
        self.log = EventLog(self.out)
        self.proc = None
        self.starts = 0

    def start(self):
        return start_listening_server(self, "the silent server", SILENT, [])

    def stop(self):
        """SIGTERM: it stops listening, closes what is open, exits 0."""
        self.proc.signal(signal.SIGTERM)
        rc = self.proc.wait(10)
        check(rc == 0, "silent server did not exit 0 on SIGTERM (status %r)" % rc)
        log("%s stopped" % self.name)

    def accepts(self):
        return self.log.events("accept")

    def closes(self):
        """Connections the client closed (EOF or reset), in order."""
        return self.log.events("closed")

    def open_conns(self):
        done = {e["conn"] for e in self.log.events() if e["ev"] in ("closed", "dropped")}
        return [e for e in self.accepts() if e["conn"] not in done]

    def received(self, conn):
        """Every byte the client sent on connection `conn` (hex-limited
        per chunk, see silent_tcp.py)."""
        return b"".join(bytes.fromhex(e["hex"]) for e in self.log.events("data")
                        if e["conn"] == conn)


class WsServer:
    """The recorder WebSocket server (tests/servers/ws_recorder.py)."""

    def __init__(self, ctx, name="ws", port=None, pause_file=None, max_hex=None,
                 cert=None, key=None, client_ca=None, host="127.0.0.1",
                 record_on_read=False, send_dir=None):
        self.ctx = ctx
        self.name = name
        self.host = host          # any loopback address: 127.0.0.2 is "another host"
        self.port = port
        self.pause_file = pause_file
        self.max_hex = max_hex
        # Record what the protocol read, before it answers a Ping after
        # it: what a Pong confirmed survives the server being killed.
        self.record_on_read = record_on_read
        # TLS (wss://): the server's certificate chain and key (PEM), and
        # optionally a CA whose client certificate it then requires.
        self.cert = cert
        self.key = key
        self.client_ca = client_ca
        # The server talks too: it plays the scripts that appear here.
        self.send_dir = send_dir
        self.out = os.path.join(ctx.mkdir(name), "events.jsonl")
        self.log = EventLog(self.out)
        self.proc = None
        self.starts = 0

    def url(self, path="/ingest", host=None):
        return "%s://%s:%d%s" % ("wss" if self.cert else "ws", host or self.host,
                                 self.port, path)

    def start(self):
        argv = []
        if self.cert:
            argv += ["--cert", self.cert, "--key", self.key]
        if self.client_ca:
            argv += ["--client-ca", self.client_ca]
        if self.pause_file:
            argv += ["--pause-file", self.pause_file]
        if self.record_on_read:
            argv += ["--record-on-read"]
        if self.max_hex is not None:
            argv += ["--max-hex", str(self.max_hex)]
        if self.send_dir:
            argv += ["--send-dir", self.send_dir]
        return start_listening_server(self, "the ws recorder", RECORDER, argv, host=self.host)

    def kill(self):
        self.proc.kill()
        log("%s killed" % self.name)

    def stop(self):
        self.proc.signal(signal.SIGTERM)
        rc = self.proc.wait(10)
        check(rc == 0, "ws recorder did not exit 0 on SIGTERM (status %r)" % rc)

    def messages(self):
        return self.log.messages()


class FaultServer:
    """tests/servers/ws_faults.py: a python3-websockets server that
    misbehaves on purpose, per request, as its plan says (see that file)."""

    def __init__(self, ctx, name="faults", port=None, plan=(), default="record",
                 hold_file=None, trigger=None, cert=None, key=None):
        self.ctx = ctx
        self.cert = cert          # with key: serve wss://
        self.key = key
        self.name = name
        self.port = port
        self.plan = list(plan)
        self.default = default
        self.hold_file = hold_file
        self.trigger = trigger
        self.out = os.path.join(ctx.mkdir(name), "events.jsonl")
        self.log = EventLog(self.out)
        self.proc = None
        self.starts = 0

    def url(self, path="/ingest", host="127.0.0.1"):
        return "%s://%s:%d%s" % ("wss" if self.cert else "ws", host, self.port, path)

    def start(self):
        argv = ["--plan", ",".join(self.plan), "--default", self.default]
        if self.cert:
            argv += ["--cert", self.cert, "--key", self.key]
        if self.hold_file:
            argv += ["--hold-file", self.hold_file]
        if self.trigger is not None:
            argv += ["--trigger", self.trigger]
        return start_listening_server(self, "ws_faults", FAULTS, argv,
                                      ", plan %s then %s" % (self.plan, self.default))

    def stop(self):
        self.proc.signal(signal.SIGTERM)
        rc = self.proc.wait(10)
        check(rc == 0, "ws_faults did not exit 0 on SIGTERM (status %r)" % rc)

    def events(self, ev=None, conn=None):
        return [e for e in self.log.events(ev) if conn is None or e.get("conn") == conn]

    def messages(self):
        return self.log.messages()


class RespFaultServer:
    """tests/servers/resp_faults.py: a "Redis" that confirms SUBSCRIBE and
    then sends what no Redis sends (see that file)."""

    def __init__(self, ctx, name="resp", port=None, mode="garbage", stream_mib=16):
        self.ctx = ctx
        self.name = name
        self.port = port
        self.mode = mode
        self.stream_mib = stream_mib
        self.out = os.path.join(ctx.mkdir(name), "events.jsonl")
        self.log = EventLog(self.out)
        self.proc = None
        self.starts = 0

    def start(self):
        return start_listening_server(self, "resp_faults", RESP_FAULTS,
                                      ["--mode", self.mode,
                                       "--stream-mib", str(self.stream_mib)],
                                      ", mode %s" % self.mode)

    def events(self, ev=None, conn=None):
        return [e for e in self.log.events(ev) if conn is None or e.get("conn") == conn]

    def subscribing_conns(self):
        """Connections that sent SUBSCRIBE or PSUBSCRIBE, in order."""
        return [e["conn"] for e in self.events("cmd")
                if e["argv"][0].upper() in ("SUBSCRIBE", "PSUBSCRIBE")]


class Daemon:
    def __init__(self, ctx, binary, config, args=(), name="wspushd"):
        self.ctx = ctx
        self.binary = binary
        self.name = name
        d = ctx.mkdir(name)
        self.config_path = os.path.join(d, "wspushd.conf")
        with open(self.config_path, "w") as f:
            f.write(config)
        self.args = list(args)
        self.proc = None

    @property
    def pid(self):
        return self.proc.pid

    def rewrite_config(self, text):
        """Replace the config file atomically, as an operator's tools do
        (a SIGHUP must never read half a file)."""
        tmp = self.config_path + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.config_path)

    def start(self):
        argv = WRAPPER + [self.binary, "-c", self.config_path] + self.args
        # Lock files go to a directory of the test's own, never to /run.
        env = dict(os.environ)
        env["RUNTIME_DIRECTORY"] = self.ctx.mkdir(self.name + "-run")
        env.update(getattr(self, "env", None) or {})
        self.proc = self.ctx.spawn(self.name, argv, env=env)
        log("%s started (pid %d): %s" % (self.name, self.pid, " ".join(map(shlex.quote, argv))))
        return self

    def alive(self):
        return self.proc.alive()

    def log_text(self):
        try:
            with open(self.ctx.stderr_path(self.proc), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def upstream_sockets(self, ws):
        return count_tcp(self.pid, ws.port)

    def stop(self, sig=signal.SIGTERM, timeout=15):
        """Signal, wait (bounded) for exit, require status 0; returns the
        elapsed time in seconds."""
        t0 = time.monotonic()
        self.proc.signal(sig)
        return self.wait_exit(t0, sig, timeout)

    def wait_exit(self, t0, sig, timeout):
        """After `sig` was sent at monotonic time t0: wait until t0 +
        timeout (unscaled) for the exit, require status 0, return the
        elapsed seconds since t0."""
        remaining = max(0.0, scaled(timeout) - (time.monotonic() - t0))
        rc = self.proc.wait(remaining / SCALE)
        elapsed = time.monotonic() - t0
        if rc is None:
            self.proc.kill()
            raise TestFailure("%s did not exit within %.1fs of %s"
                              % (self.name, scaled(timeout), signal.Signals(sig).name))
        check(rc == 0, "%s exited with status %d after %s (expected 0)%s" % (
            self.name, rc, signal.Signals(sig).name,
            "; 99 is valgrind's error exit" if rc == 99 and WRAPPER else ""))
        log("%s exited 0 after %s in %.2fs" % (self.name, signal.Signals(sig).name, elapsed))
        return elapsed


def tail(path, n):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError as e:
        return "(%s)" % e


def config_text(ws_url, redis_port, upstream=None, redis=None, queue=None, daemon=None,
                status=None, metrics_port=None):
    """A daemon config file with fast backoffs suitable for tests; each
    dict overrides/extends the keys of its section.  metrics_port: serve
    /metrics on 127.0.0.1:metrics_port (read it with metric())."""
    sections = [
        ("upstream", {"url": ws_url, "connect_timeout": ms(scaled(3)),
                      "backoff_min": "100ms", "backoff_max": "500ms",
                      "close_timeout": ms(scaled(3))}, upstream),
        ("redis", {"url": "redis://127.0.0.1:%d" % redis_port,
                   "connect_timeout": ms(scaled(3)),
                   "backoff_min": "100ms", "backoff_max": "500ms"}, redis),
        ("queue", {}, queue),
        ("daemon", {"drain_timeout": ms(scaled(5)), "log_level": "info"}, daemon),
        ("status", {}, status),
        ("metrics", {}, None if metrics_port is None
         else {"listen": "127.0.0.1:%d" % metrics_port}),
    ]
    out = ["# generated by tests/integration/harness.py"]
    for name, base, extra in sections:
        base = dict(base)
        base.update(extra or {})
        if not base:
            continue
        out.append("[%s]" % name)
        for k, v in base.items():
            out.append("%s = %s" % (k, v))
        out.append("")
    return "\n".join(out)


class Context:
    """Owns every temp dir and process of one test; cleanup() removes all."""

    def __init__(self, binary):
        self.binary = binary
        self.root = tempfile.mkdtemp(prefix="wspushd-it-")
        self.procs = []
        self.stderr_paths = {}
        self.daemons = []
        self.redises = []
        self.wss = []
        self.silents = []
        self.faultses = []
        self.cleanups = []         # callables run first in cleanup()
        self._n = 0

    def mkdir(self, name):
        self._n += 1
        d = os.path.join(self.root, "%02d-%s" % (self._n, name))
        os.makedirs(d)
        return d

    def path(self, name):
        return os.path.join(self.root, name)

    def spawn(self, name, argv, env=None):
        self._n += 1
        base = os.path.join(self.root, "%02d-%s" % (self._n, name.replace("#", "-")))
        out = open(base + ".stdout", "wb")
        err = open(base + ".stderr", "wb")
        try:
            p = Proc(name, argv, out, err, env=env)
        finally:
            out.close()
            err.close()
        self.procs.append(p)
        self.stderr_paths[p] = base + ".stderr"
        return p

    def stderr_path(self, proc):
        return self.stderr_paths[proc]

    def stdout_path(self, proc):
        return self.stderr_paths[proc][:-len(".stderr")] + ".stdout"

    # convenient constructors ------------------------------------------------
    def redis(self, **kw):
        r = RedisServer(self, name="redis%d" % (len(self.redises) + 1), **kw)
        self.redises.append(r)
        return r

    def ws(self, **kw):
        w = WsServer(self, name="ws%d" % (len(self.wss) + 1), **kw)
        self.wss.append(w)
        return w

    def silent(self, **kw):
        s = SilentServer(self, name="silent%d" % (len(self.silents) + 1), **kw)
        self.silents.append(s)
        return s

    def faults(self, **kw):
        f = FaultServer(self, name="faults%d" % (len(self.faultses) + 1), **kw)
        self.faultses.append(f)
        return f

    def resp_faults(self, **kw):
        f = RespFaultServer(self, name="resp%d" % (len(self.faultses) + 1), **kw)
        self.faultses.append(f)
        return f

    def daemon(self, config, args=(), env=None):
        """env: extra environment variables for the daemon (e.g. NOTIFY_SOCKET)."""
        d = Daemon(self, self.binary, config, args, name="wspushd%d" % (len(self.daemons) + 1))
        d.env = env
        self.daemons.append(d)
        return d

    def run_daemon(self, args, timeout=10, env=None):
        """Run the binary to completion (for --check-config etc.):
        returns (status, stdout, stderr).  env: extra environment
        variables (e.g. CREDENTIALS_DIRECTORY)."""
        argv = WRAPPER + [self.binary] + list(args)
        full_env = dict(os.environ)
        full_env["RUNTIME_DIRECTORY"] = self.mkdir("run-%d" % len(self.procs))
        full_env.update(env or {})
        p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=scaled(timeout), start_new_session=True, env=full_env)
        return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")

    def dump(self):
        """Everything useful for a post-mortem, printed on failure."""
        for d in self.daemons:
            if d.proc is None:
                continue
            print("----- %s stderr (pid %d, last 150 lines) -----" % (d.name, d.pid))
            print(tail(self.stderr_path(d.proc), 150), end="")
        for w in self.wss:
            evs = w.log.events()
            print("----- %s: %d events: %d open, %d close, %d msg -----" % (
                w.name, len(evs), len(w.log.opens()), len(w.log.closes()), len(w.log.messages())))
            for e in [e for e in evs if e["ev"] != "msg"][-20:]:
                print("  %s" % json.dumps(e)[:300])
            for p in self.procs:
                if p.name.startswith(w.name + "#"):
                    t = tail(self.stderr_path(p), 10)
                    if t.strip():
                        print("  %s stderr:\n%s" % (p.name, t))
        for f in self.faultses:
            evs = f.log.events()
            print("----- %s: %d events: %d tcp, %d open, %d close, %d msg -----" % (
                f.name, len(evs), len(f.log.events("tcp")), len(f.log.opens()),
                len(f.log.closes()), len(f.log.messages())))
            for e in [e for e in evs if e["ev"] not in ("msg", "ping")][-30:]:
                print("  %s" % json.dumps(e)[:300])
            for p in self.procs:
                if p.name.startswith(f.name + "#"):
                    t = tail(self.stderr_path(p), 10)
                    if t.strip():
                        print("  %s stderr:\n%s" % (p.name, t))
        for s in self.silents:
            evs = s.log.events()
            print("----- %s: %d accepts, %d closed by the client -----" % (
                s.name, len(s.accepts()), len(s.closes())))
            for e in [e for e in evs if e["ev"] != "data"][-30:]:
                print("  %s" % json.dumps(e)[:300])
        for r in self.redises:
            logs = sorted(f for f in os.listdir(r.dir) if f.endswith(".log"))
            for lf in logs[-2:]:
                print("----- %s %s (last 10 lines) -----" % (r.name, lf))
                print(tail(os.path.join(r.dir, lf), 10), end="")

    def cleanup(self):
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception:
                traceback.print_exc(file=sys.stdout)
        for p in reversed(self.procs):
            if p.alive():
                p.signal(signal.SIGTERM)
                p.signal(signal.SIGCONT)    # a stopped process must see it too
        for p in reversed(self.procs):
            if p.alive() and p.wait(2) is None:
                p.kill()
            # the group may hold children even if the leader is gone
            p.signal(signal.SIGKILL)
        if os.environ.get("WSPUSHD_TEST_KEEP"):
            print("kept temp dir %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)


def bring_up(ctx, channels=("events",), patterns=(), upstream=None, redis=None,
             queue=None, daemon=None, ws_kw=None, extra_args=(), status=None,
             metrics_port=None):
    """Redis + recorder + daemon, waiting until the daemon is connected
    upstream (the recorder saw an open) and subscribed in Redis."""
    r = ctx.redis().start()
    w = ctx.ws(**(ws_kw or {})).start()
    args = []
    for ch in channels:
        args += ["--channel", ch]
    for p in patterns:
        args += ["--pattern", p]
    args += list(extra_args)
    d = ctx.daemon(config_text(w.url(), r.port, upstream, redis, queue, daemon, status,
                               metrics_port), args).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(channels, patterns), 15,
               "daemon to subscribe to %s / psubscribe to %s" % (list(channels), list(patterns)))
    return r, w, d


def publish_sentinel(r, w, channel, payload=b"sentinel, published last"):
    """Publish one message after everything else and wait until `w` has it.
    The daemon keeps order, so once it is there every message published
    before it has arrived or never will: what arrived is final, with the
    sentinel last.  Returns the sentinel's payload."""
    check(r.publish_many([(channel, payload)]) == [1],
          "the daemon is not subscribed to %s (sentinel)" % channel)
    wait_until(lambda: any(m.get("hex") == payload.hex() for m in w.messages()), 15,
               lambda: "the sentinel %r to arrive (have %d messages)"
               % (payload, len(w.messages())))
    return payload


# --------------------------------------------------------------------------
# The daemon's counters, from its [metrics] endpoint (config_text's
# metrics_port): what it counted, rather than what its log says.

def read_metrics(port, timeout=5):
    """{series: value} of GET http://127.0.0.1:PORT/metrics, a series named
    as it is written, labels included, e.g.
    'wspushd_messages_dropped_total{reason="overflow"}'."""
    url = "http://127.0.0.1:%d/metrics" % port
    with urllib.request.urlopen(url, timeout=scaled(timeout)) as resp:
        check(resp.status == 200, "GET %s: status %d" % (url, resp.status))
        text = resp.read().decode()
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, value = line.rsplit(" ", 1)
            out[series] = float(value)
    return out


def metric(port, series):
    """One series of read_metrics() (None when the daemon has no such
    series); an int when the value is whole."""
    v = read_metrics(port).get(series)
    return int(v) if v is not None and v == int(v) else v


def wait_metric(port, series, want, timeout=10):
    """Wait until `series` is `want` (a value, or a predicate on the value);
    counters move as events are handled, so poll rather than race them.
    Returns the value."""
    ok = want if callable(want) else (lambda v: v == want)
    seen = []

    def cond():
        v = metric(port, series)
        seen.append(v)
        return v is not None and ok(v) and (v,)
    return wait_until(cond, timeout, lambda: "%s to be %s (last seen %r)" % (
        series, "as expected" if callable(want) else want, seen[-1] if seen else None))[0]


def wait_connected(d, w, n_opens=1, timeout=15):
    """Wait until the recorder has seen n_opens connections and one is open."""
    def ok():
        check(d.alive(), "%s exited (status %s)" % (d.name, d.proc.p.returncode))
        return len(w.log.opens()) >= n_opens and w.log.open_connections()
    wait_until(ok, timeout, "daemon to open WebSocket connection #%d to %s" % (n_opens, w.url()))


def main(test_fn):
    """Entry point of every test script: argv[1] is the daemon binary."""
    if len(sys.argv) < 2:
        print("usage: %s /path/to/wspushd" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    binary = os.path.abspath(sys.argv[1])
    name = os.path.basename(sys.argv[0])
    if not os.access(binary, os.X_OK):
        print("FAIL %s: daemon binary %s is missing or not executable" % (name, binary))
        sys.exit(1)
    # If ctest (or a person) stops this script, still run the cleanup.
    def interrupted(signo, frame):
        raise TestFailure("interrupted by signal %d" % signo)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)
    ctx = Context(binary)
    rc = 1
    try:
        if WRAPPER:
            log("daemon wrapper: %s (timeouts x%g)" % (" ".join(WRAPPER), SCALE))
        test_fn(ctx)
        rc = 0
    except BaseException:
        traceback.print_exc(file=sys.stdout)
        try:
            ctx.dump()
        except Exception:
            traceback.print_exc(file=sys.stdout)
    finally:
        ctx.cleanup()
    print("%s %s" % ("PASS" if rc == 0 else "FAIL", name), flush=True)
    sys.exit(rc)


# --------------------------------------------------------------------------
# More helpers, for the fault-injection scenarios (label "fault").

def pause(proc):
    """SIGSTOP a Proc's whole group (it stays stopped until resume())."""
    proc.signal(signal.SIGSTOP)


def resume(proc):
    proc.signal(signal.SIGCONT)


def cpu_seconds(pid):
    """utime + stime of the process so far, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def memory_is_the_daemons():
    """Whether a process's VmRSS and VmHWM say anything about the daemon's
    own memory: not under a wrapper (valgrind), nor with AddressSanitizer
    (its shadow memory and quarantine dwarf what the daemon holds)."""
    return not WRAPPER and not os.environ.get("ASAN_OPTIONS")


def vm_kib(pid, field):
    """A memory figure of a process, in KiB, from /proc/PID/status:
    "VmRSS" (resident now), "VmHWM" (the peak of VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise ValueError("no %s in /proc/%d/status" % (field, pid))


def vm_rss_kib(pid):
    """VmRSS of a process, in KiB (/proc/PID/status)."""
    return vm_kib(pid, "VmRSS")


def all_tcp_rows(remote_port):
    """Every TCP row of this network namespace whose remote port is
    remote_port, from both sock_diag (what `ss` uses) and /proc/net/tcp{,6}
    (a socket may show in either first; TIME_WAIT rows have no inode)."""
    rows = []
    try:
        rows += _diag_tcp(remote_port)
    except OSError:
        pass
    rows += _tcp_table(os.getpid(), remote_port)
    # _tcp_table's text filter also lets rows through whose *local* port
    # is remote_port: keep only the exact ones.
    return [r for r in rows if r["remote_port"] == remote_port]


def client_side_states(client_ports, server_port):
    """{(client port, state)} of the TCP rows this machine holds for the
    connections from those local ports to server_port (the client's end)."""
    ports = set(client_ports)
    return {(r["local_port"], r["state"]) for r in all_tcp_rows(server_port)
            if r["local_port"] in ports}


def server_side_states(client_port, server_port):
    """{state} of the rows for the server's end of the connection from
    client_port to server_port."""
    return {r["state"] for r in all_tcp_rows(client_port) if r["local_port"] == server_port}


class Sampler(threading.Thread):
    """Calls fn() every `interval` seconds in a thread until halted, keeping
    (monotonic time, result) pairs; bounded in time (limit, unscaled) and
    count.  For properties over a period, such as 'never two sockets'."""

    def __init__(self, fn, limit, interval=0.01):
        super().__init__(daemon=True)
        self.fn = fn
        self.interval = interval
        self.deadline = time.monotonic() + scaled(limit)
        self.samples = []
        self.errors = 0
        self.halt = threading.Event()

    def run(self):
        for _ in range(int((self.deadline - time.monotonic()) / self.interval) + 10):
            if self.halt.is_set() or time.monotonic() > self.deadline:
                break
            try:
                self.samples.append((time.monotonic(), self.fn()))
            except (OSError, ValueError):
                self.errors += 1
            time.sleep(self.interval)

    def stop(self):
        self.halt.set()
        self.join(timeout=10)
        return [v for _, v in self.samples]


def dns_query_name(packet):
    """The first question's name of a DNS query packet, or None."""
    labels, i = [], 12
    for _ in range(128):
        if i >= len(packet):
            return None
        n = packet[i]
        if n == 0:
            return ".".join(labels)
        labels.append(packet[i + 1:i + 1 + n].decode("ascii", "replace"))
        i += 1 + n
    return None


class SilentUdp:
    """A UDP "name server" on loopback that reads queries and never
    answers (a dead resolver that drops packets).  Runs in a thread of the
    test; records (monotonic time, query name) of each packet."""

    def __init__(self, ctx, port=None):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", port or 0))
        self.sock.settimeout(0.05)
        self.port = self.sock.getsockname()[1]
        self.queries = []
        self.stopping = False
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        ctx.cleanups.append(self.stop)
        log("silent UDP name server on 127.0.0.1:%d" % self.port)

    def run(self):
        # Ends when stop() is called (or the socket is closed).
        while not self.stopping:
            try:
                data, _ = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            self.queries.append((time.monotonic(), dns_query_name(data)))

    def stop(self):
        if self.stopping:
            return
        self.stopping = True
        self.thread.join(timeout=2)
        self.sock.close()


def free_udp_tcp_port():
    """A loopback port free for both UDP and TCP (dnsmasq takes both)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            u.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise TestFailure("no loopback port free for both UDP and TCP")


def dns_query(name, qtype=1):
    """A minimal DNS query packet (recursion desired, class IN)."""
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + qname + \
        struct.pack(">HH", qtype, 1)


def dns_ask(port, name, qtype=1):
    """One query over UDP: (rcode, answer count, truncated), or None."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.settimeout(0.2)
        s.sendto(dns_query(name, qtype), ("127.0.0.1", port))
        data, _ = s.recvfrom(4096)
    except OSError:
        return None
    finally:
        s.close()
    if len(data) < 12:
        return None
    flags, ancount = struct.unpack(">H2xH", data[2:8])
    return flags & 0xF, ancount, bool(flags & 0x0200)


class Dnsmasq:
    """A real dnsmasq on 127.0.0.1:port answering the given names (name ->
    IPv4) and NXDOMAIN for everything else (--local=/#/), nothing else."""

    def __init__(self, ctx, names, port=None):
        self.ctx = ctx
        self.names = dict(names)
        self.port = port
        self.proc = None
        self.logpath = None

    def start(self):
        for attempt in range(5):
            port = self.port or free_udp_tcp_port()
            argv = [DNSMASQ, "--keep-in-foreground", "--no-resolv", "--no-hosts",
                    "--listen-address=127.0.0.1", "--bind-interfaces",
                    "--port=%d" % port, "--local=/#/", "--pid-file=",
                    "--conf-file=/dev/null", "--log-queries", "--log-facility=-"]
            argv += ["--address=/%s/%s" % (n, ip) for n, ip in self.names.items()]
            self.proc = self.ctx.spawn("dnsmasq", argv)
            self.logpath = self.ctx.stderr_path(self.proc)
            name = next(iter(self.names))
            try:
                wait_until(lambda: (dns_ask(port, name) or ())[:2] == (0, 1) or not self.proc.alive(),
                           10, "dnsmasq on port %d to answer %s" % (port, name))
            except TestFailure:
                self.proc.kill()
                raise
            if self.proc.alive():
                self.port = port
                log("dnsmasq on 127.0.0.1:%d (pid %d): %s" % (port, self.proc.pid, self.names))
                return self
            log("dnsmasq exited at start: %s" % tail(self.logpath, 5))
            time.sleep(0.2)
        raise TestFailure("could not start dnsmasq")

    def queries(self, name):
        """How many queries for `name` dnsmasq logged."""
        try:
            with open(self.logpath, errors="replace") as f:
                return sum(1 for line in f if "query[" in line and " %s from" % name in line)
        except OSError:
            return 0
