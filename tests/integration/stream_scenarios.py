"""What the Streams kill tests share: a producer that XADDs numbered
entries at a steady pace, and what arrived upstream."""
import threading
import time

from harness import Resp, scaled

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
