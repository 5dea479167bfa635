#!/usr/bin/env bash
# Installs walkv into a temporary prefix, builds examples/embed against it with
# find_package(walkv), runs it, and checks its output: the installed package works.
set -euo pipefail
src=$1; build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cmake -S "$src/examples/embed" -B "$work/embed" -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/embed" > /dev/null
out=$("$work/embed/embed" "$work/db")
echo "$out"
[[ "$out" == "user:1 = ada (lsn 1, durable through 2)" ]]
