#!/usr/bin/python3
"""wspushd's benchmark: one command, one table.

It starts its own redis-server and WebSocket sink on loopback, measures
the sink alone (the ceiling), then runs wspushd and the reference bridge
(bench/ref_bridge.py) through the same scenarios and prints both, with
the ratios and the targets.

    bench/run.py --build build [--quick | --smoke] [--json FILE] [--only wspushd|reference]
    bench/run.py --build build --inbound [--inbound-rate N] [--inbound-to channel|stream]

--quick runs a tenth of the messages; --smoke a thousandth, with no
targets checked: a test that the benchmark itself still works.

--inbound runs one comparison instead of the table: wspushd relaying
3,000,000 messages of 100 B while the sink talks back at a steady rate
(20,000 messages of 100 B a second), with [inbound] off and on (PUBLISH,
or XADD), in turns, a fresh daemon each run; the ratio of the best rates
must be at least 0.90.  Then, with nothing going out, the daemon's CPU
per message taken from the sink, [inbound] off and on.

Figures that survive a noisy machine are CPU seconds from /proc
(user + system) per million messages; rates and latencies are what this
machine did in this run.
"""
import argparse
import json
import urllib.request
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TICK = os.sysconf("SC_CLK_TCK")
CHANNEL = "bench"


def log(msg):
    print("  . " + msg, file=sys.stderr, flush=True)


class BenchError(Exception):
    pass


def wait_until(cond, timeout, what, interval=0.01):
    """cond() until truthy, or BenchError after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise BenchError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- /proc -------------------------------------------------------------

def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK   # utime + stime


def rss_bytes(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise BenchError("no VmRSS for pid %d" % pid)


def context_switches(pid):
    """Voluntary ones: each is a sleep, so each ends in a wakeup."""
    n = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches"):
                        n += int(line.split()[1])
        except FileNotFoundError:
            pass
    return n


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024 // 1024
    return "%s, %d cores, %d GiB, Linux %s" % (model, os.cpu_count(), mem,
                                               platform.release())


# ---- the processes -----------------------------------------------------

class Redis:
    def __init__(self, tmp):
        self.port = free_port()
        # No persistence, and no output-buffer limit for subscribers: a
        # benchmark that outruns its subscriber must not be disconnected.
        self.proc = subprocess.Popen(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port),
             "--save", "", "--appendonly", "no", "--dir", tmp,
             "--client-output-buffer-limit", "pubsub 0 0 0"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: self._ping(), 10, "redis-server to answer")

    def _ping(self):
        try:
            return self.cmd("PING") == "PONG"
        except (OSError, subprocess.CalledProcessError):
            return False

    def cmd(self, *args):
        return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(self.port)]
                              + list(args), check=True, capture_output=True,
                              text=True, timeout=30).stdout.strip()

    def publish_calls(self):
        for line in self.cmd("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_publish:"):
                return int(line.split("calls=")[1].split(",")[0])
        return 0

    def subscribers(self, channel):
        out = self.cmd("PUBSUB", "NUMSUB", channel).split()
        return int(out[1]) if len(out) == 2 else 0

    def pubsub_backlog(self):
        """Bytes Redis still holds for subscribers (output buffers)."""
        n = 0
        for line in self.cmd("CLIENT", "LIST", "TYPE", "pubsub").splitlines():
            for kv in line.split():
                if kv.startswith("omem="):
                    n += int(kv[5:])
        return n

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Sink:
    def __init__(self, build):
        self.proc = subprocess.Popen([os.path.join(build, "bench", "wspushd-bench-sink")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, bufsize=1)
        line = self.proc.stdout.readline().split()
        if len(line) != 2 or line[0] != "port":
            raise BenchError("the sink did not say its port")
        self.port = int(line[1])

    def ask(self, cmd):
        self.proc.stdin.write(cmd + "\n")
        self.proc.stdin.flush()
        reply = json.loads(self.proc.stdout.readline())
        if "error" in reply:
            raise BenchError("sink: %s: %s" % (cmd, reply["error"]))
        return reply

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(10)


class Bridge:
    """wspushd or the reference bridge, subscribed and connected."""

    def __init__(self, kind, build, tmp, redis, sink, channels,
                 delivery="at-least-once", streams=(), extra=""):
        self.kind = kind
        url = "ws://127.0.0.1:%d/bench" % sink.port
        if kind == "wspushd":
            conf = os.path.join(tmp, "wspushd.conf")
            with open(conf, "w") as f:
                f.write(WSPUSHD_CONF % dict(url=url, redis=redis.port, tmp=tmp,
                                            delivery=delivery,
                                            streams="".join("stream = %s\n" % s
                                                            for s in streams),
                                            channels="".join("channel = %s\n" % c
                                                             for c in channels)))
                f.write(extra)
            argv = [os.path.join(build, "wspushd"), "-c", conf]
        else:
            argv = [sys.executable, os.path.join(HERE, "ref_bridge.py"),
                    "--redis-port", str(redis.port), "--url", url]
            for c in channels:
                argv += ["--channel", c]
        self.stderr = open(os.path.join(tmp, kind + ".log"), "w")
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=self.stderr)
        self.pid = self.proc.pid
        self.started = time.monotonic()
        wait_until(lambda: self.check_alive() and redis.subscribers(channels[0]) == 1
                   and sink.ask("stats")["open"] == 1, 30,
                   "%s to subscribe and connect" % kind, interval=0.05)

    def check_alive(self):
        if self.proc.poll() is not None:
            raise BenchError("%s exited with %s (log: %s)"
                             % (self.kind, self.proc.returncode, self.stderr.name))
        return True

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


# Heartbeats off, so an idle daemon has no timers of its own; the queue
# is big enough for the million-message scenario.
WSPUSHD_CONF = """\
[upstream]
url = %(url)s
ping_interval = 0
backoff_max = 1s
delivery = %(delivery)s
[redis]
url = redis://127.0.0.1:%(redis)d
ping_interval = 0
%(channels)s%(streams)s[queue]
max_messages = 2000000
max_bytes = 1GiB
[daemon]
log_level = warn
runtime_dir = %(tmp)s
[status]
key =
channel =
"""


# ---- scenarios -----------------------------------------------------------

def publish(redis, n, size, channel=CHANNEL):
    """n PUBLISHes of size bytes, pipelined, from redis-benchmark."""
    payload = "x" * size
    # About 1 MiB of commands in flight: deeper pipelines of large
    # messages only make Redis buffer more, and slow it down.
    depth = min(n, max(4, min(1000, (1 << 20) // size)))
    subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(redis.port),
                    "-c", "1", "-P", str(depth), "-n", str(n), "-q",
                    "PUBLISH", channel, payload],
                   check=True, stdout=subprocess.DEVNULL, timeout=600)


def ceiling(build, sink, size, n):
    sink.ask("reset")
    t0 = time.monotonic_ns()
    subprocess.run([os.path.join(build, "bench", "wspushd-bench-blast"), "--port",
                    str(sink.port), "--size", str(size), "--count", str(n)],
                   check=True, stdout=subprocess.DEVNULL, timeout=600)
    s = wait_until(lambda: (lambda s: s if s["messages"] >= n else None)(sink.ask("stats")),
                   60, "the sink to count the blast")
    dt = (s["last_ns"] - t0) / 1e9
    return {"msgs_per_s": n / dt, "mb_per_s": n * size / dt / 1e6}


STREAM = "bench:s"


def xadd(redis, n, size, stream):
    """n XADDs of a size-byte field data, pipelined, from redis-benchmark."""
    subprocess.run(["redis-benchmark", "-h", "127.0.0.1", "-p", str(redis.port),
                    "-c", "1", "-P", str(min(n, 1000)), "-n", str(n), "-q",
                    "XADD", stream, "*", "data", "x" * size],
                   check=True, stdout=subprocess.DEVNULL, timeout=600)


def xadd_alone(redis, n):
    """What Redis and redis-benchmark alone do: the ceiling for Streams."""
    t0 = time.monotonic()
    xadd(redis, n, 100, "nobody:s")
    rate = n / (time.monotonic() - t0)
    redis.cmd("DEL", "nobody:s")
    return rate


def stream_delivered(redis, sink, bridge, n, cpu0, t0):
    """Wait until the sink has the n entries; the rate since t0 (monotonic
    ns) and the bridge's CPU since cpu0; the stream emptied for the next."""
    def done():
        bridge.check_alive()
        s = sink.ask("stats")
        return s if s["messages"] >= n else None
    s = wait_until(done, max(60, n / 5000), "%d stream entries at the sink" % n,
                   interval=0.05)
    cpu = cpu_seconds(bridge.pid) - cpu0
    dt = (s["last_ns"] - t0) / 1e9
    redis.cmd("XTRIM", STREAM, "MAXLEN", "0")
    return {"size": 100, "n": n, "published": n, "received": s["messages"],
            "msgs_per_s": n / dt, "mb_per_s": n * 100 / dt / 1e6,
            "cpu_s_per_m": cpu / n * 1e6}


def streams_throughput(redis, sink, bridge, n):
    """XADD n entries of 100 B; the bridge reads them as a consumer group
    and delivers every one to the sink."""
    sink.ask("reset")
    cpu0 = cpu_seconds(bridge.pid)
    t0 = time.monotonic_ns()
    xadd(redis, n, 100, STREAM)
    # redis-benchmark rounds the count up to whole pipelines.
    n = int(redis.cmd("XLEN", STREAM))

    return stream_delivered(redis, sink, bridge, n, cpu0, t0)


def paired_delivery(args, tmp, redis, sink, n):
    """The 100 B run with delivery = at-least-once and at-most-once, a
    fresh daemon each time, in turns; the best of each."""
    runs = {"at-least-once": [], "at-most-once": []}
    for _ in range(args.runs):
        for mode in runs:
            b = Bridge("wspushd", args.build, tmp, redis, sink, [CHANNEL], delivery=mode)
            try:
                runs[mode].append(throughput(redis, sink, b, 100, n))
            finally:
                b.stop()
    return [best(runs[mode]) for mode in runs]


def streams_drain(redis, sink, bridge, n):
    """The daemon's own rate at taking a stream: n entries added while it
    is stopped (SIGSTOP), then read, delivered and acknowledged."""
    sink.ask("reset")
    bridge.proc.send_signal(signal.SIGSTOP)
    try:
        xadd(redis, n, 100, STREAM)
        n = int(redis.cmd("XLEN", STREAM))
    finally:
        cpu0 = cpu_seconds(bridge.pid)
        t0 = time.monotonic_ns()
        bridge.proc.send_signal(signal.SIGCONT)

    return stream_delivered(redis, sink, bridge, n, cpu0, t0)


def publisher_alone(redis, n):
    t0 = time.monotonic()
    publish(redis, n, 100, channel="nobody")
    return n / (time.monotonic() - t0)


def throughput(redis, sink, bridge, size, n, exact=False):
    """exact: n is a whole number of pipelines, so it is what was
    published (the bridge PUBLISHes too, with [inbound] on)."""
    sink.ask("reset")
    calls0 = redis.publish_calls()
    cpu0 = cpu_seconds(bridge.pid)
    t0 = time.monotonic_ns()
    publish(redis, n, size)
    published = n if exact else redis.publish_calls() - calls0

    # redis-benchmark rounds the count up to whole pipelines.
    n = published

    def done():
        bridge.check_alive()
        s = sink.ask("stats")
        return s if s["messages"] >= n else None
    s = wait_until(done, max(60, n / 5000), "%d messages of %d B at the sink" % (n, size),
                   interval=0.05)
    cpu = cpu_seconds(bridge.pid) - cpu0
    dt = (s["last_ns"] - t0) / 1e9
    return {"size": size, "n": n, "published": published, "received": s["messages"],
            "msgs_per_s": n / dt, "mb_per_s": n * size / dt / 1e6,
            "cpu_s_per_m": cpu / n * 1e6}


def best(rs):
    """This machine is shared and noisy: the best rate and the lowest CPU
    of a few runs; every message of every run is accounted for."""
    out = dict(rs[0])
    out["msgs_per_s"] = max(r["msgs_per_s"] for r in rs)
    out["mb_per_s"] = max(r["mb_per_s"] for r in rs)
    out["cpu_s_per_m"] = min(r["cpu_s_per_m"] for r in rs)
    out["published"] = sum(r["published"] for r in rs)
    out["received"] = sum(r["received"] for r in rs)
    out["runs"] = rs
    return out


def best_of(runs, fn):
    return best([fn() for _ in range(runs)])


def latency(build, redis, sink, bridge, rate, n):
    """publish -> sink through the bridge, and, for the very same messages,
    publish -> a plain Redis subscriber (wspushd-bench-subfloor): the floor
    this machine sets, measured under the same load at the same moment."""
    sink.ask("reset")
    sub = subprocess.Popen([os.path.join(build, "bench", "wspushd-bench-subfloor"),
                            "--port", str(redis.port), "--channel", CHANNEL,
                            "--count", str(n)], stdout=subprocess.PIPE, text=True)
    try:
        if sub.stdout.readline().strip() != "subscribed":
            raise BenchError("the floor subscriber did not subscribe")
        out = subprocess.run([os.path.join(build, "bench", "wspushd-bench-pubrate"),
                              "--port", str(redis.port), "--channel", CHANNEL,
                              "--rate", str(rate), "--count", str(n), "--size", "100"],
                             check=True, capture_output=True, text=True,
                             timeout=n / rate + 60)
        floor = json.loads(sub.stdout.readline())
        sub.wait(30)
    finally:
        if sub.poll() is None:
            sub.kill()
            sub.wait()
    pub = json.loads(out.stdout)
    wait_until(lambda: sink.ask("stats")["messages"] >= n, 30, "latency messages at the sink")
    lat = sink.ask("latency")
    return {"rate": rate, "n": n, "late_sends": pub["late"],
            "p50_us": lat["p50_ns"] / 1e3, "p99_us": lat["p99_ns"] / 1e3,
            "max_us": lat["max_ns"] / 1e3,
            "floor_p50_us": floor["p50_ns"] / 1e3, "floor_p99_us": floor["p99_ns"] / 1e3,
            "floor_max_us": floor["max_ns"] / 1e3}


def idle_wakeups(bridge, seconds, warmup):
    # lws' first periodic timer fires about 10 s after start, then every
    # 30 s: the window starts after it, to see the steady state.
    time.sleep(max(0.0, bridge.started + warmup - time.monotonic()))
    c0 = context_switches(bridge.pid)
    time.sleep(seconds)
    return (context_switches(bridge.pid) - c0) * 60.0 / seconds


def settled(redis, bridge):
    """Everything published has reached the bridge's own memory."""
    def quiet():
        bridge.check_alive()
        if redis.pubsub_backlog() != 0:
            return None
        return rss_bytes(bridge.pid)
    last = [None]

    def stable():
        r = quiet()
        if r is None:
            return None
        ok = last[0] is not None and abs(r - last[0]) < 64 * 1024
        last[0] = r
        return r if ok else None
    return wait_until(stable, 300, "the queue to settle", interval=0.5)


def queued(redis, sink, bridge, n1, n2):
    """RSS with n1 then n2 messages of 100 B queued while the upstream is
    down, the CPU per message of queueing them, and of draining them."""
    out = {}
    rss0 = rss_bytes(bridge.pid)
    sink.ask("pause")
    wait_until(lambda: sink.ask("stats")["open"] == 0, 10, "the sink to close")
    time.sleep(0.5)
    cpu0 = cpu_seconds(bridge.pid)
    publish(redis, n1, 100)
    out["rss_n1"] = settled(redis, bridge)
    cpu1 = cpu_seconds(bridge.pid)
    publish(redis, n2 - n1, 100)
    out["rss_n2"] = settled(redis, bridge)
    cpu2 = cpu_seconds(bridge.pid)
    out["enqueue_ns_first"] = (cpu1 - cpu0) / n1 * 1e9
    out["enqueue_ns_rest"] = (cpu2 - cpu1) / (n2 - n1) * 1e9
    out["overhead_b"] = (out["rss_n2"] - rss0) / n2 - 100
    sink.ask("reset")
    sink.ask("resume")
    s = wait_until(lambda: (lambda s: s if s["messages"] >= n2 else None)(sink.ask("stats")),
                   600, "the queue to drain", interval=0.1)
    # From the first frame: the reconnect's backoff is not the drain.
    out["drain_msgs_per_s"] = n2 / max((s["last_ns"] - s["first_ns"]) / 1e9, 1e-6)
    out["drain_ns"] = (cpu_seconds(bridge.pid) - cpu2) / n2 * 1e9
    out["rss_idle"] = rss0
    return out


# ---- [inbound]: the price of taking the server's messages ----------------

def inbound_metrics(port):
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
        text = r.read().decode()
    out = {}
    for line in text.splitlines():
        if line.startswith("wspushd_inbound_"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def inbound_run(args, tmp, redis, sink, on, n):
    """One outbound run of n x 100 B while the sink talks; [inbound] on
    or off; a fresh daemon."""
    port = free_port()
    extra = "[metrics]\nlisten = 127.0.0.1:%d\n" % port
    if on:
        extra += ("[inbound]\n%s = bench:in\nmaxlen = 100000\n" % args.inbound_to)
    b = Bridge("wspushd", args.build, tmp, redis, sink, [CHANNEL], extra=extra)
    try:
        sink.ask("talk %d 100" % args.inbound_rate)
        time.sleep(0.5)     # the talk is steady before the run starts
        m0 = inbound_metrics(port)
        t0, rcpu0 = time.monotonic(), cpu_seconds(redis.proc.pid)
        r = throughput(redis, sink, b, 100, n, exact=True)
        dt, rcpu = time.monotonic() - t0, cpu_seconds(redis.proc.pid) - rcpu0
        m1, st = inbound_metrics(port), sink.ask("stats")
        sink.ask("talk 0 0")
    finally:
        b.stop()
    fwd = "wspushd_inbound_forwarded_total"
    r["talked_per_s"] = st["talked"] / dt      # throughput() reset the sink
    r["redis_cpu_s_per_m"] = rcpu / n * 1e6
    r["talk_skipped"] = st["talk_skipped"]
    r["inbound_per_s"] = (m1.get(fwd, 0) - m0.get(fwd, 0)) / dt
    r["inbound_dropped"] = sum(v for k, v in m1.items() if k.startswith(
        "wspushd_inbound_dropped_total"))
    return r


def inbound_cpu(args, tmp, redis, sink, on, seconds):
    """CPU-s of the daemon per 1M of the sink's messages, nothing going
    out: what taking them costs (read and dropped, or sent to Redis)."""
    port = free_port()
    extra = "[metrics]\nlisten = 127.0.0.1:%d\n" % port
    if on:
        extra += "[inbound]\n%s = bench:in\nmaxlen = 100000\n" % args.inbound_to
    b = Bridge("wspushd", args.build, tmp, redis, sink, [CHANNEL], extra=extra)
    try:
        sink.ask("talk %d 100" % args.inbound_rate)
        time.sleep(0.5)
        sink.ask("reset")
        cpu0 = cpu_seconds(b.pid)
        time.sleep(seconds)
        cpu, talked = cpu_seconds(b.pid) - cpu0, sink.ask("stats")["talked"]
        sink.ask("talk 0 0")
    finally:
        b.stop()
    return cpu / max(talked, 1) * 1e6


def inbound_compare(args):
    """[inbound] off and on, in turns, a fresh daemon each time; the best
    of each; the ratio of the outbound rates."""
    scale = 1000 if args.smoke else 10 if args.quick else 1
    # Runs of a few seconds each: a shorter one is mostly noise here.
    n = 3000000 // scale
    with tempfile.TemporaryDirectory(prefix="wspushd-bench-") as tmp:
        redis = Redis(tmp)
        sink = Sink(args.build)
        runs = {False: [], True: []}
        try:
            # Is redis-benchmark exact (n whole pipelines)?  throughput() trusts it.
            calls0 = redis.publish_calls()
            publish(redis, n, 100, channel="nobody")
            if redis.publish_calls() - calls0 != n:
                raise BenchError("redis-benchmark published %d, not %d"
                                 % (redis.publish_calls() - calls0, n))
            for i in range(args.runs):
                for on in (False, True):
                    log("outbound %d x 100 B, the sink talking %d/s, [inbound] %s (run %d)"
                        % (n, args.inbound_rate, "on" if on else "off", i + 1))
                    runs[on].append(inbound_run(args, tmp, redis, sink, on, n))
            seconds = 0.2 if args.smoke else 3
            log("nothing out, the sink talking %d/s for %gs, [inbound] off then on"
                % (args.inbound_rate, seconds))
            taking = [inbound_cpu(args, tmp, redis, sink, on, seconds) for on in (False, True)]
        finally:
            sink.stop()
            redis.stop()
    off, on = best(runs[False]), best(runs[True])
    ratio = on["msgs_per_s"] / off["msgs_per_s"]
    median = (statistics.median(x["msgs_per_s"] for x in runs[True]) /
              statistics.median(x["msgs_per_s"] for x in runs[False]))
    print("machine: %s" % machine())
    print("outbound 100 B while the upstream sends %s messages/s of 100 B back "
          "(%d runs each, in turns, the best):" % (fmt(args.inbound_rate), args.runs))
    for name, r in (("[inbound] off", off), ("[inbound] on (%s)" % args.inbound_to, on)):
        print("  %-22s %s msgs/s out; CPU-s per 1M out: wspushd %s, redis-server %s; "
              "the sink talked %s/s, Redis took %s/s"
              % (name, fmt(r["msgs_per_s"]), fmt(r["cpu_s_per_m"]),
                 fmt(min(x["redis_cpu_s_per_m"] for x in r["runs"])),
                 fmt(max(x["talked_per_s"] for x in r["runs"])),
                 fmt(max(x["inbound_per_s"] for x in r["runs"]))))
    print("  every run, msgs/s out: off %s; on %s" % (
        ", ".join(fmt(x["msgs_per_s"]) for x in runs[False]),
        ", ".join(fmt(x["msgs_per_s"]) for x in runs[True])))
    print("  ratio on/off, best: %.3f (target >= 0.90: %s); of the medians: %.3f"
          % (ratio, "met" if ratio >= 0.90 else "NOT met", median))
    print("nothing out, the sink talking: the daemon's CPU-s per 1M of its messages: "
          "%s read and dropped ([inbound] off), %s into Redis (on)"
          % (fmt(taking[0]), fmt(taking[1])))
    lost = [x for x in runs[False] + runs[True] if x["received"] < x["published"]]
    dropped = sum(x["inbound_dropped"] for x in runs[True])
    if dropped:
        log("inbound dropped %d message(s) over the runs" % dropped)
    if lost:
        print("some messages were not accounted for", file=sys.stderr)
        return 1
    return 0 if ratio >= 0.90 or args.smoke else 1


# ---- the run -------------------------------------------------------------

def run_bridge(kind, args, tmp, redis, sink, scale):
    r = {}
    pyscale = 1 if kind == "wspushd" else 5     # the reference is slower
    b = Bridge(kind, args.build, tmp, redis, sink, [CHANNEL])
    try:
        time.sleep(1)
        r["rss_idle"] = rss_bytes(b.pid)
        log("%s: idle for %ds, counting wakeups" % (kind, args.idle_seconds))
        r["wakeups_per_min"] = idle_wakeups(b, args.idle_seconds, 1 if args.smoke else 15)
        # Before any burst, so the RSS it grows from is the idle one.
        log("%s: queueing while the upstream is down" % kind)
        r["queue"] = queued(redis, sink, b, 100000 // scale, 1000000 // scale)
        for size, n in ((100, 1000000), (4096, 200000), (65536, 20000)):
            n = n // scale // pyscale
            log("%s: %d messages of %d B" % (kind, n, size))
            r["tp_%d" % size] = best_of(args.runs, lambda: throughput(redis, sink, b, size, n))
        log("%s: latency at 5,000 messages/s" % kind)
        r["latency"] = latency(args.build, redis, sink, b, 5000, 50000 // scale)
    finally:
        b.stop()
    if kind == "wspushd":
        log("%s: %d stream entries of 100 B" % (kind, 1000000 // scale))
        b = Bridge(kind, args.build, tmp, redis, sink, [CHANNEL], streams=[STREAM])
        try:
            r["tp_streams"] = best_of(args.runs, lambda: streams_throughput(
                redis, sink, b, 1000000 // scale))
            r["tp_streams_drain"] = best_of(args.runs, lambda: streams_drain(
                redis, sink, b, 1000000 // scale))
        finally:
            b.stop()
        # The price of confirmation: at least once against at most once,
        # run in turns, so both see the machine as it is at that moment.
        log("%s: %d messages of 100 B, at least once and at most once in turns"
            % (kind, 1000000 // scale))
        r["tp_alo"], r["tp_amo"] = paired_delivery(args, tmp, redis, sink,
                                                   1000000 // scale)
    many = ["%s.%d" % (CHANNEL, i) for i in range(1, 10000)]
    log("%s: 10,000 channels" % kind)
    b = Bridge(kind, args.build, tmp, redis, sink, [CHANNEL] + many)
    try:
        r["tp_100_10k"] = best_of(args.runs, lambda: throughput(
            redis, sink, b, 100, 1000000 // scale // pyscale))
    finally:
        b.stop()
    return r


def fmt(v, unit=""):
    if v is None:
        return "-"
    if v >= 100:
        return "{:,.0f}{}".format(v, unit)
    if v >= 10:
        return "{:.1f}{}".format(v, unit)
    return "{:.2f}{}".format(v, unit)


def table(res, ceil, pub_alone, scale, xadd_rate):
    w, ref = res.get("wspushd"), res.get("reference")
    rows = []

    def row(name, get, target=None, better="higher", unit="", compare=True):
        def value(r):
            try:
                return get(r) if r else None
            except ZeroDivisionError:   # too few messages to see any CPU
                return None
            except KeyError:            # a figure only the other one has
                return None
        a, b = value(w), value(ref)
        ratio = None
        if a and b and compare:
            ratio = a / b if better == "higher" else b / a
        ok = ""
        if target is not None and a is not None:
            ok = "yes" if (a >= target if better == "higher" else a <= target) else "NO"
        rows.append((name, fmt(a, unit), fmt(b, unit),
                     "%.1fx" % ratio if ratio else "-",
                     ("%s %s" % ("≥" if better == "higher" else "≤", fmt(target, unit))
                      if target is not None else ""), ok))

    row("100 B: messages/s", lambda r: r["tp_100"]["msgs_per_s"], 300000)
    row("Streams 100 B, added meanwhile: entries/s", lambda r: r["tp_streams"]["msgs_per_s"])
    row("  ... / redis-benchmark XADD alone", lambda r: r["tp_streams"]["msgs_per_s"]
        / xadd_rate, 0.70, compare=False)
    row("Streams 100 B, added meanwhile: CPU-s per 1M",
        lambda r: r["tp_streams"]["cpu_s_per_m"], 2.0, "lower")
    row("Streams 100 B, a backlog drained: entries/s",
        lambda r: r["tp_streams_drain"]["msgs_per_s"])
    row("  ... / redis-benchmark XADD alone", lambda r: r["tp_streams_drain"]["msgs_per_s"]
        / xadd_rate, 0.70, compare=False)
    row("Streams 100 B, a backlog drained: CPU-s per 1M",
        lambda r: r["tp_streams_drain"]["cpu_s_per_m"], 2.0, "lower")
    row("100 B: CPU-s per 1M messages", lambda r: r["tp_100"]["cpu_s_per_m"], 1.5, "lower")
    row("  at-least-once rate / at-most-once rate, in turns",
        lambda r: r["tp_alo"]["msgs_per_s"] / r["tp_amo"]["msgs_per_s"], 0.90,
        compare=False)
    row("  at-least-once CPU / at-most-once CPU, in turns",
        lambda r: r["tp_alo"]["cpu_s_per_m"] / r["tp_amo"]["cpu_s_per_m"], 1.20, "lower",
        compare=False)
    row("4 KiB: messages/s", lambda r: r["tp_4096"]["msgs_per_s"])
    row("4 KiB: MB/s", lambda r: r["tp_4096"]["mb_per_s"])
    row("4 KiB: CPU-s per 1M messages", lambda r: r["tp_4096"]["cpu_s_per_m"], None, "lower")
    row("64 KiB: messages/s", lambda r: r["tp_65536"]["msgs_per_s"])
    row("64 KiB: MB/s", lambda r: r["tp_65536"]["mb_per_s"], 500)
    row("64 KiB: CPU-s per 1M messages", lambda r: r["tp_65536"]["cpu_s_per_m"], None, "lower")
    row("latency p50 at 5k/s (µs)", lambda r: r["latency"]["p50_us"], 60, "lower")
    row("latency p99 at 5k/s (µs)", lambda r: r["latency"]["p99_us"], 300, "lower")
    row("latency max at 5k/s (µs)", lambda r: r["latency"]["max_us"], None, "lower")
    row("  floor p50: same messages, plain subscriber", lambda r: r["latency"]["floor_p50_us"],
        compare=False)
    row("  floor p99: same messages, plain subscriber", lambda r: r["latency"]["floor_p99_us"],
        compare=False)
    row("RSS idle (MB)", lambda r: r["rss_idle"] / 1e6, 6, "lower")
    row("RSS, 100k x 100 B queued (MB)", lambda r: r["queue"]["rss_n1"] / 1e6, None, "lower")
    row("RSS, 1M x 100 B queued (MB)", lambda r: r["queue"]["rss_n2"] / 1e6, None, "lower")
    row("queue overhead (B/message)", lambda r: max(r["queue"]["overhead_b"], 0.001), 64, "lower")
    row("queueing: ns CPU/msg, first 100k", lambda r: r["queue"]["enqueue_ns_first"], None, "lower")
    row("queueing: ns CPU/msg, 100k to 1M", lambda r: r["queue"]["enqueue_ns_rest"], None, "lower")
    row("draining 1M: messages/s", lambda r: r["queue"]["drain_msgs_per_s"])
    row("idle wakeups per minute", lambda r: r["wakeups_per_min"], None, "lower")
    row("100 B, 10k channels: CPU-s per 1M", lambda r: r["tp_100_10k"]["cpu_s_per_m"], None, "lower")
    row("  ... vs one channel", lambda r: r["tp_100_10k"]["cpu_s_per_m"] / r["tp_100"]["cpu_s_per_m"],
        1.10, "lower")

    out = []
    out.append("machine: %s" % machine())
    out.append("ceiling: the sink alone takes %s msgs/s of 100 B and %s MB/s of 64 KiB; "
               "redis-benchmark alone publishes %s msgs/s of 100 B and XADDs %s/s"
               % (fmt(ceil[100]["msgs_per_s"]), fmt(ceil[65536]["mb_per_s"]), fmt(pub_alone),
                  fmt(xadd_rate)))
    if scale > 1:
        out.append("(1/%d of the messages: these figures are rough)" % scale)
    head = ("", "wspushd", "reference", "ratio", "target", "met")
    widths = [max(len(str(r[i])) for r in rows + [head]) for i in range(6)]
    line = lambda r: "| " + " | ".join(str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
                                        for i, c in enumerate(r)) + " |"
    out.append(line(head))
    out.append("|" + "|".join("-" * (x + 2) for x in widths) + "|")
    out += [line(r) for r in rows]
    accounted = []
    for k, r in res.items():
        for key in ("tp_100", "tp_4096", "tp_65536", "tp_100_10k", "tp_alo", "tp_amo",
                    "tp_streams", "tp_streams_drain"):
            if key not in r:
                continue
            t = r[key]
            accounted.append("%s %s: %d published, %d received" % (k, key, t["published"], t["received"]))
    return "\n".join(out), accounted


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="the CMake build directory")
    ap.add_argument("--quick", action="store_true", help="a tenth of the messages")
    ap.add_argument("--smoke", action="store_true",
                    help="a thousandth of the messages, one run, 1 s idle")
    ap.add_argument("--only", choices=("wspushd", "reference"))
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--runs", type=int, default=3,
                    help="throughput runs per size; the best is reported")
    ap.add_argument("--json", help="also write the raw figures here")
    ap.add_argument("--inbound", action="store_true",
                    help="only compare outbound with [inbound] off and on")
    ap.add_argument("--inbound-rate", type=int, default=20000,
                    help="messages a second the sink sends back (--inbound)")
    ap.add_argument("--inbound-to", choices=("channel", "stream"), default="channel",
                    help="PUBLISH or XADD the sink's messages (--inbound)")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    if args.smoke:
        args.idle_seconds, args.runs = 1, 1
    if args.inbound:
        return inbound_compare(args)
    with tempfile.TemporaryDirectory(prefix="wspushd-bench-") as tmp:
        redis = Redis(tmp)
        sink = Sink(args.build)
        try:
            scale = 1000 if args.smoke else 10 if args.quick else 1
            log("ceiling: the sink alone")
            ceil = {100: ceiling(args.build, sink, 100, 2000000 // scale),
                    65536: ceiling(args.build, sink, 65536, 40000 // scale)}
            pub_alone = publisher_alone(redis, 1000000 // scale)
            xadd_rate = xadd_alone(redis, 1000000 // scale)
            res = {}
            for kind in ("wspushd", "reference"):
                if args.only and args.only != kind:
                    continue
                res[kind] = run_bridge(kind, args, tmp, redis, sink, scale)
        finally:
            sink.stop()
            redis.stop()
    text, accounted = table(res, ceil, pub_alone, scale, xadd_rate)
    print(text)
    for a in accounted:
        log(a)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "ceiling": ceil, "publisher_alone": pub_alone,
                       "xadd_alone": xadd_rate,
                       "results": res}, f, indent=1)
    lost = [a for a in accounted if a.split(": ")[1].split(" published")[0]
            != a.split(", ")[1].split(" ")[0]]
    if lost:
        print("some messages were not accounted for", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        sys.exit(1)
