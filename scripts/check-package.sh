#!/usr/bin/env bash
# Install, use, remove and purge a wspushd .deb, and prove that the purge
# leaves nothing behind, without changing this host.
#
#   scripts/check-package.sh DEB        (as root; scripts/package.sh --check)
#
# The check runs itself again in a private mount namespace in which:
#   - /run is a fresh tmpfs.  It holds the overlays' upper and work
#     directories (in memory, gone with the namespace), and it has no
#     /run/systemd/system, so the maintainer scripts see no running
#     systemd and never reach a manager on the host;
#   - /usr, /etc, /var and /tmp are overlays: the host's directory below,
#     every write going to an upper directory on that tmpfs.  /lib is
#     /usr/lib on Debian 12, so the units land in the /usr overlay.
# Nothing done inside is seen outside it.
#
# First round, with no systemd, as an operator would go:
#   1. dpkg -i: the files are in place, /etc/wspushd/wspushd.conf is a
#      conffile, the binary runs, the unit's own --check-config passes as
#      the unit runs it, systemd-analyze verify has nothing to say about
#      the units, the man page renders, the service is not enabled;
#   2. the operator edits the conffile and enables the service;
#   3. dpkg -i of the same .deb, the upgrade path of the maintainer
#      scripts: the edit and the enablement are kept;
#   4. dpkg -r: the program is gone, the edited conffile stays;
#   5. dpkg --purge: the conffile, /etc/wspushd and the enablement symlink
#      are gone, dpkg forgets the package, and the upper directories hold
#      nothing but the changes allowed_change lists (dpkg's database and
#      log, man-db's index).
# Second round, with a stand-in for a running systemd (/run/systemd/system
# and a systemctl that only records what it is asked): installing asks
# for no start; an upgrade asks to try-restart (restart what runs, start
# nothing); removing asks to stop; and again nothing is left.
#
# Dependencies must be installed already (scripts/deps.sh installs them):
# dpkg -i does not fetch any, and names the one that is missing.

# ok and bad always succeed, so "test && ok || bad" is an if-then-else.
# shellcheck disable=SC2015
set -euo pipefail

die() { printf 'check-package: %s\n' "$*" >&2; exit 1; }

if [ "${1:-}" != --in-namespace ]; then
	[ $# -eq 1 ] || die "usage: $0 DEB"
	[ -f "$1" ] || die "no such file: $1"
	[ "$(id -u)" -eq 0 ] || die "needs root: it mounts overlays in a private mount namespace"
	exec unshare --mount --propagation private \
		"$(realpath "$0")" --in-namespace "$(realpath "$1")" "$(realpath "$(dirname "$0")/..")"
fi
deb=$2
tree=$3

passed=0
failed=0
ok() { printf 'check-package: ok: %s%s\n' "$round" "$*"; passed=$((passed + 1)); }
bad() { printf 'check-package: FAILED: %s%s\n' "$round" "$*" >&2; failed=$((failed + 1)); }
round=

# --- the namespace's file system --------------------------------------------
# The .deb may live under a directory about to be covered (the tmpfs hides
# the host's /run whole): keep it open and copy it in.
exec 3<"$deb"
mount -t tmpfs -o mode=0755 wspushd-check /run
scratch=/run/wspushd-check
mkdir -m 0700 "$scratch"
cat <&3 >"$scratch/wspushd.deb"
exec 3<&-
deb=$scratch/wspushd.deb
overlaid=(usr etc var tmp)
for d in "${overlaid[@]}"; do
	# A read-only view of the host's directory as it is below the overlay,
	# to tell a file the package created from one of the host's it changed.
	mkdir -p "$scratch/$d/lower" "$scratch/$d/upper" "$scratch/$d/work"
	mount --bind "/$d" "$scratch/$d/lower"
	mount -o remount,bind,ro "$scratch/$d/lower"
	mount -t overlay "wspushd-check-$d" \
		-o "lowerdir=$scratch/$d/lower,upperdir=$scratch/$d/upper,workdir=$scratch/$d/work" "/$d"
done
# Whatever writes to a home directory does it here, not in /root.
export HOME=$scratch/home
mkdir "$HOME"
export LC_ALL=C.UTF-8

unit_dir=/lib/systemd/system
conf=/etc/wspushd/wspushd.conf
wants=/etc/systemd/system/multi-user.target.wants/wspushd.service
dpkg_status() { dpkg-query -W -f='${Status}' wspushd 2>/dev/null || true; }
# dpkg and its maintainer scripts, with standard input closed: a question
# (a conffile prompt) fails instead of waiting.
run_dpkg() {
	local what=$1
	shift
	if out=$(dpkg "$@" </dev/null 2>&1); then
		ok "$what"
	else
		bad "$what failed:"
		printf '%s\n' "$out" >&2
		return 1
	fi
}

[ -z "$(dpkg_status)" ] || die "dpkg on this host knows wspushd already; the check needs a host without it"

# --- what the first round checks once installed -----------------------------
check_installed() {
	[ "$(dpkg_status)" = "install ok installed" ] && ok "dpkg: install ok installed" ||
		bad "dpkg status: $(dpkg_status)"

	local files=(/usr/bin/wspushd "$conf" "$unit_dir/wspushd.service"
		/usr/share/man/man8/wspushd.8.gz /usr/share/doc/wspushd/copyright
		/usr/share/doc/wspushd/README.Debian)
	# The template unit belongs in the package as soon as its source exists.
	[ ! -f "$tree/systemd/wspushd@.service.in" ] || files+=("$unit_dir/wspushd@.service")
	local missing=() f
	for f in "${files[@]}"; do [ -f "$f" ] || missing+=("$f"); done
	[ ${#missing[@]} -eq 0 ] && ok "installed: ${files[*]}" || bad "not installed: ${missing[*]}"

	if dpkg-query -W -f='${Conffiles}\n' wspushd | grep -q "^ $conf "; then
		ok "$conf is a conffile"
	else
		bad "$conf is not a conffile"
	fi
	# The unit runs the daemon as a dynamic user, which must read the file.
	local mode
	mode=$(stat -c '%a %U:%G' "$conf" 2>&1 || true)
	[ "$mode" = "644 root:root" ] && ok "$conf: $mode" || bad "$conf: $mode, expected 644 root:root"

	local version out
	version=$(dpkg-query -W -f='${Version}' wspushd)
	if out=$(wspushd --version 2>&1) && [[ "$out" == *"wspushd ${version%-*}"* ]]; then
		ok "wspushd --version: $(printf '%s\n' "$out" | head -n1)"
	else
		bad "wspushd --version, expected wspushd ${version%-*}: $out"
	fi

	# The unit's ExecStart= with --check-config: the shipped file is one
	# the daemon would start with.  As an unprivileged user standing in
	# for DynamicUser=, with the runtime directory that
	# RuntimeDirectory=wspushd gives it (systemd makes and removes it; so
	# does this check, on its own /run).
	local pre
	pre=$(sed -n 's/^ExecStart=//p' "$unit_dir/wspushd.service" 2>/dev/null || true)
	[ -n "$pre" ] && pre="$pre --check-config" ||
		pre="(no ExecStart= in $unit_dir/wspushd.service)"
	install -d -m 0700 -o nobody -g nogroup /run/wspushd
	# The line has no quoting, so word splitting is what systemd does too.
	# shellcheck disable=SC2086
	if out=$(RUNTIME_DIRECTORY=/run/wspushd \
		setpriv --reuid=nobody --regid=nogroup --clear-groups $pre 2>&1); then
		ok "$pre: $out"
	else
		bad "$pre fails on the shipped configuration: $out"
	fi
	rm -rf /run/wspushd

	# verify exits 0 after mere warnings, so any output is a failure.  A
	# template is verified through an instance of it.  --man=no: verify
	# would run man on Documentation=, and man-db would keep a formatted
	# copy in its cache; the page is checked below, with man -w.
	local u name arg
	while read -r u; do
		name=${u##*/}
		arg=$u
		if [[ "$name" == *@.* ]]; then
			arg=$scratch/${name/@./@check.}
			ln -s "$u" "$arg"
		fi
		if out=$(systemd-analyze verify --man=no "$arg" 2>&1) && [ -z "$out" ]; then
			ok "systemd-analyze verify $name: clean"
		else
			bad "systemd-analyze verify $name: $out"
		fi
		[ "$arg" = "$u" ] || rm -f "$arg"
	done < <(dpkg -L wspushd | grep -E "^$unit_dir/[^/]+\.(service|socket|timer|path|target)$")

	# man -l formats the file without keeping a copy in man-db's cache,
	# which would be left behind; man -w finds the page as man would.
	if out=$(MANWIDTH=80 man --warnings -l /usr/share/man/man8/wspushd.8.gz 2>&1 >/dev/null) &&
		[ -z "$out" ] && man -w wspushd >/dev/null 2>&1; then
		ok "man wspushd: found, renders without warnings"
	else
		bad "man wspushd: $out"
	fi

	# Installed, not enabled: the shipped upstream is an example.
	local state
	state=$(SYSTEMD_OFFLINE=1 /bin/systemctl is-enabled wspushd.service 2>&1 || true)
	if [ "$state" = disabled ] && [ ! -L "$wants" ]; then
		ok "wspushd.service is not enabled on installation"
	else
		bad "wspushd.service after installation: is-enabled says $state"
	fi
}

# The operator's part: configure, enable.  SYSTEMD_OFFLINE: systemctl
# only makes the symlinks, as it would with systemd running; the real
# one, not the second round's stand-in.
configure_and_enable() {
	edited="(no $conf to edit)"
	if [ -f "$conf" ]; then
		printf '\n# edited by check-package\n' >>"$conf"
		edited=$(sha256sum "$conf")
	fi
	SYSTEMD_OFFLINE=1 /bin/systemctl enable wspushd.service >/dev/null 2>&1 || true
	[ -L "$wants" ] && ok "systemctl enable wspushd.service" || bad "systemctl enable made no $wants"
}

check_upgraded() {
	[ "$(sha256sum "$conf" 2>/dev/null)" = "$edited" ] && ok "the edited conffile is kept" ||
		bad "the edited conffile was replaced"
	[ -L "$wants" ] && ok "the service stays enabled" || bad "the upgrade disabled the service"
}

check_removed() {
	[ "$(dpkg_status)" = "deinstall ok config-files" ] && ok "dpkg: deinstall ok config-files" ||
		bad "dpkg status after remove: $(dpkg_status)"
	local left=() f
	for f in /usr/bin/wspushd "$unit_dir/wspushd.service" "$unit_dir/wspushd@.service" \
		/usr/share/man/man8/wspushd.8.gz /usr/share/doc/wspushd; do
		[ ! -e "$f" ] || left+=("$f")
	done
	[ ${#left[@]} -eq 0 ] && ok "dpkg -r removed the program, units, man page and docs" ||
		bad "dpkg -r left ${left[*]}"
	[ "$(sha256sum "$conf" 2>/dev/null)" = "$edited" ] && ok "dpkg -r keeps the edited $conf" ||
		bad "dpkg -r did not keep the edited $conf"
}

check_purged() {
	[ -z "$(dpkg_status)" ] && ok "dpkg no longer knows wspushd" ||
		bad "dpkg status after purge: $(dpkg_status)"
	[ ! -e /etc/wspushd ] && ok "purge removed /etc/wspushd" || bad "purge left /etc/wspushd"
	[ ! -L "$wants" ] && ok "purge removed the enablement symlink" || bad "purge left $wants"
	local out
	if out=$(man -w wspushd 2>&1); then bad "man still finds wspushd: $out"; else ok "man no longer finds wspushd"; fi
	check_nothing_left
}

# What may differ from the host once the package is purged (paths
# relative to /).  Nothing of the package's own is on the list.
allowed_change() {
	case $1 in
	# dpkg's database: the status file and its backup, the lock files it
	# opens for writing, the trigger bookkeeping (man-db's trigger on
	# /usr/share/man), and its log.
	var/lib/dpkg/status | var/lib/dpkg/status-old | var/lib/dpkg/lock | \
		var/lib/dpkg/lock-frontend | var/lib/dpkg/triggers/Lock | \
		var/lib/dpkg/triggers/Unincorp | var/log/dpkg.log) return 0 ;;
	# man-db's trigger rebuilds its index when the page comes and again
	# when it goes (man -w no longer finds wspushd: checked), and marks
	# every cache directory it passes with a CACHEDIR.TAG.
	var/cache/man/index.db | var/cache/man/*/index.db) return 0 ;;
	var/cache/man/CACHEDIR.TAG | var/cache/man/*/CACHEDIR.TAG) return 0 ;;
	# This check's own traces on its private /run: libmount's record of
	# the overlays it mounted, and systemd-analyze verify's stamp.
	run/mount | run/mount/utab | run/systemd | run/systemd/systemd-units-load) return 0 ;;
	esac
	return 1
}

# Every entry still in an upper directory is a change to the host's file
# system as the namespace sees it, and so is anything on /run but the
# scratch directory.  Not a change: a directory of the host's that was
# only written into (copied up whole; its contents are judged one by
# one), or a file copied up with the same contents, mode and owner.
check_nothing_left() {
	local left=() d upper lower p r
	for d in "${overlaid[@]}"; do
		upper=$scratch/$d/upper
		lower=$scratch/$d/lower
		while IFS= read -r -d '' p; do
			r=${p#"$upper"/}
			if [ -c "$p" ] && [ "$(stat -c '%t:%T' "$p")" = 0:0 ]; then
				left+=("deleted: /$d/$r")
			elif [ -d "$p" ] && [ ! -L "$p" ] && [ -d "$lower/$r" ] && [ ! -L "$lower/$r" ]; then
				:
			elif [ -f "$p" ] && [ ! -L "$p" ] && [ -f "$lower/$r" ] && [ ! -L "$lower/$r" ] &&
				[ "$(stat -c '%a %u %g' "$p")" = "$(stat -c '%a %u %g' "$lower/$r")" ] &&
				cmp -s "$p" "$lower/$r"; then
				:
			elif allowed_change "$d/$r"; then
				:
			elif [ -e "$lower/$r" ] || [ -L "$lower/$r" ]; then
				left+=("changed: /$d/$r")
			else
				left+=("created: /$d/$r")
			fi
		done < <(find "$upper" -mindepth 1 -print0)
	done
	while IFS= read -r -d '' p; do
		allowed_change "${p#/}" || left+=("created: $p")
	done < <(find /run -mindepth 1 -path "$scratch" -prune -o -print0)
	if [ ${#left[@]} -eq 0 ]; then
		ok "nothing left in /usr /etc /var /tmp /run but dpkg's database and log and man-db's index"
	else
		bad "left behind after purge:"
		printf 'check-package:   %s\n' "${left[@]}" >&2
	fi
}

# --- first round: no systemd ------------------------------------------------
round="[no systemd] "
run_dpkg "dpkg -i" -i "$deb" && check_installed
configure_and_enable
run_dpkg "dpkg -i over the installed package" -i "$deb" && check_upgraded
run_dpkg "dpkg -r wspushd" -r wspushd && check_removed
run_dpkg "dpkg --purge wspushd" --purge wspushd && check_purged

# --- second round: a stand-in for a running systemd -------------------------
# systemctl is called by name, from the scripts and from deb-systemd-invoke
# and deb-systemd-helper, so one first on PATH sees every request.
round="[systemd stand-in] "
mkdir -p /run/systemd/system "$scratch/bin"
cat >"$scratch/bin/systemctl" <<EOF
#!/bin/sh
echo "\$*" >>"$scratch/systemctl.log"
EOF
chmod +x "$scratch/bin/systemctl"
path=$PATH
export PATH=$scratch/bin:$PATH
# A policy-rc.d that forbids actions (as container images ship) would hide
# what the scripts ask; in this namespace only, one that allows them
# stands over it.
if [ -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 0\n' >"$scratch/policy-rc.d"
	chmod +x "$scratch/policy-rc.d"
	mount --bind "$scratch/policy-rc.d" /usr/sbin/policy-rc.d
fi
# What the maintainer scripts asked of systemd since the last call, less
# daemon-reload, which they may ask for at any time.
asked() {
	{ grep -v 'daemon-reload' "$scratch/systemctl.log" 2>/dev/null || true; } |
		tr '\n' ';' | sed 's/;$//'
	rm -f "$scratch/systemctl.log"
}
expect() {
	local what=$1 want=$2 got
	got=$(asked)
	[ "$got" = "$want" ] && ok "$what asks systemd for: ${want:-nothing}" ||
		bad "$what asks systemd for: ${got:-nothing}; expected: ${want:-nothing}"
}
run_dpkg "dpkg -i" -i "$deb" && expect "installing" ""
configure_and_enable
asked >/dev/null
run_dpkg "dpkg -i over the installed package" -i "$deb" &&
	expect "upgrading" "try-restart wspushd.service;try-restart wspushd@*.service"
run_dpkg "dpkg -r wspushd" -r wspushd && expect "removing" "stop wspushd.service wspushd@*.service"
run_dpkg "dpkg --purge wspushd" --purge wspushd && expect "purging" ""
export PATH=$path
! mountpoint -q /usr/sbin/policy-rc.d || umount /usr/sbin/policy-rc.d
rm -rf /run/systemd/system "${scratch:?}/bin"
check_purged

echo "check-package: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
