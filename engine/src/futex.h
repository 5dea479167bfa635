// The two Linux futex calls the commit path sleeps and wakes with.
//
// Why futexes and not condition variables: group commit must wake exactly the writers a
// flush made durable, in one system call, and the one writer that leads the next flush.
// A condition variable either wakes everybody (each then takes the commit log's mutex
// only to go back to sleep) or one arbitrary waiter. On the small virtual machines walkv
// is measured on, every wake-up system call costs 5–15 µs (a cross-CPU interrupt leaves
// the guest), so the number of wake calls per flush is worth counting.
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdint>

namespace walkv::futex {

static_assert(sizeof(std::atomic<std::uint32_t>) == 4, "a futex word is 32 bits");

// Sleeps while `word` holds `seen`. Returns after a wake, a signal or a change; callers
// re-check their condition.
inline void wait(std::atomic<std::uint32_t>& word, std::uint32_t seen) {
  ::syscall(SYS_futex, &word, FUTEX_WAIT_PRIVATE, seen, nullptr, nullptr, 0);
}

// Wakes up to `count` threads sleeping on `word` (INT_MAX: all of them).
inline void wake(std::atomic<std::uint32_t>& word, int count = INT_MAX) {
  ::syscall(SYS_futex, &word, FUTEX_WAKE_PRIVATE, count, nullptr, nullptr, 0);
}

}  // namespace walkv::futex
