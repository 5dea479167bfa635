#include "region_reserve.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdint>
#include <new>

namespace walkv {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
#ifndef MADV_POPULATE_WRITE
constexpr int MADV_POPULATE_WRITE = 23;  // Linux 5.14; older headers lack it
#endif

}  // namespace

void* map_prefaulted(std::size_t size) {
  // A region of whole huge pages is mapped with a huge page's slack and trimmed to an
  // aligned start, so that the kernel can back it with huge pages.
  const bool huge = size % kHugePage == 0;
  const std::size_t len = huge ? size + kHugePage : size;
  void* p = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  char* base = static_cast<char*>(p);
  if (huge) {
    char* aligned = reinterpret_cast<char*>(
        round_up(reinterpret_cast<std::uintptr_t>(base), kHugePage));
    if (aligned > base) ::munmap(base, static_cast<std::size_t>(aligned - base));
    const std::size_t tail = len - static_cast<std::size_t>(aligned - base) - size;
    if (tail > 0) ::munmap(aligned + size, tail);
    base = aligned;
    ::madvise(base, size, MADV_HUGEPAGE);  // a hint: without THP, 4 KiB pages it is
  }
  if (::madvise(base, size, MADV_POPULATE_WRITE) != 0) {
    for (std::size_t off = 0; off < size; off += kPageSize) base[off] = 0;
  }
  return base;
}

void unmap_prefaulted(void* p, std::size_t size) { ::munmap(p, size); }

RegionReserve::RegionReserve() : thread_([this] { run(); }) {}

RegionReserve::~RegionReserve() {
  {
    std::lock_guard lk(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
  for (void* r : ready_) unmap_prefaulted(r, kRegion);
}

void* RegionReserve::take() {
  std::lock_guard lk(mu_);
  void* r = nullptr;
  if (!ready_.empty()) {
    r = ready_.back();
    ready_.pop_back();
    ++handed_out_;
  } else {
    keep_ = std::clamp(keep_ * 2, kMinKeep, kMaxKeep);
  }
  cv_.notify_one();
  return r;
}

void RegionReserve::expect_taker() {
  std::lock_guard lk(mu_);
  ++takers_;
  if (keep_ < std::min(takers_, kMaxKeep)) {
    keep_ = std::min(takers_, kMaxKeep);
    cv_.notify_one();
  }
}

std::size_t RegionReserve::ready() const {
  std::lock_guard lk(mu_);
  return ready_.size();
}

std::size_t RegionReserve::keep() const {
  std::lock_guard lk(mu_);
  return keep_;
}

std::size_t RegionReserve::handed_out() const {
  std::lock_guard lk(mu_);
  return handed_out_;
}

void RegionReserve::run() {
  std::unique_lock lk(mu_);
  while (true) {
    cv_.wait(lk, [&] { return stop_ || ready_.size() < keep_; });
    if (stop_) return;
    lk.unlock();
    void* r = nullptr;
    try {
      r = map_prefaulted(kRegion);
    } catch (const std::bad_alloc&) {
      // Out of address space or memory: keep no more than there is now, until a caller
      // finds the reserve empty again (and meets the same error mapping its own).
    }
    lk.lock();
    if (r != nullptr) {
      ready_.push_back(r);
    } else {
      keep_ = ready_.size();
    }
  }
}

}  // namespace walkv
