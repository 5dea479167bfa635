#include "index_record.h"

#include <cstring>
#include <new>

#include "index_memory.h"

namespace walkv {
namespace {

// Blocks come in size classes (index_memory.h): the value may use the rest of its block's
// class for free.
constexpr std::size_t kGrain = IndexMemory::kGrain;

std::uint32_t capacity_for(std::size_t key_size, std::size_t value_size) {
  const std::size_t used = sizeof(IndexRecord) + key_size + value_size;
  const std::size_t block = (used + kGrain - 1) / kGrain * kGrain;
  return static_cast<std::uint32_t>(block - sizeof(IndexRecord) - key_size);
}

}  // namespace

IndexRecord* IndexRecord::make(std::pmr::memory_resource* m, std::string_view key,
                               std::string_view value, Lsn lsn, bool deleted) {
  const std::uint32_t cap = capacity_for(key.size(), value.size());
  void* p = m->allocate(block_size(key.size(), cap), alignof(IndexRecord));
  auto* r = new (p) IndexRecord{lsn, static_cast<std::uint32_t>(key.size()),
                                static_cast<std::uint32_t>(value.size()), cap, deleted};
  // Empty views may have a null data(): memcpy from null is undefined even for 0 bytes.
  if (!key.empty()) std::memcpy(r->bytes(), key.data(), key.size());
  if (!value.empty()) std::memcpy(r->bytes() + key.size(), value.data(), value.size());
  return r;
}

void IndexRecord::destroy(std::pmr::memory_resource* m, IndexRecord* r) {
  m->deallocate(r, block_size(r->key_size, r->value_capacity), alignof(IndexRecord));
}

IndexRecord* IndexRecord::update(std::pmr::memory_resource* m, IndexRecord* r,
                                 std::string_view value, Lsn lsn, bool deleted) {
  const bool fits = value.size() <= r->value_capacity;
  // Keep the block unless the value would leave most of it unused.
  const bool wasteful = r->value_capacity > 2 * capacity_for(r->key_size, value.size()) + 64;
  if (fits && !wasteful) {
    if (!value.empty()) std::memmove(r->bytes() + r->key_size, value.data(), value.size());
    r->value_size = static_cast<std::uint32_t>(value.size());
    r->lsn = lsn;
    r->deleted = deleted;
    return r;
  }
  IndexRecord* n = make(m, r->key(), value, lsn, deleted);
  destroy(m, r);
  return n;
}

}  // namespace walkv
