// Rebuilds the index from a replayed log faster than applying record by record.
//
// Applying a random-key record costs a search down a shard's tree: cache misses at every
// level, which made recovery many times slower than reading the log. Replay instead copies
// each operation into its record (index_record.h) at once, in log order — so the log is
// read front to back and each shard's memory filled front to back — and stages the record;
// then per shard it sorts the staged records by key — stable, so for one key the last
// operation in log order wins, as it would have — and merges the sorted run into the shard
// in key order, where each step lands next to the previous one. The shards are merged on
// two threads.
//
// Reading and staging overlap: add() notes each replayed write in a batch (1 MiB of writes)
// and hands full batches to a staging thread, which makes the records, while the reading
// thread goes on parsing and checksumming the log. (Making records was about as costly as
// reading the log; the two ran one after the other on one of the machine's two cores.) A
// batch holds the reader's window buffers rather than a copy of the writes: copying them
// was a tenth of the reading thread's work, and that thread bounds a replay.
//
// Staging is bounded: once kStageBudget bytes (256 MiB) of writes are staged, they are
// merged before more are taken, so that superseded records do not pile up with the log.
//
// Only for recovery: no write may be in flight, so the merged entries need no tombstones
// (a delete simply removes the key). Thread-compatible: one thread calls add() and
// finish(); the staging thread is internal.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <string_view>
#include <vector>

#include "index.h"

namespace walkv {

class IndexReplay {
 public:
  static constexpr std::size_t kStageBudget = std::size_t{256} << 20;
  static constexpr std::size_t kFirstStage = 4096;  // ops: a shard's first staging, 64 KiB

  static constexpr std::size_t kBatchBytes = std::size_t{1} << 20;
  // Batches handed off and not yet staged, at most: the reader runs ahead of the staging
  // thread by this much before it waits, so that neither waits for the other's hiccups
  // (a preempted thread, a region being faulted in).
  static constexpr std::size_t kQueuedBatches = 3;

  // `stage_budget` other than the default is for tests.
  explicit IndexReplay(Index* index, std::size_t stage_budget = kStageBudget)
      : index_(index), stage_budget_(stage_budget) {}
  ~IndexReplay();
  IndexReplay(const IndexReplay&) = delete;
  IndexReplay& operator=(const IndexReplay&) = delete;
  // Stages an encoded WriteBatch (already validated) whose bytes `owner` keeps alive: the
  // replay holds a copy of `owner` until the write is staged, so the bytes need not be
  // copied (recovery passes the WAL reader's window, segment_window.h). REQUIRES: calls in
  // LSN order, every LSN above what the index holds. Throws std::bad_alloc (also for a
  // record the staging thread could not make).
  void add(Lsn lsn, std::string_view batch_rep, const std::shared_ptr<const char[]>& owner);
  // Merges everything staged into the index.
  void finish();

 private:
  // The operation's record, already in its shard's memory, with its key prefix (the slot
  // it will have in the tree) and whether it is a delete, in the pointer's low bit. The
  // merge walks the ops in key order and the records lie in log order, so every record it
  // read would be a cache miss; with the flag here it reads one only when two prefixes tie
  // (IndexKeyLess compares bytes() then).
  struct Op {
    std::uint64_t prefix;
    std::uintptr_t tagged;
    Op() = default;
    Op(std::uint64_t p, IndexRecord* r, bool deleted)
        : prefix(p), tagged(reinterpret_cast<std::uintptr_t>(r) | (deleted ? 1 : 0)) {}
    IndexRecord* rec() const {
      return reinterpret_cast<IndexRecord*>(tagged & ~std::uintptr_t{1});
    }
    bool deleted() const { return (tagged & 1) != 0; }
    std::string_view bytes() const { return rec()->key(); }
  };
  static_assert(alignof(IndexRecord) >= 2, "the delete flag needs the pointer's low bit");
  // Staging vectors grow to megabytes; on fresh heap pages they page-faulted
  // once per 4 KiB (70% of replay's page faults). Their memory is mapped faulted-in instead.
  template <class T>
  struct PrefaultedAlloc {
    using value_type = T;
    PrefaultedAlloc() = default;
    template <class U>
    PrefaultedAlloc(const PrefaultedAlloc<U>&) {}
    T* allocate(std::size_t n) { return static_cast<T*>(map_prefaulted(bytes(n))); }
    void deallocate(T* p, std::size_t n) { unmap_prefaulted(p, bytes(n)); }
    static std::size_t bytes(std::size_t n) { return round_up(n * sizeof(T), kPageSize); }
    friend bool operator==(PrefaultedAlloc, PrefaultedAlloc) { return true; }
  };
  using Ops = std::vector<Op, PrefaultedAlloc<Op>>;
  struct Stage {
    Ops ops;
  };

  // Writes handed from add() to the staging thread, with the buffers their bytes lie in.
  struct Batch {
    std::vector<std::pair<Lsn, std::string_view>> writes;
    std::vector<std::shared_ptr<const char[]>> owners;
    std::size_t bytes = 0;
  };

  // Makes the records of a batch's writes and stages them (the staging thread).
  void stage(const Batch& batch);
  // Queues filling_ for the staging thread, once fewer than kQueuedBatches wait there.
  void hand_off();
  // Returns once the staging thread is idle; rethrows what it failed with.
  void wait_idle(std::unique_lock<std::mutex>& lk);
  void stager_main();
  // Sorts the shard's staged ops into `sorted` (a merging thread's, reused across shards)
  // and merges them into the shard.
  void merge_shard(std::size_t shard, Ops& sorted);

  Index* index_;
  const std::size_t stage_budget_;
  // The staging thread writes stages_ (each op moves a vector's end) while add() reads and
  // writes the reader's fields: apart, on cache lines of their own, or every add() waits
  // for a line the other vCPU just wrote (a tenth of the reader's time in add()).
  alignas(64) std::array<Stage, Index::kShards> stages_;  // the staging thread's while busy
  alignas(64) std::size_t staged_bytes_ = 0;              // handed off since the last merge
  std::array<Ops, 2> sorted_;                 // each merging thread's sort output

  Batch filling_;  // add()'s
  std::mutex mu_;
  std::condition_variable cv_;  // queued_, busy_, error_ or stop_ changed
  std::deque<Batch> queued_;    // GUARDED_BY(mu_): handed off, oldest first
  std::vector<Batch> spare_;    // GUARDED_BY(mu_): staged, emptied, for add() to refill
  bool busy_ = false;           // GUARDED_BY(mu_): the staging thread is staging a batch
  bool stop_ = false;           // GUARDED_BY(mu_)
  std::exception_ptr error_;    // GUARDED_BY(mu_)
  std::thread stager_;          // started by the first hand-off
};

}  // namespace walkv
