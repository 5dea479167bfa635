#!/usr/bin/env bash
# Sets up, builds and runs walkv's main job: the crash simulator comparing the rungs of the
# commit-mode ladder (sync, os:5ms, async:5ms) under every crash kind: process kill, power
# loss, media damage at rest (rot) and a crash right after recovery (double). Writes the
# table, results.json and results.csv (each with the run's metadata), trials.csv and the
# SVG chart into results/ at the repo root (or the folder given as $1).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/results}
"$root/scripts/deps.sh"
cmake -S "$root" -B "$root/build-release" -DCMAKE_BUILD_TYPE=Release \
  -DWALKV_BUILD_TESTS=OFF -DWALKV_BUILD_BENCH=OFF
cmake --build "$root/build-release" -j"$(nproc)" --target walkv-crash
mkdir -p "$out"
"$root/build-release/tools/crash/walkv-crash" --modes sync,os:5ms,async:5ms --crash all \
  --out "$out"
echo "results in $out"
