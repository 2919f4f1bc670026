#!/usr/bin/python3
"""ws_login.py - an upstream that wants a login first: the recorder
(ws_recorder.py, whose events it writes to --out), which also answers the
first message of every connection.

  --answer-after MS   answer the first message with the text "welcome"
                      MS milliseconds after it arrived, and record
                      {"ev": "answered", "conn": ..., "t": ...} as it sends
  --close-instead N   close the connection with code N instead of answering
  --echo              send every text message back, as an application that
                      answers a heartbeat does
  --no-pong           never answer a WebSocket Ping

Whatever else arrives is recorded, with its time, as the recorder does.
Built on Debian's python3-websockets, like the recorder.
"""

import argparse
import asyncio
import os
import signal
import sys

import websockets

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ws_recorder import Recorder  # noqa: E402


class NoPong(websockets.WebSocketServerProtocol):
    """Pings are read and left unanswered."""

    async def pong(self, data=b""):
        return None


class Login(Recorder):
    def __init__(self, path, answer_after_ms, close_instead, echo):
        super().__init__(path, 1 << 20, None)
        self.answer_after = answer_after_ms / 1000.0
        self.close_instead = close_instead
        self.echo = echo

    async def answer(self, ws, conn):
        await asyncio.sleep(self.answer_after)
        if self.close_instead:
            await ws.close(self.close_instead, "login refused")
            return
        self.write(ev="answered", conn=conn)
        await ws.send("welcome")

    async def handler(self, ws):
        conn = self.opened(ws)
        answering = None
        try:
            while True:
                try:
                    data = await ws.recv()
                except websockets.ConnectionClosed:
                    break
                self.record(ws, data)
                if self.echo and isinstance(data, str):
                    await ws.send(data)
                elif answering is None:
                    answering = asyncio.ensure_future(self.answer(ws, conn))
        finally:
            if answering is not None:
                answering.cancel()
            try:
                await asyncio.wait_for(ws.wait_closed(), 10)
            except Exception:
                pass
            self.write(ev="close", conn=conn, code=ws.close_code,
                       reason=ws.close_reason)


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--answer-after", type=int, default=0)
    ap.add_argument("--close-instead", type=int, default=0)
    ap.add_argument("--echo", action="store_true")
    ap.add_argument("--no-pong", action="store_true")
    args = ap.parse_args()
    srv = Login(args.out, args.answer_after, args.close_instead, args.echo)
    loop = asyncio.get_running_loop()
    stop = loop.create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, lambda: stop.done() or stop.set_result(None))
    protocol = NoPong if args.no_pong else websockets.WebSocketServerProtocol
    async with websockets.serve(srv.handler, args.host, args.port, max_size=None,
                                reuse_address=True, create_protocol=protocol):
        srv.write(ev="listening", pid=os.getpid(), host=args.host, port=args.port)
        await stop
    srv.write(ev="stopped", pid=os.getpid())


if __name__ == "__main__":
    asyncio.run(main())
