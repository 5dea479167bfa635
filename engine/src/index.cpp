#include "index.h"

// Compiled in: every put, get and replayed write hashes its key to pick a shard.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <iterator>
#include <mutex>
#include <new>

#include "batch_codec.h"
#include "walkv/write_batch.h"

namespace walkv {

Index::Index() {
  for (Shard& s : shards_) s.memory.set_reserve(&reserve_);
}

std::size_t Index::shard_of(std::string_view key) {
  return XXH3_64bits(key.data(), key.size()) % kShards;
}

void Index::Shard::clear() {
  for (const IndexSlot& slot : tree) IndexRecord::destroy(&memory, slot.rec);
  tree.clear();
  live = 0;
}

Index::Tree::iterator Index::insert(Shard& s, Tree::iterator hint, std::uint64_t prefix,
                                    std::string_view key, std::string_view value, Lsn lsn,
                                    bool deleted) {
  IndexRecord* r = IndexRecord::make(&s.memory, key, value, lsn, deleted);
  try {
    return s.tree.insert(hint, IndexSlot{prefix, r});
  } catch (...) {
    IndexRecord::destroy(&s.memory, r);
    throw;
  }
}

void Index::apply_op(Shard& s, Lsn lsn, bool is_put, std::string_view key,
                     std::string_view value) {
  const KeyProbe probe(key);
  if (s.cut) {
    if (const std::size_t part = s.cut->part_of(probe.prefix); !s.cut->copied(part))
      copy_part_for_cut(s, part);
  }
  auto it = s.tree.lower_bound(probe);
  if (it == s.tree.end() || it->prefix != probe.prefix || it->bytes() != key) {
    // An absent key still gets a tombstone on delete: an older in-flight put of this key
    // must not land later.
    insert(s, it, probe.prefix, key, is_put ? value : std::string_view(), lsn, !is_put);
    if (is_put) ++s.live;
    return;
  }
  IndexRecord* r = it->rec;
  if (r->lsn > lsn) return;  // a newer write already landed
  const bool was_deleted = r->deleted;
  it->rec = IndexRecord::update(&s.memory, r, is_put ? value : std::string_view(), lsn, !is_put);
  if (was_deleted && is_put) ++s.live;
  if (!was_deleted && !is_put) --s.live;
}

void Index::apply(Lsn lsn, std::string_view rep) {
  WriteBatch::OpType type;
  std::string_view key, value;
  std::size_t pos = 0;
  if (!detail::decode_op(rep, &pos, &type, &key, &value)) return;
  if (pos == rep.size()) {  // the common case: one operation, one shard
    Shard& s = shards_[shard_of(key)];
    std::unique_lock lk(s.mu);
    apply_op(s, lsn, type == WriteBatch::OpType::kPut, key, value);
    return;
  }
  std::uint32_t mask = 0;
  for (pos = 0; detail::decode_op(rep, &pos, &type, &key, &value);)
    mask |= 1u << shard_of(key);
  for (std::size_t i = 0; i < kShards; ++i)
    if (mask & (1u << i)) shards_[i].mu.lock();
  for (pos = 0; detail::decode_op(rep, &pos, &type, &key, &value);)
    apply_op(shards_[shard_of(key)], lsn, type == WriteBatch::OpType::kPut, key, value);
  for (std::size_t i = 0; i < kShards; ++i)
    if (mask & (1u << i)) shards_[i].mu.unlock();
}

std::optional<std::string> Index::get(std::string_view key) const {
  const Shard& s = shards_[shard_of(key)];
  std::unique_lock lk(s.mu);
  auto it = s.tree.find(KeyProbe(key));
  if (it == s.tree.end() || it->rec->deleted) return std::nullopt;
  return std::string(it->rec->value());
}

bool Index::scan_batch(const ScanOptions& so, const std::string* after, std::size_t max,
                       std::vector<std::pair<std::string, std::string>>* out) const {
  std::string_view from = std::max(so.start, so.prefix);
  bool more = false;
  const std::size_t base = out->size();
  // Each shard contributes its first `max` candidates; the merged first `max` are exact.
  for (const Shard& s : shards_) {
    std::unique_lock lk(s.mu);
    auto it = after ? s.tree.upper_bound(KeyProbe(*after)) : s.tree.lower_bound(KeyProbe(from));
    std::size_t taken = 0;
    for (; it != s.tree.end(); ++it) {
      const IndexRecord& r = *it->rec;
      const std::string_view k = r.key();
      if (!so.end.empty() && k >= so.end) break;
      if (!so.prefix.empty() && !k.starts_with(so.prefix)) {
        if (k > so.prefix) break;  // past every key with this prefix
        continue;
      }
      if (r.deleted) continue;
      if (taken == max) {
        more = true;
        break;
      }
      out->emplace_back(std::string(k), std::string(r.value()));
      ++taken;
    }
  }
  auto first = out->begin() + static_cast<std::ptrdiff_t>(base);
  std::sort(first, out->end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  if (out->size() - base > max) {
    out->resize(base + max);
    more = true;
  }
  return more;
}

void Index::load(SnapshotMap&& entries, Lsn lsn) {
  for (Shard& s : shards_) {
    std::unique_lock lk(s.mu);
    s.clear();
  }
  for (auto& [k, v] : entries) {
    Shard& s = shards_[shard_of(k)];
    // The snapshot is sorted, so each key goes at its shard's end: no search.
    insert(s, s.tree.end(), key_prefix(k), k, v, lsn, false);
    ++s.live;
  }
  entries.clear();
}

void Index::prepare_cut(IndexCut* cut) {
  for (std::size_t i = 0; i < kShards; ++i) {
    std::size_t bytes;
    {
      std::unique_lock lk(shards_[i].mu);
      bytes = shards_[i].memory.mapped_bytes();
    }
    cut->shards_[i].reserve(bytes / 4 * 3);
  }
}

void Index::begin_cut(IndexCut* cut) {
  for (std::size_t i = 0; i < kShards; ++i) {
    Shard& s = shards_[i];
    std::unique_lock lk(s.mu);
    if (s.tree.empty()) continue;  // nothing to copy; later inserts are after the cut
    IndexShardCopy& out = cut->shards_[i];
    out.set_range(s.tree.begin()->prefix, std::prev(s.tree.end())->prefix);
    s.cut = &out;
  }
}

void Index::finish_cut() {
  // One part per lock hold, and each shard's next part only after every other shard's: a
  // writer woken by the unlock gets its shard before this thread comes back to it. (Going
  // on to the same shard's next part won the lock back nearly every time: the first writer
  // to touch a shard then waited for the whole shard, 30-50 ms on a 2M-key index.)
  for (std::size_t part = 0; part < kCutParts; ++part) {
    for (Shard& s : shards_) {
      std::unique_lock lk(s.mu);
      if (s.cut && !s.cut->copied(part)) copy_part_for_cut(s, part);
    }
  }
}

void Index::copy_part_for_cut(Shard& s, std::size_t part) {
  IndexShardCopy& out = *s.cut;
  auto it = s.tree.lower_bound(KeyProbe(out.part_start(part), std::string_view()));
  while (it != s.tree.end() && out.part_of(it->prefix) == part) {
    IndexRecord* r = it->rec;
    if (r->deleted) {
      IndexRecord::destroy(&s.memory, r);
      it = s.tree.erase(it);
      continue;
    }
    try {
      out.append(part, r->key(), r->value());
    } catch (const std::bad_alloc&) {
      // The writer that got here must not fail for the checkpoint's sake: the checkpoint
      // sees the mark and fails instead.
      out.failed = true;
      s.cut = nullptr;
      return;
    }
    ++it;
  }
  out.set_copied(part);
  if (out.all_copied()) s.cut = nullptr;
}

std::uint64_t Index::live_keys() const {
  std::uint64_t n = 0;
  for (const Shard& s : shards_) {
    std::unique_lock lk(s.mu);
    n += s.live;
  }
  return n;
}

}  // namespace walkv
