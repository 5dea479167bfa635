#include "index_replay.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <thread>

#include "walkv/write_batch.h"

namespace walkv {

bool IndexReplay::add(Lsn lsn, std::string_view rep) {
  const bool merge_first = staged_bytes_ >= stage_budget_;
  if (merge_first) finish();
  WriteBatch::OpType type;
  std::string_view key, value;
  for (std::size_t pos = 0; detail::decode_op(rep, &pos, &type, &key, &value);) {
    const bool is_put = type == WriteBatch::OpType::kPut;
    if (!is_put) value = {};
    Stage& st = stages_[Index::shard_of(key)];
    st.ops.push_back({key_prefix(key), key.data(), value.data(),
                      static_cast<std::uint32_t>(key.size()),
                      static_cast<std::uint32_t>(value.size()), lsn, is_put});
    staged_bytes_ += key.size() + value.size() + sizeof(Op);
  }
  return merge_first;
}

void IndexReplay::finish() {
  if (staged_bytes_ == 0) return;
  // Shards are independent: two threads (this machine class has two cores) take them in
  // turn. Each shard's lock is taken inside merge_shard, though nothing else runs yet.
  std::thread helper([this] {
    for (std::size_t s = 1; s < Index::kShards; s += 2) merge_shard(s);
  });
  for (std::size_t s = 0; s < Index::kShards; s += 2) merge_shard(s);
  helper.join();
  staged_bytes_ = 0;
}

void IndexReplay::merge_shard(std::size_t shard) {
  Stage& st = stages_[shard];
  if (st.ops.empty()) return;
  auto key_of = [](const Op& op) { return std::string_view(op.key, op.key_size); };
  std::stable_sort(st.ops.begin(), st.ops.end(), [&](const Op& a, const Op& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return key_of(a) < key_of(b);
  });

  Index::Shard& s = index_->shards_[shard];
  std::unique_lock lk(s.mu);
  Index::Tree::iterator hint;
  for (std::size_t i = 0; i < st.ops.size(); ++i) {
    // Of the operations on one key, only the last (in log order) matters.
    if (i + 1 < st.ops.size() && st.ops[i + 1].prefix == st.ops[i].prefix &&
        key_of(st.ops[i + 1]) == key_of(st.ops[i]))
      continue;
    const Op& op = st.ops[i];
    const std::string_view key = key_of(op);
    // Keys arrive in order: with no snapshot (the usual replay) each lands at the end,
    // found without a search; otherwise the search walks a path warm from the last one.
    const KeyProbe probe{op.prefix, key};
    if (s.tree.empty() || IndexKeyLess()(*s.tree.rbegin(), probe)) {
      hint = s.tree.end();
    } else {
      hint = s.tree.lower_bound(probe);
    }
    if (hint != s.tree.end() && hint->prefix == op.prefix && hint->bytes() == key) {
      IndexRecord* r = hint->rec;
      if (op.is_put) {
        if (r->deleted) ++s.live;
        hint->rec = IndexRecord::update(&s.memory, r, std::string_view(op.value, op.value_size),
                                        op.lsn, false);
      } else {
        if (!r->deleted) --s.live;
        IndexRecord::destroy(&s.memory, r);
        s.tree.erase(hint);
      }
      continue;
    }
    if (!op.is_put) continue;  // deleting an absent key
    hint = Index::insert(s, hint, op.prefix, key,
                         std::string_view(op.value, op.value_size), op.lsn, false);
    ++s.live;
  }
  lk.unlock();
  std::vector<Op>().swap(st.ops);
}

}  // namespace walkv
