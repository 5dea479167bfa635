#include "stats.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numeric>

namespace walkv::crash {

int LatencyHistogram::index_of(std::uint64_t v) {
  if (v < (std::uint64_t{1} << kSubBits)) return static_cast<int>(v);
  const int msb = 63 - std::countl_zero(v);       // >= kSubBits
  const int shift = msb - kSubBits;                // keep kSubBits bits below the msb
  const auto sub = static_cast<int>((v >> shift) & ((1u << kSubBits) - 1));
  return ((shift + 1) << kSubBits) + sub;
}

double LatencyHistogram::midpoint(int index) {
  const int group = index >> kSubBits;
  const int sub = index & ((1 << kSubBits) - 1);
  if (group == 0) return sub;
  const int shift = group - 1;
  const double lo = std::ldexp(static_cast<double>((1 << kSubBits) + sub), shift);
  return lo + std::ldexp(1.0, shift) / 2;
}

void LatencyHistogram::add(std::uint64_t ns) {
  ++counts_[static_cast<std::size_t>(index_of(ns))];
  ++count_;
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
}

double LatencyHistogram::quantile_ns(double q) const {
  if (count_ == 0) return 0;
  const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= std::max<std::uint64_t>(rank, 1)) return midpoint(static_cast<int>(i));
  }
  return midpoint(kBuckets - 1);
}

double quantile(std::vector<double> samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(samples.size())));
  rank = std::clamp<std::size_t>(rank, 1, samples.size());
  return samples[rank - 1];
}

double mean(const std::vector<double>& samples) {
  if (samples.empty()) return 0;
  return std::accumulate(samples.begin(), samples.end(), 0.0) / static_cast<double>(samples.size());
}

double max_of(const std::vector<double>& samples) {
  return samples.empty() ? 0 : *std::max_element(samples.begin(), samples.end());
}

}  // namespace walkv::crash
