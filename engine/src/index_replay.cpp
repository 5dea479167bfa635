#include "index_replay.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>

#include "prefix_sort.h"
#include "batch_codec.h"
#include "walkv/write_batch.h"

namespace walkv {

IndexReplay::~IndexReplay() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (stager_.joinable()) stager_.join();
}

void IndexReplay::add(Lsn lsn, std::string_view rep, const std::shared_ptr<const char[]>& owner) {
  if (staged_bytes_ >= stage_budget_) finish();
  if (filling_.owners.empty() || filling_.owners.back() != owner) filling_.owners.push_back(owner);
  filling_.writes.emplace_back(lsn, rep);
  filling_.bytes += rep.size();
  staged_bytes_ += rep.size() + sizeof(Op);
  if (filling_.bytes >= kBatchBytes) hand_off();
}

void IndexReplay::hand_off() {
  if (filling_.writes.empty()) return;
  std::unique_lock lk(mu_);
  cv_.wait(lk, [&] { return queued_.size() < kQueuedBatches || error_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
  queued_.push_back(std::move(filling_));
  filling_ = Batch();
  if (!spare_.empty()) {
    filling_ = std::move(spare_.back());
    spare_.pop_back();
  }
  if (!stager_.joinable()) stager_ = std::thread([this] { stager_main(); });
  lk.unlock();
  cv_.notify_all();
}

void IndexReplay::wait_idle(std::unique_lock<std::mutex>& lk) {
  cv_.wait(lk, [&] { return queued_.empty() && !busy_; });
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void IndexReplay::stager_main() {
  std::unique_lock lk(mu_);
  while (true) {
    cv_.wait(lk, [&] { return !queued_.empty() || stop_; });
    if (stop_) return;  // abandoned: what is queued is never merged
    Batch batch = std::move(queued_.front());
    queued_.pop_front();
    busy_ = true;
    lk.unlock();
    std::exception_ptr error;
    try {
      stage(batch);
    } catch (...) {
      error = std::current_exception();
    }
    batch.writes.clear();
    batch.owners.clear();  // the reader's windows are freed as soon as they are staged
    batch.bytes = 0;
    lk.lock();
    busy_ = false;
    if (error) {
      error_ = error;
      queued_.clear();  // finish() reports the error; nothing after it is staged
    }
    spare_.push_back(std::move(batch));
    cv_.notify_all();
  }
}

void IndexReplay::stage(const Batch& batch) {
  for (const auto& [lsn, rep] : batch.writes) {
    WriteBatch::OpType type;
    std::string_view key, value;
    for (std::size_t pos = 0; detail::decode_op(rep, &pos, &type, &key, &value);) {
      const bool is_put = type == WriteBatch::OpType::kPut;
      if (!is_put) value = {};
      const std::size_t shard = Index::shard_of(key);
      // Copied now, in log order: each shard's memory is filled front to back. (Copying at
      // merge time, in key order, read the log at random: 45% of replay was that
      // memmove.) Nothing else uses the index during recovery, so the shard's memory needs
      // no lock.
      IndexRecord* r =
          IndexRecord::make(&index_->shards_[shard].memory, key, value, lsn, !is_put);
      auto& ops = stages_[shard].ops;
      if (ops.capacity() == 0) ops.reserve(kFirstStage);
      ops.emplace_back(key_prefix(key), r, !is_put);
    }
  }
}

void IndexReplay::finish() {
  hand_off();
  {
    std::unique_lock lk(mu_);
    wait_idle(lk);
  }
  if (staged_bytes_ == 0) return;
  // Shards are independent: two threads (this machine class has two cores) take them in
  // turn. Each shard's lock is taken inside merge_shard, though nothing else runs yet.
  std::thread helper([this] {
    for (std::size_t s = 1; s < Index::kShards; s += 2) merge_shard(s, sorted_[1]);
  });
  for (std::size_t s = 0; s < Index::kShards; s += 2) merge_shard(s, sorted_[0]);
  helper.join();
  staged_bytes_ = 0;
}

void IndexReplay::merge_shard(std::size_t shard, Ops& sorted) {
  Stage& st = stages_[shard];
  if (st.ops.empty()) return;
  Index::Shard& s = index_->shards_[shard];
  auto same_key = [](const Op& a, const Op& b) {
    return a.prefix == b.prefix && a.bytes() == b.bytes();
  };
  if (sorted.size() < st.ops.size()) sorted.resize(st.ops.size());
  const std::size_t n = st.ops.size();
  prefix_sort(st.ops.data(), st.ops.data() + n, sorted.data(), IndexKeyLess());

  std::unique_lock lk(s.mu);
  Index::Tree::iterator hint;
  for (std::size_t i = 0; i < n; ++i) {
    const Op& op = sorted[i];
    IndexRecord* r = op.rec();
    // Of the operations on one key, only the last (in log order) matters.
    if (i + 1 < n && same_key(sorted[i + 1], op)) {
      IndexRecord::destroy(&s.memory, r);
      continue;
    }
    // Keys arrive in order: with no snapshot (the usual replay) each lands at the end,
    // found without a search; otherwise the search walks a path warm from the last one.
    // The op itself is the probe: its record is read only if a prefix ties.
    if (s.tree.empty() || IndexKeyLess()(*s.tree.rbegin(), op)) {
      hint = s.tree.end();
    } else {
      hint = s.tree.lower_bound(op);
    }
    if (hint != s.tree.end() && hint->prefix == op.prefix && hint->bytes() == op.bytes()) {
      // Replay leaves no tombstones in the tree, so the existing entry is live.
      IndexRecord::destroy(&s.memory, hint->rec);
      if (op.deleted()) {
        IndexRecord::destroy(&s.memory, r);
        --s.live;
        hint = s.tree.erase(hint);
      } else {
        hint->rec = r;
      }
      continue;
    }
    if (op.deleted()) {  // deleting an absent key
      IndexRecord::destroy(&s.memory, r);
      continue;
    }
    hint = s.tree.insert(hint, IndexSlot{op.prefix, r});
    ++s.live;
  }
  lk.unlock();
  decltype(st.ops)().swap(st.ops);
}

}  // namespace walkv
