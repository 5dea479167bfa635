#include "latency_recorder.h"

#include <bit>
#include <memory>

namespace walkv::bench {

std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) {
  constexpr std::uint64_t kExact = std::uint64_t{1} << kSubBits;
  constexpr std::size_t kHalf = std::size_t{1} << (kSubBits - 1);
  if (ns < kExact) return static_cast<std::size_t>(ns);
  // ns = m << shift with m in [kHalf, 2*kHalf): its top kSubBits bits.
  const int shift = static_cast<int>(std::bit_width(ns)) - kSubBits;
  const std::uint64_t m = ns >> shift;
  return static_cast<std::size_t>(shift) * kHalf + static_cast<std::size_t>(m);
}

double LatencyHistogram::bucket_midpoint(std::size_t bucket) {
  constexpr std::size_t kExact = std::size_t{1} << kSubBits;
  constexpr std::size_t kHalf = std::size_t{1} << (kSubBits - 1);
  if (bucket < kExact) return static_cast<double>(bucket);
  const std::size_t shift = bucket / kHalf - 1;
  const std::size_t m = bucket - shift * kHalf;
  const double low = static_cast<double>(std::uint64_t{m} << shift);
  const double width = static_cast<double>(std::uint64_t{1} << shift);
  return low + width / 2;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
}

double LatencyHistogram::quantile_ns(double q) const {
  if (count_ == 0) return 0;
  // The smallest value v such that at least q of all samples are <= v.
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
  if (rank == 0) rank = 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return bucket_midpoint(i);
  }
  return bucket_midpoint(kBuckets - 1);
}

void LatencyRecorder::report(benchmark::State& state) const {
  auto all = std::make_unique<LatencyHistogram>();
  for (const auto& h : per_thread_) all->merge(h);
  // Plain counters (not rates): only thread 0 sets them, so the cross-thread sum is this value.
  state.counters["p50_us"] = all->quantile_ns(0.50) / 1e3;
  state.counters["p99_us"] = all->quantile_ns(0.99) / 1e3;
  state.counters["p999_us"] = all->quantile_ns(0.999) / 1e3;
}

}  // namespace walkv::bench
