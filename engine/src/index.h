// The in-memory index: an ordered map from key to (value, LSN), split into shards by key
// hash so that writers on different keys do not queue on one lock.
//
// Each shard is a B-tree (absl::btree_set) of 16-byte slots — key prefix and a pointer to
// the entry's record (index_key.h, index_record.h). A red-black tree of 1M random keys put
// a cache miss on each of its ~20 levels: its lookup was 61% of an async put's time. A
// B-tree node of 1 KiB holds ~63 slots, so a lookup touches a few nodes and one record.
//
// Writes are applied by LSN, not by arrival: an entry is replaced only by a write with a
// higher LSN. That is what keeps mixed commit modes correct — an async write is applied at
// once, a sync write only after its fdatasync, so a sync write with a lower LSN can arrive
// after an async one with a higher LSN for the same key and must lose. Deletes leave a
// tombstone (with its LSN) for the same reason; a checkpoint's cut drops those it covers.
//
// A batch locks every shard it touches (in shard order) for the whole batch, so a reader
// never sees half of a WriteBatch. Scans merge the shards in key order.
//
// A shard's lock is an exclusive AdaptiveMutex (adaptive_mutex.h: it spins before it
// sleeps), readers included: a get holds it for a lookup and a copy, and at 4 async writers
// a shared_mutex cost ~10% of put throughput (8 paired runs).
//
// Thread safety: all methods are safe to call concurrently.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory_resource>
#include <optional>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <absl/container/btree_set.h>

#include "adaptive_mutex.h"
#include "index_cut.h"
#include "index_key.h"
#include "index_memory.h"
#include "snapshot_map.h"
#include "walkv/options.h"

namespace walkv {

class Index {
 public:
  Index();

  // Applies an encoded WriteBatch (already validated) as of `lsn`.
  void apply(Lsn lsn, std::string_view batch_rep);
  std::optional<std::string> get(std::string_view key) const;
  // Copies up to `max` live pairs in key order: keys > *after, or, when after is null,
  // keys >= the range start. Returns false when the range is exhausted.
  bool scan_batch(const ScanOptions& so, const std::string* after, std::size_t max,
                  std::vector<std::pair<std::string, std::string>>* out) const;

  // Replaces the contents with a snapshot's (recovery only).
  void load(SnapshotMap&& entries, Lsn lsn);

  // Checkpoint support (index_cut.h). begin_cut marks every shard to be copied into `cut`
  // as it is now, and returns at once; a writer about to change a key in a marked shard
  // first copies the part of the shard that holds the key. finish_cut copies the parts no
  // writer has, and returns when `cut` holds the whole index as of begin_cut. Copying a
  // part also drops its tombstones: every write they could have to outrank was applied
  // before the cut.
  // REQUIRES: begin_cut with no write in flight (CommitLog::quiesce), one cut at a time,
  // finish_cut before `cut` is destroyed.
  void begin_cut(IndexCut* cut);
  // Before begin_cut, with writers running: faults in memory for each shard's copy, about
  // what its entries take (3/4 of the shard's pooled memory, which also holds its tree and
  // free blocks), so that a writer copying a part writes to memory already faulted in.
  void prepare_cut(IndexCut* cut);
  void finish_cut();
  std::uint64_t live_keys() const;

 private:
  friend class IndexReplay;  // recovery's bulk merge (index_replay.h)

  // absl::btree_set fixes its nodes at 256 bytes (~15 slots here); the container it is
  // made of takes the size as a parameter. With 1 KiB nodes (~63 slots) a tree of random
  // keys is about two levels shallower (computed for 125k keys a shard: ~5 levels against
  // ~3), and each level is a cache miss that the next one waits for. 2M random 16-byte keys
  // into an empty index, one thread: inserts 520–700 ns against 733–865 ns with 256-byte
  // nodes, lookups 982–1,179 ns against 1,128–1,209 ns (three alternating runs; 512-byte
  // nodes fell between). `absl::container_internal` is not abseil's public API: if a new
  // abseil renames it, this fails to compile rather than changing behaviour.
  static constexpr int kNodeBytes = 1024;
  using Tree = absl::container_internal::btree_set_container<
      absl::container_internal::btree<absl::container_internal::set_params<
          IndexSlot, IndexKeyLess, std::pmr::polymorphic_allocator<IndexSlot>, kNodeBytes,
          /*IsMulti=*/false>>>;
  struct alignas(64) Shard {
    // Destroys every entry. REQUIRES: mu held exclusively. (Destroying the shard needs no
    // clear(): its memory releases every record and node at once.)
    void clear();

    mutable AdaptiveMutex mu;
    IndexMemory memory;                  // before tree: its nodes and records live in it
    Tree tree{IndexKeyLess(), &memory};  // GUARDED_BY(mu)
    std::uint64_t live = 0;              // GUARDED_BY(mu)
    IndexShardCopy* cut = nullptr;       // GUARDED_BY(mu); copy parts here before changes
  };
  static constexpr std::size_t kShards = kIndexShards;

  static std::size_t shard_of(std::string_view key);
  // Inserts a new entry before `hint`. REQUIRES: s.mu held exclusively.
  static Tree::iterator insert(Shard& s, Tree::iterator hint, std::uint64_t prefix,
                               std::string_view key, std::string_view value, Lsn lsn,
                               bool deleted);
  // Copies one part of the shard into its pending cut (and clears s.cut once every part is
  // copied, or the copy failed). REQUIRES: s.mu held exclusively, s.cut set, part not copied.
  static void copy_part_for_cut(Shard& s, std::size_t part);
  static void apply_op(Shard& s, Lsn lsn, bool is_put, std::string_view key,
                       std::string_view value);

  RegionReserve reserve_;  // before shards_: their memory takes regions from it
  std::array<Shard, kShards> shards_;
};

}  // namespace walkv
