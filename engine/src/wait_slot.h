// A one-shot wake-up for one sleeping thread, on a Linux futex.
//
// Why not a condition variable: group commit wakes a chosen few of many waiting writers —
// the ones a flush made durable, and one to lead the next flush. A shared condition
// variable can only wake all of them (each then fights for the commit log's mutex only to
// go back to sleep) or an arbitrary one. A slot per waiter wakes exactly the right threads.
//
// Lifetime: post() may issue its FUTEX_WAKE after the waiter has already seen the flag and
// returned, so the slot's memory may be gone by then. That is safe: the syscall only looks
// the address up in the kernel's futex table and writes nothing; at worst it wakes a later
// slot placed at the same address, and wait() re-checks its flag after every wake.
//
// Thread safety: one waiter, one poster, each call once.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>

namespace walkv {

class WaitSlot {
 public:
  void wait() {
    while (word_.load(std::memory_order_acquire) == 0)
      ::syscall(SYS_futex, &word_, FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
  }
  void post() {
    word_.store(1, std::memory_order_release);
    ::syscall(SYS_futex, &word_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  }

 private:
  static_assert(sizeof(std::atomic<std::uint32_t>) == 4, "a futex word is 32 bits");
  std::atomic<std::uint32_t> word_{0};
};

}  // namespace walkv
