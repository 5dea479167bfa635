// bench/latency_recorder.h — per-operation latency percentiles across benchmark threads.
//
// Each benchmark thread records into its own histogram (no sharing, no allocation while
// timing); after the timed loop, thread 0 merges them and reports p50_us, p99_us, p999_us.
// The histogram is log-linear: exact below 256 ns, then 128 buckets per power of two, so a
// reported percentile is within 0.4% of the true one (bucket midpoints).
//
// Thread safety: thread i may call thread(i).record() concurrently with other threads'
// recording; report() must run after every thread stopped recording (Google Benchmark's
// end-of-loop barrier guarantees that for code after the `for (auto _ : state)` loop).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <vector>

#include <benchmark/benchmark.h>

namespace walkv::bench {

using Clock = std::chrono::steady_clock;

class alignas(64) LatencyHistogram {
 public:
  void record(std::uint64_t ns) {
    ++buckets_[bucket_of(ns)];
    ++count_;
  }
  void record(Clock::duration d) {
    record(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()));
  }
  void merge(const LatencyHistogram& other);
  std::uint64_t count() const { return count_; }
  // The q-quantile (0 < q <= 1) in nanoseconds; 0 if nothing was recorded.
  double quantile_ns(double q) const;

 private:
  static constexpr int kSubBits = 8;  // 2^kSubBits exact values, then 2^(kSubBits-1) per octave
  static constexpr std::size_t kBuckets = (64 - kSubBits) * (std::size_t{1} << (kSubBits - 1)) +
                                          (std::size_t{1} << kSubBits);
  static std::size_t bucket_of(std::uint64_t ns);
  static double bucket_midpoint(std::size_t bucket);

  std::array<std::uint64_t, kBuckets> buckets_{};
  std::uint64_t count_ = 0;
};

class LatencyRecorder {
 public:
  explicit LatencyRecorder(int threads) : per_thread_(static_cast<std::size_t>(threads)) {}
  LatencyHistogram& thread(int index) { return per_thread_[static_cast<std::size_t>(index)]; }
  // Sets the counters p50_us, p99_us and p999_us (microseconds, over all threads' operations).
  void report(benchmark::State& state) const;

 private:
  std::vector<LatencyHistogram> per_thread_;
};

}  // namespace walkv::bench
