#include "notifier.h"

#include <vector>

namespace walkv {

void Notifier::add(Lsn lsn, Callback fn, const std::atomic<Lsn>& durable,
                   const std::function<Status()>& failure) {
  Status now;
  {
    std::lock_guard lk(mu_);
    if (durable.load(std::memory_order_acquire) < lsn) {
      now = failure();
      if (now.ok()) {
        waiting_.emplace(lsn, std::move(fn));
        count_.fetch_add(1, std::memory_order_release);
        return;
      }
    }
  }
  fn(now);
}

void Notifier::fire_upto(Lsn durable) {
  std::vector<Callback> ready;
  {
    std::lock_guard lk(mu_);
    auto end = waiting_.upper_bound(durable);
    for (auto it = waiting_.begin(); it != end; ++it) ready.push_back(std::move(it->second));
    waiting_.erase(waiting_.begin(), end);
    count_.store(waiting_.size(), std::memory_order_release);
  }
  const Status ok;
  for (auto& fn : ready) fn(ok);
}

void Notifier::fail_all(const Status& error) {
  std::multimap<Lsn, Callback> all;
  {
    std::lock_guard lk(mu_);
    all.swap(waiting_);
    count_.store(0, std::memory_order_release);
  }
  for (auto& [lsn, fn] : all) fn(error);
}

}  // namespace walkv
