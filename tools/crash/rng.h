// Seeded pseudo-random numbers for the crash simulator.
//
// Every choice a trial makes (workload, crash delay, which sectors survive a power cut) is
// drawn from a generator seeded by mix_seed(run seed, ...), so a failing trial replays from
// the seed and trial number printed with it. Not thread-safe: one Rng per thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace walkv::crash {

// SplitMix64 step: a good 64-bit mixer (Steele, Lea, Flood 2014).
inline std::uint64_t splitmix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ (b * 0xD1B54A32D192ED03ULL);
  splitmix64(&s);
  return splitmix64(&s);
}

// FNV-1a, for folding names (mode, crash kind) into seeds.
inline std::uint64_t hash_name(std::string_view s) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001B3ULL;
  }
  return h;
}

// xoshiro256** (Blackman, Vigna), seeded through SplitMix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(&seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, n). REQUIRES: n > 0. (Modulo bias is negligible for the small n used.)
  std::uint64_t below(std::uint64_t n) { return next() % n; }
  // Uniform in [lo, hi]. REQUIRES: lo <= hi.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  // True with probability percent/100.
  bool percent(unsigned percent) { return below(100) < percent; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace walkv::crash
