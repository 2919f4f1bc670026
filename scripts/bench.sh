#!/usr/bin/env bash
# bench.sh - set everything up and run the benchmark (bench/run.py): it
# prints a table of wspushd next to the reference bridge, with the targets.
#
#   scripts/bench.sh                 the full run (about 6 minutes)
#   scripts/bench.sh --quick         a tenth of the messages, 10 s idle
#   scripts/bench.sh --json FILE     also write the raw figures
#
# Built optimised, in build-bench/, so a debug or sanitizer build in
# build/ is never what gets measured.
set -euo pipefail
cd "$(dirname "$0")/.."

args=("$@")
for a in "$@"; do
	if [ "$a" = "--quick" ]; then
		args+=(--idle-seconds 10)
	fi
done
scripts/deps.sh
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DWSPUSHD_TESTS=OFF
cmake --build build-bench -j"$(nproc)"
exec /usr/bin/python3 bench/run.py --build build-bench "${args[@]}"
