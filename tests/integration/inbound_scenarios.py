"""What the [inbound] tests share: a server that talks (the recorder's
--send-dir scripts), a Pub/Sub subscriber and a stream reader of the
test's own that keep up with 100,000 messages, and messages of every
kind a server may send."""
import itertools
import json
import os
import random
import signal
import socket
import threading
import time

from harness import (Resp, TestFailure, all_tcp_rows, check, log, metric, read_metrics,
                     scaled, tcp_sockets, wait_metric, wait_until)

_INCOMPLETE = object()


def _parse(buf, pos):
    """One RESP value of buf (a bytearray) at pos: (value, next pos), or
    _INCOMPLETE.  Offsets only, so a reply of 100,000 entries costs no
    copies of the buffer (harness.Resp slices it for every element)."""
    end = buf.find(b"\r\n", pos)
    if end < 0:
        return _INCOMPLETE
    kind, line, pos = buf[pos:pos + 1], bytes(buf[pos + 1:end]), end + 2
    if kind == b"*":
        out = []
        for _ in range(int(line)):
            r = _parse(buf, pos)
            if r is _INCOMPLETE:
                return r
            v, pos = r
            out.append(v)
        return out, pos
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, pos
        if len(buf) < pos + n + 2:
            return _INCOMPLETE
        return bytes(buf[pos:pos + n]), pos + n + 2
    if kind == b":":
        return int(line), pos
    if kind == b"-":
        raise TestFailure("redis: %s" % line.decode(errors="replace"))
    return line.decode(errors="replace"), pos


def call(port, *args):
    """One command on a connection of its own; big replies read fast."""
    with socket.create_connection(("127.0.0.1", port), timeout=scaled(10)) as s:
        s.sendall(Resp.encode(args))
        buf = bytearray()
        for _ in range(1000000):
            r = _parse(buf, 0)
            if r is not _INCOMPLETE:
                return r[0]
            chunk = s.recv(1 << 20)
            if not chunk:
                raise TestFailure("redis closed the connection")
            buf += chunk
    raise TestFailure("reply too long")


def stream_entries(port, key, batch=5000):
    """Every entry of the stream, oldest first: [(id, {field: value})]."""
    out, start = [], "-"
    for _ in range(100000):
        got = call(port, "XRANGE", key, start, "+", "COUNT", batch)
        out += [(e[0], dict(zip(e[1][::2], e[1][1::2]))) for e in got]
        if len(got) < batch:
            return out
        start = "(" + got[-1][0].decode()
    raise TestFailure("stream %s: too many entries" % key)


def last_entry_data(port, key):
    got = call(port, "XREVRANGE", key, "+", "-", "COUNT", 1)
    return dict(zip(got[0][1][::2], got[0][1][1::2])).get(b"data") if got else None


class Subscriber(threading.Thread):
    """SUBSCRIBE channel on a connection of the test's own; every payload
    Redis delivers, in order, in .messages."""

    def __init__(self, port, channel):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=scaled(5))
        self.sock.sendall(Resp.encode(["SUBSCRIBE", channel]))
        self.messages = []
        self.subscribed = threading.Event()
        self.halt = threading.Event()
        self.error = None
        self.start()
        check(self.subscribed.wait(scaled(5)), "the test's SUBSCRIBE %s" % channel)

    def run(self):
        buf, pos = bytearray(), 0
        self.sock.settimeout(0.1)
        try:
            while not self.halt.is_set():
                try:
                    chunk = self.sock.recv(1 << 20)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                buf += chunk
                while True:
                    r = _parse(buf, pos)
                    if r is _INCOMPLETE:
                        break
                    v, pos = r
                    if v[0] == b"message":
                        self.messages.append(v[2])
                    elif v[0] == b"subscribe":
                        self.subscribed.set()
                del buf[:pos]
                pos = 0
        except Exception as e:        # reported by has()
            self.error = e

    def has(self, payload):
        check(self.error is None, "subscriber: %r" % self.error)
        return bool(self.messages) and self.messages[-1] == payload

    def wait_last(self, payload, timeout):
        wait_until(lambda: self.has(payload), timeout,
                   lambda: "%r to arrive last on the test's subscription (have %d "
                   "message(s), the last %r)" % (payload, len(self.messages),
                                                self.messages[-1][:60]
                                                if self.messages else None))

    def stop(self):
        self.halt.set()
        self.join(timeout=10)
        self.sock.close()


class Talker:
    """Has the recorder (started with send_dir) send scripts of messages
    on its open connection, one script after another."""

    _n = itertools.count()

    def __init__(self, ws, send_dir):
        self.ws = ws
        self.dir = send_dir

    def play(self, lines):
        """Queue a script (line dicts, see ws_recorder.py); its name."""
        name = "%06d.jsonl" % next(self._n)
        tmp = os.path.join(self.dir, name + ".tmp")
        with open(tmp, "w") as f:
            for line in lines:
                f.write(json.dumps(line) + "\n")
        os.rename(tmp, os.path.join(self.dir, name))
        return name

    def wait_played(self, name, timeout=60):
        """Wait until the server sent the whole script; its "sent" record."""
        ev = wait_until(lambda: [e for e in self.ws.log.events("sent")
                                 if e["script"] == name], timeout,
                        "the server to send script %s" % name)[0]
        check("error" not in ev, "script %s: %s" % (name, ev.get("error")))
        log("server sent script %s: %d message(s), %d ping(s)"
            % (name, ev["messages"], ev["pings"]))
        return ev


def text(s):
    return {"text": s}


def server_bytes_read(d, w):
    """Everything the server wrote is inside the daemon: its socket's
    receive queue and the server's send queue are both empty (lws parses
    what it reads in the same turn of the loop)."""
    socks = tcp_sockets(d.pid, w.port)
    if len(socks) != 1 or socks[0]["rx_queue"] != 0:
        return False
    server = [row for row in all_tcp_rows(socks[0]["local_port"])
              if row["local_port"] == w.port]
    return bool(server) and all(row["tx_queue"] == 0 for row in server)


def inbound_section(**keys):
    """An [inbound] section for config_text()'s output; None leaves a key out."""
    return "\n[inbound]\n" + "".join("%s = %s\n" % (k, v) for k, v in keys.items()
                                     if v is not None)


def reload(d, metrics_port, text_):
    """Rewrite the daemon's file and SIGHUP it; wait until it is applied."""
    series = 'wspushd_reloads_total{result="applied"}'
    before = metric(metrics_port, series)
    d.rewrite_config(text_)
    d.proc.signal(signal.SIGHUP)
    wait_metric(metrics_port, series, before + 1)


# The palette of text messages: ASCII (controls too: NUL is UTF-8), two-,
# three- and four-byte characters.
PALETTE = [chr(c) for c in range(128)] + list("éßøΩжא€漢字🙂💡")


def mixed_messages(n, seed=7):
    """n messages of every kind, as (kind, bytes, script line), with a
    Ping (its own script line, kind "ping") after every 997th: random
    text and binary of 0..200 bytes, and at fixed places an empty text,
    an empty binary, every byte value, fragmented text and binary,
    every ASCII character, and 100 KiB / 300 KiB messages that lws reads
    in many pieces."""
    rnd = random.Random(seed)
    big_bin = rnd.randbytes(300 * 1024)
    big_text = "".join(rnd.choices(PALETTE[32:], k=100 * 1024))
    frag_text = ["fragmented: ", "h\u00e9llo, ", "\u4e16\u754c \U0001F642", "!"]
    every = bytes(range(256))
    specials = [
        ("text", b"", text("")),
        ("binary", b"", {"hex": ""}),
        ("binary", every, {"hex": every.hex()}),
        ("text", "".join(frag_text).encode(), {"frags": frag_text}),
        ("binary", every * 3, {"frags_hex": [every.hex()] * 3}),
        ("text", "".join(chr(c) for c in range(128)).encode(),
         text("".join(chr(c) for c in range(128)))),
        ("binary", big_bin, {"hex": big_bin.hex()}),
        ("text", big_text.encode(), text(big_text)),
    ]
    at = {max(1, n * (k + 1) // (len(specials) + 1)): s for k, s in enumerate(specials)}
    out = []
    for i in range(n):
        if i in at:
            out.append(at[i])
        elif i % 2:
            s = "m%06d " % i + "".join(rnd.choices(PALETTE, k=rnd.randrange(0, 120)))
            out.append(("text", s.encode(), text(s)))
        else:
            b = rnd.randbytes(rnd.randrange(0, 200))
            out.append(("binary", b, {"hex": b.hex()}))
        if i % 997 == 996:
            out.append(("ping", None, {"ping": "ping %d" % i}))
    return out


def script(messages):
    return [line for _, _, line in messages]


def payloads(messages):
    return [(kind, data) for kind, data, _ in messages if kind != "ping"]


def first_difference(got, want):
    """Where two lists of payloads part, said for a failure message."""
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            return "#%d: expected %r, got %r" % (i, w[:60], g[:60])
    return "lengths %d and %d" % (len(got), len(want))


# The daemon's wspushd_inbound_* series, by short name.
SERIES = {
    "messages": "wspushd_inbound_messages_total",
    "forwarded": "wspushd_inbound_forwarded_total",
    "full": 'wspushd_inbound_dropped_total{reason="full"}',
    "too_big": 'wspushd_inbound_dropped_total{reason="too_big"}',
    "refused": 'wspushd_inbound_dropped_total{reason="refused"}',
    "lost": 'wspushd_inbound_dropped_total{reason="lost"}',
    "pending": "wspushd_inbound_pending",
    "pending_bytes": "wspushd_inbound_pending_bytes",
}


def inbound_counts(port):
    """{short name: value} of every wspushd_inbound_* series, from one
    scrape (so they add up)."""
    m = read_metrics(port)
    return {k: int(m[v]) for k, v in SERIES.items()}


def unix_ms():
    return int(time.time() * 1000)
