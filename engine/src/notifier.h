// Durability notifications: callbacks keyed by LSN, fired once durability reaches them.
//
// Thread safety: internally synchronized. Callbacks run on the thread that calls
// fire_upto()/fail_all()/add() (never under the notifier's lock), exactly once each.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>

#include "walkv/options.h"
#include "walkv/status.h"

namespace walkv {

class Notifier {
 public:
  using Callback = std::function<void(const Status&)>;

  // Registers fn for `lsn`; runs it at once if durable_lsn already covers it or the log has
  // failed. `durable` and `failure` are read under the notifier's lock so no firing is missed.
  void add(Lsn lsn, Callback fn, const std::atomic<Lsn>& durable,
           const std::function<Status()>& failure);
  // Runs every callback with LSN <= durable. REQUIRES: durable was published before the call.
  void fire_upto(Lsn durable);
  // Runs every remaining callback with `error`.
  void fail_all(const Status& error);
  // seq_cst: see add().
  bool empty() const { return count_.load(std::memory_order_seq_cst) == 0; }

 private:
  std::mutex mu_;
  std::multimap<Lsn, Callback> waiting_;  // GUARDED_BY(mu_)
  std::atomic<std::size_t> count_{0};
};

}  // namespace walkv
