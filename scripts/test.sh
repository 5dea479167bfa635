#!/usr/bin/env bash
# Sets up, builds and runs every walkv test. Stages (all by default; pick with
# WALKV_TEST_STAGES="release asan tsan fuzz package"):
#   release  RelWithDebInfo build (no benchmarks), warnings as errors, the whole ctest suite
#   asan     the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan     the concurrency-labelled tests under ThreadSanitizer
#   fuzz     each libFuzzer target (clang) for WALKV_FUZZ_SECONDS (default 10) from a seed
#            corpus the engine writes itself
#   package  a shared-library build made into a .deb (cpack), installed with dpkg, used
#            (tools, man pages, completion, pkg-config and CMake consumers) and removed
# Build trees go to build-test*/ at the repository root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
stages=${WALKV_TEST_STAGES:-release asan tsan fuzz package}
fuzz_seconds=${WALKV_FUZZ_SECONDS:-10}
# The soak test's length per stage (CI has 20 minutes on 2 cores for all of this).
export WALKV_SOAK_SECONDS=${WALKV_SOAK_SECONDS:-20}
jobs=$(nproc)
# Line tables only (-g1): sanitizer reports and debuggers still get file:line, and the
# builds take about a third less time than with full debug info (CI has 20 minutes).
relg1=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG")
"$root/scripts/deps.sh"
if [[ " $stages " == *" fuzz "* ]] && ! command -v clang++ > /dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang > /dev/null
fi

# gold links the ~50 test and tool executables of each build faster than the default ld
# (relinking one ASan test through make: 2.3 s against 3.0 s), and CI has 20 minutes.
linker=()
if command -v ld.gold > /dev/null; then linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold); fi

configure_build() {  # dir, extra cmake args... (builds ${target:-all})
  local dir=$1; shift
  cmake -S "$root" -B "$root/$dir" -DWALKV_WERROR=ON "${linker[@]}" "$@" > /dev/null
  cmake --build "$root/$dir" -j"$jobs" --target "${target:-all}"
}

stage() { echo; echo "=== walkv tests: $* (at ${SECONDS}s) ==="; }

for s in $stages; do
  case $s in
    release)
      stage "release build, full suite"
      # The benchmarks are not built here (CI has 20 minutes): bench/compare-rocksdb.sh
      # builds them.
      configure_build build-test "${relg1[@]}" -DWALKV_BUILD_BENCH=OFF
      (cd "$root/build-test" && ctest --output-on-failure -j"$jobs" --timeout 600)
      ;;
    asan)
      stage "ASan+UBSan build, full suite"
      configure_build build-test-asan -DCMAKE_BUILD_TYPE=None "-DCMAKE_CXX_FLAGS=-O1 -g1" \
        -DWALKV_BUILD_BENCH=OFF -DWALKV_SANITIZE=address,undefined
      (cd "$root/build-test-asan" &&
        WALKV_SOAK_SECONDS=20 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
        UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
        ctest --output-on-failure -j"$jobs" --timeout 900 -LE no-sanitizer)
      ;;
    tsan)
      stage "TSan build, concurrency tests"
      target=walkv_concurrency_tests configure_build build-test-tsan \
        "${relg1[@]}" -DWALKV_BUILD_BENCH=OFF -DWALKV_BUILD_TOOLS=OFF -DWALKV_SANITIZE=thread
      (cd "$root/build-test-tsan" &&
        WALKV_SOAK_SECONDS=20 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
        ctest --output-on-failure -j"$jobs" --timeout 900 -L concurrency)
      ;;
    fuzz)
      stage "libFuzzer targets, ${fuzz_seconds}s each"
      CC=clang CXX=clang++ configure_build build-test-fuzz "${relg1[@]}" \
        -DWALKV_FUZZ=ON -DWALKV_BUILD_TESTS=OFF -DWALKV_BUILD_TOOLS=OFF -DWALKV_BUILD_BENCH=OFF \
        -DWALKV_SANITIZE=address,undefined,fuzzer-no-link
      fz="$root/build-test-fuzz/tests/fuzz"
      rm -rf "$fz/corpus" && "$fz/fuzz_make_corpus" "$fz/corpus"
      for t in record snapshot recovery; do
        echo "fuzz_$t: ${fuzz_seconds}s"
        # -rss_limit_mb catches allocations driven by a forged length field.
        rc=0
        UBSAN_OPTIONS=halt_on_error=1 "$fz/fuzz_$t" -max_total_time="$fuzz_seconds" \
          -rss_limit_mb=1024 -malloc_limit_mb=512 -timeout=20 -print_final_stats=1 \
          "$fz/corpus/$t" > "$fz/fuzz_$t.log" 2>&1 || rc=$?
        grep -E "^(Done|stat::number_of_executed_units)|ERROR|SUMMARY" "$fz/fuzz_$t.log" || true
        if [ "$rc" -ne 0 ]; then tail -50 "$fz/fuzz_$t.log"; echo "fuzz_$t failed"; exit 1; fi
      done
      ;;
    package)
      stage "package: .deb of a shared-library build, installed, used, removed"
      # Tests and benchmarks off: the stage checks the package, not the engine (its build
      # is about 3.5 CPU-minutes). The static library's install is checked by the release
      # stage's package:find_package test.
      configure_build build-test-package "${relg1[@]}" -DWALKV_BUILD_TESTS=OFF \
        -DWALKV_BUILD_BENCH=OFF -DBUILD_SHARED_LIBS=ON -DCMAKE_INSTALL_PREFIX=/usr
      "$root/tests/package/check_deb.sh" "$root" "$root/build-test-package"
      ;;
    *) echo "unknown stage $s"; exit 2 ;;
  esac
done
echo; echo "all walkv test stages passed: $stages (${SECONDS}s)"
