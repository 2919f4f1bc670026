#!/usr/bin/env bash
# demo.sh - see wspushd work end to end in well under a minute.
#
# Run from anywhere on a fresh Debian 12 (as root, or with sudo, if packages
# must be installed):   bash scripts/demo.sh
#
# It installs what is missing with apt-get, builds, starts a private
# redis-server and the recorder WebSocket server (tests/servers/ws_recorder.py,
# on Debian's python3-websockets) on free loopback ports in a temp dir, runs
# build/wspushd against them, PUBLISHes a few messages with redis-cli and
# shows each one arriving at the server, shows the daemon's TCP sockets
# (one upstream, one to Redis), then stops it with SIGTERM and shows the exit
# status and the WebSocket close code the server saw.  Everything it starts
# is stopped, and the temp dir removed, on exit.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PY=/usr/bin/python3          # Debian's python, which has python3-websockets

say() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- packages
# One list of packages for the demo, the tests and CI.
say "checking packages (scripts/deps.sh)"
if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null; then
  sudo scripts/deps.sh
else
  scripts/deps.sh
fi

# ---------------------------------------------------------------- build
say "building: cmake -S . -B build && cmake --build build -j"
cmake -S . -B build >/dev/null
cmake --build build -j >/dev/null
[[ -x build/wspushd ]] || die "build/wspushd was not built"

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d /tmp/wspushd-demo.XXXXXX)
PIDS=()
# running PID: exists and is not a zombie (an exited child not yet waited for)
running() { [[ -r /proc/$1/stat ]] && [[ $(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) != Z ]]; }
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do running "$pid" && kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
    running "$pid" && kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_for SECONDS DESCRIPTION COMMAND...: poll COMMAND every 0.1 s
wait_for() {
  local secs=$1 what=$2; shift 2
  local i
  for ((i = 0; i < secs * 10; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  die "timed out after ${secs}s waiting for $what"
}

# ---------------------------------------------------------------- servers
REDIS_PORT=$(free_port)
WS_PORT=$(free_port)
EVENTS=$TMP/ws-events.jsonl
mkdir -p "$TMP/redis"

say "starting redis-server on 127.0.0.1:$REDIS_PORT"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$TMP/redis" --logfile "$TMP/redis/redis.log" --daemonize no &
PIDS+=($!)
wait_for 10 "redis to answer PING" bash -c "[[ \$(redis-cli -p $REDIS_PORT ping) == PONG ]]"

say "starting the WebSocket recorder on 127.0.0.1:$WS_PORT (python3-websockets $("$PY" -c 'import websockets; print(websockets.__version__)'))"
"$PY" tests/servers/ws_recorder.py --host 127.0.0.1 --port "$WS_PORT" --out "$EVENTS" \
  2>"$TMP/ws.log" &
PIDS+=($!)
wait_for 10 "the recorder to listen" grep -q '"ev":"listening"' "$EVENTS"

# Print recorder events of one kind in a readable way.
show_events() {   # show_events KIND [SKIP]
  "$PY" - "$EVENTS" "$1" "${2:-0}" <<'EOF'
import json, sys
path, kind, skip = sys.argv[1], sys.argv[2], int(sys.argv[3])
evs = [json.loads(l) for l in open(path) if l.endswith("\n")]
evs = [e for e in evs if e["ev"] == kind][skip:]
for e in evs:
    if kind == "msg":
        raw = bytes.fromhex(e.get("hex", ""))
        shown = raw.decode() if e["type"] == "text" else raw.hex(" ")
        print("   server received %s frame #%d: %s" % (e["type"], e["seq"], shown))
    elif kind == "open":
        print("   server accepted a WebSocket connection on path %s from %s:%s"
              % (e["path"], e["peer"][0], e["peer"][1]))
    elif kind == "close":
        print("   server saw the connection close with code %s%s"
              % (e["code"], " (going away)" if e["code"] == 1001 else
                 " (normal closure)" if e["code"] == 1000 else ""))
EOF
}
count_events() { grep -c "\"ev\":\"$1\"" "$EVENTS" || true; }

# ---------------------------------------------------------------- daemon
CONF=$TMP/wspushd.conf
cat >"$CONF" <<EOF
[upstream]
url = ws://127.0.0.1:$WS_PORT/ingest
backoff_min = 100ms
backoff_max = 1s

[redis]
url = redis://127.0.0.1:$REDIS_PORT
channel = demo

[daemon]
drain_timeout = 5s
log_level = info
# The demo's lock files stay in its own directory, whoever runs it.
runtime_dir = $TMP/run
EOF
say "config file $CONF:"
sed 's/^/   /' "$CONF"
build/wspushd -c "$CONF" --check-config

say "starting build/wspushd -c $CONF"
build/wspushd -c "$CONF" 2>"$TMP/wspushd.log" &
DPID=$!
PIDS+=($DPID)
wait_for 15 "wspushd to connect upstream" grep -q '"ev":"open"' "$EVENTS"
show_events open
wait_for 15 "wspushd to subscribe" bash -c \
  "[[ \$(redis-cli -p $REDIS_PORT pubsub numsub demo | tail -n1) == 1 ]]"
echo "   redis-cli PUBSUB NUMSUB demo -> $(redis-cli -p "$REDIS_PORT" pubsub numsub demo | tail -n1) subscriber"

# ---------------------------------------------------------------- publish
n=0
for msg in "hello from redis" '{"order":42,"status":"shipped"}' "caf$(printf '\xc3\xa9') ünïcødé ✓" \
           "$(printf 'bin\xff\xfe')"; do
  say "redis-cli PUBLISH demo $(printf '%q' "$msg")"
  printf '   receivers: %s\n' "$(redis-cli -p "$REDIS_PORT" publish demo "$msg")"
  n=$((n + 1))
  wait_for 10 "message $n at the server" bash -c "(( \$(grep -c '\"ev\":\"msg\"' '$EVENTS') >= $n ))"
  show_events msg $((n - 1))
done

# ---------------------------------------------------------------- sockets
say "lsof -p $DPID -a -i TCP   (upstream :$WS_PORT: exactly one; redis :$REDIS_PORT: the subscription, and the connection for status and PING)"
lsof -nP -p "$DPID" -a -i TCP || true

# ---------------------------------------------------------------- stop
say "kill -TERM $DPID"
kill -TERM "$DPID"
rc=timeout
for _ in $(seq 150); do
  if ! running "$DPID"; then
    set +e; wait "$DPID"; rc=$?; set -e
    break
  fi
  sleep 0.1
done
echo "   wspushd exit status: $rc"
wait_for 10 "the server to record the close" grep -q '"ev":"close"' "$EVENTS"
show_events close

say "wspushd's log (stderr, <N> = syslog priority):"
sed 's/^/   /' "$TMP/wspushd.log"

if [[ $rc == 0 ]]; then
  say "demo finished: $(count_events msg) messages forwarded, clean stop"
else
  say "demo finished, but wspushd exited with status $rc"
  exit 1
fi
