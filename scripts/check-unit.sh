#!/usr/bin/env bash
# Check what "cmake --install" ships besides the binary: the systemd units
# and the man page.
#
#   - the install tree has the binary, the example configuration, the unit,
#     the template unit and the man page where they belong;
#   - the unit's ExecStart= names the installed files, and it runs no
#     ExecStartPre= (see wspushd.service.in);
#   - the template's ExecStart= reads the instance's file beside the
#     example, and it runs no ExecStartPre= (see wspushd@.service.in);
#   - systemd-analyze verify has nothing to say about either unit;
#   - systemd-analyze security rates each sandbox 2.0 or lower ("OK");
#   - the man page renders without a warning and documents every option
#     of --help and every key of the example configuration.
#
# Everything happens in a temp directory: a build configured for a temp
# prefix, so the generated unit names binaries that exist (verify refuses
# an ExecStart= that does not).  No running systemd is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

max_exposure=2.0

scripts/deps.sh

tmp=$(mktemp -d /tmp/wspushd-unit.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

passed=0
failed=0
ok() { printf 'check-unit: ok: %s\n' "$*"; passed=$((passed + 1)); }
bad() { printf 'check-unit: FAILED: %s\n' "$*" >&2; failed=$((failed + 1)); }

# The tests are not needed to install; leaving them out saves most of the
# build time.  The build's own output matters only when it fails (the
# compiler's warnings are scripts/test.sh's business).
if ! { cmake -S . -B "$tmp/build" -DWSPUSHD_TESTS=OFF \
		-DCMAKE_INSTALL_PREFIX="$prefix" &&
	cmake --build "$tmp/build" -j"$(nproc)" &&
	cmake --install "$tmp/build"; } >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log" >&2
	echo "check-unit: build or install failed" >&2
	exit 1
fi

bin=$prefix/bin/wspushd
conf=$prefix/etc/wspushd/wspushd.conf
unit=$prefix/lib/systemd/system/wspushd.service
tmpl=$prefix/lib/systemd/system/wspushd@.service
page=$prefix/share/man/man8/wspushd.8

# --- install layout -------------------------------------------------------
layout_ok=1
for f in "$bin" "$conf" "$unit" "$tmpl" "$page"; do
	[ -f "$f" ] || { bad "not installed: ${f#"$prefix"/}"; layout_ok=0; }
done
[ -x "$bin" ] || { bad "not executable: ${bin#"$prefix"/}"; layout_ok=0; }
if [ "$layout_ok" -eq 0 ]; then
	find "$prefix" >&2
	echo "check-unit: $passed passed, $failed failed"
	exit 1
fi
ok "installed: bin/wspushd etc/wspushd/wspushd.conf lib/systemd/system/wspushd.service lib/systemd/system/wspushd@.service share/man/man8/wspushd.8"

# --- the unit runs what was installed -------------------------------------
# A unit whose paths drift from the install rules would fail only on a
# real machine, at the first start.
start=$(sed -n 's/^ExecStart=//p' "$unit")
pre=$(sed -n 's/^ExecStartPre=//p' "$unit")
if [ "$start" = "$bin -c $conf" ]; then
	ok "ExecStart=$start"
else
	bad "ExecStart=$start, expected $bin -c $conf"
fi
# Run the pre-start check exactly as systemd would (the line has no
# quoting, so word splitting is what systemd does with it too).
# shellcheck disable=SC2086
if [ -z "$pre" ]; then
	ok "no ExecStartPre="
elif out=$($pre 2>&1); then
	ok "ExecStartPre passes on the example configuration: $out"
else
	bad "ExecStartPre=$pre failed on the example configuration:"
	printf '%s\n' "$out" >&2
fi

# wspushd@NAME reads NAME.conf beside the example.  No ExecStartPre=:
# systemd would restart a failing one forever (RestartPreventExitStatus=
# sees only the main process's status).
start=$(sed -n 's/^ExecStart=//p' "$tmpl")
if [ "$start" = "$bin -c $prefix/etc/wspushd/%i.conf" ]; then
	ok "template: ExecStart=$start"
else
	bad "template: ExecStart=$start, expected $bin -c $prefix/etc/wspushd/%i.conf"
fi
if grep -q '^ExecStartPre=' "$tmpl"; then
	bad "template: ExecStartPre= would be restarted forever when it fails"
else
	ok "template: no ExecStartPre="
fi

# --- systemd-analyze verify -----------------------------------------------
# verify exits 0 after warnings such as an unknown key, so any output at
# all is a failure.  Documentation=man:wspushd(8) is checked with man(1):
# MANPATH points it at the page just installed.  A template is verified
# as an instance of it (wspushd@i.service).
for u in "$unit" "$tmpl"; do
	if out=$(MANPATH=$prefix/share/man systemd-analyze verify "$u" 2>&1) &&
		[ -z "$out" ]; then
		ok "systemd-analyze verify ${u##*/}: clean"
	else
		bad "systemd-analyze verify ${u##*/}:"
		printf '%s\n' "$out" >&2
	fi
done

# --- systemd-analyze security ---------------------------------------------
# --offline rates the unit file itself, without a running manager.
for u in "$unit" "$tmpl"; do
	report=$(systemd-analyze security --offline=true --no-pager "$u" 2>&1) || true
	score=$(printf '%s\n' "$report" |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9][0-9.]*\).*/\1/p')
	if [ -z "$score" ]; then
		bad "systemd-analyze security ${u##*/} gave no exposure level:"
		printf '%s\n' "$report" >&2
		continue
	fi
	# The settings that still cost something: rows that end in a number.
	printf '%s\n' "$report" | awk '$NF ~ /^[0-9]+\.[0-9]+$/ { print "check-unit:   " $0 }'
	if awk -v s="$score" -v m="$max_exposure" 'BEGIN { exit !(s <= m) }'; then
		ok "${u##*/}: exposure level $score (at most $max_exposure)"
	else
		bad "${u##*/}: exposure level $score, above $max_exposure"
	fi
done

# --- man page -------------------------------------------------------------
# groff's warnings (unknown macros, bad escapes, lines that cannot be
# filled) go to standard error; standard output is the page itself.
if out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) &&
	[ -z "$out" ]; then
	ok "man page renders without warnings"
else
	bad "man page warnings:"
	printf '%s\n' "$out" >&2
fi

# Every option in --help has a tagged paragraph of its own in OPTIONS.
text=$(LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$page" 2>/dev/null | col -b)
missing=()
while read -r opt; do
	printf '%s\n' "$text" | grep -qE -- "^ +(-[a-zA-Z], )?$opt( |$)" ||
		missing+=("$opt")
done < <("$bin" --help | sed -nE 's/^ +(-[a-zA-Z], )?(--[a-z][a-z-]*).*/\2/p')
if [ ${#missing[@]} -eq 0 ]; then
	ok "man page documents every option of --help"
else
	bad "man page lacks options: ${missing[*]}"
fi

# Every key of the example configuration, active or commented out, is
# described under its own [section] in CONFIGURATION.
missing=()
while read -r section key; do
	awk -v sec=".SS [$section]" -v key="$key" '
		$0 == sec { in_sec = 1; next }
		/^\.S[HS]/ { in_sec = 0 }
		in_sec && prev ~ /^\.TP/ && /^\.BR? / {
			for (i = 2; i <= NF; i++) if ($i == key) found = 1
		}
		{ prev = $0 }
		END { exit !found }' "$page" || missing+=("[$section] $key")
done < <(awk '
	/^\[[a-z]+\]$/ { section = substr($0, 2, length($0) - 2); next }
	section != "" && /^#?[a-z_]+ *=/ {
		key = $0; sub(/^#/, "", key); sub(/ *=.*/, "", key)
		print section, key
	}' systemd/wspushd.conf | sort -u)
if [ ${#missing[@]} -eq 0 ]; then
	ok "man page documents every key of systemd/wspushd.conf"
else
	bad "man page lacks keys: ${missing[*]}"
fi

echo "check-unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
