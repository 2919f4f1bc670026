"""What the Streams kill tests share: a producer that XADDs numbered
entries at a steady pace, and what arrived upstream."""
import threading
import time

from harness import Resp, check, scaled, wait_until

PERIOD = 0.004
MAX_ENTRIES = 20000


class Producer(threading.Thread):
    """XADD STREAM * data eNNNNNN, one at a time, bounded in count and time."""

    def __init__(self, port, stream, limit):
        super().__init__(daemon=True)
        self.port = port
        self.stream = stream
        self.deadline = time.monotonic() + scaled(limit)
        self.added = []            # (seq, monotonic time)
        self.error = None
        self.halt = threading.Event()

    def run(self):
        try:
            with Resp(self.port) as r:
                for seq in range(MAX_ENTRIES):
                    if self.halt.is_set() or time.monotonic() > self.deadline:
                        break
                    r.call("XADD", self.stream, "*", "data", b"e%06d" % seq)
                    self.added.append((seq, time.monotonic()))
                    time.sleep(PERIOD)
        except Exception as e:        # reported by the test
            self.error = e

    def stop(self):
        self.halt.set()
        self.join(timeout=10)


def arrived(w):
    """The entries' numbers, in the order the upstream read them."""
    return [int(bytes.fromhex(m["hex"])[1:]) for m in w.messages() if "hex" in m]


def pending(r, stream, group="wspushd"):
    """How many entries of the group are pending; None: no group yet."""
    try:
        return r.call("XPENDING", stream, group)[0]
    except Exception:
        return None


def first_arrivals(got):
    """Each entry's first arrival, in order, and the set of them."""
    firsts, seen = [], set()
    for s in got:
        if s not in seen:
            seen.add(s)
            firsts.append(s)
    return firsts, seen


def all_delivered(prod, r, w, stream):
    """After the producer stopped: every entry it added arrives upstream,
    the group's pending list empties, first arrivals are in the order the
    entries were added, and nothing arrives that was not added.  Returns
    (added, what arrived, the set of what arrived)."""
    check(prod.error is None, "producer failed: %r" % prod.error)
    added = [s for s, _ in prod.added]
    wait_until(lambda: set(added) <= set(arrived(w)), 30,
               lambda: "every entry to arrive (%d missing)"
               % len(set(added) - set(arrived(w))))
    wait_until(lambda: pending(r, stream) == 0, 15,
               lambda: "the pending list to empty (%r left)" % pending(r, stream))
    got = arrived(w)
    firsts, seen = first_arrivals(got)
    bad = [(a, b) for a, b in zip(firsts, firsts[1:]) if b <= a]
    check(not bad, "first arrivals out of order: %r" % bad[:5])
    check(seen == set(added), "arrived but never added: %r" % sorted(seen - set(added))[:5])
    return added, got, seen
