// bench/workload.h — the shape of db_bench's fillrandom: 16-byte keys, 100-byte values.
//
// Keys are 16 bytes derived from a 64-bit index through a bijective mixer, so distinct
// indexes give distinct, uniformly spread keys and any key can be recomputed from its index
// (BM_Get looks up keys that BM_Get's loader wrote). Plain values; not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace walkv::bench {

inline constexpr std::size_t kKeyBytes = 16;
inline constexpr std::size_t kValueBytes = 100;

// SplitMix64's finalizer: a bijection on 64-bit integers with good avalanche.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The key of `index`: its first 8 bytes are a bijection of index (so keys never collide).
class Key {
 public:
  explicit Key(std::uint64_t index) { set(index); }
  void set(std::uint64_t index) {
    const std::uint64_t a = mix64(index), b = mix64(index ^ 0x5bd1e9955bd1e995ULL);
    std::memcpy(bytes_, &a, 8);
    std::memcpy(bytes_ + 8, &b, 8);
  }
  std::string_view view() const { return {bytes_, kKeyBytes}; }

 private:
  char bytes_[kKeyBytes];
};

// Unique random-order keys for one writer: writer w draws indexes w*2^40, w*2^40+1, ...
class KeyStream {
 public:
  explicit KeyStream(std::uint64_t writer) : next_(writer << 40), key_(0) {}
  std::string_view next() {
    key_.set(next_++);
    return key_.view();
  }

 private:
  std::uint64_t next_;
  Key key_;
};

// A 100-byte value of printable pseudo-random bytes.
inline std::string make_value(std::uint64_t seed) {
  std::string v(kValueBytes, '\0');
  for (std::size_t i = 0; i < v.size(); ++i) {
    v[i] = static_cast<char>('a' + mix64(seed + i) % 26);
  }
  return v;
}

}  // namespace walkv::bench
