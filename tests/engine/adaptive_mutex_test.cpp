// AdaptiveMutex and AdaptiveCondVar (engine/src/adaptive_mutex.h): the commit log and the
// index shards rely on them for mutual exclusion and for every wait on the log's state.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "adaptive_mutex.h"

namespace walkv {
namespace {

using namespace std::chrono_literals;
using Lock = std::unique_lock<AdaptiveMutex>;

TEST_CASE("AdaptiveMutex: more threads than cores never lose an update", "[adaptive_mutex]") {
  AdaptiveMutex mu;
  // Plain (not atomic) fields updated in two steps: any overlap of two holders shows as a
  // lost update or as a pair out of step.
  std::uint64_t a = 0, b = 0;
  bool torn = false;
  constexpr int kThreads = 6, kRounds = 50'000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kRounds; ++i) {
        std::lock_guard lk(mu);
        if (a != b) torn = true;
        ++a;
        ++b;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK_FALSE(torn);
  CHECK(a == std::uint64_t{kThreads} * kRounds);
  CHECK(b == a);
}

TEST_CASE("AdaptiveMutex: try_lock fails while another thread holds it", "[adaptive_mutex]") {
  AdaptiveMutex mu;
  mu.lock();
  bool got = true;
  std::thread([&] { got = mu.try_lock(); }).join();
  CHECK_FALSE(got);
  mu.unlock();
  std::thread([&] {
    got = mu.try_lock();
    if (got) mu.unlock();
  }).join();
  CHECK(got);
}

TEST_CASE("AdaptiveCondVar: notify wakes a waiter, which sees the change", "[adaptive_mutex]") {
  AdaptiveMutex mu;
  AdaptiveCondVar cv;
  int stage = 0;  // GUARDED_BY(mu)
  std::thread waiter([&] {
    Lock lk(mu);
    cv.wait(lk, [&] { return stage == 1; });
    stage = 2;
    cv.notify_all();
  });
  {
    Lock lk(mu);
    stage = 1;
  }
  cv.notify_one();
  Lock lk(mu);
  // A timeout long enough never to pass on a working condition variable, short enough
  // that a broken one fails the test instead of hanging it.
  const bool done = cv.wait_for(lk, 30s, [&] { return stage == 2; });
  lk.unlock();
  waiter.join();
  CHECK(done);
  CHECK(stage == 2);
}

TEST_CASE("AdaptiveCondVar: wait_until returns false at the deadline, with the lock held",
          "[adaptive_mutex]") {
  AdaptiveMutex mu;
  AdaptiveCondVar cv;
  Lock lk(mu);
  const auto start = std::chrono::steady_clock::now();
  const bool done = cv.wait_until(lk, start + 20ms, [] { return false; });
  const auto waited = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(done);
  CHECK(waited >= 20ms);
  CHECK(lk.owns_lock());
  // The lock really is held again: another thread cannot take it.
  bool got = true;
  std::thread([&] { got = mu.try_lock(); }).join();
  CHECK_FALSE(got);

  // A deadline already past returns at once; a timeout beyond the clock's range is a wait
  // without one (satisfied here by the predicate).
  CHECK_FALSE(cv.wait_until(lk, start - 1s, [] { return false; }));
  CHECK(cv.wait_for(lk, std::chrono::microseconds::max(), [] { return true; }));
}

}  // namespace
}  // namespace walkv
