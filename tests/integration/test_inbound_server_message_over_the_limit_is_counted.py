#!/usr/bin/python3
"""A server message over max_message_size never reaches Redis, and is
counted: [upstream] max_message_size = 64KiB, [inbound] stream = ws:in:s.

  * the server sends "before", then a 100 KiB binary message (in lws'
    4 KiB pieces, so it is being gathered when it passes the limit):
    "before" is in the stream; the big one is not, and counted once as
    wspushd_inbound_dropped_total{reason="too_big"}, said once; the
    connection is failed with 1009, as for any oversized message;
  * on the next connection the server's "next" and a sentinel are the
    stream's next entries; nothing is pending; 4 received, 3 forwarded.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, free_port, log, main, wait_connected,
                     wait_metric, wait_until)
from inbound_scenarios import (SERIES, Talker, inbound_counts, inbound_section,
                               last_entry_data, stream_entries, text)

STREAM = "ws:in:s"


def test(ctx):
    r = ctx.redis().start()
    send_dir = ctx.mkdir("send")
    w = ctx.ws(send_dir=send_dir).start()
    talker = Talker(w, send_dir)
    mport = free_port()
    cfg = config_text(w.url(), r.port, upstream={"max_message_size": "64KiB"},
                      metrics_port=mport) + inbound_section(stream=STREAM)
    d = ctx.daemon(cfg, ["--channel", "events"]).start()
    wait_connected(d, w)

    big = bytes(range(256)) * 400
    talker.wait_played(talker.play([text("before"), {"hex": big.hex()}]))
    wait_metric(mport, SERIES["too_big"], 1)
    wait_until(lambda: any(e.get("code") == 1009 for e in w.log.closes()), 15,
               "the daemon to close with 1009")
    said = [line for line in d.log_text().splitlines()
            if "inbound: a server message over max_message_size (65536 bytes) dropped"
            in line]
    check(len(said) == 1, "said once: %r" % said)
    log("the 100 KiB message dropped and counted; the connection closed with 1009")

    wait_connected(d, w, n_opens=2)
    talker.play([text("next"), text("sentinel")])
    wait_until(lambda: last_entry_data(r.port, STREAM) == b"sentinel", 15,
               "the sentinel to be the stream's last entry")
    got = [e[b"data"] for _, e in stream_entries(r.port, STREAM)]
    check(got == [b"before", b"next", b"sentinel"], "the stream: %r" % got)
    c = inbound_counts(mport)
    check((c["messages"], c["forwarded"], c["too_big"], c["pending"]) == (4, 3, 1, 0),
          "4 received, 3 forwarded, 1 too big: %r" % c)
    log("on the next connection: %r" % got)
    d.stop()


if __name__ == "__main__":
    main(test)
