// bench/registry.h — registers walkv-bench's benchmarks under their canonical names.
//
// Every walkv benchmark is timed by the wall clock (Google Benchmark's UseRealTime): a sync
// commit spends its time waiting for the disk, so CPU time would say nothing. Google
// Benchmark then appends "/real_time" to each name ("BM_Put/sync/real_time/threads:16"),
// but scripts and the README select benchmarks by the shorter canonical names
// ("BM_Put/sync/threads:16"). So the Registry matches --benchmark_filter against the
// canonical names itself and registers only what it selects, and the reporters in main.cpp
// print the canonical names.
//
// Not thread-safe: used by main() before any benchmark runs.
#pragma once

#include <benchmark/benchmark.h>

#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace walkv::bench {

using BenchmarkFn = std::function<void(benchmark::State&)>;

class Registry {
 public:
  // `filter` has --benchmark_filter's syntax: a regular expression searched for in the name;
  // a leading '-' selects the names that do not match; empty or "all" selects everything.
  // Returns nullopt (and sets *error) if the expression does not compile.
  static std::optional<Registry> create(const std::string& filter, std::string* error);

  // Registers fn as `family`, or as `family + "/threads:N"` run by N threads when
  // threads > 0, timed by the wall clock — if the filter selects that name. Returns the
  // registered benchmark for further settings (Unit, ...), or null if it was filtered out.
  benchmark::internal::Benchmark* add(const std::string& family, int threads, BenchmarkFn fn);

  // Canonical names of the registered benchmarks, in registration (= run) order.
  const std::vector<std::string>& names() const { return names_; }

 private:
  Registry() = default;
  bool selects(const std::string& name) const;

  bool match_all_ = true;
  bool negate_ = false;
  std::regex pattern_;
  std::vector<std::string> names_;
};

// Each benchmark file registers its own benchmarks.
void register_raw_fdatasync(Registry& registry);
void register_put(Registry& registry);
void register_get(Registry& registry);
void register_recover(Registry& registry);
void register_checkpoint(Registry& registry);
void register_encode_record(Registry& registry);

}  // namespace walkv::bench
