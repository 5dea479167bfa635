// The index's key order: by the first 8 bytes as a big-endian integer, then by the bytes.
//
// Why: a tree search compares the probe with several keys per level. The key's bytes live in
// its record, elsewhere in memory, so each such comparison would be a cache miss. With the
// prefix stored in the tree, keys that differ in their first 8 bytes — most keys, for
// random or hashed keys — compare without leaving the tree node.
//
// Order: (prefix, bytes) orders exactly as the bytes do lexicographically. The prefix is
// zero-padded, so when one key is a proper prefix of another the padding compares as 0
// against the longer key's byte: smaller or equal, never larger, and equal prefixes fall
// back to comparing the bytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "index_record.h"

namespace walkv {

inline std::uint64_t key_prefix(std::string_view key) {
  unsigned char b[8] = {};
  // An empty view may have a null data(), and memcpy from null is undefined even for 0.
  if (!key.empty()) std::memcpy(b, key.data(), key.size() < 8 ? key.size() : 8);
  std::uint64_t p = 0;
  for (unsigned char c : b) p = (p << 8) | c;
  return p;
}

// What the index's tree holds per key: the prefix, and the record with the key's bytes,
// value and LSN (index_record.h). 16 bytes, so a B-tree node holds many of them. `rec` is
// mutable because an update may move the entry to a new record: the key, and so the
// slot's place in the order, stays the same.
struct IndexSlot {
  std::uint64_t prefix;
  mutable IndexRecord* rec;
  std::string_view bytes() const { return rec->key(); }
};

// A probe: what searches take, so that a lookup computes the prefix once.
struct KeyProbe {
  explicit KeyProbe(std::string_view k) : prefix(key_prefix(k)), key(k) {}
  KeyProbe(std::uint64_t p, std::string_view k) : prefix(p), key(k) {}
  std::uint64_t prefix;
  std::string_view key;
  std::string_view bytes() const { return key; }
};

struct IndexKeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return a.bytes() < b.bytes();
  }
};

}  // namespace walkv
