// The index's key: the bytes, plus their first 8 bytes as a big-endian integer.
//
// Why: a tree search compares the probe with one key per level. A std::string key of more
// than 15 bytes lives on the heap, so each comparison was two cache misses (node, then key
// bytes). With the prefix stored in the node, keys that differ in their first 8 bytes —
// most keys, for random or hashed keys — compare without touching the heap.
//
// Order: (prefix, bytes) orders exactly as the bytes do lexicographically. The prefix is
// zero-padded, so when one key is a proper prefix of another the padding compares as 0
// against the longer key's byte: smaller or equal, never larger, and equal prefixes fall
// back to comparing the bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory_resource>
#include <string>
#include <string_view>
#include <utility>

namespace walkv {

inline std::uint64_t key_prefix(std::string_view key) {
  unsigned char b[8] = {};
  // An empty view may have a null data(), and memcpy from null is undefined even for 0.
  if (!key.empty()) std::memcpy(b, key.data(), key.size() < 8 ? key.size() : 8);
  std::uint64_t p = 0;
  for (unsigned char c : b) p = (p << 8) | c;
  return p;
}

// Allocator-aware: in the index's map its bytes come from the shard's memory
// (index_memory.h), passed in by the map's node construction.
struct IndexKey {
  using allocator_type = std::pmr::polymorphic_allocator<char>;
  IndexKey(std::uint64_t p, std::string_view k, const allocator_type& a = {})
      : prefix(p), bytes(k, a) {}
  std::uint64_t prefix;
  std::pmr::string bytes;
};

// A probe: what searches take, so that a lookup computes the prefix once.
struct KeyProbe {
  explicit KeyProbe(std::string_view k) : prefix(key_prefix(k)), bytes(k) {}
  KeyProbe(std::uint64_t p, std::string_view k) : prefix(p), bytes(k) {}
  std::uint64_t prefix;
  std::string_view bytes;
};

struct IndexKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return std::string_view(a.bytes) < std::string_view(b.bytes);
  }
};

}  // namespace walkv
