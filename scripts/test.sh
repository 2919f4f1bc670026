#!/usr/bin/env bash
# Set everything up and run the whole test suite: unit tests and the
# integration scenarios against a real redis-server and a real
# WebSocket server.  Warnings are errors.
#
#   scripts/test.sh              normal build in build/
#   scripts/test.sh --sanitize   AddressSanitizer + UBSan build in build-asan/
#   scripts/test.sh --valgrind   the integration scenarios under valgrind
set -euo pipefail
cd "$(dirname "$0")/.."

build=build
flags=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSPUSHD_WERROR=ON)
labels=()
if [ "${1:-}" = "--valgrind" ]; then
	# Any error, or a leak of ours, makes the daemon exit 99 and the test
	# fail; tests/valgrind/ names the few errors inside libwebsockets itself.
	export WSPUSHD_TEST_WRAPPER="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect --suppressions=$PWD/tests/valgrind/libwebsockets.supp"
	labels=(-L integration)
	# ctest's own per-test limits stretch like the scripts' waits do.
	flags+=(-DWSPUSHD_INTEGRATION_TIMEOUT_SCALE=5)
else
	flags+=(-DWSPUSHD_INTEGRATION_TIMEOUT_SCALE=1)
fi
if [ "${1:-}" = "--sanitize" ]; then
	build=build-asan
	flags=(-DCMAKE_BUILD_TYPE=Debug -DWSPUSHD_WERROR=ON -DWSPUSHD_SANITIZE=ON)
	# Leaks are errors; the event libraries' one-time globals are not ours.
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	# The systemd test checks what "cmake --install" ships, not this
	# build's instrumentation.
	labels=(-LE systemd)
fi

scripts/deps.sh
cmake -S . -B "$build" "${flags[@]}"
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest --output-on-failure -j2 --timeout 300 "${labels[@]}"
