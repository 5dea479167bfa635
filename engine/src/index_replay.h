// Rebuilds the index from a replayed log faster than applying record by record.
//
// Applying a random-key record costs a search down a shard's tree: a cache miss per level,
// about a microsecond per record, which made recovery ~15x slower than reading the log.
// Replay instead stages each operation (a view of its key and value, which stay in the
// log's mapping: copying them cost a fifth of recovery's time), then per shard sorts the staged operations by key — stable, so for one key the last operation in
// log order wins, as it would have — and merges the sorted run into the shard in key order,
// where each step lands next to the previous one. The shards are merged on two threads.
//
// Staging is bounded: once kStageBudget bytes (256 MiB) of keys and values are staged, they
// are merged before more are taken, so that neither the staged operations nor the log
// mappings their views pin grow with the log.
//
// Only for recovery: no write may be in flight, so the merged entries need no tombstones
// (a delete simply removes the key). Thread-compatible; not for concurrent use.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index.h"

namespace walkv {

class IndexReplay {
 public:
  static constexpr std::size_t kStageBudget = std::size_t{256} << 20;

  // `stage_budget` other than the default is for tests.
  explicit IndexReplay(Index* index, std::size_t stage_budget = kStageBudget)
      : index_(index), stage_budget_(stage_budget) {}
  // Stages an encoded WriteBatch (already validated). REQUIRES: calls in LSN order, every
  // LSN above what the index holds; batch_rep's bytes stay valid until they are merged:
  // until finish(), or until an add() returns true — it merged everything staged before
  // it, so the caller may release all bytes of earlier calls (not of this one).
  bool add(Lsn lsn, std::string_view batch_rep);
  // Merges everything staged into the index.
  void finish();

 private:
  struct Op {
    std::uint64_t prefix;  // the key's first 8 bytes, big-endian: most compares stop here
    const char* key;       // in the caller's bytes
    const char* value;
    std::uint32_t key_size;
    std::uint32_t value_size;
    Lsn lsn;
    bool is_put;
  };
  struct Stage {
    std::vector<Op> ops;
  };

  void merge_shard(std::size_t shard);

  Index* index_;
  const std::size_t stage_budget_;
  std::array<Stage, Index::kShards> stages_;
  std::size_t staged_bytes_ = 0;
};

}  // namespace walkv
