#!/usr/bin/env bash
# Install what is missing, build everything (release preset, -Werror) and run every test:
# unit and stress tests, the course examples and the install/find_package check.
#   bash scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release -j2
