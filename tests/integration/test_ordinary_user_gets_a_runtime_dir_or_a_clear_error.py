#!/usr/bin/python3
"""An ordinary user (uid nobody, through setpriv) runs wspushd.

1. With $XDG_RUNTIME_DIR (as a login session has it) and nothing else:
   --check-config passes, and the daemon runs, connects upstream and
   delivers; its lock file is in $XDG_RUNTIME_DIR/wspushd, and gone once
   it stopped.
2. Without it: --check-config says there is no runtime directory and how
   to give one (exit 78), instead of passing and then failing to start.
3. --runtime-dir naming root's /run/wspushd: --check-config says it
   cannot make lock files there and what to do (exit 73), and so does the
   daemon itself (exit 73, not 70 "internal error").
"""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (WRAPPER, check, config_text, log, main, publish_sentinel, scaled,
                     wait_until)

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def as_nobody(ctx, args, env):
    full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    full.update(env)
    p = subprocess.run(NOBODY + WRAPPER + [ctx.binary] + args, capture_output=True,
                       timeout=scaled(20), env=full, stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace")


def test(ctx):
    os.chmod(ctx.root, 0o755)         # nobody must read the configuration
    r = ctx.redis().start()
    w = ctx.ws().start()
    conf = os.path.join(ctx.mkdir("conf"), "wspushd.conf")
    with open(conf, "w") as f:
        f.write(config_text(w.url(), r.port, redis={"channel": "x"}))
    os.chmod(os.path.dirname(conf), 0o755)
    os.chmod(conf, 0o644)
    xdg = ctx.mkdir("xdg")
    os.chown(xdg, 65534, 65534)
    os.chmod(xdg, 0o700)

    # 1. A session's runtime directory.
    rc, out, err = as_nobody(ctx, ["-c", conf, "--check-config"], {"XDG_RUNTIME_DIR": xdg})
    check(rc == 0 and "configuration OK" in out, "--check-config with XDG_RUNTIME_DIR: "
          "exit %d: %s" % (rc, err))
    env = {"PATH": os.environ.get("PATH", ""), "XDG_RUNTIME_DIR": xdg}
    d = ctx.spawn("wspushd-nobody", NOBODY + WRAPPER + [ctx.binary, "-c", conf], env=env)
    try:
        wait_until(lambda: r.subscribed(["x"], []) and w.log.open_connections(), 20,
                   "the daemon run by nobody to connect and subscribe")
        publish_sentinel(r, w, "x", b"from-an-ordinary-user")
        locks = os.listdir(os.path.join(xdg, "wspushd"))
        check(len(locks) == 1 and locks[0].endswith(".lock"),
              "lock files in XDG_RUNTIME_DIR/wspushd: %r" % locks)
    finally:
        d.signal(15)
    check(d.wait(scaled(15)) == 0, "the daemon did not stop cleanly")
    check(os.listdir(os.path.join(xdg, "wspushd")) == [], "its lock file stayed")

    # 2. No runtime directory at all.
    rc, out, err = as_nobody(ctx, ["-c", conf, "--check-config"], {})
    check(rc == 78 and "no runtime directory" in err and "--runtime-dir" in err,
          "--check-config without one: exit %d: %s" % (rc, err))

    # 3. Root's directory, not ours.
    rc, out, err = as_nobody(ctx, ["-c", conf, "--runtime-dir", "/run/wspushd",
                                   "--check-config"], {})
    check(rc == 73 and "/run/wspushd" in err and "--runtime-dir" in err,
          "--check-config with /run/wspushd: exit %d: %s" % (rc, err))
    rc, out, err = as_nobody(ctx, ["-c", conf, "--runtime-dir", "/run/wspushd"], {})
    check(rc == 73 and "--runtime-dir" in err, "running with /run/wspushd: exit %d: %s"
          % (rc, err[-400:]))
    log("as nobody: XDG_RUNTIME_DIR used; without one, exit 78 saying how; "
        "/run/wspushd refused with exit 73 saying how")


if __name__ == "__main__":
    main(test)
