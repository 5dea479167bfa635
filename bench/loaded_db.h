// bench/loaded_db.h — a DB loaded with fillrandom-shaped pairs, for benchmarks that need one.
//
// Keys are Key(0) ... Key(keys - 1) (workload.h), so a benchmark can recompute any loaded key;
// values are make_value(7). Loaded in async mode in 1000-put batches with automatic
// checkpoints off, then sync()ed. One DB per name, loaded once and kept open for the rest of
// the process, so that every run of a benchmark reuses it; at exit it is closed and its
// temporary directory removed.
#pragma once

#include <cstdint>

#include <benchmark/benchmark.h>
#include <walkv/db.h>

namespace walkv::bench {

// The DB loaded under `name` (which also names its temporary directory): loaded by the first
// call, and a failed load is tried again by the next. On failure marks the run skipped with
// the error and returns null. Not thread-safe: call it from the benchmark's main thread.
DB* shared_loaded_db(benchmark::State& state, const char* name, std::uint64_t keys);

}  // namespace walkv::bench
