#include "notifier.h"

#include <vector>

namespace walkv {

void Notifier::add(Lsn lsn, Callback fn, const std::atomic<Lsn>& durable,
                   const std::function<Status()>& failure) {
  Status now;
  bool added = false;
  {
    std::lock_guard lk(mu_);
    if (durable.load(std::memory_order_seq_cst) < lsn) {
      now = failure();
      if (now.ok()) {
        waiting_.emplace(lsn, std::move(fn));
        count_.fetch_add(1, std::memory_order_seq_cst);
        added = true;
      }
    }
  }
  if (!added) {
    fn(now);
    return;
  }
  // A flush may have published its durable LSN after the check above and looked at empty()
  // before the count went up: then it fires nothing, and if no flush follows, this callback
  // would wait forever. The flush stores the LSN, then reads the count; this raises the
  // count, then reads the LSN (all seq_cst): at least one of the two sees the other.
  if (const Lsn now_durable = durable.load(std::memory_order_seq_cst); now_durable >= lsn)
    fire_upto(now_durable);
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
