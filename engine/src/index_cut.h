// A checkpoint's copy of the index: every live entry as of one LSN, in key order.
//
// Why a cut and not a copy under a pause: copying a 1.7M-key index into a map while every
// writer waited stopped puts for 3.4 s at each automatic checkpoint. A cut is instead taken
// piece by piece (Index::begin_cut): the checkpoint marks every shard at the cut's LSN and
// lets writers go on; each piece is copied, under its shard's lock, by whichever comes
// first — the checkpoint thread, or a writer about to change a key in it. The copy still
// shows the index exactly as of the cut's LSN.
//
// The pieces: each shard is copied in kCutParts parts, split by key prefix (index_key.h)
// evenly between the shard's smallest and largest key at the cut. Why: when a writer copied
// its whole shard, the first put into each shard after a checkpoint began waited 10-90 ms
// on a 2M-key index. A part is 1/4096 of the index for keys whose first 8 bytes vary; keys
// that share their first 8 bytes land in one part, as slow to copy as a whole shard was,
// never slower. finish_cut copies the rest one part per lock hold, so writers interleave.
//
// A copy is packed, not a map: [u32 key size][u32 value size][key][value] after one another,
// so a copy is a sequential write with no allocation per entry. The bytes go to memory that
// is faulted in before the cut begins (reserve(), on the checkpoint's thread): on fresh heap
// pages, the copy page-faulted once per 4 KiB, and a writer that copied a part paid for it —
// ~0.2 s of the writer's time per checkpoint of a 2M-key index, while puts slowed to a few
// thousand per second. for_each() merges the shards in key order; a shard's parts follow
// each other in key order.
//
// Thread safety: filled by Index under its shard locks; read only after Index::finish_cut.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "index_memory.h"
#include "walkv/status.h"

namespace walkv {

inline constexpr std::size_t kIndexShards = 16;
inline constexpr std::size_t kCutParts = 256;

// One shard's live entries in key order, copied part by part.
class IndexShardCopy {
 public:
  // Splits key prefixes into kCutParts ranges of equal width between lo and hi (the shard's
  // smallest and largest prefix at the cut); prefixes outside [lo, hi] go to the first or
  // last part. Marks no part copied.
  void set_range(std::uint64_t lo, std::uint64_t hi);
  std::size_t part_of(std::uint64_t prefix) const;
  // The smallest prefix in `part`: where its copy starts.
  std::uint64_t part_start(std::size_t part) const;
  bool copied(std::size_t part) const { return copied_.test(part); }
  void set_copied(std::size_t part) { copied_.set(part); }
  bool all_copied() const { return copied_.all(); }

  // Faults in about `bytes` for the copy now (a region appends fill first). Without it, or
  // past it, the copy maps its memory as it goes. Never fails: if mapping fails, append()
  // will meet the same error.
  void reserve(std::size_t bytes) noexcept;
  // REQUIRES: keys appended to a part in increasing order, and only to parts not yet copied.
  // Throws std::bad_alloc when out of memory.
  void append(std::size_t part, std::string_view key, std::string_view value);
  std::uint64_t entries() const { return entries_; }
  // Set when memory ran out while copying: the copy is incomplete.
  bool failed = false;

  // Reads entries in the order appended.
  class Cursor {
   public:
    explicit Cursor(const IndexShardCopy& copy) : copy_(&copy) { load(); }
    bool valid() const { return part_ < kCutParts; }
    std::string_view key() const { return key_; }
    std::string_view value() const { return value_; }
    void next();

   private:
    void load();
    const IndexShardCopy* copy_;
    std::size_t part_ = 0;
    std::size_t span_ = 0;
    std::size_t pos_ = 0;
    std::string_view key_, value_;
  };

 private:
  // Where a part's entries are: one span per run of them that is contiguous in memory_.
  struct Span {
    const char* data;
    std::size_t size;
  };
  PrefaultedRegions memory_;
  std::array<std::vector<Span>, kCutParts> parts_;
  std::uint64_t lo_ = 0, width_ = 1;
  std::bitset<kCutParts> copied_;
  std::uint64_t entries_ = 0;
};

class IndexCut {
 public:
  // False if a shard's copy failed (out of memory): the cut must not be used.
  bool complete() const;
  std::uint64_t size() const;
  // Calls fn(key, value) for each entry in key order; stops at, and returns, the first
  // error fn returns.
  Status for_each(const std::function<Status(std::string_view, std::string_view)>& fn) const;

 private:
  friend class Index;
  std::array<IndexShardCopy, kIndexShards> shards_;
};

}  // namespace walkv
