#!/usr/bin/env bash
# Mutation testing of walkv's durability guarantees (not run in CI; docs/faults.md,
# "Mutation score"). Each mutant removes one guarantee from a copy of the source tree —
# never from the working tree — and the copy is rebuilt and tested: the whole ctest suite
# and the walkv-crash runs that exercise the guarantee. A mutant is caught when some test
# fails twice in a row (ctest --rerun-failed) or a walkv-crash run reports a broken
# guarantee; it survives when everything passes.
#
#   scripts/mutate.sh [--list] [--keep] [mutant ...]      (default: every mutant)
#
# Environment:
#   WALKV_MUTATE_DIR         work directory (default: a new /tmp/walkv-mutate.XXXXXX)
#   WALKV_MUTATE_JOBS        build and ctest parallelism (default 2)
#   WALKV_MUTATE_CTEST_ARGS  extra ctest arguments, e.g. "-L engine|faults" to run fewer tests
#   WALKV_MUTATE_TRIALS      walkv-crash trials per mode and crash kind (default 10)
#   WALKV_MUTATE_TIMEOUT     ctest's per-test timeout in seconds (default 120; the slowest
#                            test takes about 15 s, and a mutant that hangs one is caught)
#
# Each mutant is a literal text replacement that must match exactly once: when the code it
# targets has moved, the script stops with an error instead of testing a tree it did not
# mutate. The copy's first build takes about 10 minutes on 2 cores; then each mutant costs
# an incremental build (the mutated file, the links), the suite and its walkv-crash runs:
# about a minute, longer when a mutant makes tests hang until their timeout.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
jobs=${WALKV_MUTATE_JOBS:-2}
trials=${WALKV_MUTATE_TRIALS:-10}
timeout=${WALKV_MUTATE_TIMEOUT:-120}
ctest_extra=${WALKV_MUTATE_CTEST_ARGS:-}
keep=0
list=0
selected=()
for arg in "$@"; do
  case "$arg" in
    --keep) keep=1 ;;
    --list) list=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "mutate.sh: unknown option $arg" >&2; exit 2 ;;
    *) selected+=("$arg") ;;
  esac
done

die() { echo "mutate.sh: $*" >&2; exit 3; }

# ---- the mutants ------------------------------------------------------------------------
# id | what it removes | walkv-crash kinds that exercise it | the function applying it

MUTANTS=(a b c d e f g h i j)
declare -A WHAT CRASH
WHAT[a]="recovery does not fdatasync the recovered tail segment"
CRASH[a]="double"
WHAT[b]="no directory fsync after the snapshot's rename"
CRASH[b]="power"
WHAT[c]="the snapshot's .tmp file is not fdatasynced before its rename"
CRASH[c]="power"
WHAT[d]="the io_uring flusher submits a NOP where its fdatasync goes (still reported done)"
CRASH[d]="power"
WHAT[e]="a sync write is acknowledged before its fdatasync"
CRASH[e]="kill power"
WHAT[f]="recovery skips a bad record and replays the ones after it"
CRASH[f]="power rot"
WHAT[g]="segment preparation does not fsync the directory after the rename"
CRASH[g]="power"
WHAT[h]="CONTROL is not updated before a prepared segment is handed out"
CRASH[h]="power"
WHAT[i]="recovery zeroes a torn tail without preserving it in a dropped-*.bin file"
CRASH[i]="power"
WHAT[j]="the async loss bound is never enforced (overdue is never set)"
CRASH[j]="kill power"

src= # the copy being mutated (set below)
touched=()

# replace FILE OLD NEW: OLD must occur exactly once in FILE (relative to the source copy).
replace() {
  local file=$src/$1
  [ -f "$file" ] || die "mutant targets $1, which does not exist"
  [ -f "$file.pristine" ] || cp -p "$file" "$file.pristine"
  touched+=("$file")
  OLD=$2 NEW=$3 perl -0777 -i -ne '
    my ($old, $new) = ($ENV{OLD}, $ENV{NEW});
    my $n = 0; my $pos = 0;
    while (($pos = index($_, $old, $pos)) >= 0) { $n++; $pos += length($old); }
    die "matched $n times, expected once\n" if $n != 1;
    substr($_, index($_, $old), length($old)) = $new;
    print;' "$file" || die "mutant text not found as expected in $1 (the code moved?)"
}

restore() {
  local f
  for f in "${touched[@]}"; do
    # cp, not mv: a new mtime makes the build recompile the restored file.
    [ -f "$f.pristine" ] && cp "$f.pristine" "$f" && rm "$f.pristine"
  done
  touched=()
}

mutant_a() {
  replace engine/src/recovery.cpp \
'    if (Status s = fs.datasync((*seg)->fd.get(), (*seg)->path); !s.ok()) return s;
' ''
}
mutant_b() {
  replace engine/src/snapshot.cpp \
'  if (Status s = fs.rename(tmp, path); !s.ok()) return s;
  return fs.sync_dir(dir);' \
'  if (Status s = fs.rename(tmp, path); !s.ok()) return s;
  (void)dir;
  return Status::OK();'
}
mutant_c() {
  replace engine/src/snapshot.cpp \
'  if (Status s = fs.datasync(fd->get(), tmp); !s.ok()) return s;
' ''
}
mutant_d() {
  replace engine/src/flush_backend_uring.cpp \
'        io_uring_prep_fsync(sqe, op.segment->fd.get(), IORING_FSYNC_DATASYNC);' \
'        io_uring_prep_nop(sqe);'
}
mutant_e() {
  replace engine/src/commit_log.cpp \
'  return Ticket(this, lsn, !async || overdue);' \
'  return Ticket(this, lsn, overdue);'
}
mutant_f() {
  replace engine/src/db_impl.cpp \
'  bool skip_bad = false;' \
'  bool skip_bad = true;'
}
mutant_g() {
  replace engine/src/segment.cpp \
'  if (Status s = fs_.rename(tmp, seg->path); !s.ok()) return s;
  if (Status s = fs_.sync_dir(dir_); !s.ok()) return s;' \
'  if (Status s = fs_.rename(tmp, seg->path); !s.ok()) return s;'
}
mutant_h() {
  replace engine/src/segment.cpp \
'  if (Status s = control_.advance(at_least); !s.ok()) return s;' \
'  (void)at_least;'
}
mutant_i() {
  replace engine/src/recovery.cpp \
'      std::string path;
      if (Status s = preserve_range(fs, dir, **seg, scan.tail_offset, t.high_water, &path);
          !s.ok())
        return s;
      r.dropped_files.push_back(path);
      if (Status s = fs.sync_dir(dir); !s.ok()) return s;
' \
'      (void)preserve_range;
'
}
mutant_j() {
  replace engine/src/commit_log.cpp \
'      overdue = now - *unsynced_since_ > kAsyncBoundIntervals * config_.flush_interval;' \
'      overdue = false;'
}

if [ "$list" = 1 ]; then
  for m in "${MUTANTS[@]}"; do
    printf '%s  %-78s walkv-crash: %s\n' "$m" "${WHAT[$m]}" "${CRASH[$m]}"
  done
  exit 0
fi
[ ${#selected[@]} -gt 0 ] || selected=("${MUTANTS[@]}")
for m in "${selected[@]}"; do
  [ -n "${WHAT[$m]:-}" ] || die "no mutant '$m' (--list shows them)"
done

# ---- the copy and its build -------------------------------------------------------------

work=${WALKV_MUTATE_DIR:-$(mktemp -d /tmp/walkv-mutate.XXXXXX)}
src=$work/src
build=$work/build
logs=$work/logs
mkdir -p "$src" "$logs" "$work/crash"
case "$src" in "$root"|"$root"/*) die "the copy must be outside the working tree" ;; esac
# What git would see (tracked and untracked, not ignored: no build trees), working-tree
# state included; without git, everything but build trees. Extracted with new mtimes (-m):
# a build tree reused from an earlier run may hold objects of a mutated file that are newer
# than the working tree's copy of it.
if git -C "$root" rev-parse --git-dir > /dev/null 2>&1; then
  (cd "$root" && git ls-files -z --cached --others --exclude-standard |
     tar --null --ignore-failed-read -T - -cf - 2> /dev/null) | tar -C "$src" -xmf -
else
  tar -C "$root" --exclude='./build*' --exclude=./results -cf - . | tar -C "$src" -xmf -
fi
find "$src" -name '*.pristine' -delete  # left by an interrupted run in the same directory
echo "mutate.sh: source copy in $src, build in $build, logs in $logs"

linker=()
command -v ld.gold > /dev/null && linker=(-DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=gold)
cmake -S "$src" -B "$build" -DWALKV_WERROR=ON "${linker[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" -DWALKV_BUILD_BENCH=OFF \
  > "$logs/configure.log" 2>&1 || die "cmake configure failed: $logs/configure.log"

# The soak test runs 15 s instead of 60: it is a load test, not a durability probe.
export WALKV_SOAK_SECONDS=15
if [ -n "$ctest_extra" ]; then
  echo "mutate.sh: ctest limited to: $ctest_extra (not the whole suite)"
else
  echo "mutate.sh: ctest runs the whole suite (soak shortened to ${WALKV_SOAK_SECONDS} s," \
    "timeout ${timeout} s per test)"
fi
echo "mutate.sh: walkv-crash: sync and async:1ms, $trials trials per crash kind, seed 1"

build_tree() {  # build_tree LOG
  nice cmake --build "$build" -j"$jobs" > "$1" 2>&1
}

# run_ctest NAME: sets FAILED to the tests that failed twice in a row, FLAKY to those that
# failed once.
run_ctest() {
  local name=$1 first again
  # shellcheck disable=SC2086
  (cd "$build" && nice ctest -j"$jobs" --timeout "$timeout" $ctest_extra) \
    > "$logs/$name.ctest.log" 2>&1 || true
  first=$(sed -n '/The following tests FAILED:/,$p' "$logs/$name.ctest.log" |
            sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (.*)$/\1/p')
  FAILED=""
  FLAKY=""
  [ -n "$first" ] || return 0
  (cd "$build" && nice ctest -j"$jobs" --timeout "$timeout" --rerun-failed) \
    > "$logs/$name.rerun.log" 2>&1 || true
  again=$(sed -n '/The following tests FAILED:/,$p' "$logs/$name.rerun.log" |
            sed -n 's/^[[:space:]]*[0-9]* - \(.*\) (.*)$/\1/p')
  FAILED=$again
  FLAKY=$(comm -23 <(sort <<< "$first") <(sort <<< "$again"))
}

# run_crash NAME KINDS: sets CRASH_BROKE to the kinds whose walkv-crash run exited 1 (a
# broken guarantee) and CRASH_ERR to those that could not run (exit 2 or 3).
run_crash() {
  local name=$1 kind rc
  CRASH_BROKE=""
  CRASH_ERR=""
  for kind in $2; do
    rc=0
    "$build/tools/crash/walkv-crash" --modes sync,async:1ms --crash "$kind" --trials "$trials" \
      --seed 1 --window-margin-ms 250 --max-crash-ms 200 --quiet --work-dir "$work/crash" \
      > "$logs/$name.crash-$kind.log" 2>&1 || rc=$?
    case $rc in
      0) ;;
      1) CRASH_BROKE="$CRASH_BROKE $kind" ;;
      *) CRASH_ERR="$CRASH_ERR $kind(exit $rc)" ;;
    esac
  done
  # Failing trials keep their directories (ledger, logs): keep them beside the logs.
  rm -rf "$logs/$name.crash-trials"
  if [ -d "$work/crash/walkv-crash-1" ]; then
    mv "$work/crash/walkv-crash-1" "$logs/$name.crash-trials"
  fi
}

# ---- baseline: the unmutated copy must build; what fails there proves nothing -----------

echo "mutate.sh: baseline build and tests ..."
build_tree "$logs/baseline.build.log" ||
  die "the unmutated copy does not build: $logs/baseline.build.log"
run_ctest baseline
BASELINE_FAILED="$FAILED"$'\n'"$FLAKY"
if [ -n "$FAILED$FLAKY" ]; then
  echo "mutate.sh: warning: these tests fail without any mutant; they are not counted below:"
  printf '%s\n' "$FAILED" "$FLAKY" | sed '/^$/d; s/^/  /'
fi
run_crash baseline "kill power rot double"
[ -z "$CRASH_BROKE$CRASH_ERR" ] ||
  die "walkv-crash fails without any mutant ($CRASH_BROKE $CRASH_ERR):" \
    "see $logs/baseline.crash-*.log"

# ---- the mutants ------------------------------------------------------------------------

caught=0
total=0
survivors=()
results=()
for m in "${selected[@]}"; do
  total=$((total + 1))
  echo "mutate.sh: mutant $m: ${WHAT[$m]} ..."
  "mutant_$m"
  (cd "$src" && for f in "${touched[@]}"; do diff -u "$f.pristine" "$f" || true; done) \
    > "$logs/$m.diff"
  start=$SECONDS
  if ! build_tree "$logs/$m.build.log"; then
    restore
    die "mutant $m does not build (a mutant must compile): $logs/$m.build.log"
  fi
  run_ctest "$m"
  tests=$(comm -23 <(sed '/^$/d' <<< "$FAILED" | sort) <(sed '/^$/d' <<< "$BASELINE_FAILED" | sort))
  run_crash "$m" "${CRASH[$m]}"
  restore
  by=()
  while IFS= read -r t; do [ -n "$t" ] && by+=("$t"); done <<< "$tests"
  for k in $CRASH_BROKE; do by+=("walkv-crash --crash $k"); done
  if [ ${#by[@]} -gt 0 ]; then
    caught=$((caught + 1))
    verdict="CAUGHT"
  else
    verdict="SURVIVED"
    survivors+=("$m")
  fi
  line=$(printf '%s  %-8s %-78s (%d s)' "$m" "$verdict" "${WHAT[$m]}" $((SECONDS - start)))
  echo "$line"
  for t in "${by[@]}"; do echo "     by: $t"; done
  while IFS= read -r t; do
    [ -z "$t" ] || echo "     flaky (failed once, passed on rerun): $t"
  done <<< "$FLAKY"
  [ -z "$CRASH_ERR" ] || echo "     walkv-crash could not judge:$CRASH_ERR"
  results+=("$line")
done

echo
echo "Mutation score: $caught / $total caught ($((100 * caught / total)) %)"
for r in "${results[@]}"; do echo "  $r"; done
if [ ${#survivors[@]} -gt 0 ]; then
  echo "Surviving mutants: ${survivors[*]} (each one's diff: $logs/<id>.diff)"
fi
if [ "$keep" = 0 ] && [ -z "${WALKV_MUTATE_DIR:-}" ]; then
  rm -rf "$src" "$build" "$work/crash"
  echo "Logs kept in $logs (--keep keeps the copy and its build too)"
fi
[ ${#survivors[@]} -eq 0 ]
