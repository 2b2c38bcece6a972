#!/usr/bin/env bash
# The main job: install what is missing, build (release preset), run concur-bench.
#   bash scripts/bench.sh            # quick run (under a minute)
#   bash scripts/bench.sh --full     # the full-size run
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target concur-bench
args=(--quick)
if [[ "${1:-}" == "--full" ]]; then args=(); shift; fi
exec build/release/apps/concur-bench/concur-bench "${args[@]}" "$@"
