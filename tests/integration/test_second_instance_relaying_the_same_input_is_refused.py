#!/usr/bin/python3
"""Two daemons that relay the same input to the same upstream never both
run, wherever their configuration lives and whatever the order of their
flags; daemons relaying other inputs do.

1. A runs from a file: channels x and y to the WebSocket server.
2. A copy of that file at another path: refused at start with exit 75,
   naming A's pid and the input; it never connects upstream.
3. The same relay as flags in another order (y before x, the URL's
   scheme in capitals): refused alike.
4. A daemon relaying channel z to the same upstream runs beside A.
5. Every message on x arrives exactly once (PUBLISH counts one
   subscriber), z's too; the sentinel, published last, closes the count.
6. A reload of the z daemon that would add channel x is rejected: it
   keeps relaying z only, and A keeps x.
7. The lock file is removed when the last daemon using it stops.
"""
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, log, main, publish_sentinel, wait_until)


def test(ctx):
    r = ctx.redis().start()
    w = ctx.ws().start()
    run = ctx.mkdir("shared-run")
    env = {"RUNTIME_DIRECTORY": run}
    text = config_text(w.url(), r.port, redis={"channel": "x\nchannel = y"})
    a = ctx.daemon(text, env=env).start()
    wait_until(lambda: r.subscribed(["x", "y"], []), 15, "A to subscribe to x and y")
    locks = [f for f in os.listdir(run) if f.endswith(".lock")]
    check(len(locks) == 1, "one lock file expected in the runtime directory, got %r" % locks)

    # 2. The same file at another path.
    copy = os.path.join(ctx.mkdir("elsewhere"), "copy.conf")
    shutil.copy(a.config_path, copy)
    rc, _, err = ctx.run_daemon(["-c", copy], env=env)
    log("a copy of the file: exit %d: %s" % (rc, err.strip().splitlines()[-1:]))
    check(rc == 75, "a copy of the configuration: exit %d, expected 75" % rc)
    check("pid %d" % a.pid in err, "the refusal does not name A (pid %d): %r" % (a.pid, err))
    check("channel x" in err or "channel y" in err, "the refusal names no input: %r" % err)

    # 3. Flags, in another order, the URL spelled otherwise.
    rest = w.url().split("//", 1)[1]
    spelled = "WS://" + rest
    rc, _, err = ctx.run_daemon(["--channel", "y", "--redis", "redis://127.0.0.1:%d" % r.port,
                                 "--url", spelled, "--channel", "x"], env=env)
    check(rc == 75, "the same relay as flags in another order: exit %d, expected 75: %s"
          % (rc, err[-300:]))
    check(len(w.log.opens()) == 1, "a refused daemon connected upstream (%d opens)"
          % len(w.log.opens()))

    # 4. Another input to the same upstream: allowed.
    z_text = config_text(w.url(), r.port, redis={"channel": "z"})
    z = ctx.daemon(z_text, env=env).start()
    wait_until(lambda: r.subscribed(["z"], []), 15, "the z daemon to subscribe")
    wait_until(lambda: len(w.log.open_connections()) == 2, 15, "two upstream connections")

    # 5. Exactly once each.
    counts = r.publish_many([("x", b"x-%d" % i) for i in range(20)] +
                            [("z", b"z-%d" % i) for i in range(20)])
    check(counts == [1] * 40, "a message had %r subscribers" % sorted(set(counts)))

    # 6. A reload that would take x too is rejected, and changes nothing.
    z.rewrite_config(config_text(w.url(), r.port, redis={"channel": "z\nchannel = x"}))
    z.proc.signal(1)
    wait_until(lambda: "reload rejected" in z.log_text(), 15, "z to reject the reload")
    check("pid %d" % a.pid in z.log_text(), "the rejection does not name A")
    publish_sentinel(r, w, "x", b"sentinel-x")
    publish_sentinel(r, w, "z", b"sentinel-z")
    got = [bytes.fromhex(m["hex"]) for m in w.messages()]
    for p in [b"x-%d" % i for i in range(20)] + [b"z-%d" % i for i in range(20)]:
        check(got.count(p) == 1, "%r arrived %d times" % (p, got.count(p)))
    check(z.alive() and a.alive(), "a daemon exited")

    # 7. The lock file goes with the last daemon that uses it.
    a.stop()
    check(os.listdir(run) == locks, "the lock file went while z still uses it")
    z.stop()
    left = [f for f in os.listdir(run) if f.endswith(".lock")]
    check(not left, "lock files left behind: %r" % left)


if __name__ == "__main__":
    main(test)
