"""namespace.py - a real systemd, booted as PID 1 of private namespaces,
for tests of the shipped units, without touching the host.

There is no systemd running this machine (nor, usually, a test machine),
so the test boots one:

    unshare --fork --pid --mount --net --uts --ipc --cgroup --mount-proc
            --propagation private --kill-child=SIGKILL sh -c '...;
            exec /lib/systemd/systemd --system --unit=basic.target'

The namespaces share the host's file system, and a booting systemd writes
to it: it empties /tmp, creates device nodes and symlinks in /dev
(/dev/log, /dev/initctl, mount points such as /dev/hugepages), writes
/etc/machine-id, journals to /var/log/journal.  So before the exec, in the
new mount namespace:

  * /usr, /etc, /var and /dev are overlays whose lower layer is the host's
    directory and whose upper and work layers are in this test's own
    directory (under the build tree: the namespace's /tmp is its own):
    what systemd, the install and the test write lands there and goes
    with it;
  * /tmp, /var/tmp, /run, /var/log/journal, /dev/shm and
    /etc/systemd/system get a fresh tmpfs (the last hides the host's
    enabled units: its redis-server, timers, gettys);
  * /sys/fs/cgroup is a cgroup2 of its own: its root (cgroup namespace)
    is a cgroup made for this boot under this process's own, so systemd's
    cgroups live there and are removed with it, and systemd never sees the
    host's v1 controllers;
  * "container=" is in systemd's environment, so it behaves as in a
    container: no sysctl, module or console set-up of the host;
  * the boot services that would still touch the host or need hardware
    are masked (MASKED below), and the boot stops at basic.target.

teardown() kills the namespace's PID 1 (everything in it dies with it),
waits for it, removes the cgroup and the directory.  If the test process
dies first, unshare (PR_SET_PDEATHSIG) and systemd (unshare's
--kill-child) are killed by the kernel, and the next run removes what
was left: sweep() takes the cgroups and directories named after a
process that is gone.
"""

import ctypes
import os
import re
import shlex
import shutil
import signal
import subprocess
import time

SYSTEMD = "/lib/systemd/systemd"

# Units of a normal boot that would reach beyond the namespace (the
# host's /tmp, sysctls, kernel modules, binfmt, clock, devices, utmp,
# kernel file systems) or wait for hardware.  Everything else of
# basic.target (journald, the slices, the sockets) runs as usual.
MASKED = [
    "systemd-tmpfiles-setup.service", "systemd-tmpfiles-setup-dev.service",
    "systemd-tmpfiles-clean.timer", "systemd-sysctl.service",
    "systemd-sysusers.service", "systemd-modules-load.service",
    "systemd-udevd.service", "systemd-udev-trigger.service",
    "systemd-remount-fs.service", "systemd-random-seed.service",
    "systemd-timesyncd.service", "ldconfig.service",
    "systemd-journal-flush.service", "systemd-update-utmp.service",
    "systemd-binfmt.service", "proc-sys-fs-binfmt_misc.automount",
    "dev-hugepages.mount", "dev-mqueue.mount", "sys-kernel-debug.mount",
    "sys-kernel-tracing.mount", "sys-kernel-config.mount",
    "sys-fs-fuse-connections.mount", "kmod-static-nodes.service",
    "systemd-firstboot.service", "systemd-machine-id-commit.service",
]

OVERLAID = ("usr", "etc", "var", "dev")

CGROUP_PREFIX = "wspushd-systemd-test-"
PR_SET_PDEATHSIG = 1
CAP_SYS_ADMIN = 21


class NotAvailable(Exception):
    """This machine cannot boot the test's systemd (the test skips)."""


def log(msg):
    print("[%8.3f] %s" % (time.monotonic() % 100000, msg), flush=True)


def cgroup2_mount():
    """The mount point of a cgroup2 file system, or None."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] == ["cgroup2"]:
                return left.split()[4]
    return None


def own_cgroup2():
    """This process's cgroup in the cgroup2 hierarchy ("0::PATH")."""
    with open("/proc/self/cgroup") as f:
        for line in f:
            if line.startswith("0::"):
                return line[3:].strip()
    return None


def why_unavailable():
    """None when a systemd can be booted here, else why not."""
    if os.geteuid() != 0:
        return "needs root"
    with open("/proc/self/status") as f:
        caps = dict(line.split(":", 1) for line in f if line.startswith("Cap"))
    if not int(caps.get("CapEff", "0").strip(), 16) & (1 << CAP_SYS_ADMIN):
        return "needs CAP_SYS_ADMIN"
    for tool in ("unshare", "nsenter", "ss", "systemctl", "journalctl"):
        if shutil.which(tool) is None:
            return "%s is not installed" % tool
    if not os.access(SYSTEMD, os.X_OK):
        return "%s is not installed" % SYSTEMD
    with open("/proc/filesystems") as f:
        if "overlay" not in f.read().split() and not os.path.isdir(
                "/lib/modules/%s/kernel/fs/overlayfs" % os.uname().release):
            return "no overlay file system in this kernel"
    if cgroup2_mount() is None or own_cgroup2() is None:
        return "no cgroup2 hierarchy mounted"
    return None


# The namespace's own tmpfs goes over these: a tree the test needs there
# (a checkout in /tmp) is carried across.
SHADOWED = ("/tmp", "/var/tmp")
CARRIED = "/var/lib/wspushd-test-carried"   # in the overlay of /var


def _carried(keep):
    """The directories of keep that a tmpfs of SHADOWED would hide."""
    out = []
    for path in keep:
        real = os.path.realpath(path)
        if any(real == s or real.startswith(s + "/") for s in SHADOWED):
            out.append(real)
    return out


def _boot_script(root, keep=()):
    """The shell run as the namespace's PID 1 before it becomes systemd."""
    q = shlex.quote
    lines = ["set -e"]
    for d in OVERLAID:
        lines.append("mount -t overlay overlay -o lowerdir=/%s,upperdir=%s,workdir=%s /%s"
                     % (d, q(os.path.join(root, d + ".upper")),
                        q(os.path.join(root, d + ".work")), d))
    # Bound aside (into the overlay of /var, never the host's) before
    # the tmpfs hides them, and back in place after.
    carried = _carried(keep)
    for i, path in enumerate(carried):
        lines += ["mkdir -p %s/%d" % (CARRIED, i),
                  "mount --rbind %s %s/%d" % (q(path), CARRIED, i)]
    lines += [
        "mount -t tmpfs -o mode=1777 tmpfs /dev/shm",
        "mount -t devpts -o newinstance,ptmxmode=0666,mode=620 devpts /dev/pts",
        "mount -t tmpfs -o mode=1777 tmpfs /tmp",
        "mount -t tmpfs -o mode=1777 tmpfs /var/tmp",
        "mount -t tmpfs -o mode=0755 tmpfs /run",
        "mount -t tmpfs -o mode=0755 tmpfs /etc/systemd/system",
        "mkdir -p /var/log/journal",
        "mount -t tmpfs -o mode=0755 tmpfs /var/log/journal",
        "mount -t cgroup2 cgroup2 /sys/fs/cgroup",
        # systemd, seeing "container=", leaves propagation to the
        # container manager, but relies on shared mounts: it makes a
        # service's credentials in a namespace of its own and expects the
        # mount to propagate back.  Shared within this namespace only:
        # unshare made every mount private first.
        "mount --make-rshared /",
    ]
    for i, path in enumerate(carried):
        lines += ["mkdir -p %s" % q(path),
                  "mount --rbind %s/%d %s" % (CARRIED, i, q(path))]
    for unit in MASKED:
        lines.append("ln -s /dev/null /etc/systemd/system/%s" % unit)
    lines += [
        "export container=wspushd-test",
        "exec %s --system --log-target=null --unit=basic.target" % SYSTEMD,
    ]
    return "\n".join(lines) + "\n"


class Namespace:
    """One booted systemd.  root: a fresh directory of the test's own, on
    a file system that can hold overlay upper layers (not tmpfs /tmp)."""

    def __init__(self, root, keep=()):
        self.root = root
        self.keep = list(keep)     # trees the namespace must see where they are
        self.unshare = None
        self.pid = None            # the namespace's PID 1, as the host sees it
        self.cgroup = None

    # -- boot ---------------------------------------------------------------
    def boot(self, timeout=60):
        for d in OVERLAID:
            os.makedirs(os.path.join(self.root, d + ".upper"))
            os.makedirs(os.path.join(self.root, d + ".work"))
        self.cgroup = os.path.join(cgroup2_mount() + own_cgroup2().rstrip("/"),
                                   CGROUP_PREFIX + str(os.getpid()))
        try:
            os.mkdir(self.cgroup)
        except OSError as e:
            self.cgroup = None
            raise NotAvailable("cannot make a cgroup for the namespace: %s" % e)
        libc = ctypes.CDLL(None, use_errno=True)
        procs = os.path.join(self.cgroup, "cgroup.procs")

        def in_child():
            # Dies with the test; moves into the namespace's cgroup before
            # unshare makes that the cgroup namespace's root.
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            with open(procs, "w") as f:
                f.write(str(os.getpid()))

        argv = ["unshare", "--fork", "--pid", "--mount", "--net", "--uts", "--ipc",
                "--cgroup", "--mount-proc", "--propagation", "private",
                "--kill-child=SIGKILL", "/bin/sh", "-c", _boot_script(self.root, self.keep)]
        self.unshare = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                        preexec_fn=in_child, close_fds=True)
        deadline = time.monotonic() + timeout
        self.pid = self._wait_for_systemd(deadline)
        state = self._wait_booted(deadline)
        log("systemd booted as PID 1 of private namespaces (pid %d here): %s"
            % (self.pid, state))
        if state != "running":
            log("failed units:\n" + self.run(["systemctl", "--failed", "--no-pager"],
                                              check=False).stdout)

    def _wait_for_systemd(self, deadline):
        """The unshare child once it has become systemd."""
        want = os.path.realpath(SYSTEMD)
        for _ in range(100000):
            if self.unshare.poll() is not None:
                raise RuntimeError("the namespace's boot script failed (status %d)"
                                   % self.unshare.returncode)
            for pid in _children(self.unshare.pid):
                try:
                    if os.path.realpath("/proc/%d/exe" % pid) == want:
                        return pid
                except OSError:
                    pass
            if time.monotonic() > deadline:
                break
            time.sleep(0.02)
        raise RuntimeError("systemd did not start in the namespace")

    def _wait_booted(self, deadline):
        last = None
        for _ in range(100000):
            if self.unshare.poll() is not None:
                raise RuntimeError("systemd exited (status %d)" % self.unshare.returncode)
            p = self.run(["systemctl", "is-system-running"], check=False, timeout=10)
            last = (p.stdout.strip(), p.stderr.strip())
            if last[0] in ("running", "degraded"):
                return last[0]
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
        raise RuntimeError("systemd did not finish booting: %r" % (last,))

    # -- use ----------------------------------------------------------------
    def nsenter(self):
        """The prefix that runs a command inside every namespace."""
        return ["nsenter", "-t", str(self.pid), "-a"]

    def run(self, argv, check=True, timeout=60, **kw):
        p = subprocess.run(self.nsenter() + list(argv), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout, **kw)
        if check and p.returncode != 0:
            raise RuntimeError("%s: status %d\n%s%s" % (" ".join(argv), p.returncode,
                                                      p.stdout, p.stderr))
        return p

    # -- teardown -----------------------------------------------------------
    def teardown(self, keep=False):
        """Kill everything, wait for it, remove the cgroup and the
        directory (unless keep).  Returns a list of problems, if any."""
        problems = []
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.unshare is not None:
            try:
                self.unshare.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.unshare.kill()     # and --kill-child takes systemd
                try:
                    self.unshare.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    problems.append("unshare (pid %d) did not exit" % self.unshare.pid)
        if self.cgroup is not None:
            problems += _remove_cgroup(self.cgroup)
        if keep:
            log("kept %s" % self.root)
        else:
            shutil.rmtree(self.root, ignore_errors=True)
            if os.path.exists(self.root):
                problems.append("could not remove %s" % self.root)
        return problems


def sweep(parent):
    """Remove what runs killed before their teardown left: cgroups
    beside ours, and directories in parent named "run-PID-...", whose
    PID is gone."""
    base = cgroup2_mount() + own_cgroup2().rstrip("/")
    for name in os.listdir(base):
        if name.startswith(CGROUP_PREFIX) and not _alive(name[len(CGROUP_PREFIX):]):
            for pr in _remove_cgroup(os.path.join(base, name), timeout=1):
                log("left from an earlier run: %s" % pr)
    if os.path.isdir(parent):
        for name in os.listdir(parent):
            m = re.match(r"^run-(\d+)-", name)
            if m and not _alive(m.group(1)):
                shutil.rmtree(os.path.join(parent, name), ignore_errors=True)


def _alive(pid):
    return pid.isdigit() and os.path.exists("/proc/%s" % pid)


def _children(pid):
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % e) as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2:].split()[1]) == pid:
            out.append(int(e))
    return out


def _remove_cgroup(top, timeout=15):
    """rmdir the tree below top, deepest first, once its processes are
    gone (a killed process leaves its cgroup a moment later)."""
    deadline = time.monotonic() + timeout
    for _ in range(100000):
        dirs = [d for d, _, _ in os.walk(top)]
        for d in sorted(dirs, key=len, reverse=True):
            try:
                os.rmdir(d)
            except OSError:
                pass
        if not os.path.exists(top):
            return []
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    return ["cgroup %s could not be removed (%s)" % (
        top, ", ".join(d for d, _, _ in os.walk(top)))]
