#!/usr/bin/python3
"""[redis] stream names a key that holds a string, not a stream: creating
the group fails with Redis' WRONGTYPE.  The daemon says so (once, then
summarised while it repeats, with backoff), keeps running, and the
channel it also subscribes to still flows: a sentinel published last
arrives.  Once the key is removed, the group is created and an entry
added then arrives too.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import bring_up, check, log, main, publish_sentinel, wait_until

STREAM = "ws:out"


def test(ctx):
    r, w, d = bring_up(ctx, channels=["events"], extra_args=["--stream", STREAM],
                       redis={"backoff_min": "50ms", "backoff_max": "200ms"},
                       daemon={"log_level": "info"})
    r.call("SET", STREAM, "a string")
    wait_until(lambda: "WRONGTYPE" in d.log_text(), 15, "the daemon to say WRONGTYPE")
    publish_sentinel(r, w, "events")
    check(d.alive(), "the daemon exited")
    lines = [x for x in d.log_text().splitlines() if "WRONGTYPE" in x and x.startswith("<4>")]
    check(len(lines) <= 3, "WRONGTYPE said %d times at warning: flooding" % len(lines))

    r.call("DEL", STREAM)
    wait_until(lambda: r.call("EXISTS", STREAM) == 1, 15, "the group to be created")
    r.call("XADD", STREAM, "*", "data", b"after the key was fixed")
    wait_until(lambda: any(bytes.fromhex(m["hex"]) == b"after the key was fixed"
                           for m in w.messages()), 15, "the entry to arrive")
    d.stop()
    log("WRONGTYPE said %d time(s) at warning; the channel flowed; the stream "
        "recovered once the key was fixed" % len(lines))


if __name__ == "__main__":
    main(test)
