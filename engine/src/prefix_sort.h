// A stable sort for elements that carry a 64-bit key prefix (IndexSlot-like: `.prefix`),
// for the replay merge's staged operations.
//
// Why not std::stable_sort alone: replay sorts every replayed write by key, and with
// random keys that merge sort was a quarter of a recovery's CPU time (about 17 merge
// passes over each shard's operations). Prefixes of real keys are spread out, so one
// counting pass by the prefix's top bits puts the elements into small buckets, in order,
// and only each bucket is left to sort. The bucket bits are taken just below the bits
// that all prefixes share, so keys with a common stem ("user:000…") spread out too; where
// the prefixes do not spread at all (all equal), this is one std::stable_sort as before.
//
// Stability matters: for one key, the last operation in log order must win.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace walkv {

// Stable, in place, no allocation: for the small buckets (std::stable_sort would allocate
// a buffer for each).
template <class T, class Less>
void insertion_sort(T* first, T* last, Less less) {
  for (T* i = first + 1; i < last; ++i) {
    T v = *i;
    T* j = i;
    for (; j != first && less(v, *(j - 1)); --j) *j = *(j - 1);
    *j = v;
  }
}

// Sorts [first, last) stably by `less` into out[0, last - first). `less` must agree with
// the prefix order: a.prefix < b.prefix implies less(a, b). `out` must not overlap the
// input. The input is left as it was.
template <class T, class Less>
void prefix_sort(const T* first, const T* last, T* out, Less less) {
  constexpr int kMaxBits = 14;  // 16384 buckets: the counts (128 KiB) stay in L2
  constexpr std::size_t kInsertionMax = 48;
  const std::size_t n = static_cast<std::size_t>(last - first);
  std::uint64_t lo = ~std::uint64_t{0}, hi = 0;
  for (const T* p = first; p != last; ++p) {
    lo = std::min(lo, p->prefix);
    hi = std::max(hi, p->prefix);
  }
  if (n < 64 || lo == hi) {
    std::copy(first, last, out);
    std::stable_sort(out, out + n, less);
    return;
  }
  // All prefixes agree above bit `top`: order is decided by bits top..0. Bucket by the
  // highest of those bits, enough for about two elements per bucket.
  const int top = 63 - std::countl_zero(lo ^ hi);
  const int bits = std::min(kMaxBits, std::max(1, static_cast<int>(std::bit_width(n / 2))));
  const int shift = std::max(0, top + 1 - bits);
  const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
  auto bucket = [&](const T& t) { return static_cast<std::size_t>((t.prefix >> shift) & mask); };

  // Counting sort into the buckets (stable), then each bucket on its own.
  std::vector<std::size_t> next(std::size_t{1} << bits, 0);
  for (const T* p = first; p != last; ++p) ++next[bucket(*p)];
  std::size_t sum = 0;
  for (std::size_t& c : next) sum += std::exchange(c, sum);
  for (const T* p = first; p != last; ++p) out[next[bucket(*p)]++] = *p;
  std::size_t begin = 0;  // next[b] is now where bucket b ends
  for (std::size_t end : next) {
    if (end - begin > kInsertionMax) {
      std::stable_sort(out + begin, out + end, less);
    } else {
      insertion_sort(out + begin, out + end, less);
    }
    begin = end;
  }
}

}  // namespace walkv
