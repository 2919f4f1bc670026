#!/usr/bin/python3
"""silent_tcp.py - a TCP server that accepts connections and never answers.

No real server behaves like this on purpose, which is why it exists: it is
the peer that accepts the TCP connection and then says nothing, ever (a hung
upstream, a Redis stuck in a long fork, a firewall that blackholes after the
handshake).  wspushd's integration tests use it to check that the daemon's
own connect timers cancel such attempts and close their sockets.

It never sends a byte and never closes a connection first.  It reads (and
records) whatever the client sends, and when the client closes (EOF or
reset) it records that and closes its own end, so nothing lingers.  One JSON
object per line is appended to --out, flushed line by line, so a test can
follow the file while it grows:

  {"ev": "listening", "pid": 123, "host": "127.0.0.1", "port": 8080, ...}
  {"ev": "accept", "conn": "123-1", "peer": ["127.0.0.1", 50000], ...}
  {"ev": "data", "conn": "123-1", "len": 120, "hex": "474554...",
   "kt": 1700000000.123, ...}
  {"ev": "closed", "conn": "123-1", "how": "eof"|"reset"|"error: ...",
   "bytes": 120, "held": 0.503, "since_connect": 0.505, ...}
  {"ev": "dropped", "conn": "123-1", ...}     (still open at SIGTERM)
  {"ev": "stopped", "pid": 123, ...}

Every record has "t" (time.time()) and "mono" (time.monotonic(), which is
CLOCK_MONOTONIC, the same clock in every process of the machine), so a test
can compare these times with its own.  "held" is how long the connection
was open, from accept to the client's close, as seen here.  "hex" holds at
most the first 512 bytes of each chunk.  "kt" is the kernel's receive
timestamp of the chunk (SO_TIMESTAMPNS, wall clock): unlike the time this
process got round to accept(), it does not depend on how busy the machine
is.  "since_connect" is the client's close as seen here minus the earlier of
the accept and the first chunk's "kt": the best estimate of how long the
client kept the connection, never shortened by a late accept().

SIGTERM or SIGINT: stop listening, close the connections that are still
open (recorded as "dropped"), write "stopped", exit 0.
"""

import argparse
import errno
import json
import os
import selectors
import signal
import socket
import struct
import sys
import time

HEX_MAX = 512
SO_TIMESTAMPNS = 35          # Linux; not in Python's socket module


class Silent:
    def __init__(self, path):
        self.f = open(path, "a", encoding="ascii")
        self.nconn = 0
        self.conns = {}        # socket -> dict(conn, accepted, bytes)
        self.stop = False

    def write(self, **obj):
        obj["t"] = time.time()
        obj["mono"] = time.monotonic()
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()

    def accept(self, sel, lsock):
        # Bounded: a burst of connections is taken a few at a time.
        for _ in range(16):
            try:
                s, peer = lsock.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                if e.errno in (errno.ECONNABORTED, errno.EPROTO):
                    continue
                raise
            now = time.monotonic()
            s.setblocking(False)
            self.nconn += 1
            info = {"conn": "%d-%d" % (os.getpid(), self.nconn),
                    "accepted": now, "accepted_t": time.time(), "first_kt": None,
                    "bytes": 0}
            self.conns[s] = info
            sel.register(s, selectors.EVENT_READ)
            self.write(ev="accept", conn=info["conn"], peer=list(peer[:2]))

    def readable(self, sel, s):
        info = self.conns[s]
        how = None
        try:
            data, anc, _, _ = s.recvmsg(65536, socket.CMSG_SPACE(16))
            if data:
                kt = None
                for level, kind, raw in anc:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(raw) >= 16:
                        sec, nsec = struct.unpack("qq", raw[:16])
                        kt = sec + nsec / 1e9
                if info["first_kt"] is None:
                    info["first_kt"] = kt
                info["bytes"] += len(data)
                self.write(ev="data", conn=info["conn"], len=len(data),
                           hex=data[:HEX_MAX].hex(), kt=kt)
                return
            how = "eof"
        except (BlockingIOError, InterruptedError):
            return
        except ConnectionResetError:
            how = "reset"
        except OSError as e:
            how = "error: %s" % e
        held = time.monotonic() - info["accepted"]
        start = info["accepted_t"]
        if info["first_kt"] is not None:
            start = min(start, info["first_kt"])
        since = time.time() - start
        self.forget(sel, s)
        self.write(ev="closed", conn=info["conn"], how=how, bytes=info["bytes"],
                   held=round(held, 4), since_connect=round(since, 4))

    def forget(self, sel, s):
        sel.unregister(s)
        del self.conns[s]
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True, help="JSON-lines file to append to")
    args = ap.parse_args()

    srv = Silent(args.out)

    def on_signal(signo, frame):
        srv.stop = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted sockets inherit it: every chunk received carries its
    # arrival time in the kernel.
    lsock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    try:
        lsock.bind((args.host, args.port))
    except OSError as e:   # e.g. address in use: say so, exit non-zero
        print("silent_tcp: %s" % e, file=sys.stderr)
        sys.exit(2)
    lsock.listen(64)
    lsock.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsock, selectors.EVENT_READ)
    srv.write(ev="listening", pid=os.getpid(), host=args.host, port=args.port)

    # Runs until signalled; each turn waits at most 0.1 s, so a signal is
    # acted on promptly.
    while not srv.stop:
        for key, _ in sel.select(timeout=0.1):
            if key.fileobj is lsock:
                srv.accept(sel, lsock)
            elif key.fileobj in srv.conns:
                srv.readable(sel, key.fileobj)

    sel.unregister(lsock)
    lsock.close()
    for s in list(srv.conns):
        info = srv.conns[s]
        srv.forget(sel, s)
        srv.write(ev="dropped", conn=info["conn"], bytes=info["bytes"],
                  held=round(time.monotonic() - info["accepted"], 4))
    srv.write(ev="stopped", pid=os.getpid())
    sel.close()


if __name__ == "__main__":
    main()
