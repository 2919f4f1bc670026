#!/usr/bin/env bash
# Build the Debian package from debian/ and check it with lintian.
#
#   scripts/package.sh [--check] [OUTDIR]
#
# The build runs in a copy of the tree in a temp directory: the files git
# tracks plus the untracked ones it does not ignore, so uncommitted work
# is packaged while build trees (build*/) are not, and nothing is written
# into the tree or its parent (dpkg-buildpackage puts its results next to
# the source).  The .deb, its debug symbols (wspushd-dbgsym), the
# .changes and the .buildinfo are copied to OUTDIR (default build-deb/,
# git-ignored), with the build's log as build.log.  lintian then reads
# them, and any error fails the run.
#
# --check then installs, removes and purges the .deb with
# scripts/check-package.sh, in a private mount namespace over overlays:
# this host's /usr, /etc, /var, /run and /tmp are left as they were.
set -euo pipefail

usage() { sed -n '2,/^set /{/^#/s/^# \{0,1\}//p}' "$0"; }
die() { printf 'package: %s\n' "$*" >&2; exit 1; }

check=0
outdir=
while [ $# -gt 0 ]; do
	case $1 in
	--check) check=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) [ -z "$outdir" ] || die "one OUTDIR only (see --help)"; outdir=$1 ;;
	esac
	shift
done
# OUTDIR is taken relative to where the script was started, not the tree.
[ -z "$outdir" ] || { mkdir -p "$outdir" && outdir=$(realpath "$outdir"); }

cd "$(dirname "$0")/.."
root=$PWD
outdir=${outdir:-$root/build-deb}

scripts/deps.sh

git rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	die "$root is not a git work tree: the file list comes from git ls-files"

# The package's upstream version is the one CMake compiles into the
# binary (wspushd --version); a changelog left behind a version bump
# would ship a package that lies about its contents.
cmake_version=$(sed -nE 's/^project\(wspushd VERSION ([0-9.]+).*/\1/p' CMakeLists.txt)
deb_version=$(dpkg-parsechangelog -l debian/changelog -S Version)
[ -n "$cmake_version" ] || die "no project(wspushd VERSION ...) in CMakeLists.txt"
[ "${deb_version%-*}" = "$cmake_version" ] ||
	die "debian/changelog has $deb_version, CMakeLists.txt $cmake_version: add a changelog entry"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/wspushd-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src=$tmp/wspushd-$cmake_version
mkdir "$src"

# A tracked file deleted in the work tree is still listed by git; leave
# it out as the work tree does.
git ls-files -z -co --exclude-standard --deduplicate |
	while IFS= read -r -d '' f; do
		if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
	done |
	tar --null -T - -cf - | tar -C "$src" -xf -

start=$(date +%s)
echo "package: building wspushd $deb_version in $src"
# -us -uc: nothing is signed; the .changes is for lintian and for an
# upload tool that signs on its own.
if ! (cd "$src" &&
	DEB_BUILD_OPTIONS="parallel=$(nproc) ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1; then
	cat "$tmp/build.log" >&2
	die "dpkg-buildpackage failed"
fi
echo "package: built in $(($(date +%s) - start))s"

arch=$(dpkg-architecture -qDEB_HOST_ARCH)
changes=wspushd_${deb_version}_${arch}.changes
[ -f "$tmp/$changes" ] || die "dpkg-buildpackage made no $changes"

# Copy exactly what the .changes lists, so the copy is consistent, after
# dropping the results of an earlier run.
mkdir -p "$outdir"
rm -f "$outdir"/wspushd_*.deb "$outdir"/wspushd-dbgsym_*.*deb \
	"$outdir"/wspushd_*.changes "$outdir"/wspushd_*.buildinfo
mapfile -t files < <(awk '/^Files:/ { on = 1; next } /^[^ ]/ { on = 0 } on { print $NF }' \
	"$tmp/$changes")
for f in "${files[@]}" "$changes"; do
	cp "$tmp/$f" "$outdir/"
done
cp "$tmp/build.log" "$outdir/build.log"
deb=$(printf '%s\n' "${files[@]}" | grep -E '^wspushd_.*\.deb$')
printf 'package: %s\n' "$outdir/$deb"
# What it holds, directories left out: mode, owner, path.
dpkg-deb --contents "$outdir/$deb" |
	awk '$1 !~ /^d/ { m = $1; o = $2; $1 = $2 = $3 = $4 = $5 = ""; sub(/^ +/, "")
		print "package:   " m " " o " " $0 }'

# Errors fail the run; warnings are printed for a person to judge.
echo "package: lintian $changes"
if ! lintian --fail-on error "$outdir/$changes"; then
	die "lintian reported errors"
fi
echo "package: lintian: no errors"

if [ "$check" -eq 1 ]; then
	scripts/check-package.sh "$outdir/$deb"
fi
