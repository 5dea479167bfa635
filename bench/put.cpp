// BM_Put/{sync,os,async}/threads:N — commit throughput and per-put latency.
//
// The db_bench fillrandom shape (16-byte random keys, 100-byte values) against a fresh DB
// per run: thread 0 opens it before the timed loop, all threads put into it, thread 0
// reports and closes it afterwards (both untimed). Default options except the mode, so
// os and async run at the default flush_interval (5 ms).
//
// Counters: items_per_second; p50_us, p99_us, p999_us of each put() as its caller saw it
// (steady_clock around the call, all threads merged); for sync, fsyncs_per_commit and
// commits_per_flush (the group-commit size) from DB::stats(); for async,
// backpressure_waits. The label names the flusher's I/O backend.
#include <memory>
#include <string>

#include <walkv/db.h>

#include "latency_recorder.h"
#include "registry.h"
#include "temp_dir.h"
#include "workload.h"

namespace walkv::bench {
namespace {

// What one run shares between its threads. Thread 0 creates it before the loop (the other
// threads only touch it after the loop's start barrier) and destroys it after the loop's
// end barrier; only one benchmark runs at a time.
struct PutRun {
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<DB> db;
  std::unique_ptr<LatencyRecorder> latency;
  Stats before;
};
std::unique_ptr<PutRun> g_run;

std::unique_ptr<PutRun> open_run(CommitMode mode, int threads, std::string* error) {
  auto run = std::make_unique<PutRun>();
  run->dir = TempDir::create("put", error);
  if (!run->dir) return nullptr;
  Options options;
  options.mode = mode;
  auto db = DB::open(run->dir->path(), options);
  if (!db.ok()) {
    *error = db.status().ToString();
    return nullptr;
  }
  run->db = std::move(db.value());
  run->latency = std::make_unique<LatencyRecorder>(threads);
  run->before = run->db->stats();
  return run;
}

double ratio(std::uint64_t num, std::uint64_t den) {
  return den == 0 ? 0.0 : static_cast<double>(num) / static_cast<double>(den);
}

void report_run(benchmark::State& state, CommitMode mode, const PutRun& run) {
  run.latency->report(state);
  const Stats after = run.db->stats();
  if (mode == CommitMode::kSync) {
    const std::uint64_t commits = after.commits - run.before.commits;
    state.counters["fsyncs_per_commit"] = ratio(after.fsyncs - run.before.fsyncs, commits);
    state.counters["commits_per_flush"] = ratio(commits, after.flushes - run.before.flushes);
  } else {
    state.counters["backpressure_waits"] =
        static_cast<double>(after.backpressure_waits - run.before.backpressure_waits);
  }
  state.SetLabel(after.io_backend);
}

void bm_put(benchmark::State& state, CommitMode mode) {
  if (state.thread_index() == 0) {
    std::string error;
    g_run = open_run(mode, state.threads(), &error);
    if (!g_run) state.SkipWithError(error.c_str());
  }
  KeyStream keys(static_cast<std::uint64_t>(state.thread_index()));
  const std::string value = make_value(static_cast<std::uint64_t>(state.thread_index()));
  DB* db = nullptr;
  LatencyHistogram* hist = nullptr;
  for (auto _ : state) {
    if (db == nullptr) {  // first iteration: past the start barrier, thread 0's setup is done
      if (!g_run) {
        state.SkipWithError("the DB did not open");
        break;
      }
      db = g_run->db.get();
      hist = &g_run->latency->thread(state.thread_index());
    }
    const auto start = Clock::now();
    auto lsn = db->put(keys.next(), value);
    hist->record(Clock::now() - start);
    if (!lsn.ok()) {
      state.SkipWithError(lsn.status().ToString().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0 && g_run) {
    report_run(state, mode, *g_run);
    g_run.reset();  // closes the DB (final flush) and removes its directory, untimed
  }
}

}  // namespace

void register_put(Registry& registry) {
  for (int threads : {1, 4, 16}) {
    if (auto* b = registry.add("BM_Put/sync", threads,
                               [](benchmark::State& s) { bm_put(s, CommitMode::kSync); })) {
      b->Unit(benchmark::kMicrosecond);
    }
  }
  for (int threads : {1, 4}) {
    if (auto* b = registry.add("BM_Put/os", threads,
                               [](benchmark::State& s) { bm_put(s, CommitMode::kOs); })) {
      b->Unit(benchmark::kMicrosecond);
    }
  }
  for (int threads : {1, 4}) {
    if (auto* b = registry.add("BM_Put/async", threads,
                               [](benchmark::State& s) { bm_put(s, CommitMode::kAsync); })) {
      b->Unit(benchmark::kMicrosecond);
    }
  }
}

}  // namespace walkv::bench
