#!/usr/bin/env bash
# Configures and builds isolsim in ./build (Release, Ninja), after installing missing packages.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/tools/setup.sh"
cmake -S "$root" -B "$root/build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j2 "$@"
