// The in-memory index: an ordered map from key to (value, LSN), split into shards by key
// hash so that writers on different keys do not queue on one lock.
//
// Writes are applied by LSN, not by arrival: an entry is replaced only by a write with a
// higher LSN. That is what keeps mixed commit modes correct — an async write is applied at
// once, a sync write only after its fdatasync, so a sync write with a lower LSN can arrive
// after an async one with a higher LSN for the same key and must lose. Deletes leave a
// tombstone (with its LSN) for the same reason; purge_tombstones() drops them when no write
// is in flight (the checkpoint does it).
//
// A batch locks every shard it touches (in shard order) for the whole batch, so a reader
// never sees half of a WriteBatch. Scans merge the shards in key order.
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory_resource>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index_key.h"
#include "index_memory.h"
#include "snapshot.h"
#include "walkv/options.h"

namespace walkv {

class Index {
 public:
  // Applies an encoded WriteBatch (already validated) as of `lsn`.
  void apply(Lsn lsn, std::string_view batch_rep);
  std::optional<std::string> get(std::string_view key) const;
  // Copies up to `max` live pairs in key order: keys > *after, or, when after is null,
  // keys >= the range start. Returns false when the range is exhausted.
  bool scan_batch(const ScanOptions& so, const std::string* after, std::size_t max,
                  std::vector<std::pair<std::string, std::string>>* out) const;

  // Replaces the contents with a snapshot's (recovery only).
  void load(SnapshotMap&& entries, Lsn lsn);
  // Live pairs in key order. REQUIRES: no write in flight (else it may miss an older write).
  SnapshotMap copy_live() const;
  void purge_tombstones();
  std::uint64_t live_keys() const;

 private:
  friend class IndexReplay;  // recovery's bulk merge (index_replay.h)

  struct Entry {
    using allocator_type = std::pmr::polymorphic_allocator<char>;
    Entry(std::string_view v, Lsn l, bool d, const allocator_type& a)
        : value(v, a), lsn(l), deleted(d) {}
    std::pmr::string value;
    Lsn lsn = 0;
    bool deleted = false;
  };
  using Map = std::pmr::map<IndexKey, Entry, IndexKeyLess>;
  struct alignas(64) Shard {
    mutable std::shared_mutex mu;
    IndexMemory memory;      // before map: the map's nodes live in it
    Map map{&memory};        // GUARDED_BY(mu)
    std::uint64_t live = 0;  // GUARDED_BY(mu)
  };
  static constexpr std::size_t kShards = 16;

  static std::size_t shard_of(std::string_view key);
  // Inserts a new entry before `hint`. REQUIRES: s.mu held exclusively.
  static Map::iterator insert(Shard& s, Map::iterator hint, std::uint64_t prefix,
                              std::string_view key, std::string_view value, Lsn lsn,
                              bool deleted);
  static void apply_op(Shard& s, Lsn lsn, bool is_put, std::string_view key,
                       std::string_view value);

  std::array<Shard, kShards> shards_;
};

}  // namespace walkv
