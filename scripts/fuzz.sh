#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz/) with clang in build-fuzz/ and
# run each one for SECONDS (default 60), starting from the checked-in
# corpus and dictionary.
#
#   scripts/fuzz.sh [SECONDS]
#
# The fuzzers work on a scratch copy of the corpus, so a run never
# changes the tree.  Any crash, leak, timeout, out-of-memory or failed
# invariant makes the script exit non-zero and print the input that
# reproduces it, kept under build-fuzz/artifacts/.  Replay one with
#   build-fuzz/tests/fuzz/fuzz_TARGET path/to/crash-...
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
case $seconds in
'' | *[!0-9]*)
	echo "usage: scripts/fuzz.sh [SECONDS]" >&2
	exit 64
	;;
esac

targets=(config url resp)
build=build-fuzz
# One directory per run, so a report lists only what this run found.
artifacts=$build/artifacts/$(date +%Y%m%d-%H%M%S)

scripts/deps.sh
CC=clang cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DWSPUSHD_FUZZ=ON -DWSPUSHD_TESTS=OFF
# Only the fuzzers: the daemon itself is not needed here.
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/wspushd-fuzz.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# Leaks count as failures (libFuzzer's default, stated for clarity); UB
# is already fatal (-fno-sanitize-recover), this just adds the stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for t in "${targets[@]}"; do
	corpus=$scratch/$t
	out=$artifacts/$t
	mkdir -p "$out"
	cp -R "tests/fuzz/corpus/$t" "$corpus"
	echo "== fuzz_$t: ${seconds}s, $(find "$corpus" -type f | wc -l) seeds"
	rc=0
	"$build/tests/fuzz/fuzz_$t" "$corpus" \
		-dict="tests/fuzz/$t.dict" \
		-max_total_time="$seconds" -max_len=4096 -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$(realpath "$out")/" ||
		rc=$?
	if [ "$rc" -ne 0 ]; then
		failed+=("$t")
		echo "fuzz_$t: FAILED (exit $rc); reproducer(s):" >&2
		find "$out" -type f | sed 's/^/  /' >&2
		echo "  replay: $build/tests/fuzz/fuzz_$t FILE" >&2
	fi
	rmdir "$out" 2>/dev/null || true
done
rmdir "$artifacts" 2>/dev/null || true

if [ ${#failed[@]} -gt 0 ]; then
	echo "fuzz: failures in: ${failed[*]}" >&2
	exit 1
fi
echo "fuzz: no crashes, leaks or failed checks in ${seconds}s per target"
