// One index entry's bytes: a header, the key and the value in a single allocation.
//
// Why one block: the index's tree holds only (key prefix, pointer) pairs, so that a node of
// its B-tree carries many keys and a lookup touches few cache lines; everything else an
// entry owns lives here. A put of a new key then costs one allocation for its record (plus,
// rarely, a tree node) instead of a tree node, a key string and a value string.
//
// The value has a capacity: overwriting a value with one that fits (the common case of
// equally sized values) writes in place; a value that does not fit, or that would waste
// most of the block (a delete, a much shorter value), moves the entry to a new block.
//
// Thread safety: none; a record belongs to one index shard and is used under its lock.
#pragma once

#include <cstdint>
#include <memory_resource>
#include <string_view>

#include "walkv/options.h"

namespace walkv {

struct IndexRecord {
  Lsn lsn;
  std::uint32_t key_size;
  std::uint32_t value_size;
  std::uint32_t value_capacity;
  bool deleted;

  std::string_view key() const { return {bytes(), key_size}; }
  std::string_view value() const { return {bytes() + key_size, value_size}; }

  // A new record in `m`. Throws std::bad_alloc when `m` does.
  static IndexRecord* make(std::pmr::memory_resource* m, std::string_view key,
                           std::string_view value, Lsn lsn, bool deleted);
  // Returns `r`'s memory to `m`.
  static void destroy(std::pmr::memory_resource* m, IndexRecord* r);
  // Gives `r` the value (and lsn, deleted) and returns the record that now holds the entry:
  // `r` itself, or a new record (then `r` is destroyed). On bad_alloc `r` is unchanged.
  static IndexRecord* update(std::pmr::memory_resource* m, IndexRecord* r,
                             std::string_view value, Lsn lsn, bool deleted);

 private:
  const char* bytes() const { return reinterpret_cast<const char*>(this + 1); }
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
  static std::size_t block_size(std::size_t key_size, std::size_t value_capacity) {
    return sizeof(IndexRecord) + key_size + value_capacity;
  }
};

}  // namespace walkv
