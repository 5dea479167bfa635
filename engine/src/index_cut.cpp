#include "index_cut.h"

#include <cstring>

namespace walkv {
namespace {
constexpr std::size_t kEntryHeader = 2 * sizeof(std::uint32_t);  // key size, value size
}  // namespace

void IndexShardCopy::append(std::string_view key, std::string_view value) {
  const std::size_t need = kEntryHeader + key.size() + value.size();
  // An entry never straddles chunks; one larger than a chunk gets a chunk of its own.
  if (chunks_.empty() || chunks_.back().size() + need > chunks_.back().capacity()) {
    chunks_.emplace_back();
    chunks_.back().reserve(need > kChunk ? need : kChunk);
  }
  std::string& c = chunks_.back();
  const std::uint32_t sizes[2] = {static_cast<std::uint32_t>(key.size()),
                                  static_cast<std::uint32_t>(value.size())};
  c.append(reinterpret_cast<const char*>(sizes), sizeof(sizes));
  c.append(key);
  c.append(value);
  ++entries_;
}

void IndexShardCopy::Cursor::load() {
  while (chunk_ < copy_->chunks_.size() && pos_ == copy_->chunks_[chunk_].size()) {
    ++chunk_;
    pos_ = 0;
  }
  if (!valid()) return;
  const char* p = copy_->chunks_[chunk_].data() + pos_;
  std::uint32_t sizes[2];
  std::memcpy(sizes, p, sizeof(sizes));
  key_ = {p + sizeof(sizes), sizes[0]};
  value_ = {p + sizeof(sizes) + sizes[0], sizes[1]};
}

void IndexShardCopy::Cursor::next() {
  pos_ += kEntryHeader + key_.size() + value_.size();
  load();
}

bool IndexCut::complete() const {
  for (const IndexShardCopy& s : shards_)
    if (s.failed) return false;
  return true;
}

std::uint64_t IndexCut::size() const {
  std::uint64_t n = 0;
  for (const IndexShardCopy& s : shards_) n += s.entries();
  return n;
}

Status IndexCut::for_each(
    const std::function<Status(std::string_view, std::string_view)>& fn) const {
  // A key lives in exactly one shard, so the merge needs no tie-breaking. Sixteen cursors:
  // a linear scan for the smallest is as quick as a heap and simpler.
  std::vector<IndexShardCopy::Cursor> cursors;
  for (const IndexShardCopy& s : shards_)
    if (IndexShardCopy::Cursor c(s); c.valid()) cursors.push_back(c);
  while (!cursors.empty()) {
    std::size_t min = 0;
    for (std::size_t i = 1; i < cursors.size(); ++i)
      if (cursors[i].key() < cursors[min].key()) min = i;
    if (Status s = fn(cursors[min].key(), cursors[min].value()); !s.ok()) return s;
    cursors[min].next();
    if (!cursors[min].valid()) {
      cursors[min] = cursors.back();
      cursors.pop_back();
    }
  }
  return Status::OK();
}

}  // namespace walkv
