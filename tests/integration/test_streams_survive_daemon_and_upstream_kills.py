#!/usr/bin/python3
"""Redis Streams as a durable input ([redis] stream): a producer XADDs
entries at a steady rate while the daemon is killed with SIGKILL 20 times
(and started again) and the upstream server 20 times, alternately.

  * every entry arrives upstream at least once: the daemon acknowledges
    (XACK) an entry only once the upstream confirmed its message, so one
    killed daemon's unacknowledged entries are read again by the next
    (its own pending entries, first);
  * in order: the first arrivals are in the order the entries were added;
  * at the end the consumer group's pending list is empty: everything
    delivered was acknowledged;
  * how many arrived twice is reported.

The upstream records what its WebSocket layer read, as a Pong confirms
it (record_on_read).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, log, main, wait_until
from stream_scenarios import Producer, all_delivered, arrived, pending

KILLS = 40
STREAM = "ws:out"


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws(record_on_read=True).start()
    cfg = config_text(w.url(), r.port,
                      upstream={"backoff_min": "50ms", "backoff_max": "200ms"},
                      redis={"backoff_min": "50ms", "backoff_max": "200ms",
                             "consumer": "it"})
    d = ctx.daemon(cfg, ["--stream", STREAM]).start()
    wait_until(lambda: pending(r, STREAM) is not None, 15, "the consumer group to exist")
    prod = Producer(r.port, STREAM, 300)
    prod.start()
    try:
        for k in range(KILLS):
            # Live: an entry added from now on arrives.
            since = len(prod.added)
            wait_until(lambda: (check(prod.error is None, "producer: %r" % prod.error)
                                or any(s >= since for s in arrived(w))), 20,
                       "an entry added after kill #%d to arrive" % k)
            if k % 2 == 0:
                d.proc.kill()
                wait_until(lambda: not d.alive(), 10, "the daemon to die")
                d.start()
            else:
                w.kill()
                w.start()
        since = len(prod.added)
        wait_until(lambda: any(s >= since for s in arrived(w)), 20,
                   "an entry added after the last kill to arrive")
    finally:
        prod.stop()
    added, got, seen = all_delivered(prod, r, w, STREAM)
    d.stop()
    check(pending(r, STREAM) == 0, "entries left pending after a clean stop: %r"
          % pending(r, STREAM))
    log("%d entries added, all delivered across %d kills (%d of the daemon, %d of the "
        "upstream); %d arrived twice; nothing pending"
        % (len(added), KILLS, (KILLS + 1) // 2, KILLS // 2, len(got) - len(seen)))


if __name__ == "__main__":
    main(test)
