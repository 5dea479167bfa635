// Where one index shard's nodes, keys and values live: free lists by size class on memory
// that is already faulted in, in transparent huge pages where the kernel allows.
//
// Why: a put of a new key allocates its record (~150 bytes for a 16-byte key and a 100-byte
// value) and now and then a tree node. From malloc, that memory is fresh heap: one page
// fault every ~16 puts, and on the virtual machines walkv is measured on a fault costs
// 5–15 µs — it was the whole async put's p99 (~17 µs against a 2.5 µs median; the same
// benchmark with glibc's heap in huge pages had a p99 of 4–6 µs). Here memory is mapped in
// regions that are populated in one call when mapped (MADV_POPULATE_WRITE), growing from
// 64 KiB to 2 MiB, so a put does not fault, and recovery builds the tree without faulting
// either. From the 1 MiB step on, regions come ready (2 MiB) from the index's RegionReserve
// when it has one (region_reserve.h), populated on another thread; the memory announces
// itself to the reserve when it maps its 512 KiB region.
//
// A freed block goes on its size class's free list (classes of 16 bytes) and is reused by
// the next allocation of that class: O(1) both ways, no search. Blocks above kLargestPooled
// bytes (large values) go to operator new, since holding on to large freed blocks would
// strand memory; they are kept on a list, so that destroying the IndexMemory frees them too.
// Everything returns to the system when the IndexMemory is destroyed — its users need not
// free their blocks first (the index drops a shard of a million entries in one go) — and
// pooled memory not before (docs/limits.md).
//
// Thread safety: none. Each shard uses its own IndexMemory under its own lock.
#pragma once

#include <cstddef>
#include <memory_resource>
#include <vector>

#include "region_reserve.h"

namespace walkv {

// Carves blocks out of pre-faulted regions, one after the other; gives nothing back before
// it is destroyed (IndexMemory keeps freed blocks on its free lists instead).
class PrefaultedRegions {
 public:
  PrefaultedRegions() = default;
  ~PrefaultedRegions();
  PrefaultedRegions(const PrefaultedRegions&) = delete;
  PrefaultedRegions& operator=(const PrefaultedRegions&) = delete;

  // `bytes` aligned to `align` (a power of two). Throws std::bad_alloc if mmap fails.
  void* carve(std::size_t bytes, std::size_t align);
  // Maps a region of at least `bytes` now, faulted in, and carves from it next (the rest of
  // the current region is left unused): for a caller that knows what it will need and would
  // rather fault it in at once, on its own thread. Throws std::bad_alloc if mmap fails.
  void map_ahead(std::size_t bytes) { map_region(bytes); }
  std::size_t mapped_bytes() const { return mapped_; }
  // Full-size regions come from `reserve` when it has one ready. REQUIRES: `reserve`
  // outlives this.
  void set_reserve(RegionReserve* reserve) { reserve_ = reserve; }

 private:
  struct Region {
    void* base;
    std::size_t size;
  };
  void map_region(std::size_t at_least);

  std::vector<Region> regions_;
  char* next_ = nullptr;
  char* end_ = nullptr;
  std::size_t next_region_ = 64 << 10;
  std::size_t mapped_ = 0;
  RegionReserve* reserve_ = nullptr;
};

class IndexMemory : public std::pmr::memory_resource {
 public:
  static constexpr std::size_t kLargestPooled = 4096;
  static constexpr std::size_t kGrain = 16;  // size classes: multiples of this

  IndexMemory() = default;
  ~IndexMemory() override;
  IndexMemory(const IndexMemory&) = delete;
  IndexMemory& operator=(const IndexMemory&) = delete;

  // Bytes of pre-faulted regions mapped so far (pooled blocks, in use or free).
  std::size_t mapped_bytes() const { return regions_.mapped_bytes(); }
  // See PrefaultedRegions::set_reserve.
  void set_reserve(RegionReserve* reserve) { regions_.set_reserve(reserve); }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  // Precedes each large block: the list of blocks to free on destruction.
  struct LargeBlock {
    LargeBlock* prev;
    LargeBlock* next;
    std::size_t align;  // of the whole allocation, for operator delete
  };
  // Header bytes before the caller's: a multiple of `align`, so the caller's stay aligned.
  static std::size_t large_header(std::size_t align) {
    return (sizeof(LargeBlock) + align - 1) / align * align;
  }
  void* do_allocate(std::size_t bytes, std::size_t align) override;
  void do_deallocate(void* p, std::size_t bytes, std::size_t align) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
  static bool pooled(std::size_t bytes, std::size_t align) {
    return bytes <= kLargestPooled && align <= kGrain;
  }

  PrefaultedRegions regions_;
  FreeBlock* free_[kLargestPooled / kGrain + 1] = {};
  LargeBlock large_{&large_, &large_, 0};  // circular list of large blocks
};

}  // namespace walkv
