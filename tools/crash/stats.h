// Percentiles for latency (a log-linear histogram: bounded memory for millions of samples,
// under 1.6% relative error) and for small sample sets (exact, nearest rank).
// Not thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace walkv::crash {

class LatencyHistogram {
 public:
  void add(std::uint64_t ns);
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return count_; }
  // The value below which `q` (0..1) of the samples fall, in nanoseconds (0 if empty).
  double quantile_ns(double q) const;

 private:
  static constexpr int kSubBits = 6;  // 64 sub-buckets per power of two
  static constexpr int kBuckets = (64 - kSubBits + 1) << kSubBits;
  static int index_of(std::uint64_t v);
  static double midpoint(int index);
  std::vector<std::uint64_t> counts_ = std::vector<std::uint64_t>(kBuckets, 0);
  std::uint64_t count_ = 0;
};

// Nearest-rank quantile of a sample set (0 if empty). `q` in [0, 1].
double quantile(std::vector<double> samples, double q);
double mean(const std::vector<double>& samples);
double max_of(const std::vector<double>& samples);

}  // namespace walkv::crash
