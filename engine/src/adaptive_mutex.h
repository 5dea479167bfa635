// A mutex that spins for a moment before it sleeps, and the condition variable that waits
// on it.
//
// Why: walkv's hot locks — the commit log's mu_ and each index shard's lock — are held for
// a fraction of a microsecond, and often by more threads than the machine has cores. A
// std::mutex puts a thread to sleep in the kernel as soon as the lock is taken; the holder
// lets go a few hundred nanoseconds later and must wake the sleeper with a system call
// that, on a virtual machine, is an interrupt to a vCPU that may have gone idle. With four
// async writers on two vCPUs, 69% of all context switches were such lock sleeps; adaptive
// mutexes took BM_Put/async/threads:4 from 442k-594k to 599k-804k ops/s. glibc's adaptive
// mutex (PTHREAD_MUTEX_ADAPTIVE_NP) first retries while the lock is held, a bounded number of
// times (glibc's tunable glibc.pthread.mutex_spin_count, 100 by default), and only then
// sleeps as a std::mutex would: a short wait costs a spin, a long one what it always did.
// (docs/performance.md, "Async, four writers"; BM_Put/async/threads:4 guards it.)
//
// AdaptiveCondVar is std::condition_variable for an AdaptiveMutex: the same pthread_cond_t
// calls, with timed waits on the steady clock (pthread_cond_clockwait, CLOCK_MONOTONIC).
//
// Thread safety: as std::mutex and std::condition_variable. AdaptiveMutex meets the
// standard's Lockable requirements (std::unique_lock, std::lock_guard, std::scoped_lock).
#pragma once

#include <pthread.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace walkv {

class AdaptiveMutex {
 public:
  AdaptiveMutex() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~AdaptiveMutex() { pthread_mutex_destroy(&m_); }
  AdaptiveMutex(const AdaptiveMutex&) = delete;
  AdaptiveMutex& operator=(const AdaptiveMutex&) = delete;

  // An adaptive mutex has no error checks: like std::mutex, relocking from the owning
  // thread deadlocks, and unlocking a mutex this thread does not hold is undefined.
  void lock() noexcept { pthread_mutex_lock(&m_); }
  bool try_lock() noexcept { return pthread_mutex_trylock(&m_) == 0; }
  void unlock() noexcept { pthread_mutex_unlock(&m_); }
  pthread_mutex_t* native_handle() noexcept { return &m_; }

 private:
  pthread_mutex_t m_;
};

class AdaptiveCondVar {
 public:
  using Lock = std::unique_lock<AdaptiveMutex>;
  using Clock = std::chrono::steady_clock;

  AdaptiveCondVar() noexcept { pthread_cond_init(&c_, nullptr); }
  ~AdaptiveCondVar() { pthread_cond_destroy(&c_); }
  AdaptiveCondVar(const AdaptiveCondVar&) = delete;
  AdaptiveCondVar& operator=(const AdaptiveCondVar&) = delete;

  void notify_one() noexcept { pthread_cond_signal(&c_); }
  void notify_all() noexcept { pthread_cond_broadcast(&c_); }

  // REQUIRES (all waits): lk owns its mutex. Waits may wake spuriously, as std's do.
  void wait(Lock& lk) { pthread_cond_wait(&c_, lk.mutex()->native_handle()); }
  template <class Pred>
  void wait(Lock& lk, Pred done) {
    while (!done()) wait(lk);
  }

  template <class Duration>
  std::cv_status wait_until(Lock& lk, std::chrono::time_point<Clock, Duration> deadline) {
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline.time_since_epoch()).count();
    timespec ts{};
    if (ns > 0) {
      ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
    }
    const int rc = pthread_cond_clockwait(&c_, lk.mutex()->native_handle(), CLOCK_MONOTONIC, &ts);
    return rc == ETIMEDOUT ? std::cv_status::timeout : std::cv_status::no_timeout;
  }
  // Returns done() as of the last check: false means the deadline passed first.
  template <class Duration, class Pred>
  bool wait_until(Lock& lk, std::chrono::time_point<Clock, Duration> deadline, Pred done) {
    while (!done()) {
      if (wait_until(lk, deadline) == std::cv_status::timeout) return done();
    }
    return true;
  }
  // A timeout too long for the clock's range waits as if without one.
  template <class Rep, class Period, class Pred>
  bool wait_for(Lock& lk, std::chrono::duration<Rep, Period> timeout, Pred done) {
    constexpr auto kForever = std::chrono::hours(24 * 365 * 100);
    if (timeout >= kForever) {
      wait(lk, done);
      return true;
    }
    return wait_until(lk, Clock::now() + timeout, done);
  }

 private:
  pthread_cond_t c_;
};

}  // namespace walkv
