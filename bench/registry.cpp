#include "registry.h"

#include <utility>

namespace walkv::bench {

std::optional<Registry> Registry::create(const std::string& filter, std::string* error) {
  Registry registry;
  if (filter.empty() || filter == "all") return registry;
  std::string expression = filter;
  if (expression.front() == '-') {
    registry.negate_ = true;
    expression.erase(0, 1);
  }
  try {
    // Google Benchmark compiles the filter as a POSIX extended expression.
    registry.pattern_ = std::regex(expression, std::regex::extended);
  } catch (const std::regex_error& e) {
    *error = "bad --benchmark_filter '" + filter + "': " + e.what();
    return std::nullopt;
  }
  registry.match_all_ = false;
  return registry;
}

bool Registry::selects(const std::string& name) const {
  if (match_all_) return true;
  return std::regex_search(name, pattern_) != negate_;
}

benchmark::internal::Benchmark* Registry::add(const std::string& family, int threads,
                                              BenchmarkFn fn) {
  const std::string name =
      threads > 0 ? family + "/threads:" + std::to_string(threads) : family;
  if (!selects(name)) return nullptr;
  names_.push_back(name);
  benchmark::internal::Benchmark* b = benchmark::RegisterBenchmark(family.c_str(), std::move(fn));
  b->UseRealTime();
  if (threads > 0) b->Threads(threads);
  return b;
}

}  // namespace walkv::bench
