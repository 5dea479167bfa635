#include "index.h"

#include <mutex>

#include "walkv/write_batch.h"

namespace walkv {

void Index::apply(Lsn lsn, std::string_view rep) {
  std::unique_lock lk(mu_);
  std::size_t pos = 0;
  WriteBatch::OpType type;
  std::string_view key, value;
  while (detail::decode_op(rep, &pos, &type, &key, &value)) {
    bool is_put = type == WriteBatch::OpType::kPut;
    auto it = map_.lower_bound(key);
    if (it == map_.end() || it->first != key) {
      if (!is_put) {
        // Nothing to delete, but an older in-flight put of this key must not land later.
        map_.emplace_hint(it, std::string(key), Entry{{}, lsn, true});
        continue;
      }
      map_.emplace_hint(it, std::string(key), Entry{std::string(value), lsn, false});
      ++live_;
      continue;
    }
    Entry& e = it->second;
    if (e.lsn > lsn) continue;  // a newer write already landed
    if (e.deleted && is_put) ++live_;
    if (!e.deleted && !is_put) --live_;
    e.lsn = lsn;
    e.deleted = !is_put;
    if (is_put) {
      e.value.assign(value);
    } else {
      e.value.clear();
      e.value.shrink_to_fit();
    }
  }
}

std::optional<std::string> Index::get(std::string_view key) const {
  std::shared_lock lk(mu_);
  auto it = map_.find(key);
  if (it == map_.end() || it->second.deleted) return std::nullopt;
  return it->second.value;
}

bool Index::scan_batch(const ScanOptions& so, const std::string* after, std::size_t max,
                       std::vector<std::pair<std::string, std::string>>* out) const {
  std::shared_lock lk(mu_);
  std::string_view from = so.start;
  if (so.prefix.size() > from.size() || from.substr(0, so.prefix.size()) < so.prefix)
    from = std::max(from, so.prefix);
  auto it = after ? map_.upper_bound(*after) : map_.lower_bound(from);
  for (; it != map_.end(); ++it) {
    std::string_view k = it->first;
    if (!so.end.empty() && k >= so.end) return false;
    if (!so.prefix.empty() && k.substr(0, so.prefix.size()) != so.prefix) {
      if (k > so.prefix) return false;  // past every key with this prefix
      continue;
    }
    if (it->second.deleted) continue;
    if (out->size() == max) return true;
    out->emplace_back(it->first, it->second.value);
  }
  return false;
}

void Index::load(SnapshotMap&& entries, Lsn lsn) {
  std::unique_lock lk(mu_);
  map_.clear();
  live_ = entries.size();
  for (auto& [k, v] : entries) map_.emplace_hint(map_.end(), k, Entry{std::move(v), lsn, false});
  entries.clear();
}

SnapshotMap Index::copy_live() const {
  std::shared_lock lk(mu_);
  SnapshotMap out;
  for (const auto& [k, e] : map_)
    if (!e.deleted) out.emplace_hint(out.end(), k, e.value);
  return out;
}

void Index::purge_tombstones() {
  std::unique_lock lk(mu_);
  std::erase_if(map_, [](const auto& kv) { return kv.second.deleted; });
}

std::uint64_t Index::live_keys() const {
  std::shared_lock lk(mu_);
  return live_;
}

}  // namespace walkv
