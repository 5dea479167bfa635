#include "index_memory.h"

#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define WALKV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WALKV_ASAN 1
#endif
#endif
#ifdef WALKV_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include <algorithm>
#include <cstdint>
#include <new>

namespace walkv {
namespace {

// Under AddressSanitizer a pooled block is poisoned while it is free (a use after free is
// reported) and unpoisoned when handed out. Unpoisoning also matters for blocks that come
// back poisoned: absl's B-tree poisons a node's unused slots, and a freed node's block may
// next hold a record.
void set_poisoned(void* p, std::size_t n, bool poisoned) {
#ifdef WALKV_ASAN
  if (poisoned) {
    ASAN_POISON_MEMORY_REGION(p, n);
  } else {
    ASAN_UNPOISON_MEMORY_REGION(p, n);
  }
#else
  (void)p, (void)n, (void)poisoned;
#endif
}

}  // namespace

PrefaultedRegions::~PrefaultedRegions() {
  for (const Region& r : regions_) {
    // AddressSanitizer keeps its shadow across munmap: a region mapped at these addresses
    // later would start out poisoned.
    set_poisoned(r.base, r.size, false);
    ::munmap(r.base, r.size);
  }
}

void PrefaultedRegions::map_region(std::size_t at_least) {
  constexpr std::size_t kFull = RegionReserve::kRegion;
  std::size_t size = round_up(std::max(at_least, next_region_), kPageSize);
  // Fault the whole region in now, in one call, rather than page by page on the put path.
  // From half a full-size region on, a full-size one comes ready from the reserve when it
  // has one: mapping even 1 MiB here cost a put 5-12 ms when all shards reached that size
  // together.
  void* p = nullptr;
  if (reserve_ && size >= kFull / 2 && size <= kFull) {
    p = reserve_->take();
    if (p != nullptr) size = kFull;
  }
  if (p == nullptr) p = map_prefaulted(size);
  const std::size_t before = next_region_;
  next_region_ = size >= kFull ? kFull : std::min(next_region_ * 2, kFull);
  // The next region will come from the reserve: ask it to have one ready by then.
  if (reserve_ && before < kFull / 2 && next_region_ >= kFull / 2) reserve_->expect_taker();
  char* base = static_cast<char*>(p);
  regions_.push_back({base, size});
  mapped_ += size;
  next_ = base;
  end_ = base + size;
}

constexpr std::size_t kCarvePrefetch = 512;

void* PrefaultedRegions::carve(std::size_t bytes, std::size_t align) {
  auto at = [&] { return reinterpret_cast<char*>(round_up(reinterpret_cast<std::uintptr_t>(next_), align)); };
  if (next_ == nullptr || at() + bytes > end_) map_region(bytes + align);
  char* p = at();
  next_ = p + bytes;
  // Blocks are carved one after the other, so the next few will lie just ahead: ask for
  // those cache lines now, for writing. The region was zeroed (faulted in) on another thread,
  // so without this every new block's first store waits for its line from memory.
  if (next_ + kCarvePrefetch <= end_) {
    const auto first = reinterpret_cast<std::uintptr_t>(p + kCarvePrefetch) & ~std::uintptr_t{63};
    for (auto line = first; line < reinterpret_cast<std::uintptr_t>(next_ + kCarvePrefetch);
         line += 64) {
      __builtin_prefetch(reinterpret_cast<const void*>(line), 1);
    }
  }
  return p;
}

IndexMemory::~IndexMemory() {
  while (large_.next != &large_) {
    LargeBlock* b = large_.next;
    large_.next = b->next;
    ::operator delete(b, std::align_val_t(b->align));
  }
}

void* IndexMemory::do_allocate(std::size_t bytes, std::size_t align) {
  if (!pooled(bytes, align)) {
    // The header sits at the block's start; the caller's bytes follow at `align`.
    const std::size_t header = large_header(align);
    const std::size_t a = std::max(align, alignof(LargeBlock));
    auto* raw = static_cast<char*>(::operator new(header + bytes, std::align_val_t(a)));
    auto* b = new (raw) LargeBlock{&large_, large_.next, a};
    large_.next->prev = b;
    large_.next = b;
    return raw + header;
  }
  const std::size_t c = (std::max<std::size_t>(bytes, 1) + kGrain - 1) / kGrain;
  if (FreeBlock* b = free_[c]) {
    set_poisoned(b, c * kGrain, false);
    free_[c] = b->next;
    return b;
  }
  return regions_.carve(c * kGrain, kGrain);
}

void IndexMemory::do_deallocate(void* p, std::size_t bytes, std::size_t align) {
  // Unsized: clang before 19 does not declare sized deallocation by default.
  if (!pooled(bytes, align)) {
    auto* b = reinterpret_cast<LargeBlock*>(static_cast<char*>(p) - large_header(align));
    b->prev->next = b->next;
    b->next->prev = b->prev;
    return ::operator delete(b, std::align_val_t(b->align));
  }
  const std::size_t c = (std::max<std::size_t>(bytes, 1) + kGrain - 1) / kGrain;
  set_poisoned(p, sizeof(FreeBlock), false);
  free_[c] = new (p) FreeBlock{free_[c]};
  set_poisoned(static_cast<char*>(p) + sizeof(FreeBlock), c * kGrain - sizeof(FreeBlock), true);
}

}  // namespace walkv
