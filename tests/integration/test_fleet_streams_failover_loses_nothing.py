#!/usr/bin/python3
"""A fleet reading a Redis Stream loses nothing when its leader dies.

Three instances share one [fleet] lease_key and read one stream as one
consumer group, each under its own consumer name (as on three hosts),
with at-least-once delivery.  A producer adds entries at a steady pace
while the leader is SIGKILLed 10 times (and started again as a standby),
every other time while the server has stopped reading (so the leader
holds entries it wrote but had not had confirmed), then stopped with
SIGTERM once.  Each new leader first makes the group's
pending entries its own (XAUTOCLAIM), so what a dead leader had read but
not had acknowledged is delivered by the next one.

  * what a dead leader held pending moves to the next leader (its
    consumer's pending count drops to 0), and arrives;
  * every entry arrives upstream, and nothing is left pending;
  * first arrivals are in the order the entries were added;
  * only one upstream socket at a time (sampled throughout);
  * how many arrived twice is reported.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import check, config_text, count_tcp, log, main, wait_until
from stream_scenarios import Producer, all_delivered, arrived, pending
from test_fleet_one_leader_across_instances import Sampler, leaders

STREAM = "ws:fleet"
KILLS = 10


def held_by(r, consumer):
    """Entries of the group pending under consumer."""
    for name, count in r.call("XPENDING", STREAM, "wspushd")[3] or []:
        if name.decode() == consumer:
            return int(count)
    return 0


def test(ctx):
    r = ctx.redis().start()
    pause_file = ctx.path("pause")
    w = ctx.ws(record_on_read=True, pause_file=pause_file).start()
    daemons = []
    for i in range(3):
        text = config_text(w.url(), r.port,
                           upstream={"backoff_min": "50ms", "backoff_max": "200ms"},
                           redis={"backoff_min": "50ms", "backoff_max": "200ms",
                                  "stream": STREAM, "consumer": "host%d" % i,
                                  "claim_idle": "1h"}) + (
            "\n[fleet]\nlease_key = wspushd:test:streams\nlease_ttl = 2s\n")
        daemons.append(ctx.daemon(text).start())
    sampler = Sampler(daemons, w.port)
    sampler.start()
    wait_until(lambda: pending(r, STREAM) is not None and leaders(daemons, w), 15,
               "a leader and the consumer group")
    stranded = []
    prod = Producer(r.port, STREAM, 300)
    prod.start()
    try:
        for k in range(KILLS + 1):
            since = len(prod.added)
            wait_until(lambda: (check(prod.error is None, "producer: %r" % prod.error)
                                or any(s >= since for s in arrived(w))), 20,
                       "an entry added after failover #%d to arrive" % k)
            if k == KILLS:
                break
            leader = leaders(daemons, w)[0]
            consumer = "host%d" % daemons.index(leader)
            if k % 2 == 0:
                # The server stops reading, so Pongs stop: the leader holds
                # entries written but unconfirmed when it dies.
                open(pause_file, "w").close()
                wait_until(lambda: held_by(r, consumer) >= 20, 20,
                           "the leader to hold unconfirmed entries")
            leader.proc.kill()
            if os.path.exists(pause_file):
                os.unlink(pause_file)
            wait_until(lambda: not leader.alive(), 10, "the leader to die")
            held = held_by(r, consumer)
            stranded.append(held)
            # The next leader makes them its own before it reads.
            if held:
                wait_until(lambda: held_by(r, consumer) == 0,
                           20, "the next leader to take over %d entries" % held)
            leader.start()
        # And a clean hand-over.
        leader = leaders(daemons, w)[0]
        leader.proc.signal(signal.SIGTERM)
        wait_until(lambda: not leader.alive(), 15, "the leader to stop")
        since = len(prod.added)
        wait_until(lambda: any(s >= since for s in arrived(w)), 20,
                   "an entry added after the hand-over to arrive")
    finally:
        prod.stop()
    added, got, seen = all_delivered(prod, r, w, STREAM)
    sampler.stop.set()
    sampler.join(5)
    check(sampler.most <= 1, "%d upstream sockets at once" % sampler.most)
    check(all(n >= 20 for n in stranded[::2]),
          "a leader killed with the server paused held too few entries: %r" % stranded)
    log("%d entries added, all delivered across %d leader kills and a hand-over; "
        "%d left pending by the dead leaders (%r) were taken over; %d arrived twice; "
        "nothing pending; at most %d socket in %d samples"
        % (len(added), KILLS, sum(stranded), stranded, len(got) - len(seen),
           sampler.most, sampler.samples))
    # Standbys stop cleanly too, once started (a SIGTERM before the
    # daemon has set up its signal handling would end it by the signal).
    for d in daemons:
        if d.alive() and count_tcp(d.pid, w.port) == 0:
            wait_until(lambda: "competing for lease" in d.log_text(), 30,
                       "%s to be up" % d.name)
            d.stop()


if __name__ == "__main__":
    main(test)
