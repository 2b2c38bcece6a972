#!/usr/bin/env bash
# Installs the Debian packages concur builds, tests and benchmarks with, if any is missing.
#   bash scripts/install-deps.sh [--with-clang]
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libgtest-dev libgmock-dev libbenchmark-dev
          python3 gdb libconcurrentqueue-dev libtbb-dev libboost-dev libmsgpack-cxx-dev)
if [[ "${1:-}" == "--with-clang" ]]; then
  packages+=(clang-14 libclang-rt-14-dev clang-format clang-tidy)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "concur: installing ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
