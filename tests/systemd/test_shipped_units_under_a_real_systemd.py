#!/usr/bin/python3
"""The shipped units do what their comments say, under a real systemd.

A systemd is booted as PID 1 of private namespaces (namespace.py: the
host's files are never written), "cmake --install BUILD" runs inside it,
and a redis-server and WebSocket recorders (tests/servers/ws_recorder.py)
run inside it on loopback.  Then, with the units exactly as installed
(drop-ins only where a step says so):

 1. wspushd.service: "systemctl start" returns once the daemon is
    subscribed (Type=notify); it runs as a dynamic user, with no
    capability, no new privileges, a seccomp filter, a read-only root,
    64 descriptors, its lock file in /run/wspushd; a refused upstream is
    logged as a warning (PRIORITY 4), the start line as info (6); 200
    published messages arrive in order; exactly one TCP socket from the
    daemon to the upstream (ss); STATUS= says "open" and, within its 5s
    refresh, the count sent.
 2. "systemctl reload" after adding a channel: the new channel delivers,
    same MainPID, one connection, never two sockets.
 3. "systemctl stop": the upstream sees Close 1001; Result=success, exit
    status 0 (as ExecStopPost= hears them, from a drop-in: a stopped unit
    is unloaded at once, and "systemctl show" then has only defaults);
    its lock file is gone, /run/wspushd kept for the relays sharing it.
 4. A broken configuration file fails the start, says file:line in the
    journal as an error (PRIORITY 3) and is not restarted (no loop every
    RestartSec=), for wspushd.service and for an instance of the template.
 5. WatchdogSec= (2s, drop-in): a SIGSTOPped daemon is killed by the
    watchdog and restarted; the new MainPID delivers.
 6. Restart=: after SIGKILL a new MainPID comes up and delivers.
 7. LoadCredential= (drop-in) of an upstream token and a Redis password
    (redis-server --requirepass), named by "header = Authorization:
    @upstream-token" and "password_file = redis-password": the upstream
    gets the header, Redis the password; the copies are the service's
    alone; with log_level = debug neither secret is in the journal, the
    unit's properties, the command line or the environment.
 8. wspushd@.service: wspushd@orders and wspushd@chat relay their own
    channel to their own upstream, one socket each, as the same dynamic
    user, with the sandbox of wspushd.service property for property, the
    lock directory preserved behind root-only /run/private; an
    instance duplicating orders' relay exits 75 naming orders' pid
    (PRIORITY 3) and is not restarted, also after another instance
    stopped (the lock directory is preserved); once orders stops, its
    lock file is gone and the duplicate starts and delivers.  The
    directory is /run/wspushd, shared with wspushd.service: it and an
    instance relaying the same input to the same upstream refuse each
    other (75), in either order.

Every step that fails is reported, and the other scenarios still run.
Needs root and CAP_SYS_ADMIN; without them (or without the tools) it
exits 77, which ctest reports as skipped.

    test_shipped_units_under_a_real_systemd.py BUILD_DIR

WSPUSHD_TEST_KEEP=1 keeps the test's directory (the namespace's overlays,
the servers' logs) under BUILD_DIR/tests/systemd/.
"""

import json
import os
import pwd
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))

import namespace                                        # noqa: E402
from namespace import log                               # noqa: E402
from harness import (Context, Sampler, TestFailure, check,  # noqa: E402
                     check_sequence, free_port, wait_until)

SKIP = 77
DYNAMIC_UIDS = range(61184, 65520)     # systemd's DynamicUser= range


# ==========================================================================
# Outside: boot, run the scenarios inside, tear down.

def install_outside_host(build):
    """Why "cmake --install BUILD" could write outside the overlays
    (/usr, /etc), or None.  Read from what the build was configured
    with: the cache and the generated unit."""
    cache = {}
    with open(os.path.join(build, "CMakeCache.txt")) as f:
        for line in f:
            m = re.match(r"^([A-Za-z_]+):[A-Z]+=(.*)$", line.rstrip("\n"))
            if m:
                cache[m.group(1)] = m.group(2)
    with open(os.path.join(build, "wspushd.service")) as f:
        start = re.search(r"^ExecStart=(\S+) -c (\S+)$", f.read(), re.M)
    paths = {"CMAKE_INSTALL_PREFIX": cache.get("CMAKE_INSTALL_PREFIX", "/usr/local"),
             "the unit's binary": start.group(1), "the unit's configuration": start.group(2)}
    if cache.get("WSPUSHD_SYSTEMD_UNITDIR"):
        paths["WSPUSHD_SYSTEMD_UNITDIR"] = cache["WSPUSHD_SYSTEMD_UNITDIR"]
    for what, path in paths.items():
        real = os.path.realpath(path)
        if not real.startswith(("/usr/", "/etc/")) and real not in ("/usr", "/etc"):
            return "%s is %s: only /usr and /etc are overlaid" % (what, path)
    return None


def outside(build):
    why = namespace.why_unavailable()
    if why is None:
        why = install_outside_host(build)
    if why is not None:
        print("SKIP: %s" % why, flush=True)
        return SKIP

    def interrupted(signo, frame):
        raise KeyboardInterrupt("signal %d" % signo)
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGHUP, interrupted)

    # Overlay layers cannot live on the namespace's /tmp (its own tmpfs)
    # and should not on the host's: the build tree holds them.
    parent = os.path.join(build, "tests", "systemd")
    os.makedirs(parent, exist_ok=True)
    namespace.sweep(parent)
    root = tempfile.mkdtemp(prefix="run-%d-" % os.getpid(), dir=parent)
    keep = bool(os.environ.get("WSPUSHD_TEST_KEEP"))
    # The checkout and the build, wherever they are (/tmp included).
    ns = namespace.Namespace(os.path.join(root, "ns"), keep=(ROOT, build))
    os.makedirs(ns.root)
    rc = 1
    t0 = time.monotonic()
    try:
        try:
            ns.boot(timeout=60)
        except namespace.NotAvailable as e:
            print("SKIP: %s" % e, flush=True)
            return SKIP
        env = dict(os.environ)
        env.pop("DESTDIR", None)     # an install must stay in the overlays
        p = subprocess.run(ns.nsenter() + ["/usr/bin/python3", os.path.abspath(__file__),
                                           "--inside", build, root],
                           stdin=subprocess.DEVNULL, env=env, timeout=240)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        log("FAIL: the scenarios took longer than 240s")
    except BaseException:
        traceback.print_exc(file=sys.stdout)
    finally:
        problems = ns.teardown(keep=keep)
        if not keep:
            shutil.rmtree(root, ignore_errors=True)
        for pr in problems:
            log("teardown: %s" % pr)
        if problems:
            rc = 1
    log("%s in %.1fs" % ("PASS" if rc == 0 else "FAIL", time.monotonic() - t0))
    return rc


# ==========================================================================
# Inside: every namespace of the booted systemd, its file system view.

def run(argv, check_rc=True, timeout=60):
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout)
    if check_rc and p.returncode != 0:
        raise TestFailure("%s: status %d\n%s%s" % (" ".join(argv), p.returncode,
                                                  p.stdout, p.stderr))
    return p


def systemctl(*args, check_rc=True):
    return run(["systemctl", "--no-pager"] + list(args), check_rc=check_rc)


def props(unit, *names):
    out = systemctl("show", unit, *["--property=" + n for n in names]).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def prop(unit, name):
    return props(unit, name)[name]


def main_pid(unit):
    return int(prop(unit, "MainPID"))


def journal(unit=None):
    """Every entry (of unit, if given) as a dict, oldest first."""
    argv = ["journalctl", "--no-pager", "-o", "json"]
    if unit:
        argv += ["-u", unit]
    out = run(argv).stdout
    entries = []
    for line in out.splitlines():
        e = json.loads(line)
        m = e.get("MESSAGE")
        if isinstance(m, list):          # not UTF-8: journald gives bytes
            e["MESSAGE"] = bytes(m).decode(errors="replace")
        entries.append(e)
    return entries


def daemon_lines(unit, pid=None):
    return [e for e in journal(unit) if e.get("SYSLOG_IDENTIFIER") == "wspushd"
            and (pid is None or e.get("_PID") == str(pid))]


def wait_line(unit, pattern, pid=None, timeout=15):
    """The first journal entry of the daemon whose MESSAGE matches."""
    rx = re.compile(pattern)
    return wait_until(lambda: next((e for e in daemon_lines(unit, pid)
                                    if rx.search(e["MESSAGE"])), None), timeout,
                      lambda: "a journal line of %s matching %r; have:\n%s" % (
                          unit, pattern, "\n".join("  %s %s" % (e.get("PRIORITY"), e["MESSAGE"])
                                                   for e in daemon_lines(unit)[-15:])))


def check_priority(entry, want, what):
    check(entry.get("PRIORITY") == str(want),
          "%s should be logged with PRIORITY %d, has %s: %r"
          % (what, want, entry.get("PRIORITY"), entry["MESSAGE"]))


def sockets(pid, port):
    """States of the TCP sockets process pid holds to port, as ss shows
    them from inside the namespace."""
    out = run(["ss", "-Htanp", "dport", "=", ":%d" % port]).stdout
    return [line.split()[0] for line in out.splitlines() if "pid=%d," % pid in line]


def one_socket(pid, port, what):
    got = wait_until(lambda: (lambda s: s if s == ["ESTAB"] else None)(sockets(pid, port)),
                     10, lambda: "%s: exactly one established socket from pid %d to port %d, "
                     "have %s" % (what, pid, port, sockets(pid, port)))
    return got


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return dict((k, v.strip()) for k, v in (line.split(":", 1) for line in f))


def proc_environ(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return dict(x.split(b"=", 1) for x in f.read().split(b"\0") if b"=" in x)


def write_file(path, text, mode=0o644):
    """Replace atomically: a reload never reads half a file."""
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)
    return path


def conf_text(url, redis_port, channels, upstream=(), redis=(), daemon=(), status=()):
    """A configuration file; repeated keys (channels, headers) as lists of
    pairs.  Fast backoffs, so a restart reconnects at once."""
    out = ["# written by test_shipped_units_under_a_real_systemd.py",
           "[upstream]", "url = " + url, "backoff_min = 100ms", "backoff_max = 500ms",
           "close_timeout = 3s"]
    out += ["%s = %s" % kv for kv in upstream]
    out += ["[redis]", "url = redis://127.0.0.1:%d" % redis_port,
            "backoff_min = 100ms", "backoff_max = 500ms"]
    out += ["channel = " + c for c in channels]
    out += ["%s = %s" % kv for kv in redis]
    out += ["[daemon]", "drain_timeout = 3s"] + ["%s = %s" % kv for kv in daemon]
    out += ["[status]"] + ["%s = %s" % kv for kv in status]
    return "\n".join(out) + "\n"


class Installed:
    """What "cmake --install BUILD" put where, inside the namespace."""

    def __init__(self, build):
        # cmake --install writes install_manifest.txt into the build
        # tree: an overlay of it, in a mount namespace of the install's
        # own, takes that write (the installed files go through the
        # namespace's /usr and /etc overlays as usual).
        script = ("set -e; mkdir -p /run/wspushd-test-build; "
                  "mount -t tmpfs tmpfs /run/wspushd-test-build; "
                  "mkdir /run/wspushd-test-build/upper /run/wspushd-test-build/work; "
                  "mount -t overlay overlay -o lowerdir=%s,upperdir=%s,workdir=%s %s; "
                  "exec cmake --install %s"
                  % (shlex.quote(build), "/run/wspushd-test-build/upper",
                     "/run/wspushd-test-build/work", shlex.quote(build), shlex.quote(build)))
        p = run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script],
                timeout=120)
        paths = re.findall(r"^-- (?:Installing|Up-to-date): (\S+)$", p.stdout, re.M)
        log("cmake --install %s:\n  %s" % (build, "\n  ".join(paths)))

        def one(suffix):
            hits = [x for x in paths if x.endswith(suffix)]
            check(len(hits) == 1, "cmake --install should install one %s, installed %s"
                  % (suffix, hits))
            return hits[0]
        self.binary = one("/bin/wspushd")
        self.example = one("/wspushd/wspushd.conf")
        self.unit = one("/wspushd.service")
        self.template = one("/wspushd@.service")
        self.confdir = os.path.dirname(self.example)
        self.conf = self.example
        check(os.path.dirname(self.unit) == os.path.dirname(self.template),
              "the template should be installed beside wspushd.service")
        search = run(["systemd-analyze", "unit-paths"]).stdout.split()
        check(os.path.dirname(self.unit) in search,
              "%s is not among the directories systemd reads units from: %s"
              % (os.path.dirname(self.unit), search))
        systemctl("daemon-reload")
        for unit, path in (("wspushd.service", self.unit),
                           ("wspushd@x.service", self.template)):
            frag = prop(unit, "FragmentPath")
            check(frag == path, "%s is loaded from %s, not %s" % (unit, frag, path))

    def instance_conf(self, name):
        return os.path.join(self.confdir, name + ".conf")


class Scenarios:
    def __init__(self, ctx, inst):
        self.ctx = ctx
        self.inst = inst
        self.failures = []
        self.passed = []
        self.redis = ctx.redis().start()
        self.dropins = []

    # -- bookkeeping --------------------------------------------------------
    def scenario(self, name, fn, units):
        log("=== %s" % name)
        t0 = time.monotonic()
        try:
            fn()
            self.passed.append(name)
            log("=== ok: %s (%.1fs)" % (name, time.monotonic() - t0))
        except Exception as e:
            traceback.print_exc(file=sys.stdout)
            self.failures.append((name, str(e).splitlines()[0] if str(e) else repr(e)))
            log("=== FAILED: %s" % name)
            for u in units:
                log("--- journal of %s (last 30 lines) ---\n%s" % (u, run(
                    ["journalctl", "--no-pager", "-u", u, "-n", "30", "-o", "short-monotonic"],
                    check_rc=False).stdout))
        finally:
            for u in units:
                systemctl("stop", u, check_rc=False)
                systemctl("reset-failed", u, check_rc=False)
            for path in self.dropins:
                os.unlink(path)
            if self.dropins:
                self.dropins = []
                systemctl("daemon-reload")

    def drop_in(self, unit, name, text):
        d = "/run/systemd/system/%s.d" % unit
        os.makedirs(d, exist_ok=True)
        path = write_file(os.path.join(d, name), text)
        self.dropins.append(path)
        systemctl("daemon-reload")
        return path

    def publish(self, items, redis=None):
        r = redis or self.redis
        got = r.publish_many(items)
        check(got == [1] * len(items), "every PUBLISH should reach one subscriber: %s" % got)

    def wait_messages(self, w, start, n, timeout=20):
        wait_until(lambda: len(w.messages()) >= start + n, timeout,
                   lambda: "%d messages at %s (have %d)" % (n, w.url(), len(w.messages()) - start))
        return w.messages()[start:]

    # -- 1-3: start, reload, stop -------------------------------------------
    def start_reload_stop(self):
        inst, r = self.inst, self.redis
        port = free_port()
        w = self.ctx.ws(port=port)          # not listening yet: refused at first
        write_file(inst.conf, conf_text(w.url(), r.port, ["a"]))
        # A stopped unit is unloaded at once (nothing refers to it), and
        # its Result= and exit status go with it: ExecStopPost= hears
        # them first and says them in the journal.
        self.drop_in("wspushd.service", "40-test-result.conf",
                     "[Service]\nExecStopPost=/bin/sh -c 'echo \"stop-post: "
                     "$SERVICE_RESULT $EXIT_CODE $EXIT_STATUS\"'\n")

        systemctl("start", "wspushd")
        # Type=notify: the start job ends at READY=1, sent once subscribed.
        check(r.numsub("a") == 1, "systemctl start returned before the daemon subscribed")
        pid = main_pid("wspushd")
        log("ok: started, subscribed when the start returned (MainPID %d)" % pid)
        self.check_sandbox(pid, "/run/wspushd")
        check(prop("wspushd", "WatchdogUSec") == "30s",
              "WatchdogUSec=%s, not 30s" % prop("wspushd", "WatchdogUSec"))

        start = wait_line("wspushd", r"^wspushd \S+ starting", pid)
        check_priority(start, 6, "the start line")
        refused = wait_line("wspushd", r"^upstream: connect to %s failed" % re.escape(w.url()), pid)
        check_priority(refused, 4, "a refused upstream")
        log("ok: journal: info is PRIORITY 6, a refused upstream PRIORITY 4")

        w.start()
        wait_until(lambda: w.log.open_connections(), 15, "the daemon to connect upstream")
        wait_until(lambda: prop("wspushd", "StatusText").startswith("open"), 10,
                   lambda: "STATUS= to say open, not %r" % prop("wspushd", "StatusText"))
        expected = [("text", b"m-%03d" % i) for i in range(200)]
        self.publish([("a", p) for _, p in expected])
        check_sequence(self.wait_messages(w, 0, 200), expected, "200 messages on a")
        one_socket(pid, port, "while relaying")
        log("ok: 200 messages in order; one socket (ss)")

        # 2. reload with a new channel.
        write_file(inst.conf, conf_text(w.url(), r.port, ["a", "b"]))
        sampler = Sampler(lambda: len(sockets(pid, port)), limit=30, interval=0.02)
        sampler.start()
        try:
            systemctl("reload", "wspushd")
            wait_until(lambda: r.numsub("b") == 1, 15, "a subscription to b after the reload")
            self.publish([("b", b"after reload, on b"), ("a", b"after reload, on a")])
            got = self.wait_messages(w, 200, 2)
        finally:
            counts = sampler.stop()
        check_sequence(got, [("text", b"after reload, on b"), ("text", b"after reload, on a")],
                       "after the reload")
        check(main_pid("wspushd") == pid, "the reload replaced the main process")
        check(len(w.log.opens()) == 1, "the reload opened a new connection (%d opens)"
              % len(w.log.opens()))
        check(counts and max(counts) == 1 and counts[-1] == 1,
              "sockets to the upstream during the reload: %s" % sorted(set(counts)))
        one_socket(pid, port, "after the reload")
        log("ok: reload: b delivers, MainPID %d kept, one connection, %d samples of one socket"
            % (pid, len(counts)))
        # STATUS= follows the counters too, not only state changes (it is
        # refreshed every 5s): what "systemctl status" shows.
        status = wait_until(lambda: (lambda t: t if re.search(r"\b202 sent\b", t) else None)(
            prop("wspushd", "StatusText")), 10,
            lambda: "STATUS= to count 202 sent: %r" % prop("wspushd", "StatusText"))
        log("ok: STATUS=%r" % status)

        # 3. stop.
        conn = w.log.open_connections()[0]["conn"]
        systemctl("stop", "wspushd")
        close = wait_until(lambda: next((e for e in w.log.closes() if e["conn"] == conn), None),
                           10, "the upstream to see the connection close")
        check(close["code"] == 1001, "the upstream saw close code %r, not 1001" % close["code"])
        post = wait_until(lambda: [e["MESSAGE"] for e in journal("wspushd")
                                   if e["MESSAGE"].startswith("stop-post: ")], 10,
                          "the ExecStopPost= line")
        check(post == ["stop-post: success exited 0"],
              "the stop should end in Result=success, exit status 0: %s" % post)
        check(prop("wspushd", "ActiveState") == "inactive", "not inactive after the stop")
        # Preserved for the relays that share it; the daemon took its lock
        # file with it.
        check(os.path.isdir("/run/wspushd") and
              not [f for f in os.listdir("/run/wspushd") if f.endswith(".lock")],
              "/run/wspushd should stay, without the stopped daemon's lock file: %r"
              % (os.listdir("/run/wspushd") if os.path.isdir("/run/wspushd") else None))
        for e in daemon_lines("wspushd", pid):
            check(not re.match(r"<\d>", e["MESSAGE"]), "a line kept its prefix: %r" % e["MESSAGE"])
            check(e.get("PRIORITY") in ("3", "4", "5", "6", "7"), "PRIORITY %s: %r"
                  % (e.get("PRIORITY"), e["MESSAGE"]))
        log("ok: stop: Close 1001, Result=success, status 0, its lock file removed")

    def check_sandbox(self, pid, rundir):
        st = proc_status(pid)
        uids = st["Uid"].split()
        check(len(set(uids)) == 1 and int(uids[0]) in DYNAMIC_UIDS,
              "not one dynamic UID: Uid %s" % st["Uid"])
        uid = int(uids[0])
        name = pwd.getpwuid(uid).pw_name
        check(name == "wspushd", "the dynamic user is %r, not wspushd" % name)
        for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
            check(int(st[cap], 16) == 0, "%s is %s, not empty" % (cap, st[cap]))
        check(st["NoNewPrivs"] == "1", "NoNewPrivs is %s" % st["NoNewPrivs"])
        check(st["Seccomp"] == "2", "no seccomp filter (Seccomp: %s)" % st["Seccomp"])
        with open("/proc/%d/limits" % pid) as f:
            nofile = [line.split()[3:5] for line in f if line.startswith("Max open files")][0]
        check(nofile == ["64", "64"], "LimitNOFILE: %s" % nofile)
        mounts = {}
        with open("/proc/%d/mountinfo" % pid) as f:
            for line in f:
                fields = line.split()
                mounts[fields[4]] = fields[5].split(",")   # the last one counts
        check("ro" in mounts.get("/", []), "the root is not read-only: %s" % mounts.get("/"))
        env = proc_environ(pid)
        check(env.get(b"RUNTIME_DIRECTORY") == rundir.encode(),
              "RUNTIME_DIRECTORY=%r, not %s" % (env.get(b"RUNTIME_DIRECTORY"), rundir))
        st_dir = os.stat(rundir)
        check(st_dir.st_uid == uid and st_dir.st_mode & 0o777 == 0o700,
              "%s: owner %d mode %o, not %d 0700" % (rundir, st_dir.st_uid,
                                                       st_dir.st_mode & 0o777, uid))
        locks = [f for f in os.listdir(rundir) if f.endswith(".lock")]
        check(locks, "no lock file in %s" % rundir)
        log("ok: pid %d runs as dynamic user wspushd (%d), no capabilities, NoNewPrivs, "
            "seccomp, read-only root, 64 descriptors, locks in %s" % (pid, uid, rundir))
        return uid

    # -- 4: a broken file -----------------------------------------------------
    def broken_file(self):
        problems = []
        for unit, path in (("wspushd", self.inst.conf),
                           ("wspushd@broken", self.inst.instance_conf("broken"))):
            write_file(path, conf_text("ws://127.0.0.1:1/x", self.redis.port, ["a"],
                                       upstream=[("no_such_key", "1")]))
            p = systemctl("start", unit, check_rc=False)
            check(p.returncode != 0, "%s started with a broken file" % unit)
            # The start job has failed: the unit is failed, or already
            # scheduled for a restart (auto-restart), right now.
            st = props(unit, "ActiveState", "SubState", "NRestarts", "Result")
            line = wait_line(unit, r"^%s:\d+: unknown key 'no_such_key'" % re.escape(path))
            systemctl("stop", unit, check_rc=False)
            systemctl("reset-failed", unit, check_rc=False)
            before = len(problems)
            if st["SubState"] != "failed" or st["NRestarts"] != "0":
                problems.append("%s: a broken file should fail the start once, not be "
                                "restarted every RestartSec= (%s)" % (unit, st))
            if line.get("PRIORITY") != "3":
                problems.append("%s: the configuration error should be logged with "
                                "PRIORITY 3, has %s: %r" % (unit, line.get("PRIORITY"),
                                                            line["MESSAGE"]))
            if len(problems) == before:
                    log("ok: %s: a broken file fails the start, once, with %r at PRIORITY 3"
                    % (unit, line["MESSAGE"]))
        os.unlink(self.inst.instance_conf("broken"))
        check(not problems, "\n".join(problems))

    # -- 5, 6: watchdog and Restart= ------------------------------------------
    def restarts(self):
        r = self.redis
        w = self.ctx.ws().start()
        write_file(self.inst.conf, conf_text(w.url(), r.port, ["a"]))
        # A short watchdog for a quick test; no core file from the
        # watchdog's SIGABRT (the kernel's core_pattern is the host's).
        self.drop_in("wspushd.service", "50-test-watchdog.conf",
                     "[Service]\nWatchdogSec=2s\nLimitCORE=0\n")
        systemctl("start", "wspushd")
        check(prop("wspushd", "WatchdogUSec") == "2s", "WatchdogSec= from the drop-in not applied")
        delivered = 0

        def delivers(pid, what):
            nonlocal delivered
            wait_until(lambda: r.numsub("a") == 1, 15, "the subscription of pid %d" % pid)
            payload = b"delivered by pid %d after %s" % (pid, what.encode())
            self.publish([("a", payload)])
            check_sequence(self.wait_messages(w, delivered, 1), [("text", payload)], what)
            delivered += 1

        def restarted(old, kill, want_result):
            n0 = int(prop("wspushd", "NRestarts"))
            seen = []

            def new_pid():
                p = props("wspushd", "MainPID", "NRestarts", "Result", "SubState")
                seen.append((p["Result"], p["SubState"]))
                return (int(p["MainPID"]) not in (0, old) and p["SubState"] == "running"
                        and int(p["NRestarts"]) == n0 + 1 and int(p["MainPID"]))
            os.kill(old, kill)
            pid = wait_until(new_pid, 30, lambda: "a new main process after %s (seen %s)"
                             % (signal.Signals(kill).name, sorted(set(seen))))
            results = {res for res, _ in seen}
            check(want_result in results, "Result=%s never seen after %s; seen %s"
                  % (want_result, signal.Signals(kill).name, sorted(set(seen))))
            check(not os.path.exists("/proc/%d" % old), "pid %d is still there" % old)
            return pid

        pid = main_pid("wspushd")
        delivers(pid, "start")
        pid2 = restarted(pid, signal.SIGSTOP, "watchdog")
        delivers(pid2, "the watchdog")
        log("ok: watchdog: SIGSTOPped pid %d killed (Result=watchdog), restarted as %d, delivers"
            % (pid, pid2))
        pid3 = restarted(pid2, signal.SIGKILL, "signal")
        delivers(pid3, "SIGKILL")
        log("ok: Restart=: SIGKILLed pid %d restarted as %d, delivers" % (pid2, pid3))
        one_socket(pid3, w.port, "after two restarts")

    # -- 7: credentials ---------------------------------------------------------
    def credentials(self):
        token, token_mark = "Bearer tok-9f3c-SECRET", "tok-9f3c-SECRET"
        password = "pw-7d1a-SECRET"
        secrets = (token_mark, password)
        r = self.ctx.redis(password=password).start()
        w = self.ctx.ws().start()
        token_file = write_file(os.path.join(self.inst.confdir, "test-upstream-token"),
                                token + "\n", 0o600)
        pw_file = write_file(os.path.join(self.inst.confdir, "test-redis-password"),
                             password + "\n", 0o600)
        self.drop_in("wspushd.service", "60-test-credentials.conf",
                     "[Service]\nLoadCredential=upstream-token:%s\n"
                     "LoadCredential=redis-password:%s\n" % (token_file, pw_file))
        write_file(self.inst.conf, conf_text(
            w.url(), r.port, ["c"], upstream=[("header", "Authorization: @upstream-token")],
            redis=[("password_file", "redis-password")], daemon=[("log_level", "debug")]))
        try:
            systemctl("start", "wspushd")
            pid = main_pid("wspushd")
            check(r.numsub("c") == 1, "not subscribed (with AUTH) when the start returned")
            wait_until(lambda: w.log.opens(), 15, "the upstream connection")
            got = w.log.opens()[0]["headers"].get("authorization")
            check(got == token, "the upstream got Authorization %r, not the credential" % got)
            self.publish([("c", b"with credentials")], redis=r)
            check_sequence(self.wait_messages(w, 0, 1), [("text", b"with credentials")],
                           "with credentials")
            log("ok: the upstream got the token, Redis the password, a message arrived")

            uid = int(proc_status(pid)["Uid"].split()[0])
            creds = proc_environ(pid).get(b"CREDENTIALS_DIRECTORY", b"").decode()
            check(creds.startswith("/run/credentials/"), "CREDENTIALS_DIRECTORY=%r" % creds)
            for name in ("upstream-token", "redis-password"):
                st = os.stat(os.path.join(creds, name))
                check(st.st_mode & 0o077 == 0 and st.st_uid in (0, uid),
                      "%s/%s: mode %o owner %d: readable beyond the service"
                      % (creds, name, st.st_mode & 0o777, st.st_uid))
            debug = [e for e in daemon_lines("wspushd", pid) if e.get("PRIORITY") == "7"]
            check(debug, "log_level = debug, yet no PRIORITY 7 line in the journal")

            texts = {"the journal": run(["journalctl", "--no-pager", "-o", "json"]).stdout,
                     "the unit's properties": systemctl("show", "wspushd").stdout,
                     "the command line": open("/proc/%d/cmdline" % pid, "rb").read().decode(
                         errors="replace"),
                     "the environment": open("/proc/%d/environ" % pid, "rb").read().decode(
                         errors="replace")}
            for what, text in texts.items():
                for s in secrets:
                    check(s not in text, "%s shows a secret (%r)" % (what, s))
            log("ok: credentials are the service's alone (%s); with %d debug lines, no secret in "
                "%s" % (creds, len(debug), ", ".join(texts)))
        finally:
            systemctl("stop", "wspushd", check_rc=False)
            for path in (token_file, pw_file):
                os.unlink(path)

    # -- 8: the template --------------------------------------------------------
    def template(self):
        r, inst = self.redis, self.inst
        rundir = "/run/wspushd"
        wa, wb = self.ctx.ws().start(), self.ctx.ws().start()

        def conf(name, w, channel):
            write_file(inst.instance_conf(name), conf_text(
                w.url(), r.port, [channel], status=[("key", "wspushd:status:" + name),
                                                    ("channel", "wspushd:events:" + name)]))
        conf("orders", wa, "orders")
        conf("chat", wb, "chat")
        systemctl("start", "wspushd@orders", "wspushd@chat")
        check(r.numsub("orders") == 1 and r.numsub("chat") == 1,
              "not both subscribed when the start returned")
        pa, pb = main_pid("wspushd@orders"), main_pid("wspushd@chat")
        for pid, name in ((pa, "orders"), (pb, "chat")):
            with open("/proc/%d/cmdline" % pid, "rb") as f:
                argv = f.read().split(b"\0")
            check(inst.instance_conf(name).encode() in argv,
                  "wspushd@%s does not read %s: %s" % (name, inst.instance_conf(name), argv))
        ua = self.check_sandbox(pa, rundir)
        ub = self.check_sandbox(pb, rundir)
        check(ua == ub, "the instances run as different users (%d, %d)" % (ua, ub))
        # Preserved with DynamicUser=: behind a root-only directory, so a
        # recycled UID cannot reach it.
        private = os.stat("/run/private")
        check(os.path.islink(rundir) and os.readlink(rundir) == "private/wspushd"
              and private.st_uid == 0 and private.st_mode & 0o777 == 0o700,
              "%s should be a symlink into /run/private (root, 0700): %s -> %s, %o %d"
              % (rundir, rundir, os.path.islink(rundir) and os.readlink(rundir),
                 private.st_mode & 0o777, private.st_uid))
        self.same_sandbox("wspushd.service", "wspushd@orders.service")
        check(prop("wspushd@orders", "WatchdogUSec") == "30s",
              "WatchdogUSec=%s, not 30s" % prop("wspushd@orders", "WatchdogUSec"))

        wait_until(lambda: wa.log.open_connections() and wb.log.open_connections(), 15,
                   "both instances to connect upstream")
        items = []
        for i in range(50):
            items += [("orders", b"order %d" % i), ("chat", b"chat %d" % i)]
        self.publish(items)
        check_sequence(self.wait_messages(wa, 0, 50), [("text", p) for c, p in items
                                                       if c == "orders"], "orders")
        check_sequence(self.wait_messages(wb, 0, 50), [("text", p) for c, p in items
                                                       if c == "chat"], "chat")
        one_socket(pa, wa.port, "wspushd@orders")
        one_socket(pb, wb.port, "wspushd@chat")
        check(sockets(pa, wb.port) == [] and sockets(pb, wa.port) == [],
              "an instance holds a socket to the other's upstream")
        log("ok: two instances, each its own channel to its own upstream, one socket each")

        # A duplicate of orders: same input, same upstream.
        conf("dup", wa, "orders")

        def refused(holder):
            p = systemctl("start", "wspushd@dup", check_rc=False)
            check(p.returncode != 0, "wspushd@dup started beside wspushd@orders")
            st = props("wspushd@dup", "Result", "ExecMainStatus", "SubState", "NRestarts")
            check(st == {"Result": "exit-code", "ExecMainStatus": "75", "SubState": "failed",
                         "NRestarts": "0"}, "wspushd@dup: %s" % st)
            line = wait_line("wspushd@dup", r"another wspushd \(pid %d\) already relays" % holder,
                             int(prop("wspushd@dup", "ExecMainPID")))
            check_priority(line, 3, "the refusal")
            systemctl("reset-failed", "wspushd@dup")
            return re.search(r"\(lock (\S+)\)", line["MESSAGE"]).group(1)
        lock = refused(pa)
        check(os.path.dirname(lock) == rundir, "the lock %s is not in %s" % (lock, rundir))
        log("ok: a duplicate instance exits 75 naming pid %d (PRIORITY 3), not restarted" % pa)

        systemctl("stop", "wspushd@chat")
        check(os.path.isdir(rundir) and os.path.exists(lock),
              "stopping wspushd@chat removed %s or %s" % (rundir, lock))
        refused(pa)
        log("ok: after wspushd@chat stopped, %s is kept and the duplicate still refused" % rundir)

        systemctl("stop", "wspushd@orders")
        check(not os.path.exists(lock), "%s outlived its only holder" % lock)
        check(os.path.isdir(rundir), "%s removed when wspushd@orders stopped" % rundir)
        systemctl("start", "wspushd@dup")
        pd = main_pid("wspushd@dup")
        wait_until(lambda: len(wa.log.opens()) == 2 and wa.log.open_connections(), 15,
                   "wspushd@dup to connect")
        self.publish([("orders", b"relayed by dup")])
        check_sequence(self.wait_messages(wa, 50, 1), [("text", b"relayed by dup")], "dup")
        log("ok: once wspushd@orders stopped its lock file is gone, wspushd@dup (pid %d) "
            "starts and delivers" % pd)

        # wspushd.service shares the directory: relaying what wspushd@dup
        # relays, it is refused too, and the other way round.
        saved = open(inst.conf).read()
        write_file(inst.conf, open(inst.instance_conf("dup")).read())
        p = systemctl("start", "wspushd", check_rc=False)
        st = props("wspushd", "Result", "ExecMainStatus", "NRestarts")
        check(p.returncode != 0 and st == {"Result": "exit-code", "ExecMainStatus": "75",
                                           "NRestarts": "0"},
              "wspushd.service beside wspushd@dup relaying the same: %s" % st)
        systemctl("reset-failed", "wspushd")
        systemctl("stop", "wspushd@dup")
        systemctl("start", "wspushd")
        ps = main_pid("wspushd")
        refused(ps)
        systemctl("stop", "wspushd")
        write_file(inst.conf, saved)
        log("ok: wspushd.service and an instance relaying the same input to the same "
            "upstream refuse each other (75), in either order")
        for name in ("orders", "chat", "dup"):
            os.unlink(inst.instance_conf(name))

    def same_sandbox(self, a, b):
        names = ["Type", "NotifyAccess", "Restart", "RestartUSec", "RestartPreventExitStatus",
                 "TimeoutStopUSec", "LimitNOFILE", "DynamicUser",
                 "RuntimeDirectoryMode", "UMask", "ProtectSystem", "ProtectHome", "PrivateTmp",
                 "PrivateDevices", "PrivateMounts", "DevicePolicy", "ProtectKernelTunables",
                 "ProtectKernelModules", "ProtectKernelLogs", "ProtectControlGroups",
                 "ProtectClock", "ProtectHostname", "ProtectProc", "ProcSubset", "PrivateUsers",
                 "PrivateIPC", "RemoveIPC", "KeyringMode", "CapabilityBoundingSet",
                 "AmbientCapabilities", "NoNewPrivileges", "RestrictSUIDSGID",
                 "LockPersonality", "RestrictRealtime", "RestrictNamespaces",
                 "MemoryDenyWriteExecute", "RestrictAddressFamilies",
                 "SystemCallArchitectures", "SystemCallFilter", "SystemCallErrorNumber"]
        pa, pb = props(a, *names), props(b, *names)
        diff = ["%s: %r vs %r" % (n, pa.get(n), pb.get(n)) for n in names if pa.get(n) != pb.get(n)]
        check(not diff, "%s and %s differ:\n  %s" % (a, b, "\n  ".join(diff)))
        log("ok: %s has the sandbox and service settings of %s (%d properties)"
            % (b, a, len(names)))


def inside(build, root):
    tempfile.tempdir = os.path.join(root, "inside")     # the servers' files
    os.makedirs(tempfile.tempdir)
    t0 = time.monotonic()
    inst = Installed(build)
    ctx = Context(inst.binary)
    s = None
    try:
        s = Scenarios(ctx, inst)
        s.scenario("wspushd.service: start, reload, stop", s.start_reload_stop, ["wspushd"])
        s.scenario("a broken file fails the start once", s.broken_file,
                   ["wspushd", "wspushd@broken"])
        s.scenario("watchdog and Restart=", s.restarts, ["wspushd"])
        s.scenario("LoadCredential=", s.credentials, ["wspushd"])
        s.scenario("wspushd@.service: two instances, one refused duplicate", s.template,
                   ["wspushd@orders", "wspushd@chat", "wspushd@dup"])
    finally:
        ctx.cleanup()
    log("%d scenarios in %.1fs: %d passed" % (len(s.passed) + len(s.failures),
                                              time.monotonic() - t0, len(s.passed)))
    for name, why in s.failures:
        log("FAILED: %s: %s" % (name, why))
    return 1 if s.failures else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inside":
        sys.exit(inside(os.path.abspath(sys.argv[2]), sys.argv[3]))
    if len(sys.argv) != 2:
        print("usage: %s BUILD_DIR" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    sys.exit(outside(os.path.abspath(sys.argv[1])))
