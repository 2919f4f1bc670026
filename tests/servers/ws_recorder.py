#!/usr/bin/python3
"""ws_recorder.py - a WebSocket server that records everything it receives.

Built on Debian's python3-websockets (10.4, the asyncio "legacy" server API,
websockets.serve).  It is the upstream end of wspushd's integration tests and
of scripts/demo.sh: it accepts any number of connections (the tests assert
how many there were) and appends one JSON object per line to --out, flushed
line by line, so another process can follow the file while it grows:

  {"ev": "listening", "pid": 123, "host": "127.0.0.1", "port": 8080, "t": ...}
  {"ev": "open", "conn": "123-1", "path": "/ingest", "subprotocol": null,
   "headers": {"user-agent": "..."}, "peer": ["127.0.0.1", 50000], "t": ...}
  {"ev": "msg", "conn": "123-1", "seq": 0, "type": "text"|"binary",
   "len": 5, "sha256": "...", "hex": "68656c6c6f", "t": ...}
  {"ev": "close", "conn": "123-1", "code": 1001, "reason": "", "t": ...}
  {"ev": "stopped", "pid": 123, "t": ...}

"hex" is left out for payloads longer than --max-hex bytes (sha256 and len
are always there).  "conn" is "<server pid>-<n>", so connections stay
distinct when the server is restarted on the same port and appends to the
same file.

--cert PEM --key PEM: serve wss:// (TLS) with that certificate chain and
key, instead of plain ws://.  --client-ca PEM, with them: require a client
certificate signed by that CA (mutual TLS); a client without one fails the
TLS handshake.  With TLS, "open" events also carry "tls": {"version": ...,
"sni": the server name the client sent, "client_cn": the client
certificate's common name or null}.

--pause-file PATH: while PATH exists, the handlers stop reading from their
connections (TCP back-pressure then builds up in the client), which lets a
test hold messages inside the client's queue.

--send-dir DIR: the server also talks.  Every file DIR/NAME.jsonl that
appears (write it elsewhere and rename it in) is a script, played in name
order on the newest open connection, as fast as the connection takes it,
then renamed NAME.jsonl.done.  Each line is one of:

  {"text": "..."}                  a text message
  {"hex": "00ff..."}               a binary message
  {"frags": ["..", ".."]}          a text message in these fragments (the
                                   library ends it with an empty one)
  {"frags_hex": ["00", "ff"]}      a binary message in fragments
  {"ping": "..."}                  a Ping frame (payloads must differ)
  {"gen": {"count": N, "size": S, "prefix": P}}
                                   N text messages: P, the number i (from
                                   0) as %08d, then "." up to S characters

Once the last frame has left the server's buffers for the socket:

  {"ev": "sent", "conn": "123-1", "script": "NAME.jsonl", "messages": 5,
   "pings": 1}

("error" is added when the connection closed before the end).

SIGTERM or SIGINT: stop listening, close open connections with 1001 (the
websockets library does that), write "stopped", exit 0.
"""

import argparse
import asyncio
import hashlib
import json
import os
import signal
import ssl
import sys
import time

import websockets


class Recorder:
    def __init__(self, path, max_hex, pause_file, on_read=False):
        self.f = open(path, "a", encoding="ascii")
        self.sender = None         # --send-dir's
        self.on_read = on_read
        self.max_hex = max_hex
        self.pause_file = pause_file
        self.nconn = 0
        self.sni = {}      # id(SSLObject) -> server name the client sent

    def write(self, **obj):
        obj["t"] = time.time()
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()

    async def paused(self):
        if not self.pause_file:
            return
        while os.path.exists(self.pause_file):
            await asyncio.sleep(0.02)

    def opened(self, ws):
        """Write ws's "open" event, once, before anything it carries."""
        if getattr(ws, "recorder_conn", None) is not None:
            return ws.recorder_conn
        self.nconn += 1
        conn = ws.recorder_conn = "%d-%d" % (os.getpid(), self.nconn)
        ws.recorder_seq = 0
        interesting = ("user-agent", "sec-websocket-protocol", "origin",
                       "authorization", "x-test")
        headers = {k.lower(): v for k, v in ws.request_headers.raw_items()
                   if k.lower() in interesting or k.lower().startswith("x-")}
        extra = {}
        sslobj = ws.transport.get_extra_info("ssl_object")
        if sslobj is not None:
            cert = sslobj.getpeercert() or {}
            cn = None
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        cn = v
            extra["tls"] = {"version": sslobj.version(),
                            "sni": self.sni.pop(id(sslobj), None),
                            "client_cn": cn}
        self.write(ev="open", conn=conn, path=ws.path,
                   subprotocol=ws.subprotocol, headers=headers,
                   peer=list(ws.remote_address[:2]) if ws.remote_address else None,
                   **extra)
        return conn

    def record(self, ws, data):
        conn = self.opened(ws)
        if isinstance(data, str):
            kind, raw = "text", data.encode("utf-8")
        else:
            kind, raw = "binary", bytes(data)
        rec = {"conn": conn, "seq": ws.recorder_seq, "type": kind, "len": len(raw),
               "sha256": hashlib.sha256(raw).hexdigest()}
        if len(raw) <= self.max_hex:
            rec["hex"] = raw.hex()
        self.write(ev="msg", **rec)
        ws.recorder_seq += 1

    async def handler(self, ws):
        conn = self.opened(ws)
        if self.sender is not None:
            self.sender.current = ws
        try:
            while True:
                await self.paused()
                try:
                    data = await ws.recv()
                except websockets.ConnectionClosed:
                    break
                if not self.on_read:
                    self.record(ws, data)
        finally:
            # wait_closed() returns once the closing handshake (or the TCP
            # teardown) is complete; close_code is then the client's code,
            # or 1006 if the connection was lost without a Close frame.
            try:
                await asyncio.wait_for(ws.wait_closed(), 10)
            except Exception:
                pass
            if self.sender is not None and self.sender.current is ws:
                self.sender.current = None
            self.write(ev="close", conn=conn, code=ws.close_code,
                       reason=ws.close_reason)


def script_frames(path):
    """The (kind, payload) of each line of a --send-dir script, in order:
    kind "msg" (payload: str, bytes, or a list of either: fragments) or
    "ping" (payload: bytes)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            op = json.loads(line)
            if "text" in op:
                yield "msg", op["text"]
            elif "hex" in op:
                yield "msg", bytes.fromhex(op["hex"])
            elif "frags" in op:
                yield "msg", list(op["frags"])
            elif "frags_hex" in op:
                yield "msg", [bytes.fromhex(h) for h in op["frags_hex"]]
            elif "ping" in op:
                yield "ping", op["ping"].encode("utf-8")
            elif "gen" in op:
                g = op["gen"]
                for i in range(g["count"]):
                    yield "msg", ("%s%08d" % (g.get("prefix", ""), i)).ljust(g.get("size", 0), ".")
            else:
                raise ValueError("%s: no such line: %r" % (path, line[:80]))


class Sender:
    """--send-dir: plays the scripts that appear there on the newest open
    connection (see the module's docstring)."""

    def __init__(self, rec, directory):
        self.rec = rec
        self.dir = directory
        self.current = None        # the newest open connection

    async def run(self):
        while True:
            await asyncio.sleep(0.02)
            ws = self.current
            if ws is None or not ws.open:
                continue
            for name in sorted(n for n in os.listdir(self.dir) if n.endswith(".jsonl")):
                await self.play(ws, name)

    async def play(self, ws, name):
        path = os.path.join(self.dir, name)
        messages = pings = 0
        error = None
        try:
            for kind, payload in script_frames(path):
                if kind == "ping":
                    await ws.ping(payload)     # the Pong is lws' business
                    pings += 1
                else:
                    await ws.send(payload)
                    messages += 1
            # "sent" means on its way: out of the library's buffers.
            for _ in range(3000):
                if ws.transport.get_write_buffer_size() == 0:
                    break
                await asyncio.sleep(0.01)
        except websockets.ConnectionClosed as e:
            error = "connection closed: %s" % e
        os.rename(path, path + ".done")
        extra = {"error": error} if error else {}
        self.rec.write(ev="sent", conn=getattr(ws, "recorder_conn", None), script=name,
                       messages=messages, pings=pings, **extra)


class ReadRecordingProtocol(websockets.WebSocketServerProtocol):
    """Records each message as the protocol reads it, in the reader task:
    before it answers a Ping that follows, so what its Pong confirms is on
    record (the library's own queue of read, unhandled messages would be
    lost with the process)."""
    recorder = None

    async def read_message(self):
        data = await super().read_message()
        if data is not None:
            self.recorder.record(self, data)
        return data


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True, help="JSON-lines file to append to")
    ap.add_argument("--max-hex", type=int, default=1 << 20,
                    help="record the payload as hex up to this many bytes")
    ap.add_argument("--pause-file", default=None)
    ap.add_argument("--send-dir", default=None,
                    help="play the message scripts that appear in this directory")
    ap.add_argument("--record-on-read", action="store_true",
                    help="record a message when the protocol reads it, before a "
                    "Ping after it is answered, not when the handler gets it")
    ap.add_argument("--cert", default=None, help="serve wss:// with this certificate (PEM)")
    ap.add_argument("--key", default=None, help="the certificate's private key (PEM)")
    ap.add_argument("--client-ca", default=None,
                    help="require a client certificate signed by this CA (PEM)")
    args = ap.parse_args()
    if bool(args.cert) != bool(args.key) or (args.client_ca and not args.cert):
        ap.error("--cert and --key go together; --client-ca needs them")

    rec = Recorder(args.out, args.max_hex, args.pause_file, args.record_on_read)
    protocol = websockets.WebSocketServerProtocol
    if args.record_on_read:
        ReadRecordingProtocol.recorder = rec
        protocol = ReadRecordingProtocol
    tls = None
    if args.cert:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(args.cert, args.key)
        if args.client_ca:
            tls.verify_mode = ssl.CERT_REQUIRED
            tls.load_verify_locations(cafile=args.client_ca)

        def note_sni(sslobj, name, _ctx):
            rec.sni[id(sslobj)] = name
        tls.sni_callback = note_sni
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))

    async with websockets.serve(rec.handler, args.host, args.port,
                                max_size=None, max_queue=32,
                                reuse_address=True, ssl=tls,
                                create_protocol=protocol):
        rec.write(ev="listening", pid=os.getpid(), host=args.host, port=args.port)
        if args.send_dir:
            rec.sender = Sender(rec, args.send_dir)
            sending = asyncio.ensure_future(rec.sender.run())
        await stop
        if args.send_dir:
            sending.cancel()
    rec.write(ev="stopped", pid=os.getpid())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:  # e.g. address in use: say so, exit non-zero
        print("ws_recorder: %s" % e, file=sys.stderr)
        sys.exit(2)
