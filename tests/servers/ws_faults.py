#!/usr/bin/python3
"""ws_faults.py - a WebSocket server that misbehaves on purpose.

Built on Debian's python3-websockets (10.4, the asyncio "legacy" server
API), like ws_recorder.py: the opening handshake, framing, the close
handshake and the HTTP refusals are the real library's.  It exists for what
no real server does on purpose, which wspushd's fault-injection tests need:
answering the upgrade with 503 + Retry-After, never answering a ping,
closing every connection shortly after the handshake, and, after a real
handshake, sending bytes that are not a valid frame, an oversized message,
a text frame that is not UTF-8, or a Close frame with a code that must not
appear on the wire.

Each HTTP request (one per TCP connection) is given the next entry of
--plan, in order; once the plan is used up, every further one gets
--default.  A behaviour is one of:

  record              a plain recorder (as ws_recorder.py): answer pings,
                      record every message
  no-pong             record messages, never answer a ping, send nothing
  chatty-no-pong:MS   send a text frame every MS milliseconds, never answer
                      a ping
  close-after:MS[:CODE]
                      close (the library's close handshake, CODE, default
                      1000) MS milliseconds after the handshake; while
                      --hold-file exists the close waits
  http:STATUS[:RA]    answer the upgrade request with HTTP STATUS (no
                      WebSocket); RA is the Retry-After header: a number of
                      seconds as given, or "date+N" for an HTTP-date N
                      seconds from now
  redirect:STATUS[:LOCATION]
                      answer the upgrade request with HTTP STATUS (a 3xx)
                      and, if given, a Location header with LOCATION (which
                      may contain colons; no commas)
  garbage             on the trigger message: write bytes that are no valid
                      frame (reserved opcode and RSV bits) to the transport
  oversize:BYTES      on the trigger: send one binary message of BYTES
  bad-utf8            on the trigger: a text frame whose payload is not UTF-8
  close-raw:CODE      on the trigger: a Close frame carrying CODE as is
                      (e.g. 999 or 1005, which no endpoint may send)
  ping-flood:SECONDS  on the trigger: empty Ping frames, as fast as the
                      client reads them, for SECONDS, then record as usual
  refuse:CODE         on the trigger, every time: close the connection with
                      CODE (a server that will not take that message)
  big-flood:SECONDS   on the trigger: one 1 MiB binary frame, then 64 KiB
                      binary frames as fast as the client reads them, for
                      SECONDS, reading nothing the client sends meanwhile
                      (its Close included): raw frames, past the library

The "trigger" is a message from the client equal to --trigger (default
"misbehave"); messages before it are recorded as usual, and so is the
trigger itself.  Every behaviour but http: records the messages it gets.

One JSON object per line is appended to --out, flushed line by line; every
record has "t" (time.time()) and "mono" (time.monotonic(), CLOCK_MONOTONIC,
the same clock in every process of the machine):

  {"ev": "listening", "pid": 123, "host": ..., "port": ...}
  {"ev": "tcp", "conn": "123-1", "peer": ["127.0.0.1", 50000]}   accepted
  {"ev": "request", "conn": "123-1", "path": "/ingest", "plan": "record"}
  {"ev": "refused", "conn": "123-1", "status": 503, "retry_after": "2"}
  {"ev": "redirected", "conn": "123-1", "status": 301, "location": "..."}
  {"ev": "open", "conn": "123-1", "path": ..., "peer": [...], "plan": ...}
  {"ev": "ping", "conn": "123-1", "answered": false}
  {"ev": "msg", "conn": "123-1", "seq": 0, "type": "text", "len": 5,
   "sha256": "...", "hex": "..."}
  {"ev": "fault", "conn": "123-1", "what": "garbage"}    just before it
  {"ev": "close_sent", "conn": "123-1", "code": 1000}     just before it
  {"ev": "close", "conn": "123-1", "code": 1009, "reason": "..."}
  {"ev": "lost", "conn": "123-1"}                 the TCP connection is gone
  {"ev": "stopped", "pid": 123}

"close" carries the code of the client's Close frame (1006 when there was
none).  "conn" is "<server pid>-<n>", so connections stay distinct across
restarts on the same port.

--cert PEM --key PEM: serve wss:// (TLS) with that certificate.

SIGTERM or SIGINT: stop listening, close what is open (1001), write
"stopped", exit 0.
"""

import argparse
import asyncio
import email.utils
import hashlib
import http
import json
import os
import signal
import ssl
import struct
import sys
import time

import websockets
from websockets.frames import OP_CLOSE, OP_TEXT
from websockets.legacy.server import WebSocketServerProtocol

GARBAGE = b"\xff\xff\xff\xff not a websocket frame \r\n\x00\x01\x02"


class Server:
    def __init__(self, args):
        self.f = open(args.out, "a", encoding="ascii")
        self.plan = [p for p in args.plan.split(",") if p] if args.plan else []
        self.default = args.default
        self.trigger = args.trigger.encode()
        self.hold_file = args.hold_file
        self.max_hex = args.max_hex
        self.nconn = 0
        self.nreq = 0

    def write(self, **obj):
        obj["t"] = time.time()
        obj["mono"] = time.monotonic()
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()

    def next_plan(self):
        self.nreq += 1
        if self.nreq <= len(self.plan):
            return self.plan[self.nreq - 1]
        return self.default

    def held(self):
        return self.hold_file is not None and os.path.exists(self.hold_file)


SERVER = None


class FaultProtocol(WebSocketServerProtocol):
    """The library's server protocol, plus a record of the TCP connection,
    a plan per request, and (for the no-pong behaviours) pings left
    unanswered."""

    conn = None
    plan = "record"
    no_pong = False

    def connection_made(self, transport):
        SERVER.nconn += 1
        self.conn = "%d-%d" % (os.getpid(), SERVER.nconn)
        peer = transport.get_extra_info("peername")
        SERVER.write(ev="tcp", conn=self.conn, peer=list(peer[:2]) if peer else None)
        super().connection_made(transport)

    def connection_lost(self, exc):
        SERVER.write(ev="lost", conn=self.conn)
        super().connection_lost(exc)

    async def process_request(self, path, request_headers):
        self.plan = SERVER.next_plan()
        SERVER.write(ev="request", conn=self.conn, path=path, plan=self.plan)
        kind, _, arg = self.plan.partition(":")
        self.no_pong = kind in ("no-pong", "chatty-no-pong")
        if kind == "redirect":
            status, _, location = arg.partition(":")
            headers = [("Location", location)] if location else []
            SERVER.write(ev="redirected", conn=self.conn, status=int(status),
                         location=location or None,
                         authorization=request_headers.get("Authorization"))
            return (http.HTTPStatus(int(status)), headers, b"moved\n")
        if kind != "http":
            return None
        status, _, ra = arg.partition(":")
        headers = []
        if ra.startswith("date+"):
            ra = email.utils.formatdate(time.time() + float(ra[5:]), usegmt=True)
        if ra:
            headers.append(("Retry-After", ra))
        SERVER.write(ev="refused", conn=self.conn, status=int(status), retry_after=ra or None)
        return (http.HTTPStatus(int(status)), headers, b"refused by ws_faults.py\n")

    async def read_message(self):
        """refuse: record each message as the protocol reads it, and on
        the trigger fail the connection there and then, before a Ping
        after it is read (its Pong would confirm the message)."""
        data = await super().read_message()
        if data is None or not self.plan.startswith("refuse:"):
            return data
        self.nread = getattr(self, "nread", 0)
        raw = record(self, self.nread, data)
        self.nread += 1
        if raw == SERVER.trigger:
            SERVER.write(ev="fault", conn=self.conn, what=self.plan)
            self.fail_connection(int(self.plan.partition(":")[2]), "refused")
        return data

    async def pong(self, data=b""):
        if self.no_pong:
            SERVER.write(ev="ping", conn=self.conn, answered=False)
            return
        SERVER.write(ev="ping", conn=self.conn, answered=True)
        await super().pong(data)


def record(ws, seq, data):
    if isinstance(data, str):
        kind, raw = "text", data.encode("utf-8")
    else:
        kind, raw = "binary", bytes(data)
    rec = {"conn": ws.conn, "seq": seq, "type": kind, "len": len(raw),
           "sha256": hashlib.sha256(raw).hexdigest()}
    if len(raw) <= SERVER.max_hex:
        rec["hex"] = raw.hex()
    SERVER.write(ev="msg", **rec)
    return raw


async def fault(ws, kind, arg):
    SERVER.write(ev="fault", conn=ws.conn, what=ws.plan)
    if kind == "garbage":
        ws.transport.write(GARBAGE)
    elif kind == "oversize":
        await ws.send(b"\xab" * int(arg))
    elif kind == "bad-utf8":
        await ws.write_frame(True, OP_TEXT, b"caf\xc3\x28 \xff\xfe not utf-8")
    elif kind == "close-raw":
        await ws.write_frame(True, OP_CLOSE, struct.pack("!H", int(arg)) + b"bad code")
    elif kind in ("ping-flood", "big-flood"):
        # Raw frames, so the flood is as fast as the transport, not as
        # slow as the library's bookkeeping, and goes on after a Close.
        if kind == "ping-flood":
            chunk = b"\x89\x00" * (1 << 15)
        else:
            # Deaf from here on: the client's Close is never read, so
            # never answered, and the flood goes on regardless.
            ws.transport.pause_reading()
            ws.transport.write(b"\x82\x7f" + struct.pack("!Q", 1 << 20) + b"\xab" * (1 << 20))
            chunk = b"\x82\x7f" + struct.pack("!Q", 1 << 16) + b"\xcd" * (1 << 16)
        end = time.monotonic() + float(arg)
        sent = 0
        while time.monotonic() < end:
            ws.transport.write(chunk)
            sent += len(chunk)
            try:
                await asyncio.wait_for(ws.drain(), max(0.01, end - time.monotonic()))
            except asyncio.TimeoutError:
                break
        SERVER.write(ev="flooded", conn=ws.conn, bytes=sent)


async def receive_all(ws, kind, arg):
    """Record messages until the connection ends; on the trigger, misbehave
    (once) if the plan says so."""
    seq = 0
    done = False
    while True:
        try:
            data = await ws.recv()
        except websockets.ConnectionClosed:
            return
        if kind == "refuse":
            continue            # recorded as read (FaultProtocol.read_message)
        raw = record(ws, seq, data)
        seq += 1
        if not done and raw == SERVER.trigger and kind in (
                "garbage", "oversize", "bad-utf8", "close-raw", "ping-flood",
                "big-flood"):
            done = True
            try:
                await fault(ws, kind, arg)
            except websockets.ConnectionClosed:
                return


async def chatter(ws, period):
    n = 0
    # Bounded: at most an hour of ticks; ends with the connection.
    for _ in range(int(3600 / period) + 1):
        await asyncio.sleep(period)
        try:
            await ws.send("tick %d" % n)
        except websockets.ConnectionClosed:
            return
        n += 1


async def close_after(ws, delay, code):
    await asyncio.sleep(delay)
    # Bounded wait while the hold file exists (at most an hour).
    for _ in range(180000):
        if not SERVER.held():
            break
        await asyncio.sleep(0.02)
    SERVER.write(ev="close_sent", conn=ws.conn, code=code)
    await ws.close(code, "ws_faults close-after")


async def handler(ws):
    kind, _, arg = ws.plan.partition(":")
    SERVER.write(ev="open", conn=ws.conn, path=ws.path, plan=ws.plan,
                 peer=list(ws.remote_address[:2]) if ws.remote_address else None)
    extra = None
    if kind == "chatty-no-pong":
        extra = asyncio.ensure_future(chatter(ws, int(arg) / 1000.0))
    elif kind == "close-after":
        ms, _, code = arg.partition(":")
        extra = asyncio.ensure_future(close_after(ws, int(ms) / 1000.0,
                                                  int(code) if code else 1000))
    try:
        await receive_all(ws, kind, arg)
    finally:
        if extra is not None:
            extra.cancel()
        try:
            await asyncio.wait_for(ws.wait_closed(), 10)
        except Exception:
            pass
        SERVER.write(ev="close", conn=ws.conn, code=ws.close_code, reason=ws.close_reason)


async def main():
    global SERVER
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True, help="JSON-lines file to append to")
    ap.add_argument("--plan", default="", help="behaviours for the first requests, comma-separated")
    ap.add_argument("--default", default="record", help="behaviour once the plan is used up")
    ap.add_argument("--trigger", default="misbehave")
    ap.add_argument("--hold-file", default=None)
    ap.add_argument("--max-hex", type=int, default=4096)
    ap.add_argument("--cert", default=None, help="serve wss:// with this certificate (PEM)")
    ap.add_argument("--key", default=None, help="the certificate's private key (PEM)")
    args = ap.parse_args()
    SERVER = Server(args)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    # ping_interval=None: the library sends no pings of its own, so a
    # no-pong server sends nothing at all.
    tls = None
    if args.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
    async with websockets.serve(handler, args.host, args.port, create_protocol=FaultProtocol,
                                max_size=None, max_queue=32, ping_interval=None,
                                reuse_address=True, ssl=tls):
        SERVER.write(ev="listening", pid=os.getpid(), host=args.host, port=args.port)
        await stop
    SERVER.write(ev="stopped", pid=os.getpid())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:  # e.g. address in use: say so, exit non-zero
        print("ws_faults: %s" % e, file=sys.stderr)
        sys.exit(2)
