#!/usr/bin/env bash
# Installs, from Debian's packages, everything isolsim needs to build, test and benchmark.
# Idempotent: installs only what is missing, so a warm machine pays nothing.
set -euo pipefail
pkgs=(build-essential cmake ninja-build pkg-config
      libsystemc-dev libboost-graph-dev nlohmann-json3-dev libcli11-dev
      libgtest-dev libgmock-dev libbenchmark-dev libgoogle-perftools-dev spin
      libboost-dev parallel libpng-dev chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then echo "setup: need root to install: ${missing[*]}" >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
