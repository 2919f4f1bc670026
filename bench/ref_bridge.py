#!/usr/bin/python3
"""The reference the benchmark compares wspushd with: the bridge people
write first, a plain asyncio program with Debian's python3-redis and
python3-websockets.  Subscribe, and send every message as one frame, in
order.  It reconnects the WebSocket, and queues (unbounded) while it is
down, so the queued-RSS figures mean the same thing for both.

    ref_bridge.py --redis-port P --channel C --url ws://127.0.0.1:N/ [--ready-file F]
"""
import argparse
import asyncio
import collections
import os
import signal

import redis.asyncio as aioredis
import websockets


async def pump_redis(args, queue, wake, ready):
    r = aioredis.Redis(host="127.0.0.1", port=args.redis_port)
    pubsub = r.pubsub()
    await pubsub.subscribe(*args.channel)
    ready.set()
    async for msg in pubsub.listen():
        if msg["type"] == "message":
            queue.append(msg["data"])
            wake.set()


async def pump_ws(args, queue, wake):
    while True:
        try:
            async with websockets.connect(args.url, max_size=None,
                                          ping_interval=None,
                                          compression=None) as ws:
                while True:
                    while queue:
                        data = queue[0]
                        try:
                            text = data.decode("utf-8")
                        except UnicodeDecodeError:
                            text = None
                        await ws.send(text if text is not None else data)
                        queue.popleft()
                    wake.clear()
                    await wake.wait()
        except (OSError, websockets.exceptions.WebSocketException):
            await asyncio.sleep(0.25)


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--redis-port", type=int, required=True)
    ap.add_argument("--channel", action="append", required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--ready-file")
    args = ap.parse_args()
    queue, wake, ready = collections.deque(), asyncio.Event(), asyncio.Event()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    tasks = [asyncio.create_task(pump_redis(args, queue, wake, ready)),
             asyncio.create_task(pump_ws(args, queue, wake))]
    await ready.wait()
    if args.ready_file:
        with open(args.ready_file, "w") as f:
            f.write("%d\n" % os.getpid())
    await stop.wait()
    for t in tasks:
        t.cancel()


if __name__ == "__main__":
    asyncio.run(main())
