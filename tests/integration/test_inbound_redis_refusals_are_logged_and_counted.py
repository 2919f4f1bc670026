#!/usr/bin/python3
"""Redis refuses the server's messages (the [inbound] stream key holds a
string: WRONGTYPE): each refusal is counted, the first logged with
Redis' words, the rest only summarised; relaying goes on both ways.

  * [inbound] stream = ws:in:s, which holds a string: the server's 30
    messages are each refused: wspushd_inbound_dropped_total{reason=
    "refused"} 30, none forwarded, none pending; one line says
    "XADD ws:in:s refused by Redis: WRONGTYPE ..." (and no other
    refusal line, save its summary);
  * meanwhile Redis to the server works as ever (5 messages and a
    sentinel, in order);
  * the key deleted: the server's next 20 messages and a sentinel are
    the stream's only entries, in order; "accepted by Redis again" said
    once; the counters add up (51 received, 21 forwarded, 30 refused);
  * SIGTERM: exit 0.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, check_sequence, config_text, free_port, log, main,
                     publish_sentinel, wait_connected, wait_metric, wait_until)
from inbound_scenarios import (SERIES, Talker, inbound_counts, inbound_section,
                               last_entry_data, stream_entries, text)

STREAM = "ws:in:s"


def lines_with(d, *words):
    return [line for line in d.log_text().splitlines() if all(w in line for w in words)]


def test(ctx):
    r = ctx.redis().start()
    send_dir = ctx.mkdir("send")
    w = ctx.ws(send_dir=send_dir).start()
    talker = Talker(w, send_dir)
    check(r.call("SET", STREAM, "not a stream") == "OK", "SET the key")
    mport = free_port()
    cfg = config_text(w.url(), r.port, metrics_port=mport) + inbound_section(stream=STREAM)
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to subscribe")

    talker.wait_played(talker.play([text("refused %d" % i) for i in range(30)]))
    wait_metric(mport, SERIES["refused"], 30)
    c = inbound_counts(mport)
    check((c["messages"], c["forwarded"], c["pending"]) == (30, 0, 0),
          "30 received, none forwarded, none pending: %r" % c)
    said = [line for line in lines_with(d, "refused by Redis") if "(repeated" not in line]
    check(len(said) == 1 and "inbound: XADD ws:in:s refused by Redis: WRONGTYPE" in said[0],
          "one line with Redis' words: %r" % said)
    log("30 refusals counted, said once: %s" % said[0])

    out = [("text", b"out %d" % i) for i in range(5)]
    r.publish_many([("events", p) for _, p in out])
    out.append(("text", publish_sentinel(r, w, "events")))
    check_sequence(w.messages(), out, "relayed to the server meanwhile")

    check(r.call("DEL", STREAM) == 1, "DEL the key")
    want = [b"accepted %d" % i for i in range(20)] + [b"sentinel"]
    talker.play([text(p.decode()) for p in want])
    wait_until(lambda: last_entry_data(r.port, STREAM) == b"sentinel", 15,
               "the sentinel to be the stream's last entry")
    got = [e[b"data"] for _, e in stream_entries(r.port, STREAM)]
    check(got == want, "the stream holds exactly what came after: %r" % got[:5])
    again = lines_with(d, "inbound: XADD ws:in:s accepted by Redis again")
    check(len(again) == 1, "'accepted by Redis again' said once: %r" % again)
    c = inbound_counts(mport)
    check((c["messages"], c["forwarded"], c["refused"], c["pending"]) == (51, 21, 30, 0),
          "51 received, 21 forwarded, 30 refused: %r" % c)
    log("the key fixed: the next 21 went in, in order; %r" % c)
    d.stop()


if __name__ == "__main__":
    main(test)
