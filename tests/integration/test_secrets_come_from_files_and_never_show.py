#!/usr/bin/python3
"""Secrets come from files and never show: not in the log, not in the
process's command line, not in configuration errors.

1. `header = Authorization: @token` and `[redis] password_file =
   redis-pass`, both names in $CREDENTIALS_DIRECTORY (as systemd's
   LoadCredential= leaves them), against a redis-server started with
   --requirepass: the daemon authenticates and subscribes (also after
   Redis is restarted), the WebSocket server receives the header value
   exactly "Bearer s3cr3t-TOKEN" (the file's line end dropped), a
   published message arrives; with --log-level debug neither secret is in
   the daemon's stderr, nor in /proc/PID/cmdline, nor in the status hash.
2. A password inline in the file's url (redis://:PW@127.0.0.1:PORT): the
   daemon authenticates, a message arrives, and PW is not in its stderr
   (debug) nor in the status hash.
3. A wrong password in password_file: the daemon stays up, says Redis
   refused it (once, however often it tries again), and prints neither
   the wrong nor the right password.
4. --check-config with a token file of two lines, a password file of two
   lines, an unset CREDENTIALS_DIRECTORY and a bad url holding a
   password: exit 78, each error names the file (or the key), and none
   prints a secret.
"""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (check, config_text, log, main, wait_connected, wait_until)

TOKEN = "Bearer s3cr3t-TOKEN"
TOKEN_MARK = "s3cr3t-TOKEN"
FILE_PW = "pw-FROM-file-4d1e"
INLINE_PW = "pw-INLINE-8c2b"
WRONG_PW = "pw-WRONG-51aa"


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path


def no_secret(what, text, secrets):
    for s in secrets:
        check(s not in text, "%s shows a secret (%r):\n%s" % (what, s, text[-3000:]))


def cmdline(pid):
    with open("/proc/%d/cmdline" % pid, "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace")


def status_text(r):
    """Everything the daemon keeps in its status hash, as one string."""
    h = r.call("HGETALL", "wspushd:status") or []
    return " ".join(x.decode(errors="replace") if isinstance(x, bytes) else str(x) for x in h)


def test(ctx):
    creds = ctx.mkdir("credentials")
    write(os.path.join(creds, "token"), TOKEN + "\n")
    write(os.path.join(creds, "redis-pass"), FILE_PW + "\n")
    env = {"CREDENTIALS_DIRECTORY": creds}
    all_secrets = (TOKEN_MARK, FILE_PW, INLINE_PW, WRONG_PW)

    # 1. Both secrets from $CREDENTIALS_DIRECTORY.
    r = ctx.redis(password=FILE_PW).start()
    w = ctx.ws().start()
    d = ctx.daemon(config_text(w.url(), r.port,
                               upstream={"header": "Authorization: @token"},
                               redis={"password_file": "redis-pass"},
                               daemon={"log_level": "debug"}),
                   ["--channel", "events"], env=env).start()
    wait_connected(d, w)
    wait_until(lambda: r.subscribed(["events"], []), 15, "the daemon to AUTH and subscribe")
    hdr = w.log.opens()[0]["headers"].get("authorization")
    check(hdr == TOKEN, "the server should get Authorization %r, got %r" % (TOKEN, hdr))
    check(r.publish_many([("events", b"one")]) == [1], "one subscriber")
    wait_until(lambda: len(w.messages()) >= 1, 10, "'one' upstream")
    log("header from @token and AUTH from password_file work")

    # The password is used again after Redis comes back.
    r.kill()
    r.start()
    wait_until(lambda: r.subscribed(["events"], []), 20, "resubscription after a Redis restart")
    check(r.publish_many([("events", b"two")]) == [1], "one subscriber after the restart")
    wait_until(lambda: len(w.messages()) >= 2, 10, "'two' upstream")
    wait_until(lambda: status_text(r), 15, "the status hash")

    no_secret("/proc/%d/cmdline" % d.pid, cmdline(d.pid), all_secrets)
    no_secret("the status hash", status_text(r), all_secrets)
    d.stop(signal.SIGTERM)
    no_secret("the daemon's log (debug)", d.log_text(), all_secrets)
    log("neither secret in the log, the command line or the status hash")

    # 2. A password inline in the url.
    r2 = ctx.redis(password=INLINE_PW).start()
    d = ctx.daemon(config_text(w.url(), r2.port,
                               redis={"url": "redis://:%s@127.0.0.1:%d" % (INLINE_PW, r2.port)},
                               daemon={"log_level": "debug"}),
                   ["--channel", "inline"]).start()
    wait_connected(d, w, n_opens=2)
    wait_until(lambda: r2.subscribed(["inline"], []), 15, "AUTH with the url's password")
    check(r2.publish_many([("inline", b"three")]) == [1], "one subscriber")
    wait_until(lambda: len(w.messages()) >= 3, 10, "'three' upstream")
    wait_until(lambda: status_text(r2), 15, "the status hash")
    no_secret("the status hash", status_text(r2), all_secrets)
    d.stop(signal.SIGTERM)
    no_secret("the daemon's log (debug, inline url password)", d.log_text(), all_secrets)
    log("inline url password: used, not shown")

    # 3. A wrong password: refused by Redis, still not shown.
    write(os.path.join(creds, "wrong-pass"), WRONG_PW + "\n")
    d = ctx.daemon(config_text(w.url(), r.port,
                               redis={"password_file": "wrong-pass"},
                               daemon={"log_level": "debug"}),
                   ["--channel", "wrong"], env=env).start()

    def refusal():
        check(d.alive(), "%s exited (status %s)" % (d.name, d.proc.p.returncode))
        return [l for l in d.log_text().splitlines()
                if "redis" in l.lower() and ("WRONGPASS" in l or "auth" in l.lower())
                and l.startswith(("<3>", "<4>"))]
    lines = wait_until(refusal, 15, lambda: "a line saying Redis refused AUTH; log:\n%s"
                       % d.log_text()[-2000:])
    log("wrong password: %s" % lines[0])
    check(r.numsub("wrong") == 0, "a refused AUTH must not subscribe")
    # Said once, not at every attempt: let it try three more times, as
    # Redis counts failed AUTHs (ACL LOG groups them, with a count).
    def failed_auths():
        entries = [dict(zip(e[::2], e[1::2])) for e in r.call("ACL", "LOG")]
        return sum(int(e[b"count"]) for e in entries if e[b"reason"] == b"auth")
    seen = failed_auths()
    wait_until(lambda: failed_auths() >= seen + 3, 20, "three more attempts")
    check(len(refusal()) == 1, "the refusal was logged %d times, not once:\n%s"
          % (len(refusal()), "\n".join(refusal())))
    d.stop(signal.SIGTERM)
    no_secret("the daemon's log (wrong password)", d.log_text(), all_secrets)

    # 4. --check-config errors name files, never their content.
    two = write(os.path.join(creds, "token-two-lines"), TOKEN + "\nX-Other: " + FILE_PW + "\n")
    write(os.path.join(creds, "pass-two-lines"), FILE_PW + "\n" + INLINE_PW + "\n")
    cases = [
        ("a token file of two lines",
         {"header": "Authorization: @token-two-lines"}, {}, env, "token-two-lines"),
        ("a token file by path, two lines",
         {"header": "Authorization: @" + two}, {}, env, two),
        ("a password file of two lines",
         {}, {"password_file": "pass-two-lines"}, env, "pass-two-lines"),
        ("@token without CREDENTIALS_DIRECTORY",
         {"header": "Authorization: @token"}, {}, {"CREDENTIALS_DIRECTORY": ""},
         "CREDENTIALS_DIRECTORY"),
        ("a bad url holding a password",
         {}, {"url": "redis://:%s@127.0.0.1:99999" % INLINE_PW}, env, "url"),
        ("a missing password file",
         {}, {"password_file": "no-such-file"}, env, "no-such-file"),
    ]
    for what, up, rd, e, name in cases:
        path = os.path.join(ctx.mkdir("check"), "wspushd.conf")
        write(path, config_text("ws://127.0.0.1:1/x", 6379, upstream=up, redis=rd))
        rc, out, err = ctx.run_daemon(["-c", path, "--check-config", "--channel", "x"], env=e)
        text = out + err
        check(rc == 78, "%s: --check-config should exit 78, got %d:\n%s" % (what, rc, text))
        check(path + ":" in text and name in text,
              "%s: the error should name %s:LINE and %r:\n%s" % (what, path, name, text))
        no_secret("--check-config with %s" % what, text, all_secrets)
        log("%s: %s" % (what, [l for l in text.splitlines() if path in l][0]))


if __name__ == "__main__":
    main(test)
