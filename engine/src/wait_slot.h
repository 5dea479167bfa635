// A one-shot wake-up for one sleeping thread: group commit uses it to hand the lead of the
// next flush to one chosen writer (see commit_log.h).
//
// Lifetime: post() may issue its FUTEX_WAKE after the waiter has already seen the flag and
// returned, so the slot's memory may be gone by then. That is safe: the syscall only looks
// the address up in the kernel's futex table and writes nothing; at worst it wakes a later
// slot placed at the same address, and wait() re-checks its flag after every wake.
//
// Thread safety: one waiter, one poster, each call once.
#pragma once

#include <atomic>
#include <cstdint>

#include "futex.h"

namespace walkv {

class WaitSlot {
 public:
  void wait() {
    while (word_.load(std::memory_order_acquire) == 0) futex::wait(word_, 0);
  }
  void post() {
    word_.store(1, std::memory_order_release);
    futex::wake(word_, 1);
  }

 private:
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace walkv
