#!/usr/bin/env bash
# compare-rocksdb.sh — walkv against RocksDB's db_bench fillrandom, side by side, same disk.
#
# Runs, alternating walkv and RocksDB and repeating everything REPEATS (3) times, each pair
# with equal guarantees (what a process crash and a power cut may lose):
#   sync  (durable at ack):      RocksDB --sync=1 --threads={1,4,16}   vs  BM_Put/sync/threads:{1,4,16}
#   os    (in the kernel at ack): RocksDB --sync=0 --threads={1,4}     vs  BM_Put/os/threads:{1,4}
#   async (in memory at ack):    RocksDB --sync=0 --manual_wal_flush=1 --threads={1,4}
#                                                                      vs  BM_Put/async/threads:{1,4}
#   no WAL (the ceiling):        RocksDB --sync=0 --disable_wal=1      vs  BM_Put/async/threads:1
# (RocksDB with manual_wal_flush=1 keeps WAL writes in its process's buffer until the buffer
# fills or FlushWAL() is called: like walkv async, a process crash loses what is buffered.)
# plus BM_RawFdatasync (the disk's own small-append fdatasync rate) and
# BM_RawFdatasyncBusyPeer (the same with another CPU kept busy) for reference, and
# prints one table of medians: ops/s, p50 and p99 latency (µs) and the walkv/RocksDB ratio.
#
# RocksDB: db_bench --benchmarks=fillrandom --key_size=16 --value_size=100
#          --compression_type=none --histogram=1 --duration=SECONDS (runs are time-bound).
# walkv:   walkv-bench --benchmark_filter='^NAME$' --benchmark_min_time=SECONDS
#          --benchmark_format=json (a fresh DB per run, default options except the mode).
#
# Usage: bench/compare-rocksdb.sh
# Environment:
#   WALKV_BENCH_BIN   walkv-bench binary to measure (default: the script builds or updates
#                     a Release build of this checkout in build-bench/ and uses that)
#   WALKV_BENCH_DIR   where both engines put their files (default /var/tmp; must be a disk)
#   RESULTS_DIR       where raw outputs and the table go (default results/compare-<time>)
#   REPEATS (3), SECONDS_PER_RUN (3)
# Installs Debian's rocksdb-tools with apt-get if db_bench is missing. Takes ~5 minutes (plus
# a first build of walkv-bench).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repeats="${REPEATS:-3}"
run_seconds="${SECONDS_PER_RUN:-3}"
bench_root="${WALKV_BENCH_DIR:-/var/tmp}"
results="${RESULTS_DIR:-$repo/results/compare-$(date +%Y%m%d-%H%M%S)}"

die() { echo "error: $*" >&2; exit 1; }

walkv_bench="${WALKV_BENCH_BIN:-}"
if [[ -z "$walkv_bench" ]]; then
  # Build (or bring up to date) a Release walkv-bench from this checkout, so that the binary
  # measured is the source the table names. Incremental: seconds when nothing changed.
  "$repo/scripts/deps.sh" >&2
  echo "building walkv-bench (Release) in $repo/build-bench" >&2
  cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release -DWALKV_BUILD_TESTS=OFF \
    -DWALKV_BUILD_TOOLS=OFF >/dev/null || die "cmake could not configure $repo/build-bench"
  cmake --build "$repo/build-bench" -j "$(nproc)" --target walkv-bench >/dev/null ||
    die "building walkv-bench failed (run: cmake --build $repo/build-bench --target walkv-bench)"
  walkv_bench="$repo/build-bench/bench/walkv-bench"
fi
[[ -x "$walkv_bench" ]] || die "walkv-bench not found at $walkv_bench (WALKV_BENCH_BIN)"

if ! command -v db_bench >/dev/null 2>&1; then
  echo "db_bench is missing: installing Debian's rocksdb-tools" >&2
  sudo_cmd=()
  [[ "$(id -u)" -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q >&2
  "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q rocksdb-tools >&2
  command -v db_bench >/dev/null 2>&1 || die "db_bench still missing after installing rocksdb-tools"
fi
command -v python3 >/dev/null 2>&1 || die "python3 is needed to parse the results"

mkdir -p "$results"
work="$(mktemp -d "$bench_root/walkv-compare-XXXXXX")"
trap 'rm -rf "$work"' EXIT
export WALKV_BENCH_DIR="$work"   # walkv-bench's scratch directories go next to RocksDB's

# Both engines write under $work: one file system by construction. Show which one.
fs_line="$(df --output=source,fstype,target "$work" | tail -1)"
fs_type="$(df --output=fstype "$work" | tail -1 | tr -d ' ')"
[[ "$fs_type" != tmpfs ]] || die "$work is on a tmpfs; set WALKV_BENCH_DIR to a directory on a disk"
{
  echo "date:        $(date -Is)"
  echo "host:        $(uname -srm), $(nproc) CPUs, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)"
  echo "disk:        $fs_line"
  echo "db_bench:    $(db_bench --version 2>&1 | head -1)"
  src="$(git -C "$repo" describe --always --dirty 2>/dev/null || echo unknown)"
  if [[ -n "${WALKV_BENCH_BIN:-}" ]]; then
    echo "walkv-bench: $walkv_bench (given; the checkout is at $src)"
  else
    echo "walkv-bench: $walkv_bench (built from $src)"
  fi
  echo "repeats:     $repeats, ${run_seconds}s per run"
  echo "load:        $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews every number)"
} | tee "$results/context.txt"

# case id | walkv benchmark | db_bench flags
cases=(
  "sync1|BM_Put/sync/threads:1|--sync=1 --threads=1"
  "sync4|BM_Put/sync/threads:4|--sync=1 --threads=4"
  "sync16|BM_Put/sync/threads:16|--sync=1 --threads=16"
  "os1|BM_Put/os/threads:1|--sync=0 --threads=1"
  "os4|BM_Put/os/threads:4|--sync=0 --threads=4"
  "async1|BM_Put/async/threads:1|--sync=0 --manual_wal_flush=1 --threads=1"
  "async4|BM_Put/async/threads:4|--sync=0 --manual_wal_flush=1 --threads=4"
  "nowal1||--sync=0 --disable_wal=1 --threads=1"
)

# Writes back what earlier runs left dirty (and the deletes), so that no run pays for the
# previous one's writeback.
settle() { sync; sleep 0.2; }

run_rocksdb() {  # id repeat flags...
  local id="$1" rep="$2"; shift 2
  local db="$work/rocksdb-$id"
  rm -rf "$db"
  settle
  timeout 120 db_bench --benchmarks=fillrandom --key_size=16 --value_size=100 \
    --compression_type=none --histogram=1 --duration="$run_seconds" --num=100000000 \
    --db="$db" "$@" >"$results/rocksdb-$id-$rep.txt" 2>&1 ||
    die "db_bench failed, see $results/rocksdb-$id-$rep.txt"
  rm -rf "$db"
}

run_walkv() {  # id repeat benchmark-name [min-time]
  local id="$1" rep="$2" name="$3" min_time="${4:-$run_seconds}"
  settle
  timeout 240 "$walkv_bench" --benchmark_filter="^${name}\$" --benchmark_min_time="$min_time" \
    --benchmark_format=json >"$results/walkv-$id-$rep.json" 2>"$results/walkv-$id-$rep.err" ||
    die "walkv-bench failed, see $results/walkv-$id-$rep.err"
}

start=$SECONDS
for rep in $(seq 1 "$repeats"); do
  echo "repeat $rep/$repeats ($((SECONDS - start)) s)" >&2
  run_walkv raw "$rep" 'BM_RawFdatasync(BusyPeer)?' 1
  for c in "${cases[@]}"; do
    IFS='|' read -r id name flags <<<"$c"
    # The one-writer target is a ratio to the raw fdatasync rate, which drifts from one
    # minute to the next: BM_RawFdatasync runs just before it, in the same process.
    [[ "$id" != sync1 ]] || name="(BM_RawFdatasync|$name)"
    # Alternate who goes first, so neither engine always runs on a disk the other just warmed.
    if (((rep % 2) == 1)); then
      # shellcheck disable=SC2086  # flags are words
      run_rocksdb "$id" "$rep" $flags
      [[ -z "$name" ]] || run_walkv "$id" "$rep" "$name"
    else
      [[ -z "$name" ]] || run_walkv "$id" "$rep" "$name"
      # shellcheck disable=SC2086  # flags are words
      run_rocksdb "$id" "$rep" $flags
    fi
  done
done
elapsed=$((SECONDS - start))
echo "load after:  $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$results/context.txt"

python3 - "$results" "$repeats" "$elapsed" <<'PY' | tee "$results/table.txt"
import json, re, statistics, sys, pathlib

results, repeats, elapsed = pathlib.Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])

def rocksdb(id_, rep):
    text = (results / f"rocksdb-{id_}-{rep}.txt").read_text()
    ops = re.search(r"fillrandom\s*:.*?([\d.]+) ops/sec", text)
    pct = re.search(r"Percentiles: P50: ([\d.]+) P75: [\d.]+ P99: ([\d.]+)", text)
    if not ops or not pct:
        sys.exit(f"cannot parse rocksdb-{id_}-{rep}.txt")
    return {"ops": float(ops.group(1)), "p50": float(pct.group(1)), "p99": float(pct.group(2))}

def walkv(id_, rep, name=None):
    doc = json.loads((results / f"walkv-{id_}-{rep}.json").read_text())
    runs = [b for b in doc["benchmarks"] if b.get("run_type", "iteration") == "iteration"
            and (name is None or b["name"] == name)]
    if not runs or runs[0].get("error_occurred"):
        sys.exit(f"walkv-{id_}-{rep}.json: {runs[0].get('error_message') if runs else 'no run'}")
    b = runs[0]
    return {"ops": b["items_per_second"], "p50": b.get("p50_us", 0.0), "p99": b.get("p99_us", 0.0),
            "fsyncs_per_commit": b.get("fsyncs_per_commit"), "label": b.get("label", "")}

def median(rows, key):
    vals = [r[key] for r in rows if r.get(key) is not None]
    return statistics.median(vals) if vals else None

rows = [  # label (walkv mode = RocksDB flags), walkv id, rocksdb id
    ("sync  t=1  = sync=1", "sync1", "sync1"),
    ("sync  t=4  = sync=1", "sync4", "sync4"),
    ("sync  t=16 = sync=1", "sync16", "sync16"),
    ("os    t=1  = sync=0", "os1", "os1"),
    ("os    t=4  = sync=0", "os4", "os4"),
    ("async t=1  = sync=0 manual_wal_flush=1", "async1", "async1"),
    ("async t=4  = sync=0 manual_wal_flush=1", "async4", "async4"),
    ("async t=1  vs disable_wal=1 (no log)", "async1", "nowal1"),
]
reps = range(1, repeats + 1)
print()
print(f"walkv vs RocksDB fillrandom, 16-byte keys, 100-byte values; medians of {repeats} runs")
print(f"{'case':<42} {'walkv ops/s':>12} {'p50 us':>8} {'p99 us':>8} | {'RocksDB ops/s':>13} "
      f"{'p50 us':>8} {'p99 us':>8} | {'ratio':>6}  fsyncs/commit")
for label, wid, rid in rows:
    w = [walkv(wid, r, "BM_Put/sync/threads:1" if wid == "sync1" else None) for r in reps]
    k = [rocksdb(rid, r) for r in reps]
    wo, ko = median(w, "ops"), median(k, "ops")
    fpc = median(w, "fsyncs_per_commit")
    print(f"{label:<42} {wo:>12,.0f} {median(w, 'p50'):>8.1f} {median(w, 'p99'):>8.1f} | "
          f"{ko:>13,.0f} {median(k, 'p50'):>8.1f} {median(k, 'p99'):>8.1f} | {wo / ko:>6.2f}"
          + (f"  {fpc:.3f}" if fpc is not None else ""))
for name, label in (("BM_RawFdatasync", "BM_RawFdatasync (116 B append + fdatasync)"),
                    ("BM_RawFdatasyncBusyPeer", "BM_RawFdatasyncBusyPeer (a CPU kept busy)")):
    rr = [walkv("raw", r, name) for r in reps]
    print(f"{label:<42} {median(rr, 'ops'):>12,.0f} {median(rr, 'p50'):>8.1f} {median(rr, 'p99'):>8.1f}")
# Each repeat's one-writer rate over the raw rate measured just before it, in one process.
paired = [walkv("sync1", r, "BM_Put/sync/threads:1")["ops"] / walkv("sync1", r, "BM_RawFdatasync")["ops"]
          for r in reps]
print(f"walkv sync threads=1 / BM_RawFdatasync run just before it = {statistics.median(paired):.2f} "
      f"(repeats: {' / '.join(f'{x:.2f}' for x in paired)}); "
      f"async flusher backend: {walkv('async1', 1)['label'] or '?'}; took {elapsed} s")
ops = {wid: median([walkv(wid, r, "BM_Put/sync/threads:1" if wid == "sync1" else None) for r in reps], "ops")
       for wid in ("sync1", "os1", "os4", "async1")}
rk = {rid: median([rocksdb(rid, r) for r in reps], "ops") for rid in ("os1", "async1")}
print(f"targets: os t=1 / RocksDB sync=0 = {ops['os1'] / rk['os1']:.2f} (>= 1.5); "
      f"os t=4 / os t=1 = {ops['os4'] / ops['os1']:.2f} (>= 1); "
      f"async t=1 / RocksDB manual_wal_flush=1 = {ops['async1'] / rk['async1']:.2f} (>= 2)")
PY
echo "raw outputs: $results" >&2
