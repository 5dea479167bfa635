// BM_Checkpoint — a manual checkpoint of a 2M-key index while one thread commits sync puts.
//
// What a checkpoint costs the writers who keep going: it copies the whole index (a cut,
// index_cut.h) and writes it as a snapshot of ~250 MB, and both compete with commits for
// the CPUs and the disk. Once per process: a DB loaded with 2M fillrandom-shaped pairs
// (loaded_db.h). A writer thread then puts (sync mode, new keys) without
// pause; each iteration times one DB::checkpoint(), with ~100 ms of untimed writing between
// iterations.
//
// Counters: sync_puts_during (per checkpoint), during_p50_us / during_p99_us / during_max_us
// of the sync puts that ended while a checkpoint ran, and outside_p99_us of those that did
// not (the same writer, the same disk, in the same run: compare these two).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <walkv/db.h>

#include "latency_recorder.h"
#include "loaded_db.h"
#include "registry.h"
#include "workload.h"

namespace walkv::bench {
namespace {

constexpr std::uint64_t kKeys = 2'000'000;

void bm_checkpoint(benchmark::State& state) {
  DB* db = shared_loaded_db(state, "checkpoint", kKeys);
  if (db == nullptr) return;
  LatencyHistogram during, outside;  // the writer's alone until it is joined
  std::atomic<bool> checkpointing{false}, stop{false};
  std::string put_error;  // set by the writer, read after the join
  std::thread writer([&] {
    static std::uint64_t next_stream = 1;  // new keys in every run
    KeyStream keys(next_stream++);
    const std::string value = make_value(6);
    WriteOptions wo;
    wo.mode = CommitMode::kSync;
    while (!stop.load(std::memory_order_relaxed)) {
      const auto start = Clock::now();
      auto lsn = db->put(keys.next(), value, wo);
      const auto took = Clock::now() - start;
      if (!lsn.ok()) {
        put_error = lsn.status().ToString();
        return;
      }
      (checkpointing.load(std::memory_order_relaxed) ? during : outside).record(took);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (auto _ : state) {
    checkpointing = true;
    auto lsn = db->checkpoint();
    checkpointing = false;
    state.PauseTiming();
    if (!lsn.ok()) {
      state.SkipWithError(lsn.status().ToString().c_str());
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state.ResumeTiming();
  }
  stop = true;
  writer.join();
  if (!put_error.empty()) state.SkipWithError(put_error.c_str());
  const auto iterations =
      static_cast<double>(std::max<benchmark::IterationCount>(state.iterations(), 1));
  state.counters["sync_puts_during"] = static_cast<double>(during.count()) / iterations;
  state.counters["during_p50_us"] = during.quantile_ns(0.5) / 1e3;
  state.counters["during_p99_us"] = during.quantile_ns(0.99) / 1e3;
  state.counters["during_max_us"] = during.quantile_ns(1.0) / 1e3;
  state.counters["outside_p99_us"] = outside.quantile_ns(0.99) / 1e3;
}

}  // namespace

void register_checkpoint(Registry& registry) {
  if (auto* b = registry.add("BM_Checkpoint", 0, bm_checkpoint)) {
    b->Unit(benchmark::kMillisecond)->Iterations(3);
  }
}

}  // namespace walkv::bench
