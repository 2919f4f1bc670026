#!/usr/bin/env bash
# Install the Debian 12 packages wspushd needs to build, test and demo.
# Does nothing when they are all present already.
set -euo pipefail

packages=(
	build-essential cmake pkg-config
	libwebsockets-dev libhiredis-dev libcmocka-dev libc-ares-dev libsystemd-dev libssl-dev
	redis-server redis-sentinel redis-tools dnsmasq-base
	python3 python3-websockets python3-redis
	lsof iproute2 procps valgrind openssl
	clang libclang-rt-14-dev
	systemd man-db groff-base
	php-cli php-redis
	debhelper dpkg-dev fakeroot lintian
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "wspushd: missing packages: ${missing[*]}" >&2
	echo "wspushd: run as root, or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
