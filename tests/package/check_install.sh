#!/usr/bin/env bash
# Installs walkv from a build tree into a temporary prefix and builds examples/embed against
# it with find_package(walkv) and with pkg-config (static or shared, as the tree was
# configured), runs both and checks their output: the installed package works.
set -euo pipefail
src=$1; build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
# The I/O seam is not part of the installed API (docs/packaging.md).
[[ ! -e $work/prefix/include/walkv/io_hooks.h ]] || { echo "io_hooks.h is installed"; exit 1; }
"$src/tests/package/check_consumers.sh" "$src" "$work/prefix" "$work/consumers"
