#include "index_cut.h"

#include <algorithm>
#include <cstring>
#include <new>

namespace walkv {
namespace {
constexpr std::size_t kEntryHeader = 2 * sizeof(std::uint32_t);  // key size, value size
}  // namespace

void IndexShardCopy::set_range(std::uint64_t lo, std::uint64_t hi) {
  lo_ = lo;
  width_ = (hi - lo) / kCutParts + 1;  // so that (hi - lo) / width_ < kCutParts
  copied_.reset();
}

std::size_t IndexShardCopy::part_of(std::uint64_t prefix) const {
  if (prefix <= lo_) return 0;
  const std::uint64_t p = (prefix - lo_) / width_;
  return p < kCutParts ? static_cast<std::size_t>(p) : kCutParts - 1;
}

std::uint64_t IndexShardCopy::part_start(std::size_t part) const {
  if (part == 0) return 0;
  // part * width_ < 2^64 (part < kCutParts, width_ <= 2^64 / kCutParts + 1), but lo_ + it may pass
  // 2^64 - 1 when hi is within kCutParts of it; such a part holds no prefix, and starting it
  // at the largest prefix keeps the copy exact.
  const std::uint64_t offset = part * width_;
  const std::uint64_t max = ~std::uint64_t{0};
  return offset > max - lo_ ? max : lo_ + offset;
}

void IndexShardCopy::reserve(std::size_t bytes) noexcept {
  if (bytes == 0) return;
  try {
    memory_.map_ahead(bytes);
  } catch (const std::bad_alloc&) {
  }
}

void IndexShardCopy::append(std::size_t part, std::string_view key, std::string_view value) {
  const std::size_t need = kEntryHeader + key.size() + value.size();
  std::vector<Span>& spans = parts_[part];
  if (spans.capacity() == spans.size()) spans.reserve(std::max<std::size_t>(4, 2 * spans.size()));
  char* p = static_cast<char*>(memory_.carve(need, 1));
  const std::uint32_t sizes[2] = {static_cast<std::uint32_t>(key.size()),
                                  static_cast<std::uint32_t>(value.size())};
  std::memcpy(p, sizes, sizeof(sizes));
  if (!key.empty()) std::memcpy(p + sizeof(sizes), key.data(), key.size());
  if (!value.empty()) std::memcpy(p + sizeof(sizes) + key.size(), value.data(), value.size());
  if (!spans.empty() && spans.back().data + spans.back().size == p) {
    spans.back().size += need;
  } else {
    spans.push_back({p, need});
  }
  ++entries_;
}

void IndexShardCopy::Cursor::load() {
  while (part_ < kCutParts) {
    const std::vector<Span>& spans = copy_->parts_[part_];
    if (span_ < spans.size() && pos_ < spans[span_].size) break;
    pos_ = 0;
    if (span_ + 1 < spans.size()) {
      ++span_;
    } else {
      ++part_;
      span_ = 0;
    }
  }
  if (!valid()) return;
  const char* p = copy_->parts_[part_][span_].data + pos_;
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
