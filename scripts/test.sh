#!/usr/bin/env bash
# Sets up, builds (warnings are errors) and runs every walkv test through ctest.
# Usage: scripts/test.sh        (from anywhere; builds into build-test/ at the repo root)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/deps.sh"
jobs=$(nproc)
cmake -S "$root" -B "$root/build-test" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALKV_WERROR=ON
cmake --build "$root/build-test" -j"$jobs"
cd "$root/build-test"
ctest --output-on-failure -j"$jobs" --timeout 600
