// A checkpoint's copy of the index: every live entry as of one LSN, in key order.
//
// Why a cut and not a copy under a pause: copying a 1.7M-key index into a map while every
// writer waited stopped puts for 3.4 s at each automatic checkpoint. A cut is instead taken
// shard by shard (Index::begin_cut): the checkpoint marks every shard at the cut's LSN and
// lets writers go on; a shard is copied, in one pass under its lock, by whichever comes
// first — the checkpoint thread, or a writer about to change it. So a writer waits at most
// for one shard's copy, once per checkpoint, and the copy still shows the index exactly as
// of the cut's LSN.
//
// Each shard's part is packed, not a map: [u32 key size][u32 value size][key][value] after
// one another in 64 KiB chunks, so a copy is a sequential write with no allocation
// per entry. for_each() merges the shards' parts in key order.
//
// Thread safety: filled by Index under its shard locks; read only after Index::finish_cut.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "walkv/status.h"

namespace walkv {

inline constexpr std::size_t kIndexShards = 16;

// One shard's live entries in key order.
class IndexShardCopy {
 public:
  // REQUIRES: keys appended in increasing order.
  void append(std::string_view key, std::string_view value);
  std::uint64_t entries() const { return entries_; }
  // Set when memory ran out while copying: the copy is incomplete.
  bool failed = false;

  // Reads entries in the order appended.
  class Cursor {
   public:
    explicit Cursor(const IndexShardCopy& copy) : copy_(&copy) { load(); }
    bool valid() const { return chunk_ < copy_->chunks_.size(); }
    std::string_view key() const { return key_; }
    std::string_view value() const { return value_; }
    void next();

   private:
    void load();
    const IndexShardCopy* copy_;
    std::size_t chunk_ = 0;
    std::size_t pos_ = 0;
    std::string_view key_, value_;
  };

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 16;
  std::vector<std::string> chunks_;
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
