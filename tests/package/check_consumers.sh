#!/usr/bin/env bash
# Builds examples/embed against an installed walkv twice — with CMake find_package(walkv)
# and with pkg-config — runs both, and checks walkv/version.h against walkv.pc's version.
# Usage: check_consumers.sh SOURCE_DIR PREFIX WORK_DIR
#   PREFIX: where walkv is installed (/usr for the .deb, or a `cmake --install --prefix`);
#   whether the library there is static or shared is read from what is installed.
set -euo pipefail
src=$1; prefix=$2; work=$3
mkdir -p "$work"

libdir=""
for d in lib/"$(gcc -print-multiarch)" lib64 lib; do
  if [[ -f $prefix/$d/pkgconfig/walkv.pc ]]; then libdir=$prefix/$d; break; fi
done
[[ -n $libdir ]] || { echo "no walkv.pc under $prefix"; exit 1; }
if compgen -G "$libdir/libwalkv.so*" > /dev/null; then linkage=shared; else linkage=static; fi
# A shared libwalkv outside the loader's default directories is found through
# LD_LIBRARY_PATH (the CMake-built program also has an RPATH).
run=()
[[ $linkage == shared && $prefix != /usr ]] && run=(env LD_LIBRARY_PATH="$libdir")
echo "consumers of the $linkage walkv in $prefix"

# pkg-config: a prefix other than the configured one is passed in (walkv.pc holds the
# absolute prefix it was configured with).
export PKG_CONFIG_PATH="$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
pc=(pkg-config --define-variable=prefix="$prefix")
[[ $linkage == static ]] && pc+=(--static)
version=$("${pc[@]}" --modversion walkv)
cat > "$work/version.cpp" <<'CPP'
#include <walkv/version.h>
#include <cstdio>
static_assert(WALKV_VERSION_NUMBER ==
              WALKV_VERSION_MAJOR * 10000 + WALKV_VERSION_MINOR * 100 + WALKV_VERSION_PATCH);
int main() { std::puts(WALKV_VERSION_STRING); }
CPP
# shellcheck disable=SC2046  # pkg-config's flags are words
g++ -std=c++20 "$work/version.cpp" $("${pc[@]}" --cflags walkv) -o "$work/version"
[[ $("$work/version") == "$version" ]] || { echo "version.h says $("$work/version"), walkv.pc $version"; exit 1; }

# shellcheck disable=SC2046
g++ -std=c++20 -O1 "$src/examples/embed/main.cpp" $("${pc[@]}" --cflags walkv) \
    $("${pc[@]}" --libs walkv) -o "$work/embed-pkgconfig"
cmake -S "$src/examples/embed" -B "$work/embed-cmake" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$work/embed-cmake" > /dev/null

expected="user:1 = ada (lsn 1, durable through 2)"
for exe in "$work/embed-pkgconfig" "$work/embed-cmake/embed"; do
  if [[ $linkage == shared ]]; then
    # The program must load the installed libwalkv, not some other copy.
    lib=$("${run[@]}" ldd "$exe" | awk '/libwalkv/ {print $3}')
    [[ -n $lib && $(realpath "$lib") == $(realpath "$libdir")/libwalkv.so.* ]] ||
      { echo "$exe loads '$lib', not the libwalkv in $libdir"; exit 1; }
  elif grep -q libwalkv <<< "$(ldd "$exe")"; then
    echo "$exe loads a shared libwalkv, but the installed one is static"; exit 1
  fi
  rm -rf "$work/db"
  out=$("${run[@]}" "$exe" "$work/db")
  echo "$(basename "$exe"): $out"
  [[ $out == "$expected" ]]
done
