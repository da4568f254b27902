#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang in ./build-fuzz and runs each in turn.
#   tools/fuzz.sh [SECONDS] [TARGET...]   SECONDS per target (default 300); targets default to all:
#   fuzz_scenario, fuzz_assembler, fuzz_litmus. FUZZ_DIR (default /tmp/isolsim-fuzz) holds, outside
#   the source tree, each target's corpus (corpus/T), seeds (seeds/T), findings (crashes/T/) and log (T.log).
# Exit 1 when a target found something (its crash-*, timeout-*, oom-* or leak-* file is named).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-300}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_scenario fuzz_assembler fuzz_litmus)
out=${FUZZ_DIR:-/tmp/isolsim-fuzz}
build="$root/build-fuzz"

# -O1 with assertions: the sanitizers' usual trade between speed and what is checked.
CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" -DISOLSIM_FUZZ=ON >/dev/null
cmake --build "$build" -j2 --target "${targets[@]}"

# Seeds: copies of the project's inputs, refreshed on every run (the corpus keeps what it learnt).
seed() {  # seed TARGET FILE...
  rm -rf "$out/seeds/$1"; mkdir -p "$out/seeds/$1"
  local t=$1 f; shift
  for f in "$@"; do [ -f "$f" ] && cp "$f" "$out/seeds/$t/$(echo "${f#"$root"/}" | tr / _)"; done
  return 0
}
shopt -s nullglob globstar
seed fuzz_scenario "$root"/scenarios/**/*.json
seed fuzz_assembler "$root"/models/kernel/**/*.s "$root"/scenarios/**/*.s
seed fuzz_litmus "$root"/scenarios/litmus/*.litmus "$root"/../shared/litmus/x86/*.litmus

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
for t in "${targets[@]}"; do
  mkdir -p "$out/corpus/$t" "$out/crashes/$t"
  echo "fuzz: $t for ${secs}s (corpus $out/corpus/$t, findings $out/crashes/$t/)"
  # -timeout: one input taking over 10 s is a hang (or quadratic behaviour), saved as timeout-*.
  if ! "$build/fuzz/$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$out/crashes/$t/" "$out/corpus/$t" "$out/seeds/$t" >"$out/$t.log" 2>&1; then
    status=1
    echo "fuzz: $t FOUND: $(sed -n 's/.*Test unit written to //p' "$out/$t.log" | head -1) (log $out/$t.log)"
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/$t.log" | tr '\n' ' ' || true
  echo "corpus: $(find "$out/corpus/$t" -type f | wc -l) files"
done
exit $status
