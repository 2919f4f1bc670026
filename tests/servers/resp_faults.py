#!/usr/bin/python3
"""resp_faults.py - a "Redis" that misbehaves on purpose.

It speaks enough RESP2 to be subscribed to: every SUBSCRIBE or PSUBSCRIBE
is confirmed as Redis would, and every other command (AUTH, SELECT, PING,
HSET, PEXPIRE, PUBLISH, ...) gets a harmless answer.  Once all of a
connection's subscriptions are confirmed it does what --mode says, which
no real Redis does:

  garbage      write bytes that are not RESP ("!not RESP\\r\\n") and keep
               the connection open
  impossible   write a message whose payload announces
               $4611686018427387904 bytes, then --stream-mib MiB of them
               (as fast as the client reads), then keep the connection open
  short-array  a one-element array, "*1 message": hiredis 0.14's pub/sub
               code asserts at least two
  kind-not-string
               an array whose first element is an integer: hiredis asserts
               a string
  unsubscribe-no-count
               "*2 unsubscribe events": hiredis reads a third element past
               the end of the array
  extra-reply  subscribe normally, but on a connection that sends plain
               commands (PING, HSET, ...) answer each twice: the second
               answer is one nobody asked for, which hiredis asserts on

One JSON object per line is appended to --out, flushed line by line, each
with "mono" (CLOCK_MONOTONIC, the same clock in every process):

  {"ev": "listening", "pid": 123, "port": ...}
  {"ev": "conn", "conn": 1}                        a client connected
  {"ev": "cmd", "conn": 1, "argv": ["SUBSCRIBE", "events"]}
  {"ev": "fault", "conn": 1, "mode": "garbage"}     just before it
  {"ev": "streamed", "conn": 1, "bytes": N}         the --stream-mib are out
  {"ev": "closed", "conn": 1}                       the client is gone

SIGTERM or SIGINT: stop, exit 0.
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time

IMPOSSIBLE = 4611686018427387904


class Server:
    def __init__(self, args):
        self.f = open(args.out, "a", encoding="ascii")
        self.mode = args.mode
        self.stream = args.stream_mib << 20
        self.nconn = 0

    def write(self, **obj):
        obj["t"] = time.time()
        obj["mono"] = time.monotonic()
        self.f.write(json.dumps(obj, separators=(",", ":")) + "\n")
        self.f.flush()


SERVER = None


async def read_command(reader):
    """One multibulk command, as hiredis sends it; None at EOF."""
    line = await reader.readline()
    if not line:
        return None
    if not line.startswith(b"*"):
        return [line.strip().decode(errors="replace")]   # inline command
    argv = []
    for _ in range(int(line[1:])):
        hdr = await reader.readline()
        n = int(hdr[1:])
        data = await reader.readexactly(n + 2)
        argv.append(data[:-2].decode(errors="replace"))
    return argv


def bulk(s):
    b = s.encode()
    return b"$%d\r\n%s\r\n" % (len(b), b)


SHAPES = {
    "short-array": b"*1\r\n$7\r\nmessage\r\n",
    "kind-not-string": b"*3\r\n:1\r\n$6\r\nevents\r\n$2\r\nhi\r\n",
    "unsubscribe-no-count": b"*2\r\n$11\r\nunsubscribe\r\n$6\r\nevents\r\n",
}


async def misbehave(conn, writer, channel):
    if SERVER.mode == "extra-reply":
        return
    SERVER.write(ev="fault", conn=conn, mode=SERVER.mode)
    if SERVER.mode == "garbage":
        writer.write(b"!not RESP\r\n")
        await writer.drain()
        return
    if SERVER.mode in SHAPES:
        writer.write(SHAPES[SERVER.mode])
        await writer.drain()
        return
    writer.write(b"*3\r\n" + bulk("message") + bulk(channel) + b"$%d\r\n" % IMPOSSIBLE)
    chunk = b"x" * (1 << 16)
    sent = 0
    while sent < SERVER.stream:
        writer.write(chunk)
        await writer.drain()
        sent += len(chunk)
    SERVER.write(ev="streamed", conn=conn, bytes=sent)


async def handle(reader, writer):
    SERVER.nconn += 1
    conn = SERVER.nconn
    SERVER.write(ev="conn", conn=conn)
    subscribed = 0
    try:
        # Bounded: a client sends a handful of commands per connection.
        for _ in range(100000):
            argv = await read_command(reader)
            if argv is None:
                break
            SERVER.write(ev="cmd", conn=conn, argv=argv)
            name = argv[0].upper()
            if name in ("SUBSCRIBE", "PSUBSCRIBE"):
                for ch in argv[1:]:
                    subscribed += 1
                    writer.write(b"*3\r\n" + bulk(name.lower()) + bulk(ch)
                                 + b":%d\r\n" % subscribed)
                await writer.drain()
                await misbehave(conn, writer, argv[1])
            else:
                if name == "PING":
                    answer = b"+PONG\r\n"
                elif name in ("HSET", "PUBLISH", "PEXPIRE", "EXPIRE", "DEL"):
                    answer = b":0\r\n"
                else:
                    answer = b"+OK\r\n"
                writer.write(answer)
                if SERVER.mode == "extra-reply" and name not in ("AUTH", "SELECT"):
                    SERVER.write(ev="fault", conn=conn, mode=SERVER.mode)
                    writer.write(answer)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        SERVER.write(ev="closed", conn=conn)
        writer.close()


async def main():
    global SERVER
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True, help="JSON-lines file to append to")
    ap.add_argument("--mode", required=True,
                    choices=["garbage", "impossible", "extra-reply"] + sorted(SHAPES))
    ap.add_argument("--stream-mib", type=int, default=16)
    args = ap.parse_args()
    SERVER = Server(args)

    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    server = await asyncio.start_server(handle, args.host, args.port, reuse_address=True)
    SERVER.write(ev="listening", pid=os.getpid(), host=args.host, port=args.port)
    async with server:
        await stop
    SERVER.write(ev="stopped", pid=os.getpid())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except OSError as e:
        print("resp_faults: %s" % e, file=sys.stderr)
        sys.exit(2)
