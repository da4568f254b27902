#!/usr/bin/env bash
# Builds everything, tests included, with ASan and UBSan (ISOLSIM_SANITIZE) in ./build-sanitize and
# runs ctest there; any sanitizer report fails its test.
#   tools/sanitize.sh [CTEST_ARGS...]        e.g. tools/sanitize.sh -R 'Litmus|Json'
#   TARGETS="test_isa test_json" tools/sanitize.sh -E NOT_BUILT   builds and runs only those
#   SANITIZE=address (default address,undefined) chooses the sanitizers.
# The speed bench (label bench) is left out: its ratios mean nothing under the sanitizers.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-sanitize"
# -O1: the sanitizers' usual trade; Debug keeps the assertions.
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
  -DISOLSIM_SANITIZE="${SANITIZE:-address,undefined}" >/dev/null
if [ -n "${TARGETS:-}" ]; then
  # shellcheck disable=SC2086
  cmake --build "$build" -j2 --target $TARGETS
else
  cmake --build "$build" -j2
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:detect_stack_use_after_return=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --test-dir "$build" --output-on-failure -j2 -LE bench "$@"
